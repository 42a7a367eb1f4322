#pragma once
// LiveFeedMonitor: data quality of a live minute-bar feed, one bar at a time, against the
// US-equities session calendar. Pure (time is passed in): the ingestion agent's live mode feeds it
// every bar with the wall-clock arrival time and asks check(now) on each loop turn; the results go
// to Prometheus (awet_data_quality_issues_total, awet_feed_last_bar_age_seconds, awet_feed_stale).
//
// Per symbol it counts, with the per-bar checks of check_bar_quality (BarSequence):
//   duplicate        bar_start seen before;
//   out_of_order     bar_start before the latest one seen (and not a repeat);
//   zero_volume      volume 0;
//   outside_session  bar_start not inside a regular session (pre/after-market bars, weekends);
//   gap              an in-session bar more than one interval after the previous bar of the same
//                    session: one gap, `missing_bars` minutes missing. A late bar that fills a gap
//                    afterwards is counted out of order; the gap stays counted. Minutes missing at
//                    the open before the first bar, or after the last bar of a session, are not
//                    gaps: a feed that stops is what `stale` reports.
// A feed is stale when the market is open at `now` and no bar of that symbol has arrived for more
// than stale_after_seconds, counted from the latest of: its last bar's arrival, the monitor's
// start, the session's open. Closed market (nights, weekends, holidays): never stale.
// It never makes up, repairs or drops a bar: it only counts.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/time.hpp"
#include "awet/marketdata/bar_quality.hpp"
#include "awet/model/events.hpp"

namespace awet::marketdata {

struct LiveFeedOptions {
    Duration interval = Duration::minutes(1);
    int64_t stale_after_seconds = 180;
};

enum class FeedIssueKind { kGap, kDuplicate, kOutOfOrder, kZeroVolume, kOutsideSession };
/// "gap", "duplicate", "out_of_order", "zero_volume", "outside_session" (the metric's `kind`).
std::string_view feed_issue_name(FeedIssueKind kind);

struct FeedIssue {
    std::string symbol;
    FeedIssueKind kind = FeedIssueKind::kGap;
    int64_t missing_bars = 0;  // gaps: minutes missing
    std::string detail;        // "<bar_start iso>: gap of 3 bar(s)"
};

struct SymbolFeedStats {
    int64_t bars = 0;  // every bar received, repeats included
    int64_t gaps = 0, missing_bars = 0, duplicates = 0, out_of_order = 0, zero_volume = 0,
            outside_session = 0;
    std::optional<Timestamp> last_arrival;    // wall time the last bar arrived
    std::optional<Timestamp> last_bar_start;  // bar_start of the last bar received
};

struct FeedHealth {
    std::string symbol;
    bool any_bar = false;        // a bar arrived since the monitor started
    int64_t last_bar_age_s = 0;  // now - last arrival (or - the monitor's start when none)
    bool stale = false;
};

class LiveFeedMonitor {
public:
    /// `symbols` are expected (checked for staleness even before their first bar); bars of other
    /// symbols are tracked from their first bar on. `started` is the wall time the feed started.
    LiveFeedMonitor(std::vector<std::string> symbols, Timestamp started,
                    LiveFeedOptions options = {});

    /// One live bar, arrived at `now`: the issues it shows (none for a clean bar).
    std::vector<FeedIssue> on_bar(const MarketBar& bar, Timestamp now);
    /// Age and staleness of every symbol at `now`, by symbol name.
    std::vector<FeedHealth> check(Timestamp now) const;
    /// Counters of one symbol; nullptr for an unknown symbol.
    const SymbolFeedStats* stats(std::string_view symbol) const;
    /// Whether `now` is inside a regular session.
    static bool market_open(Timestamp now);
    const LiveFeedOptions& options() const { return options_; }

private:
    struct Feed {
        SymbolFeedStats stats;
        BarSequence sequence;
        std::optional<Session> latest_session;  // session of the latest in-order bar
    };
    Feed& feed(const std::string& symbol);

    LiveFeedOptions options_;
    Timestamp started_;
    std::map<std::string, Feed, std::less<>> feeds_;
};

}  // namespace awet::marketdata
