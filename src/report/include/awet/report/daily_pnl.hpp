#pragma once
// Daily PnL (seed §8.2 `daily_pnl_summary`): the row of one trading day, recomputed from the
// store alone so `awet eod` and `awet pnl save` work after a run, and the text table of
// `awet pnl today|week`.
#include <span>
#include <string>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/portfolio/portfolio.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// The row of one day:
///   realized   = sum of net_pnl of the trades closed that day (fees attributed per ClosedTrade)
///   unrealized = sum of unrealized_pl of the positions open at the close
///   total      = realized + unrealized
///   num_trades = closed trades that day; wins: net_pnl > 0; losses: net_pnl < 0 (0 is neither)
///   win_rate   = 100 * wins / num_trades (0 when no trades)
///   best/worst = symbol with the highest/lowest (that day's realized + unrealized at close);
///                ties go to the alphabetically first symbol; "" when there is none.
/// Positions with qty 0 are ignored.
DailyPnlRow compute_daily_pnl(Date date, std::span<const ClosedTrade> closed_that_day,
                              std::span<const PositionRow> open_positions_at_close, Timestamp now);

/// The row of `date` as `book` has it: the round trips it closed that day (New York local date)
/// and the positions it holds open, as it marks them, stamped `created_at`. The one day-closing
/// rule of every end-of-day path (the embedded pipeline, the reconciler process, `awet eod`).
DailyPnlRow daily_pnl_of(const Portfolio& book, Date date, Timestamp created_at);

/// The row of `date` as the store has it at `cutoff` (nothing written): eod_from_store's rule
/// with another cutoff, for a check during the session (the trade watchdog's drawdown).
Result<DailyPnlRow> daily_pnl_at(Store& store, Date date, Timestamp cutoff, Timestamp now);

/// Recomputes the row of `date` from the store and upserts it into daily_pnl_summary:
///  - cutoff = the session close of `date` (13:00 on early-close days); on a non-trading day, the
///    end of that local day;
///  - every trade with filled_qty > 0 and filled_at <= cutoff (filled, partially filled, or
///    canceled after a partial fill), ordered by (filled_at, id), is replayed through a Portfolio
///    as one fill of filled_qty at avg_fill_price with its fees (FIFO, so overnight positions
///    carry their earlier entries);
///  - the ClosedTrades whose closed_at falls on `date` in New York local time count for the day;
///  - open positions are marked at the close of the last 1-minute bar that ended at or before the
///    cutoff (market_raw_minute), else at their last fill price.
/// Store errors are returned; nothing is written then.
Result<DailyPnlRow> eod_from_store(Store& store, Date date, Timestamp now);

/// Fixed-width table, one line per row, then a TOTAL line (sums; win rate over all trades;
/// best/worst left blank). Money with sign and 2 decimals ("+250.00", "-3.10", "0.00"), win rate
/// with 1 decimal and '%'. Used by `awet pnl today|week`.
std::string format_pnl_table(std::span<const DailyPnlRow> rows);

/// "+1234.57" / "-0.50" / "0.00": cents rounded half away from zero.
std::string format_money(Money m);

}  // namespace awet
