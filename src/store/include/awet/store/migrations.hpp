#pragma once
// Versioned schema migrations, written once for both backends (src/store/schema.cpp) and spelled
// in each backend's SQL dialect. A store records every applied version in
// `schema_migrations(version, name, applied_at)` and applies the pending ones in order, each in
// its own transaction. A released migration is never edited: a schema change is a new entry at
// the end.
#include <cstdint>
#include <span>
#include <string_view>

namespace awet {

/// One schema step: applied once, in version order.
struct Migration {
    int version = 0;        // 1, 2, 3, ... strictly increasing
    std::string_view name;  // short snake_case label, e.g. "market_data"
    std::string_view sql;   // one or more statements separated by ';'
};

/// The SQL dialects a store speaks.
enum class SchemaDialect : uint8_t { kSqlite, kPostgres };

/// Every migration, oldest first, in `dialect`: the same versions and names in each.
std::span<const Migration> migrations(SchemaDialect dialect);

}  // namespace awet
