#include "awet/marketdata/live_feed_monitor.hpp"

#include <algorithm>

#include "awet/calendar/calendar.hpp"

namespace awet::marketdata {

std::string_view feed_issue_name(FeedIssueKind kind) {
    switch (kind) {
        case FeedIssueKind::kGap:
            return "gap";
        case FeedIssueKind::kDuplicate:
            return "duplicate";
        case FeedIssueKind::kOutOfOrder:
            return "out_of_order";
        case FeedIssueKind::kZeroVolume:
            return "zero_volume";
        case FeedIssueKind::kOutsideSession:
            return "outside_session";
    }
    return "unknown";
}

LiveFeedMonitor::LiveFeedMonitor(std::vector<std::string> symbols, Timestamp started,
                                 LiveFeedOptions options)
    : options_(options), started_(started) {
    for (const std::string& s : symbols) feed(s);
}

LiveFeedMonitor::Feed& LiveFeedMonitor::feed(const std::string& symbol) {
    auto it = feeds_.find(symbol);
    if (it == feeds_.end()) {
        it = feeds_.emplace(symbol, Feed{SymbolFeedStats{}, BarSequence(options_.interval), {}})
                 .first;
    }
    return it->second;
}

std::vector<FeedIssue> LiveFeedMonitor::on_bar(const MarketBar& bar, Timestamp now) {
    const std::string symbol = bar.header.symbol.str();
    Feed& f = feed(symbol);
    SymbolFeedStats& st = f.stats;
    ++st.bars;
    st.last_arrival = now;
    st.last_bar_start = bar.bar_start;
    std::vector<FeedIssue> issues;
    auto issue = [&](FeedIssueKind kind, std::string what, int64_t missing = 0) {
        issues.push_back({symbol, kind, missing, bar.bar_start.iso() + ": " + std::move(what)});
    };
    const BarCheck c = f.sequence.add(bar);
    if (c.zero_volume) {
        ++st.zero_volume;
        issue(FeedIssueKind::kZeroVolume, "zero volume");
    }
    if (c.duplicate) {
        ++st.duplicates;
        issue(FeedIssueKind::kDuplicate, "duplicate");
        return issues;
    }
    if (c.out_of_order) {
        ++st.out_of_order;
        issue(FeedIssueKind::kOutOfOrder, "out of order (after " + c.latest_before.iso() + ")");
    }
    if (!f.sequence.intraday()) return issues;
    if (!c.session) {
        ++st.outside_session;
        issue(FeedIssueKind::kOutsideSession, "outside the regular session");
        return issues;
    }
    if (c.out_of_order) return issues;  // a late bar neither opens nor closes a gap
    if (f.latest_session && f.latest_session->open == c.session->open && c.had_previous) {
        const int64_t missing =
            (bar.bar_start.ns() - c.latest_before.ns()) / options_.interval.ns() - 1;
        if (missing > 0) {
            ++st.gaps;
            st.missing_bars += missing;
            issue(FeedIssueKind::kGap, "gap of " + std::to_string(missing) + " bar(s)", missing);
        }
    }
    if (!f.latest_session || f.latest_session->open != c.session->open) {
        // A new session: repeats from two days back are no longer worth remembering.
        f.sequence.forget_before(c.session->open - Duration::days(2));
    }
    f.latest_session = c.session;
    return issues;
}

bool LiveFeedMonitor::market_open(Timestamp now) { return SessionCalendar::is_open(now); }

std::vector<FeedHealth> LiveFeedMonitor::check(Timestamp now) const {
    const auto session = SessionCalendar::session_at(now);
    std::vector<FeedHealth> out;
    out.reserve(feeds_.size());
    for (const auto& [symbol, f] : feeds_) {
        FeedHealth h;
        h.symbol = symbol;
        h.any_bar = f.stats.last_arrival.has_value();
        const Timestamp last = f.stats.last_arrival.value_or(started_);
        h.last_bar_age_s = std::max<int64_t>(0, (now.ns() - last.ns()) / 1'000'000'000);
        if (session) {
            const Timestamp since = std::max({last, started_, session->open});
            // Duration::seconds saturates: a huge stale_after_seconds never wraps negative.
            h.stale = now - since > Duration::seconds(options_.stale_after_seconds);
        }
        out.push_back(std::move(h));
    }
    return out;
}

const SymbolFeedStats* LiveFeedMonitor::stats(std::string_view symbol) const {
    auto it = feeds_.find(symbol);
    return it == feeds_.end() ? nullptr : &it->second.stats;
}

}  // namespace awet::marketdata
