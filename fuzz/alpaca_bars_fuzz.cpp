// Alpaca market-data REST bars (src/marketdata): parse_alpaca_bars (single-symbol, multi-symbol
// and latest-bar responses, what `awet ingest alpaca` reads) and parse_alpaca_bar (one bar object,
// also the stream's). Oracle: every bar returned is plausible (bar_checks.hpp).
#include <string>

#include "awet/marketdata/bar_parsers.hpp"
#include "bar_oracle.hpp"

using namespace awet;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    for (Duration interval : {Duration::minutes(1), Duration::days(1)}) {
        auto page = marketdata::parse_alpaca_bars(body, "fuzz", "AAPL", interval);
        if (page.ok()) fuzz::expect_plausible(page->bars);
    }
    auto bar = marketdata::parse_alpaca_bar(body, "AAPL", Duration::minutes(1), "fuzz", "bar");
    if (bar.ok()) fuzz::expect_plausible(std::span(&*bar, 1));
    return 0;
}
