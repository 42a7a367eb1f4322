#include "awet/ops/book.hpp"

#include "awet/calendar/calendar.hpp"
#include "awet/portfolio/stored_book.hpp"
#include "awet/report/daily_pnl.hpp"

namespace awet::ops {

Result<PositionsResult> positions(Context& ctx, const PositionsRequest&) {
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    auto rows = (*store)->load_positions();
    if (!rows.ok()) return rows.error();
    return PositionsResult{std::move(*rows)};
}

Result<TradesResult> trades(Context& ctx, const TradesRequest& request) {
    if (request.limit == 0) return make_error(ErrorCode::kInvalidArgument, "limit: at least 1");
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    TradeQuery q;
    if (!request.symbol.empty()) q.symbol = request.symbol;
    auto rows = (*store)->load_trades(q);
    if (!rows.ok()) return rows.error();
    TradesResult out;
    out.fills = request.fills;
    out.total = rows->size();
    const size_t start = rows->size() > request.limit ? rows->size() - request.limit : 0;
    out.trades.assign(rows->begin() + static_cast<std::ptrdiff_t>(start), rows->end());
    const StoredBook stored = book_from_trades(*rows);  // owns the round trips read below
    const std::vector<ClosedTrade>& closed = stored.book.closed_trades();
    out.round_trips_total = closed.size();
    for (const ClosedTrade& t : closed) out.round_trips_net = out.round_trips_net + t.net_pnl;
    const size_t first = closed.size() > request.limit ? closed.size() - request.limit : 0;
    out.round_trips.assign(closed.begin() + static_cast<std::ptrdiff_t>(first), closed.end());
    return out;
}

Result<PnlResult> pnl(Context& ctx, const PnlRequest& request) {
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    PnlResult out;
    out.to = request.date.value_or(SessionCalendar::to_local(ctx.now()).date);
    const int span = request.period == PnlPeriod::kWeek ? 7 : 1;
    out.from = civil_from_days(days_from_civil(out.to) - (span - 1));
    auto rows = (*store)->load_daily_pnl(out.from, out.to);
    if (!rows.ok()) return rows.error();
    out.rows = std::move(*rows);
    if (out.rows.empty()) {
        auto all = (*store)->load_daily_pnl(Date{1970, 1, 1}, Date{9999, 12, 31});
        if (all.ok() && !all->empty()) out.latest = all->back().report_date;
    }
    return out;
}

Result<EodResult> eod(Context& ctx, const EodRequest& request) {
    auto store = ctx.writable_store("awet eod");
    if (!store.ok()) return store.error();
    std::optional<Date> date = request.date;
    if (!date) {
        auto bars = (*store)->load_bars(BarQuery{});
        if (!bars.ok()) return bars.error();
        if (bars->empty()) {
            return make_error(ErrorCode::kNotFound,
                              "no bars stored: nothing to close; pass a date");
        }
        date = SessionCalendar::to_local(bars->back().bar_start).date;
    }
    auto row = eod_from_store(**store, *date, ctx.now());
    if (!row.ok()) return row.error();
    AWET_TRY((*store)->flush());
    return EodResult{*row};
}

Result<TraceResult> trace(Context& ctx, const TraceRequest& request) {
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    auto records = (*store)->load_audit(request.correlation_id);
    if (!records.ok()) return records.error();
    if (records->empty()) {
        return make_error(ErrorCode::kNotFound, "no audit events for correlation id " +
                                                    request.correlation_id.str() + " in " +
                                                    ctx.store_location());
    }
    return TraceResult{request.correlation_id, std::move(*records)};
}

}  // namespace awet::ops
