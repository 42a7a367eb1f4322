// StoreHarness for SqliteStore: a database file in a temp dir; introspection through a second,
// raw SQLite connection.
#include <sqlite3.h>

#include "awet/store/migrations.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "store_harness.hpp"

namespace awet::testing {
namespace {

class SqliteHarness final : public StoreHarness {
public:
    Result<std::unique_ptr<Store>> open(int batch_size) override {
        auto s = SqliteStore::open(dir_.file("db/awet.db"), batch_size);
        if (!s.ok()) return s.error();
        return std::unique_ptr<Store>(std::move(s).value());
    }

    std::vector<std::string> columns(const std::string& table) override {
        std::vector<std::string> out;
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(dir_.file("db/awet.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
            SQLITE_OK) {
            sqlite3_stmt* s = nullptr;
            if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?) ORDER BY cid", -1, &s,
                                   nullptr) == SQLITE_OK) {
                sqlite3_bind_text(s, 1, table.c_str(), -1, SQLITE_TRANSIENT);
                while (sqlite3_step(s) == SQLITE_ROW) {
                    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
                }
            }
            sqlite3_finalize(s);
        }
        sqlite3_close(db);
        return out;
    }

    int latest_version() const override {
        return migrations(SchemaDialect::kSqlite).back().version;
    }

private:
    TempDir dir_;
};

}  // namespace

StoreBackend sqlite_backend() {
    return {"sqlite", [] { return std::make_unique<SqliteHarness>(); }};
}

}  // namespace awet::testing
