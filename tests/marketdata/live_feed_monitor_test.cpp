// LiveFeedMonitor: exact counts of gaps, repeats, late bars, zero volume and bars outside the
// session on a constructed live feed; staleness only while the market is open.
#include "awet/marketdata/live_feed_monitor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace awet::marketdata {
namespace {

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }

MarketBar bar(const char* symbol, const char* start, int64_t volume = 100) {
    MarketBar b;
    b.header.symbol.assign(symbol);
    b.bar_start = at(start);
    b.interval = Duration::minutes(1);
    b.open = b.high = b.low = b.close = Price::from_raw(100'000'000);
    b.volume = Quantity::from_raw(volume * 1'000'000);
    return b;
}

/// "kind" names of the issues, in order.
std::vector<std::string> kinds(const std::vector<FeedIssue>& issues) {
    std::vector<std::string> out;
    for (const auto& i : issues) out.emplace_back(feed_issue_name(i.kind));
    return out;
}

using Kinds = std::vector<std::string>;

// 2026-03-12 is a Thursday in US summer time: the session is 13:30Z-20:00Z.
TEST(LiveFeedMonitor, CountsEachKindExactlyAndNeverMakesUpABar) {
    LiveFeedMonitor m({"AAPL", "MSFT"}, at("2026-03-12T12:55:00Z"));
    const Timestamp now = at("2026-03-12T13:00:00Z");  // arrival times do not matter here
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:00:00Z"), now)),
              (Kinds{"outside_session"}));  // pre-market
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:30:00Z"), now)), Kinds{});
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:31:00Z"), now)), Kinds{});
    const auto gap = m.on_bar(bar("AAPL", "2026-03-12T13:35:00Z"), now);
    ASSERT_EQ(kinds(gap), (Kinds{"gap"}));
    EXPECT_EQ(gap[0].missing_bars, 3);
    EXPECT_EQ(gap[0].symbol, "AAPL");
    EXPECT_NE(gap[0].detail.find("gap of 3 bar(s)"), std::string::npos) << gap[0].detail;
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:35:00Z"), now)), (Kinds{"duplicate"}));
    // A late bar inside the gap: out of order; the gap stays counted, no new gap.
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:33:00Z"), now)), (Kinds{"out_of_order"}));
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:36:00Z", 0), now)), (Kinds{"zero_volume"}));
    // A repeat with zero volume is both.
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T13:36:00Z", 0), now)),
              (Kinds{"zero_volume", "duplicate"}));
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-12T20:05:00Z"), now)),
              (Kinds{"outside_session"}));  // after the close
    // The next session's first bar is not a gap from the previous session's last.
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-13T13:30:00Z"), now)), Kinds{});
    EXPECT_EQ(kinds(m.on_bar(bar("AAPL", "2026-03-13T13:32:00Z"), now)), (Kinds{"gap"}));
    // Another symbol has its own sequence.
    EXPECT_EQ(kinds(m.on_bar(bar("MSFT", "2026-03-12T13:31:00Z"), now)), Kinds{});
    EXPECT_EQ(kinds(m.on_bar(bar("MSFT", "2026-03-12T13:32:00Z"), now)), Kinds{});

    const SymbolFeedStats* a = m.stats("AAPL");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->bars, 11);  // every bar received, nothing added
    EXPECT_EQ(a->gaps, 2);
    EXPECT_EQ(a->missing_bars, 4);
    EXPECT_EQ(a->duplicates, 2);
    EXPECT_EQ(a->out_of_order, 1);
    EXPECT_EQ(a->zero_volume, 2);
    EXPECT_EQ(a->outside_session, 2);
    EXPECT_EQ(*a->last_bar_start, at("2026-03-13T13:32:00Z"));
    const SymbolFeedStats* b = m.stats("MSFT");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->bars, 2);
    EXPECT_EQ(b->gaps + b->duplicates + b->out_of_order + b->zero_volume + b->outside_session, 0);
    EXPECT_EQ(m.stats("SPY"), nullptr);
}

TEST(LiveFeedMonitor, StaleOnlyWhileTheMarketIsOpen) {
    LiveFeedMonitor m({"AAPL", "MSFT"}, at("2026-03-12T14:00:00Z"));
    EXPECT_TRUE(m.on_bar(bar("AAPL", "2026-03-12T13:59:00Z"), at("2026-03-12T14:00:30Z")).empty());

    auto h = m.check(at("2026-03-12T14:03:30Z"));
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].symbol, "AAPL");
    EXPECT_TRUE(h[0].any_bar);
    EXPECT_EQ(h[0].last_bar_age_s, 180);
    EXPECT_FALSE(h[0].stale);  // more than 180 s is stale; 180 is not
    EXPECT_EQ(h[1].symbol, "MSFT");
    EXPECT_FALSE(h[1].any_bar);
    EXPECT_EQ(h[1].last_bar_age_s, 210);  // since the monitor started
    EXPECT_TRUE(h[1].stale);

    h = m.check(at("2026-03-12T14:03:31Z"));
    EXPECT_EQ(h[0].last_bar_age_s, 181);
    EXPECT_TRUE(h[0].stale);
    // A new bar clears it.
    m.on_bar(bar("AAPL", "2026-03-12T14:03:00Z"), at("2026-03-12T14:04:00Z"));
    h = m.check(at("2026-03-12T14:04:10Z"));
    EXPECT_FALSE(h[0].stale);
    EXPECT_EQ(h[0].last_bar_age_s, 10);

    // After the close, at night, on a weekend and on a holiday: old, never stale.
    for (const char* closed : {"2026-03-12T20:30:00Z", "2026-03-13T03:00:00Z",
                               "2026-03-14T15:00:00Z", "2026-12-25T15:00:00Z"}) {
        for (const FeedHealth& f : m.check(at(closed))) {
            EXPECT_FALSE(f.stale) << closed << " " << f.symbol;
            EXPECT_GT(f.last_bar_age_s, 180) << closed;
        }
    }
}

TEST(LiveFeedMonitor, StalenessCountsFromTheOpenNotFromLastNight) {
    LiveFeedMonitor m({"AAPL"}, at("2026-03-12T12:00:00Z"),
                      LiveFeedOptions{Duration::minutes(1), 60});
    m.on_bar(bar("AAPL", "2026-03-11T19:59:00Z"), at("2026-03-12T12:00:05Z"));  // yesterday's last
    EXPECT_FALSE(m.check(at("2026-03-12T13:29:59Z"))[0].stale);                 // pre-market
    EXPECT_FALSE(m.check(at("2026-03-12T13:31:00Z"))[0].stale);  // 60 s after the open
    EXPECT_TRUE(m.check(at("2026-03-12T13:31:01Z"))[0].stale);
    EXPECT_EQ(m.check(at("2026-03-12T13:31:01Z"))[0].last_bar_age_s, 5456);
}

TEST(LiveFeedMonitor, IssueNames) {
    EXPECT_EQ(feed_issue_name(FeedIssueKind::kGap), "gap");
    EXPECT_EQ(feed_issue_name(FeedIssueKind::kDuplicate), "duplicate");
    EXPECT_EQ(feed_issue_name(FeedIssueKind::kOutOfOrder), "out_of_order");
    EXPECT_EQ(feed_issue_name(FeedIssueKind::kZeroVolume), "zero_volume");
    EXPECT_EQ(feed_issue_name(FeedIssueKind::kOutsideSession), "outside_session");
}

}  // namespace
}  // namespace awet::marketdata
