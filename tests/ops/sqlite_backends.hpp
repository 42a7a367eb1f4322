#pragma once
// The operations' backends for tests: the configured SQLite file, opened and migrated.
#include "awet/ops/context.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet::ops {

inline Backends sqlite_backends() {
    Backends b;
    b.open_store = [](const Config& c) -> Result<std::unique_ptr<Store>> {
        auto s = SqliteStore::open(c.store.path, c.store.batch_size);
        if (!s.ok()) return s.error();
        AWET_TRY((*s)->migrate());
        return std::unique_ptr<Store>(std::move(*s));
    };
    return b;
}

}  // namespace awet::ops
