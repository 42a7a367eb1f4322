// Alpaca market-data stream messages (src/alpaca/bar_stream.hpp): parse_stream_bars, what the
// live ingestion agent reads from wss://stream.data.alpaca.markets/v2/<feed>. Oracles: every bar
// returned is plausible (bar_checks.hpp), 1 minute long, ends when its header says, and every
// skipped object is counted.
#include <string>

#include "awet/alpaca/bar_stream.hpp"
#include "bar_oracle.hpp"

using namespace awet;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parsed = alpaca::parse_stream_bars(fuzz::as_text(data, size));
    if (!parsed.ok()) return 0;
    fuzz::expect_plausible(parsed->bars);
    for (const MarketBar& b : parsed->bars) {
        AWET_FUZZ_EXPECT(b.interval == Duration::minutes(1));
        AWET_FUZZ_EXPECT(b.header.ts == b.bar_start + b.interval);
    }
    for (const auto& [type, count] : parsed->skipped) AWET_FUZZ_EXPECT(count > 0);
    AWET_FUZZ_EXPECT(parsed->malformed >= 0);
    return 0;
}
