// CSV bars (src/data/csv_bars.hpp): parse_bars_csv, the decoder behind `awet ingest csv`, CsvSource
// and `make demo ARGS="--data DIR"`. Each input is parsed twice, with the 1-minute interval and
// with the interval inferred from the data. Oracles: every accepted bar is plausible under the
// limits it was read with (the reader's contract), and the counts add up.
#include <algorithm>
#include <string>

#include "awet/data/bar_checks.hpp"
#include "awet/data/csv_bars.hpp"
#include "fuzz_support.hpp"

namespace {

void parse(std::string_view text, awet::Duration interval) {
    const awet::BarLimits limits;
    int64_t bars = 0;
    auto report = awet::parse_bars_csv(
        text, "fuzz.csv",
        [&](const awet::MarketBar& bar) {
            ++bars;
            AWET_FUZZ_EXPECT(!awet::check_bar_values(bar, limits).has_value());
            AWET_FUZZ_EXPECT(bar.interval.ns() > 0);
        },
        interval, limits);
    if (!report.ok()) return;
    AWET_FUZZ_EXPECT(report->accepted == bars);
    AWET_FUZZ_EXPECT(report->rows == report->accepted + report->rejected);
    AWET_FUZZ_EXPECT(report->issues.size() <= awet::CsvReadReport::kMaxIssues);
    (void)std::all_of(report->issues.begin(), report->issues.end(),
                      [](const awet::CsvIssue& i) { return !i.to_string().empty(); });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    awet::fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = awet::fuzz::as_text(data, size);
    parse(text, awet::Duration::minutes(1));
    parse(text, awet::kInferInterval);
    return 0;
}
