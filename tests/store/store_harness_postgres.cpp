// StoreHarness for PostgresStore: one throwaway PostgreSQL 15 server per test program (started on
// first use, stopped at exit), a fresh database per harness (dropped when the harness dies).
#include <unistd.h>

#include <atomic>
#include <pqxx/pqxx>

#include "awet/store_postgres/postgres_store.hpp"
#include "pg_server.hpp"
#include "store_harness.hpp"

namespace awet::testing {
namespace {

PgServer& server() {
    static PgServer s;  // destroyed at exit (pg_ctl stop, then kill by PID)
    return s;
}

class PostgresHarness final : public StoreHarness {
public:
    PostgresHarness() {
        static std::atomic<int> counter{0};
        db_ = "awet_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        if (!server().ok()) {
            error_ = server().error();
            return;
        }
        try {
            pqxx::connection c(server().url());
            pqxx::nontransaction tx(c);
            tx.exec("CREATE DATABASE " + db_);
            created_ = true;
        } catch (const std::exception& e) {
            error_ = "CREATE DATABASE " + db_ + ": " + e.what();
        }
    }
    ~PostgresHarness() override {
        if (!created_) return;
        try {
            pqxx::connection c(server().url());
            pqxx::nontransaction tx(c);
            tx.exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
        } catch (const std::exception&) {  // the server goes away with the program anyway
        }
    }

    Result<std::unique_ptr<Store>> open(int batch_size) override {
        if (!error_.empty()) return make_error(ErrorCode::kStore, error_);
        auto s = PostgresStore::open(server().url(db_), 2, batch_size);
        if (!s.ok()) return s.error();
        return std::unique_ptr<Store>(std::move(s).value());
    }

    std::vector<std::string> columns(const std::string& table) override {
        std::vector<std::string> out;
        if (!error_.empty()) return out;
        pqxx::connection c(server().url(db_));
        pqxx::nontransaction tx(c);
        auto r = tx.exec_params(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table);
        for (const auto& row : r) out.push_back(row[0].c_str());
        return out;
    }

    int latest_version() const override {
        return migrations(SchemaDialect::kPostgres).back().version;
    }

private:
    std::string db_;
    std::string error_;
    bool created_ = false;
};

}  // namespace

StoreBackend postgres_backend() {
    return {"postgres", [] { return std::make_unique<PostgresHarness>(); }};
}

}  // namespace awet::testing
