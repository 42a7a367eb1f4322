#pragma once
// The end-of-day job of a running book, one for the embedded pipeline and the reconciler
// process alike: each session is closed once, its daily_pnl_summary row taken from the book
// (daily_pnl_of, the rule `awet eod` uses on the stored trades) and saved with the positions.
#include <optional>
#include <set>
#include <vector>

#include "awet/model/events.hpp"
#include "awet/portfolio/portfolio.hpp"
#include "awet/store/store.hpp"

namespace awet {

class EodJob {
public:
    /// Both may be null (a run that persists nothing keeps the rows only).
    EodJob(PnlReports* reports, PositionBook* positions)
        : reports_(reports), positions_(positions) {}

    /// Closes `date` once (later calls for it do nothing): the day's row from `book`, stamped
    /// `close`, upserted into daily_pnl_summary, then the book's positions synced at `close`.
    Status close_session(const Portfolio& book, const Date& date, Timestamp close);
    bool closed(const Date& date) const { return done_.contains(date); }
    /// The rows closed so far, in order.
    const std::vector<DailyPnlRow>& rows() const { return rows_; }

    /// The trigger of a process that sees the bars one at a time: a session closes at its last
    /// bar (the bar that reaches the close), or when a bar of a later session arrives first.
    Status on_bar(const Portfolio& book, const MarketBar& bar);

private:
    PnlReports* reports_;
    PositionBook* positions_;
    std::set<Date> done_;
    std::vector<DailyPnlRow> rows_;
    std::optional<Date> session_date_;  // of the last bar seen (on_bar)
    Timestamp session_close_;
};

}  // namespace awet
