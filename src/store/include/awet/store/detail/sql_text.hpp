#pragma once
// SQL text shared by the SQLite and PostgreSQL stores, built from the column lists of
// row_layout.hpp so that column and parameter counts always agree; the backends differ only in
// how a parameter is written. Private to the store backends.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "awet/store/detail/row_layout.hpp"

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

inline std::string insert_sql(Placeholder style, std::string_view table, const Cols& cols,
                              std::string_view tail) {
    std::string s = "INSERT INTO " + std::string(table) + " (" + join(cols) + ") VALUES (";
    for (size_t i = 0; i < cols.size(); ++i) {
        if (i != 0) s += ", ";
        s += style == Placeholder::kQuestion ? std::string("?") : "$" + std::to_string(i + 1);
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

inline std::string select_sql(const Cols& cols, std::string_view rest) {
    return "SELECT " + join(cols) + " " + std::string(rest);
}

// Repeats are ignored only on the natural key; any other constraint violation is an error.
inline constexpr std::string_view kOnBarConflict = "ON CONFLICT (ts_ns, symbol) DO NOTHING";
inline constexpr std::string_view kOnKeyConflict = "ON CONFLICT (idempotency_key) DO NOTHING";

/// Every table of the schema (what count_rows accepts), in schema order.
inline constexpr std::array<std::string_view, 14> kTables = {
    "market_raw_minute", "market_raw_day",
    "features_tft",      "predictions_tft",
    "risk_decisions",    "trades",
    "positions",         "audit_events",
    "models_registry",   "backfill_checkpoints",
    "llm_traces",        "llm_daily_summary",
    "daily_pnl_summary", "runs"};

}  // namespace awet::store_rows
