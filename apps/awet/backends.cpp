#include "backends.hpp"

#include <filesystem>

#include "awet/ops/runs.hpp"
#include "awet/risk_redis/redis_risk_limits.hpp"
#include "awet/store_postgres/postgres_store.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet {

namespace {

/// The SQLite application_id ("AWDM") that marks a database as one the demo made.
constexpr int32_t kDemoApplicationId = 0x4157444D;

/// Removes an earlier demo database at `path` (and its WAL files); refuses anything else there.
Status make_way_for_demo_database(const std::string& path) {
    auto id = SqliteStore::application_id_of(path);
    if (!id.ok() && id.error().code == ErrorCode::kNotFound) {
        for (const char* suffix : {"-wal", "-shm", "-journal"}) {
            if (std::filesystem::exists(path + suffix)) {
                return make_error(ErrorCode::kAlreadyExists,
                                  path + suffix +
                                      " exists without its database: not a file the "
                                      "demo made; pass --db with a new path");
            }
        }
        return Status::Ok();
    }
    if (!id.ok() || *id != kDemoApplicationId) {
        return make_error(
            ErrorCode::kAlreadyExists,
            path + " exists and is not a database an earlier `awet demo` made (" +
                (id.ok() ? std::string("an SQLite database of other data") : id.error().message) +
                "): the demo never replaces it; pass --db with a new path (default " +
                std::string(ops::kDemoDatabase) + ")");
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        std::filesystem::remove(path + suffix, ec);
        if (ec)
            return make_error(ErrorCode::kIo,
                              "cannot remove " + path + suffix + ": " + ec.message());
    }
    return Status::Ok();
}

}  // namespace

std::string store_location(const Config& config) {
    if (config.store.backend != "postgres") return "SQLite " + config.store.path;
    return "PostgreSQL " + PostgresStore::display_url(config.store.postgres_url);
}

Result<std::unique_ptr<Store>> open_store(const Config& config) {
    if (config.store.backend == "postgres") {
        auto pg = PostgresStore::open(config.store.postgres_url, config.store.postgres_pool_size,
                                      config.store.batch_size);
        if (!pg.ok()) return pg.error();
        AWET_TRY((*pg)->migrate());
        return std::unique_ptr<Store>(std::move(*pg));
    }
    if (config.store.backend != "sqlite") {
        return make_error(ErrorCode::kInvalidArgument,
                          "store.backend '" + config.store.backend + "' is not available");
    }
    auto store = SqliteStore::open(config.store.path, config.store.batch_size);
    if (!store.ok()) return store.error();
    AWET_TRY((*store)->migrate());
    return std::unique_ptr<Store>(std::move(*store));
}

bool store_exists(const Config& config) {
    if (config.store.backend == "postgres" || config.store.path == ":memory:") return true;
    return std::filesystem::exists(config.store.path);
}

Result<std::unique_ptr<Store>> open_demo_store(const Config& config) {
    if (config.store.backend == "postgres") return open_store(config);
    if (Status st = make_way_for_demo_database(config.store.path); !st.ok()) return st.error();
    auto sqlite = SqliteStore::open(config.store.path, config.store.batch_size);
    if (!sqlite.ok()) return sqlite.error();
    AWET_TRY((*sqlite)->set_application_id(kDemoApplicationId));
    AWET_TRY((*sqlite)->migrate());
    return std::unique_ptr<Store>(std::move(*sqlite));
}

Result<std::unique_ptr<SharedRiskLimits>> make_risk_limits(const RiskConfig& config,
                                                           std::string_view backend,
                                                           std::string_view redis_url,
                                                           std::string_view ns) {
    if (backend == "memory" || backend.empty()) {
        return std::unique_ptr<SharedRiskLimits>(std::make_unique<InMemoryRiskLimits>(config));
    }
    if (backend == "redis") {
        auto r = RedisRiskLimits::create(config, redis_url, ns);
        if (!r.ok()) return r.error();
        return std::unique_ptr<SharedRiskLimits>(std::move(r.value()));
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        "risk.state_backend: expected memory or redis, got '" + std::string(backend) + "'");
}

}  // namespace awet
