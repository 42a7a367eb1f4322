#pragma once
// Operations on the trading record: positions, trades, daily PnL, the end-of-day job, the audit
// chain of one correlation id. Each takes a typed request and returns a typed result (its JSON
// form: awet/ops/json.hpp); only `eod` writes.
#include <optional>
#include <string>
#include <vector>

#include "awet/ops/context.hpp"
#include "awet/portfolio/portfolio.hpp"

namespace awet::ops {

struct PositionsRequest {};
struct PositionsResult {
    std::vector<PositionRow> positions;  // `positions` table, by symbol
};
Result<PositionsResult> positions(Context& ctx, const PositionsRequest& request);

struct TradesRequest {
    std::string symbol;  // empty: every symbol
    size_t limit = 50;   // the newest this many (1 ..)
    bool fills = false;  // the text form lists the trades rows, not the round trips
};
struct TradesResult {
    std::vector<TradeRow> trades;  // oldest first
    size_t total = 0;              // rows that matched before the limit
    /// The positions the rows opened and closed, FIFO (a closing fill against the lots it
    /// matched, the book `awet eod` uses): the newest `limit`, oldest first.
    std::vector<ClosedTrade> round_trips;
    size_t round_trips_total = 0;
    Money round_trips_net;  // net PnL after fees of every round trip, not only those listed
    bool fills = false;     // as requested
};
Result<TradesResult> trades(Context& ctx, const TradesRequest& request);

enum class PnlPeriod : uint8_t { kDay, kWeek };
struct PnlRequest {
    PnlPeriod period = PnlPeriod::kDay;
    std::optional<Date> date;  // the last day of the period; default: today (America/New_York)
};
struct PnlResult {
    Date from, to;
    std::vector<DailyPnlRow> rows;
    std::optional<Date> latest;  // when `rows` is empty: the latest stored report, if any
};
Result<PnlResult> pnl(Context& ctx, const PnlRequest& request);

struct EodRequest {
    std::optional<Date> date;  // default: the session of the last stored bar
};
struct EodResult {
    DailyPnlRow row;  // recomputed from the stored trades and bars, and saved
};
Result<EodResult> eod(Context& ctx, const EodRequest& request);

struct TraceRequest {
    Uuid correlation_id;
};
struct TraceResult {
    Uuid correlation_id;
    std::vector<AuditRecord> records;  // in the order they were written
};
Result<TraceResult> trace(Context& ctx, const TraceRequest& request);

}  // namespace awet::ops
