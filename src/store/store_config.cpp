#include "awet/store/store_config.hpp"

namespace awet {
namespace {

void check(const StoreConfig& c, ConfigChecker& k) {
    k.one_of("backend", c.backend, {"sqlite", "postgres"});
    k.non_empty("path", c.path);
    k.non_empty("postgres_url", c.postgres_url);
}

}  // namespace

const ConfigSection& store_config_section() {
    static const ConfigSection kSection{
        "store",
        {AWET_CONFIG_FIELD(StoreConfig, backend, "Store backend: sqlite or postgres."),
         AWET_CONFIG_FIELD(StoreConfig, path, kConfigPath, "Database file of the store (sqlite)."),
         AWET_CONFIG_FIELD(StoreConfig, batch_size, config_range::closed(1, 1'000'000),
                           "Rows per transaction in replay."),
         AWET_CONFIG_FIELD(StoreConfig, postgres_url,
                           "libpq connection URI of the store (postgres)."),
         AWET_CONFIG_FIELD(StoreConfig, postgres_pool_size, config_range::closed(1, 1'024),
                           "Connections in the PostgreSQL pool.")},
        &config_check<StoreConfig, check>};
    return kSection;
}

}  // namespace awet
