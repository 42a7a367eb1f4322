#pragma once
// The row layout shared by the SQLite and PostgreSQL stores: the column lists of every table (in
// the order both write and select them) and the row -> event/row readers, instantiated with each
// backend's Reader (uuid, fixed_string, ts, i64, real, fixed, enumeration, skip). Private to
// src/store.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awet/model/events.hpp"
#include "awet/store/store.hpp"

namespace awet::store_rows {

using Cols = std::vector<std::string_view>;

const Cols kBarEventPrefix = {
    "event_id", "correlation_id", "idempotency_key", "symbol",         "ts",
    "ts_ns",    "event_ts_ns",    "ts_init_ns",      "schema_version", "source"};

inline Cols concat(Cols a, const Cols& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline const Cols& bar_cols() {
    static const Cols c = concat(kBarEventPrefix, {"open", "high", "low", "close", "volume"});
    return c;
}
inline const Cols& feature_cols() {
    static const Cols c = [] {
        Cols cols = concat(kBarEventPrefix, {"close", "volume"});
        for (Feature f : kAllFeatures) cols.push_back(feature_name(f));
        cols.push_back("valid_mask");
        return cols;
    }();
    return c;
}
inline const Cols& prediction_cols() {
    static const Cols c =
        concat(kBarEventPrefix,
               {"close", "q10_30", "q50_30", "q90_30", "q10_45", "q50_45", "q90_45", "q10_60",
                "q50_60", "q90_60", "direction", "confidence", "signal", "model_id"});
    return c;
}
const Cols kRiskCols = {"event_id",
                        "correlation_id",
                        "idempotency_key",
                        "symbol",
                        "ts",
                        "ts_ns",
                        "ts_init_ns",
                        "schema_version",
                        "source",
                        "approved",
                        "reasons",
                        "reasons_mask",
                        "intent",
                        "exit_reason",
                        "side",
                        "qty",
                        "ref_price",
                        "notional",
                        "cvar",
                        "confidence",
                        "prediction_event_id"};
const Cols kTradeCols = {"ts",           "symbol",          "side",
                         "qty",          "filled_qty",      "avg_fill_price",
                         "status",       "alpaca_order_id", "alpaca_status",
                         "filled_at",    "correlation_id",  "idempotency_key",
                         "paper_trade",  "dry_run",         "ts_ns",
                         "filled_at_ns", "intent",          "exit_reason",
                         "fees",         "block_reason"};
const Cols kPositionCols = {"symbol",        "qty",          "avg_entry_price", "market_value",
                            "unrealized_pl", "cost_basis",   "updated_at",      "realized_pl",
                            "opened_at",     "opened_at_ns", "updated_at_ns"};
const Cols kAuditCols = {"event_id", "correlation_id", "idempotency_key", "symbol", "ts",
                         "source",   "event_type",     "payload",         "ts_ns"};
const Cols kModelCols = {"model_id",     "model_type",    "status",     "path",
                         "metrics_json", "params_json",   "created_at", "created_at_ns",
                         "promoted_at",  "promoted_at_ns"};
const Cols kDailyPnlCols = {"report_date",   "realized_pnl_usd", "unrealized_pnl_usd",
                            "total_pnl_usd", "num_trades",       "num_wins",
                            "num_losses",    "win_rate",         "best_symbol",
                            "worst_symbol",  "created_at",       "created_at_ns"};
const Cols kCheckpointCols = {"source", "symbol",     "last_ts",      "last_ts_ns",
                              "rows",   "updated_at", "updated_at_ns"};

const Cols kRunCols = {"run_id",     "command",       "first_bar_ns",   "last_bar_ns", "bars",
                       "started_at", "started_at_ns", "finished_at_ns", "pid"};

inline constexpr size_t kNumSources = static_cast<size_t>(Source::kCli) + 1;

template <class Reader>
void read_bar_prefix(Reader& r, EventHeader& h, Timestamp& bar_start) {
    h.event_id = r.uuid();
    h.correlation_id = r.uuid();
    h.idempotency_key = r.template fixed_string<IdempotencyKey::capacity()>();
    h.symbol = r.template fixed_string<Symbol::capacity()>();
    r.skip();  // ts (text / timestamptz: the *_ns column is read)
    bar_start = r.ts();
    h.ts = r.ts();
    h.ts_init = r.ts();
    h.schema_version = static_cast<int32_t>(r.i64());
    h.source = r.template enumeration<Source, kNumSources>();
}

template <class Reader>
MarketBar read_bar(Reader& r, Duration interval) {
    MarketBar bar;
    read_bar_prefix(r, bar.header, bar.bar_start);
    bar.interval = interval;
    bar.open = r.template fixed<PriceTag>();
    bar.high = r.template fixed<PriceTag>();
    bar.low = r.template fixed<PriceTag>();
    bar.close = r.template fixed<PriceTag>();
    bar.volume = r.template fixed<QuantityTag>();
    return bar;
}

template <class Reader>
FeatureVector read_features(Reader& r) {
    FeatureVector fv;
    read_bar_prefix(r, fv.header, fv.bar_start);
    fv.close = r.template fixed<PriceTag>();
    fv.volume = r.template fixed<QuantityTag>();
    for (size_t i = 0; i < kNumFeatures; ++i) fv.values[i] = r.real_or_nan();
    fv.valid_mask = static_cast<uint32_t>(r.i64());
    return fv;
}

template <class Reader>
Prediction read_prediction(Reader& r) {
    Prediction p;
    read_bar_prefix(r, p.header, p.bar_start);
    p.close = r.template fixed<PriceTag>();
    for (auto& h : p.horizons) {
        h.q10 = r.real();
        h.q50 = r.real();
        h.q90 = r.real();
    }
    p.direction = r.template enumeration<Direction, 2>();
    p.confidence = r.real();
    p.signal = r.template enumeration<Signal, 3>();
    p.model_id = r.template fixed_string<ModelId::capacity()>();
    return p;
}

template <class Reader>
RiskDecision read_risk(Reader& r) {
    RiskDecision d;
    EventHeader& h = d.header;
    h.event_id = r.uuid();
    h.correlation_id = r.uuid();
    h.idempotency_key = r.template fixed_string<IdempotencyKey::capacity()>();
    h.symbol = r.template fixed_string<Symbol::capacity()>();
    r.skip();  // ts (text / timestamptz: the *_ns column is read)
    h.ts = r.ts();
    h.ts_init = r.ts();
    h.schema_version = static_cast<int32_t>(r.i64());
    h.source = r.template enumeration<Source, kNumSources>();
    d.approved = r.boolean();
    r.skip();  // reasons (text, derived from reasons_mask)
    d.reasons = static_cast<uint32_t>(r.i64());
    d.intent = r.template enumeration<OrderIntent, 2>();
    d.exit_reason = r.template enumeration<ExitReason, 5>();
    d.side = r.template enumeration<Side, 2>();
    d.qty = r.template fixed<QuantityTag>();
    d.ref_price = r.template fixed<PriceTag>();
    d.notional = r.template fixed<MoneyTag>();
    d.cvar = r.real();
    d.confidence = r.real();
    d.prediction_event_id = r.uuid();
    return d;
}

/// Columns: id, then kTradeCols.
template <class Reader>
TradeRow read_trade(Reader& r) {
    TradeRow t;
    t.id = r.i64();
    r.skip();  // ts (text / timestamptz: the *_ns column is read)
    t.symbol = r.template fixed_string<Symbol::capacity()>();
    t.side = r.template enumeration<Side, 2>();
    t.qty = r.template fixed<QuantityTag>();
    t.filled_qty = r.template fixed<QuantityTag>();
    t.avg_fill_price = r.template fixed<PriceTag>();
    t.status = r.template enumeration<OrderStatus, 6>();
    t.alpaca_order_id = r.str();
    t.alpaca_status = r.str();
    r.skip();  // filled_at (text / timestamptz: the *_ns column is read)
    t.correlation_id = r.uuid();
    t.idempotency_key = r.template fixed_string<IdempotencyKey::capacity()>();
    t.paper_trade = r.boolean();
    t.dry_run = r.boolean();
    t.ts = r.ts();
    t.filled_at = r.ts();
    t.intent = r.template enumeration<OrderIntent, 2>();
    t.exit_reason = r.template enumeration<ExitReason, 5>();
    t.fees = r.template fixed<MoneyTag>();
    t.block_reason = r.str();
    return t;
}

template <class Reader>
PositionRow read_position(Reader& r) {
    PositionRow p;
    p.symbol = r.template fixed_string<Symbol::capacity()>();
    p.qty = r.template fixed<QuantityTag>();
    p.avg_entry_price = r.template fixed<PriceTag>();
    p.market_value = r.template fixed<MoneyTag>();
    p.unrealized_pl = r.template fixed<MoneyTag>();
    p.cost_basis = r.template fixed<MoneyTag>();
    r.skip();  // updated_at (text / timestamptz: the *_ns column is read)
    p.realized_pl = r.template fixed<MoneyTag>();
    r.skip();  // opened_at (text / timestamptz: the *_ns column is read)
    p.opened_at = r.ts();
    p.updated_at = r.ts();
    return p;
}

/// Columns: seq, then kAuditCols.
template <class Reader>
AuditRecord read_audit(Reader& r) {
    AuditRecord a;
    a.seq = r.i64();
    a.event_id = r.uuid();
    a.correlation_id = r.uuid();
    a.idempotency_key = r.str();
    a.symbol = r.str();
    r.skip();  // ts (text / timestamptz: the *_ns column is read)
    a.source = r.str();
    a.event_type = r.str();
    a.payload = r.str();
    a.ts = r.ts();
    return a;
}

template <class Reader>
ModelRecord read_model(Reader& r) {
    ModelRecord m;
    m.model_id = r.str();
    m.model_type = r.str();
    m.status = r.model_status();
    m.path = r.str();
    m.metrics_json = r.str();
    m.params_json = r.str();
    r.skip();  // created_at (text / timestamptz: the *_ns column is read)
    m.created_at = r.ts();
    r.skip();  // promoted_at (text / timestamptz: the *_ns column is read)
    m.promoted_at = r.ts();
    return m;
}

template <class Reader>
DailyPnlRow read_daily_pnl(Reader& r) {
    DailyPnlRow d;
    d.report_date = r.date();
    d.realized_pnl_usd = r.template fixed<MoneyTag>();
    d.unrealized_pnl_usd = r.template fixed<MoneyTag>();
    d.total_pnl_usd = r.template fixed<MoneyTag>();
    d.num_trades = static_cast<int>(r.i64());
    d.num_wins = static_cast<int>(r.i64());
    d.num_losses = static_cast<int>(r.i64());
    d.win_rate = r.real();
    d.best_symbol = r.str();
    d.worst_symbol = r.str();
    r.skip();  // created_at (text / timestamptz: the *_ns column is read)
    d.created_at = r.ts();
    return d;
}

template <class Reader>
BackfillCheckpoint read_checkpoint(Reader& r) {
    BackfillCheckpoint c;
    c.source = r.str();
    c.symbol = r.str();
    r.skip();  // last_ts (text / timestamptz: the *_ns column is read)
    c.last_ts = r.ts();
    c.rows = r.i64();
    r.skip();  // updated_at (text / timestamptz: the *_ns column is read)
    c.updated_at = r.ts();
    return c;
}

/// The row of a query that matches at most one (by key, or LIMIT 1), if any.
template <class T>
std::optional<T> first_row(std::vector<T>&& rows) {
    if (rows.empty()) return std::nullopt;
    return std::optional<T>(std::move(rows.front()));
}

/// The DELETE of one of kRunResultTables for Store::clear_run_results (since unset: every row)
/// and Store::discard_results_since (the rows a run from `since` on produced); nullopt for
/// `positions` when `since` is set (left to the rerun). Fixed identifiers, numbers and a date,
/// never caller text: safe to splice.
inline std::optional<std::string> delete_results_sql(std::string_view table,
                                                     std::optional<Timestamp> since) {
    const std::string from = "DELETE FROM " + std::string(table);
    if (!since) return from;
    if (table == "positions") return std::nullopt;
    const std::string ns = std::to_string(since->ns());
    if (table == "daily_pnl_summary")
        return from + " WHERE report_date >= '" + since->iso().substr(0, 10) + "'";
    if (table == "runs") return from + " WHERE first_bar_ns >= " + ns;
    // trades (by order time), risk_decisions, predictions_tft, audit_events
    return from + " WHERE ts_ns >= " + ns;
}

template <class Reader>
RunRecord read_run(Reader& r) {
    RunRecord run;
    run.run_id = r.str();
    run.command = r.str();
    run.first_bar = r.ts();
    run.last_bar = r.is_null() ? (r.skip(), Timestamp{}) : r.ts();
    run.bars = r.i64();
    r.skip();  // started_at (text / timestamptz: the *_ns column is read)
    run.started_at = r.ts();
    run.finished_at = r.is_null() ? (r.skip(), Timestamp{}) : r.ts();
    run.pid = r.i64();
    return run;
}

}  // namespace awet::store_rows
