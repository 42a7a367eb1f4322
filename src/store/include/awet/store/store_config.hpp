#pragma once
// The store: its backend (chosen by the composition root) and each backend's settings.
// Keys `store.*` of config/awet.yaml (env AWET_STORE_*); composed with the other sections by
// awet/config/config.hpp.
#include <string>

#include "awet/core/config_section.hpp"

namespace awet {

struct StoreConfig {
    std::string backend = "sqlite";  // sqlite | postgres
    std::string path = "var/awet.db";
    int batch_size = 5000;  // rows per transaction in replay
    std::string postgres_url = "postgresql://postgres@127.0.0.1:5432/awet";
    int postgres_pool_size = 4;
};

/// The `store` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& store_config_section();

}  // namespace awet
