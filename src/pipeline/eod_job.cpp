#include "awet/pipeline/eod_job.hpp"

#include "awet/calendar/calendar.hpp"
#include "awet/core/crash_point.hpp"
#include "awet/core/log.hpp"
#include "awet/portfolio/reconciler.hpp"
#include "awet/report/daily_pnl.hpp"

namespace awet {

Status EodJob::close_session(const Portfolio& book, const Date& date, Timestamp close) {
    if (!done_.insert(date).second) return Status::Ok();
    DailyPnlRow row = daily_pnl_of(book, date, close);
    rows_.push_back(row);
    if (reports_ != nullptr) {
        AWET_TRY(reports_->upsert_daily_pnl(row));
        crash_point("eod");
    }
    if (positions_ != nullptr) AWET_TRY(Reconciler::sync_positions(book, *positions_, close));
    logger("eod")->info("EOD {}: realized {} unrealized {} trades {}", date.to_string(),
                        row.realized_pnl_usd.to_string(), row.unrealized_pnl_usd.to_string(),
                        row.num_trades);
    return Status::Ok();
}

Status EodJob::on_bar(const Portfolio& book, const MarketBar& bar) {
    const auto session = SessionCalendar::session_at(bar.bar_start);
    if (!session) return Status::Ok();
    if (session_date_ && *session_date_ != session->date) {
        AWET_TRY(close_session(book, *session_date_, session_close_));
    }
    session_date_ = session->date;
    session_close_ = session->close;
    if (bar.bar_start + bar.interval >= session->close) {
        AWET_TRY(close_session(book, session->date, session->close));
    }
    return Status::Ok();
}

}  // namespace awet
