#include "awet/marketdata/bar_quality.hpp"

#include <algorithm>
#include <map>

namespace awet::marketdata {

namespace {

void note(BarQualityReport& r, Timestamp t, const std::string& what) {
    if (r.examples.size() < BarQualityReport::kMaxExamples)
        r.examples.push_back(t.iso() + ": " + what);
}

}  // namespace

std::string BarQualityReport::summary() const {
    return symbol + ": " + std::to_string(bars) + " bars, " + std::to_string(sessions) +
           " sessions, " + std::to_string(gaps) + " gaps (" + std::to_string(missing_bars) +
           " missing), " + std::to_string(incomplete_sessions) + " incomplete sessions (" +
           std::to_string(missing_edge_bars) + " missing at the edges), " +
           std::to_string(zero_volume) + " zero-volume, " + std::to_string(out_of_order) +
           " out of order, " + std::to_string(duplicates) + " duplicates, " +
           std::to_string(outside_session) + " outside the session, " +
           std::to_string(other_symbol) + " of another symbol";
}

BarSequence::BarSequence(Duration interval)
    : intraday_(interval.ns() > 0 && interval < Duration::days(1)) {}

BarCheck BarSequence::add(const MarketBar& b) {
    BarCheck c;
    c.zero_volume = b.volume.is_zero();
    c.latest_before = latest_;
    c.had_previous = any_;
    if (!seen_.insert(b.bar_start.ns()).second) {
        c.duplicate = true;
        return c;
    }
    c.out_of_order = any_ && b.bar_start < latest_;
    if (!any_ || b.bar_start > latest_) latest_ = b.bar_start;
    any_ = true;
    if (intraday_) c.session = SessionCalendar::session_at(b.bar_start);
    return c;
}

void BarSequence::forget_before(Timestamp t) {
    std::erase_if(seen_, [t](int64_t ns) { return ns < t.ns(); });
}

BarQualityReport check_bar_quality(std::span<const MarketBar> bars, Duration interval) {
    BarQualityReport r;
    if (bars.empty()) return r;
    const Symbol symbol = bars.front().header.symbol;
    r.symbol = symbol.str();
    BarSequence sequence(interval);
    const bool intraday = sequence.intraday();
    // In-session bar starts by session open (ordered), for the gap scan.
    std::map<int64_t, std::pair<Session, std::vector<int64_t>>> by_session;
    for (const MarketBar& b : bars) {
        if (!(b.header.symbol == symbol)) {
            ++r.other_symbol;
            continue;
        }
        ++r.bars;
        const BarCheck c = sequence.add(b);
        if (c.zero_volume) {
            ++r.zero_volume;
            note(r, b.bar_start, "zero volume");
        }
        if (c.duplicate) {
            ++r.duplicates;
            note(r, b.bar_start, "duplicate");
            continue;
        }
        if (c.out_of_order) {
            ++r.out_of_order;
            note(r, b.bar_start, "out of order (after " + c.latest_before.iso() + ")");
        }
        if (!intraday) continue;
        if (!c.session) {
            ++r.outside_session;
            note(r, b.bar_start, "outside the regular session");
            continue;
        }
        auto& slot = by_session[c.session->open.ns()];
        slot.first = *c.session;
        slot.second.push_back(b.bar_start.ns());
    }
    if (!intraday) return r;
    const int64_t step = interval.ns();
    for (auto& [open_ns, entry] : by_session) {
        auto& [session, starts] = entry;
        ++r.sessions;
        std::sort(starts.begin(), starts.end());
        for (size_t i = 1; i < starts.size(); ++i) {
            const int64_t missing = (starts[i] - starts[i - 1]) / step - 1;
            if (missing > 0) {
                ++r.gaps;
                r.missing_bars += missing;
                note(r, Timestamp::from_ns(starts[i - 1] + step),
                     "gap of " + std::to_string(missing) + " bar(s)");
            }
        }
        const int64_t head = (starts.front() - session.open.ns()) / step;
        const int64_t tail = (session.close.ns() - (starts.back() + step)) / step;
        if (head > 0 || tail > 0) {
            ++r.incomplete_sessions;
            r.missing_edge_bars += std::max<int64_t>(head, 0) + std::max<int64_t>(tail, 0);
            note(r, session.open,
                 "session " + session.date.to_string() + " misses " +
                     std::to_string(std::max<int64_t>(head, 0)) + " bar(s) after the open and " +
                     std::to_string(std::max<int64_t>(tail, 0)) + " before the close");
        }
    }
    return r;
}

}  // namespace awet::marketdata
