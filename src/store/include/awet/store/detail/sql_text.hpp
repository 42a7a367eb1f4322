#pragma once
// SQL text shared by the SQLite and PostgreSQL stores, built from the column lists of
// row_layout.hpp so that column and parameter counts always agree; the backends differ only in
// how a parameter is written. Private to the store backends.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "awet/store/detail/row_layout.hpp"
#include "awet/store/detail/statements.hpp"

namespace awet::store_rows {

/// How a statement names its parameters: SQLite `?`, PostgreSQL `$1`, `$2`, ...
enum class Placeholder { kQuestion, kDollar };

inline std::string join(const Cols& cols) {
    std::string s;
    for (size_t i = 0; i < cols.size(); ++i) {
        if (i != 0) s += ", ";
        s += cols[i];
    }
    return s;
}

/// Parameter `n` (1-based) of a generated statement: SQLite `?`, PostgreSQL `$n`.
inline std::string placeholder(Placeholder style, size_t n) {
    if (style == Placeholder::kQuestion) return "?";
    std::string p("$");
    p += std::to_string(n);
    return p;
}

inline std::string insert_sql(Placeholder style, std::string_view table, const Cols& cols,
                              std::string_view tail) {
    std::string s = "INSERT INTO " + std::string(table) + " (" + join(cols) + ") VALUES (";
    for (size_t i = 0; i < cols.size(); ++i) {
        if (i != 0) s += ", ";
        s += placeholder(style, i + 1);
    }
    s += ") ";
    s += tail;
    return s;
}

/// INSERT ... ON CONFLICT (key) DO UPDATE SET every other column = excluded.column.
inline std::string upsert_sql(Placeholder style, std::string_view table, const Cols& cols,
                              const Cols& key) {
    std::string tail = "ON CONFLICT (" + join(key) + ") DO UPDATE SET ";
    bool first = true;
    for (std::string_view c : cols) {
        if (std::find(key.begin(), key.end(), c) != key.end()) continue;
        if (!first) tail += ", ";
        first = false;
        tail += std::string(c) + " = excluded." + std::string(c);
    }
    return insert_sql(style, table, cols, tail);
}

/// UPDATE table SET every column but the last = ? ... WHERE the last = ?.
inline std::string update_sql(Placeholder style, std::string_view table, const Cols& set_then_key) {
    std::string s = "UPDATE " + std::string(table) + " SET ";
    const auto param = [style](size_t i) { return placeholder(style, i + 1); };
    for (size_t i = 0; i + 1 < set_then_key.size(); ++i) {
        if (i != 0) s += ", ";
        s += std::string(set_then_key[i]) + " = " + param(i);
    }
    const size_t key = set_then_key.size() - 1;
    return s + " WHERE " + std::string(set_then_key[key]) + " = " + param(key);
}

inline std::string select_sql(const Cols& cols, std::string_view rest) {
    return "SELECT " + join(cols) + " " + std::string(rest);
}

// Repeats are ignored only on the natural key; any other constraint violation is an error.
inline constexpr std::string_view kOnBarConflict = "ON CONFLICT (ts_ns, symbol) DO NOTHING";
inline constexpr std::string_view kOnKeyConflict = "ON CONFLICT (idempotency_key) DO NOTHING";

/// Parameter `n` (1-based) of a hand-written statement: SQLite ?n, PostgreSQL $n (typed
/// $n::pg_type where its planner needs the type of a parameter it cannot infer).
inline std::string param(Placeholder style, int n, std::string_view pg_type = {}) {
    std::string p(style == Placeholder::kQuestion ? "?" : "$");
    p += std::to_string(n);
    if (style == Placeholder::kDollar && !pg_type.empty()) {
        p += "::";
        p += pg_type;
    }
    return p;
}

/// What the two dialects spell differently in the common statements.
struct SqlDialect {
    Placeholder style;
    /// "FROM <table> WHERE <bar start in [param 1, param 2)> ORDER BY ts_ns, symbol" (a backend
    /// may add its symbol filter).
    std::string (*bars_range)(std::string_view table);
    /// The audit chain of one correlation id (param 1), `cols` in insertion order.
    std::string (*load_audit)(const Cols& cols);
};

/// The SQL of every common statement (Stmt), in Stmt order.
inline std::vector<std::string> common_statements(const SqlDialect& d) {
    const Placeholder q = d.style;
    const auto p = [q](int n, std::string_view pg_type = {}) { return param(q, n, pg_type); };
    std::vector<std::string> s(kCommonStmts);
    s[kInsertBarMinute] = insert_sql(q, "market_raw_minute", bar_cols(), kOnBarConflict);
    s[kInsertBarDay] = insert_sql(q, "market_raw_day", bar_cols(), kOnBarConflict);
    s[kLoadBarsMinute] = select_sql(bar_cols(), d.bars_range("market_raw_minute"));
    s[kLoadBarsDay] = select_sql(bar_cols(), d.bars_range("market_raw_day"));
    s[kInsertFeatures] = insert_sql(q, "features_tft", feature_cols(), kOnBarConflict);
    s[kLoadFeatures] = select_sql(feature_cols(), d.bars_range("features_tft"));
    s[kInsertPrediction] = insert_sql(q, "predictions_tft", prediction_cols(), kOnKeyConflict);
    s[kLoadPredictions] = select_sql(prediction_cols(), d.bars_range("predictions_tft"));
    s[kInsertRisk] = insert_sql(q, "risk_decisions", risk_cols(), kOnKeyConflict);
    s[kLoadRisk] =
        select_sql(risk_cols(), "FROM risk_decisions WHERE ts_ns >= " + p(1) + " AND ts_ns < " +
                                    p(2) + " ORDER BY ts_ns, symbol, id");
    s[kInsertTrade] = insert_sql(q, "trades", row_cols<TradeRow>(), kOnKeyConflict);
    s[kUpdateTrade] = update_sql(q, "trades", trade_update_cols());
    const Cols trade_select = concat({"id"}, row_cols<TradeRow>());
    s[kFindTrade] = select_sql(trade_select, "FROM trades WHERE idempotency_key = " + p(1));
    s[kLoadTrades] = select_sql(
        trade_select, "FROM trades WHERE ts_ns >= " + p(1) + " AND ts_ns < " + p(2) + " AND (" +
                          p(3, "text") + " IS NULL OR symbol = " + p(3, "text") + ") AND (" +
                          p(4, "uuid") + " IS NULL OR correlation_id = " + p(4, "uuid") +
                          ") ORDER BY ts_ns, id LIMIT " + p(5, "bigint"));
    s[kUpsertPosition] = upsert_sql(q, "positions", row_cols<PositionRow>(), {"symbol"});
    s[kLoadPositions] = select_sql(row_cols<PositionRow>(), "FROM positions ORDER BY symbol");
    s[kInsertAudit] =
        insert_sql(q, "audit_events", kAuditCols, "ON CONFLICT (ts_ns, event_id) DO NOTHING");
    s[kLoadAudit] = d.load_audit(concat({"seq"}, kAuditCols));
    s[kInsertModel] = insert_sql(q, "models_registry", row_cols<ModelRecord>(),
                                 "ON CONFLICT (model_id) DO NOTHING");
    s[kListModels] = select_sql(row_cols<ModelRecord>(),
                                "FROM models_registry ORDER BY created_at_ns, model_id");
    s[kFindModel] =
        select_sql(row_cols<ModelRecord>(), "FROM models_registry WHERE model_id = " + p(1));
    s[kGreenModel] =
        select_sql(row_cols<ModelRecord>(), "FROM models_registry WHERE status = 'green'");
    s[kDeprecateGreen] =
        "UPDATE models_registry SET status = 'deprecated' WHERE status = 'green' AND model_id <> " +
        p(1);
    s[kSetModelGreen] = "UPDATE models_registry SET status = 'green', promoted_at = " + p(1) +
                        ", promoted_at_ns = " + p(2) + " WHERE model_id = " + p(3);
    s[kSetModelDeprecated] =
        "UPDATE models_registry SET status = 'deprecated' WHERE model_id = " + p(1);
    s[kUpsertDailyPnl] =
        upsert_sql(q, "daily_pnl_summary", row_cols<DailyPnlRow>(), {"report_date"});
    s[kLoadDailyPnl] =
        select_sql(row_cols<DailyPnlRow>(),
                   "FROM daily_pnl_summary WHERE report_date >= " + p(1, "date") +
                       " AND report_date <= " + p(2, "date") + " ORDER BY report_date");
    s[kUpsertCheckpoint] =
        upsert_sql(q, "backfill_checkpoints", row_cols<BackfillCheckpoint>(), {"source", "symbol"});
    s[kGetCheckpoint] =
        select_sql(row_cols<BackfillCheckpoint>(),
                   "FROM backfill_checkpoints WHERE source = " + p(1) + " AND symbol = " + p(2));
    s[kUpsertRun] = upsert_sql(q, "runs", kRunCols, {"run_id"});
    s[kUnfinishedRun] = select_sql(
        kRunCols, "FROM runs WHERE finished_at_ns IS NULL ORDER BY started_at_ns DESC LIMIT 1");
    s[kClaimJobRun] = insert_sql(q, "job_runs", row_cols<JobRunRecord>(),
                                 "ON CONFLICT (job, slot_ns) DO NOTHING");
    s[kUpsertJobRun] = upsert_sql(q, "job_runs", row_cols<JobRunRecord>(), {"job", "slot_ns"});
    s[kLoadJobRuns] =
        select_sql(row_cols<JobRunRecord>(),
                   "FROM job_runs WHERE (" + p(1, "text") + " IS NULL OR job = " + p(1, "text") +
                       ") AND slot_ns >= " + p(2) + " AND slot_ns < " + p(3) +
                       " ORDER BY slot_ns, job LIMIT " + p(4, "bigint"));
    return s;
}

/// Every table of the schema (what count_rows accepts), in schema order.
inline constexpr auto kTables = kSchemaTables;

}  // namespace awet::store_rows
