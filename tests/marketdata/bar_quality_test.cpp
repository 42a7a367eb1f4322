// Data-quality report: exact counts on a constructed series, plausible counts on the shared
// 1-minute set (read through the CSV reader).
#include "awet/marketdata/bar_quality.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "awet/calendar/calendar.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet_test_support.hpp"

namespace awet::marketdata {
namespace {

MarketBar bar(Timestamp start, int64_t volume = 100) {
    MarketBar b;
    b.header.symbol = "AAPL";
    b.bar_start = start;
    b.header.ts = start + Duration::minutes(1);
    b.open = b.high = b.low = b.close = Price::from_units(10);
    b.volume = Quantity::from_units(volume);
    return b;
}

TEST(BarQualityTest, CountsEachKindOfProblemExactly) {
    const Session s = *SessionCalendar::session(Date{2026, 3, 12});
    std::vector<MarketBar> bars;
    for (int m = 0; m < 390; ++m) {
        if (m >= 100 && m < 103) continue;  // a gap of 3 bars
        if (m == 200) continue;             // a gap of 1 bar
        bars.push_back(bar(s.open + Duration::minutes(m), m == 50 || m == 51 ? 0 : 100));
    }
    bars.push_back(bar(s.open + Duration::minutes(10)));   // duplicate (also out of place)
    bars.push_back(bar(s.open + Duration::minutes(-30)));  // before the open: outside, and early
    const Session s2 = *SessionCalendar::session(Date{2026, 3, 13});
    for (int m = 0; m < 300; ++m) bars.push_back(bar(s2.open + Duration::minutes(m)));  // cut short
    MarketBar other = bar(s2.open);
    other.header.symbol = "MSFT";
    bars.push_back(other);

    const auto r = check_bar_quality(bars);
    EXPECT_EQ(r.symbol, "AAPL");
    EXPECT_EQ(r.bars, static_cast<int64_t>(bars.size()) - 1);
    EXPECT_EQ(r.sessions, 2);
    EXPECT_EQ(r.gaps, 2);
    EXPECT_EQ(r.missing_bars, 4);
    EXPECT_EQ(r.zero_volume, 2);
    EXPECT_EQ(r.duplicates, 1);
    EXPECT_EQ(r.out_of_order, 1);
    EXPECT_EQ(r.outside_session, 1);
    EXPECT_EQ(r.incomplete_sessions, 1);
    EXPECT_EQ(r.missing_edge_bars, 90);
    EXPECT_EQ(r.other_symbol, 1);
    EXPECT_FALSE(r.clean());
    EXPECT_FALSE(r.examples.empty());
    EXPECT_NE(r.summary().find("2 gaps (4 missing)"), std::string::npos) << r.summary();
}

TEST(BarQualityTest, FullSessionIsClean) {
    const Session s = *SessionCalendar::session(Date{2026, 3, 12});
    std::vector<MarketBar> bars;
    for (int m = 0; m < 390; ++m) bars.push_back(bar(s.open + Duration::minutes(m)));
    const auto r = check_bar_quality(bars);
    EXPECT_TRUE(r.clean()) << r.summary();
    EXPECT_EQ(r.sessions, 1);
}

TEST(BarQualityTest, SharedOneMinuteSet) {
    const auto dir = awet::testing::shared_data() / "bars/1min";
    std::map<std::string, BarQualityReport> reports;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".csv") continue;
        std::vector<MarketBar> bars;
        auto read =
            read_bars_csv(e.path().string(), [&](const MarketBar& b) { bars.push_back(b); });
        ASSERT_TRUE(read.ok()) << read.error().to_string();
        ASSERT_FALSE(bars.empty()) << e.path();
        reports[e.path().stem().string()] = check_bar_quality(bars);
    }
    ASSERT_EQ(reports.size(), 8u);
    int64_t zero_volume = 0;
    for (const auto& [sym, r] : reports) {
        SCOPED_TRACE(r.summary());
        EXPECT_EQ(r.symbol, sym);
        EXPECT_EQ(r.out_of_order, 0);
        EXPECT_EQ(r.duplicates, 0);
        EXPECT_EQ(r.outside_session, 0);  // regular-session bars only (shared/data/README.md)
        EXPECT_EQ(r.other_symbol, 0);
        EXPECT_GE(r.sessions, 12);
        // 2026-03-27 has 388 of 390 bars in every file (shared/data/README.md): one gap of 2.
        EXPECT_EQ(r.gaps, 1);
        EXPECT_EQ(r.missing_bars, 2);
        zero_volume += r.zero_volume;
        if (sym != "SPY") {
            EXPECT_GE(r.zero_volume, 110);
            EXPECT_LE(r.zero_volume, 250);
        }
    }
    EXPECT_GT(zero_volume, 0);
    // SPY 2026-03-31 ends 14:58Z: a session cut short.
    EXPECT_EQ(reports["SPY"].incomplete_sessions, 1);
    EXPECT_EQ(reports["SPY"].missing_edge_bars, 390 - 89);  // 13:30Z..14:58Z is 89 bars
    bool spy_0331 = false;
    for (const auto& ex : reports["SPY"].examples)
        spy_0331 = spy_0331 || ex.find("session 2026-03-31") != std::string::npos;
    EXPECT_TRUE(spy_0331);
}

}  // namespace
}  // namespace awet::marketdata
