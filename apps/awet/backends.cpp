#include "backends.hpp"

#include "awet/risk_redis/redis_risk_limits.hpp"
#include "awet/store_postgres/postgres_store.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet {

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
