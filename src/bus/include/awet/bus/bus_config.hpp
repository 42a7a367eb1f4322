#pragma once
// The event bus: its backend (chosen by the composition root), Kafka's settings, the wire codec.
// Keys `bus.*` of config/awet.yaml (env AWET_BUS_*); composed with the other sections by
// awet/config/config.hpp.
#include <string>

#include "awet/core/config_section.hpp"

namespace awet {

struct BusConfig {
    std::string backend = "inproc";  // inproc | kafka
    std::string kafka_brokers = "127.0.0.1:9092";
    std::string kafka_group = "awet";
    std::string codec = "json";       // json | avro
    std::string schema_registry_url;  // empty: schema ids from the local catalogue
};

/// The `bus` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& bus_config_section();

}  // namespace awet
