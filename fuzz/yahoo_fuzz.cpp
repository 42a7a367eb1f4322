// Yahoo v8 chart parsers (src/marketdata): parse_yahoo_chart (bars, what `awet ingest yahoo`
// reads) and parse_yahoo_events (splits and dividends), on the body alone and with the interval
// taken from meta.dataGranularity. Oracle: every bar returned is plausible (bar_checks.hpp).
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
    for (Duration interval : {Duration{}, Duration::minutes(1)}) {
        auto page = marketdata::parse_yahoo_chart(body, "fuzz", "AAPL", interval);
        if (page.ok()) {
            fuzz::expect_plausible(page->bars);
            AWET_FUZZ_EXPECT(page->skipped_null_rows >= 0);
        }
    }
    auto events = marketdata::parse_yahoo_events(body, "fuzz");
    if (events.ok()) {
        for (const auto& a : *events) (void)a.describe();
    }
    (void)marketdata::parse_yahoo_interval(body.substr(0, 8));
    return 0;
}
