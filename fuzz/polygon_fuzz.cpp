// Polygon REST parsers (src/marketdata): aggregates (parse_polygon_aggs, what `awet ingest
// polygon` reads), splits and dividends (corporate_actions.hpp), and the decimal reader they use.
// Oracle: every bar returned is plausible (bar_checks.hpp).
#include <string>

#include "awet/marketdata/bar_parsers.hpp"
#include "awet/marketdata/corporate_actions.hpp"
#include "bar_oracle.hpp"

using namespace awet;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    for (Duration interval : {Duration::minutes(1), Duration::days(1)}) {
        auto page = marketdata::parse_polygon_aggs(body, "fuzz", "AAPL", interval);
        if (page.ok()) fuzz::expect_plausible(page->bars);
    }
    auto splits = marketdata::parse_polygon_splits(body, "fuzz");
    if (splits.ok()) {
        for (const auto& a : splits->actions) {
            AWET_FUZZ_EXPECT(a.split_from > 0 && a.split_to > 0);
            (void)a.describe();
        }
    }
    auto dividends = marketdata::parse_polygon_dividends(body, "fuzz");
    if (dividends.ok()) {
        for (const auto& a : dividends->actions) (void)a.describe();
    }
    (void)marketdata::parse_decimal_micro(body.substr(0, 64));
    return 0;
}
