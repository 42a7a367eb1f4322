#pragma once
// Data-quality report over one symbol's intraday bars against the US-equities session calendar:
// gaps inside a session, sessions cut short, zero-volume bars, bars out of order or repeated, bars
// outside the regular session. Pure function; it counts and never repairs (no bar is filled).
// Called by `awet ingest` after a fetch and by tests over the shared 1-minute set.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "awet/calendar/calendar.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"

namespace awet::marketdata {

struct BarQualityReport {
    static constexpr size_t kMaxExamples = 20;

    std::string symbol;
    int64_t bars = 0;
    int64_t sessions = 0;             // distinct sessions with at least one bar
    int64_t gaps = 0;                 // runs of missing bars between two bars of one session
    int64_t missing_bars = 0;         // bars missing inside those runs
    int64_t incomplete_sessions = 0;  // first bar after the open or last bar before the close
    int64_t missing_edge_bars = 0;    // bars missing at the start or end of a session
    int64_t zero_volume = 0;
    int64_t out_of_order = 0;           // bar_start before an earlier bar's (and not a repeat)
    int64_t duplicates = 0;             // bar_start equal to an earlier bar's
    int64_t outside_session = 0;        // bar_start not inside a regular session
    int64_t other_symbol = 0;           // bars of another symbol than the first (not analysed)
    std::vector<std::string> examples;  // first kMaxExamples findings, with their timestamps

    /// Nothing found (clean series).
    bool clean() const {
        return gaps == 0 && incomplete_sessions == 0 && zero_volume == 0 && out_of_order == 0 &&
               duplicates == 0 && outside_session == 0 && other_symbol == 0;
    }
    /// One line: "AAPL: 3120 bars, 8 sessions, 2 gaps (5 missing), ...".
    std::string summary() const;
};

/// What one bar is against the bars of its symbol seen before it: the per-bar checks shared by
/// check_bar_quality (a stored series) and LiveFeedMonitor (one live bar at a time).
struct BarCheck {
    bool zero_volume = false;
    bool duplicate = false;     // bar_start seen before; nothing below is filled then
    bool out_of_order = false;  // bar_start before `latest_before` (and not a repeat)
    Timestamp latest_before;    // the latest bar_start before this bar (when there was one)
    bool had_previous = false;  // a non-repeated bar came before
    /// Intraday intervals only: the regular session containing bar_start; nullopt = outside.
    std::optional<Session> session;
};

/// The running state behind BarCheck for one symbol: bar starts seen, the latest one.
class BarSequence {
public:
    explicit BarSequence(Duration interval = Duration::minutes(1));
    BarCheck add(const MarketBar& bar);
    /// Forgets bar starts before t (a live feed's memory stays bounded; a repeat of a forgotten
    /// bar is then seen as out of order, not as a duplicate).
    void forget_before(Timestamp t);
    bool intraday() const { return intraday_; }

private:
    bool intraday_;
    std::unordered_set<int64_t> seen_;
    Timestamp latest_;
    bool any_ = false;
};

/// Checks bars of one symbol (the first bar's) in the given order. `interval` is the expected
/// spacing (1 minute by default); with an interval of a day or more only order, repeats and zero
/// volume are checked (daily bars are stamped by date, not by session instant).
BarQualityReport check_bar_quality(std::span<const MarketBar> bars,
                                   Duration interval = Duration::minutes(1));

}  // namespace awet::marketdata
