#pragma once
// Versioned schema migrations. Each backend keeps its own ordered list (store_sqlite's
// sqlite_migrations(), store_postgres's postgres_migrations(): the same versions and names, each
// its own SQL). A store records every applied version in `schema_migrations(version, name,
// applied_at)` and applies the pending ones in order, each in its own transaction. A released
// migration is never edited: a schema change is a new entry at the end.
#include <span>
#include <string_view>

namespace awet {

/// One schema step: applied once, in version order.
struct Migration {
    int version = 0;        // 1, 2, 3, ... strictly increasing
    std::string_view name;  // short snake_case label, e.g. "market_data"
    std::string_view sql;   // one or more statements separated by ';'
};

}  // namespace awet
