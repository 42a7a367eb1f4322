#include "awet/bus/bus_config.hpp"

namespace awet {
namespace {

void check(const BusConfig& c, ConfigChecker& k) {
    k.one_of("backend", c.backend, {"inproc", "kafka"});
    k.non_empty("kafka_brokers", c.kafka_brokers);
    k.non_empty("kafka_group", c.kafka_group);
    k.one_of("codec", c.codec, {"json", "avro"});
}

}  // namespace

const ConfigSection& bus_config_section() {
    static const ConfigSection kSection{
        "bus",
        {AWET_CONFIG_FIELD(BusConfig, backend,
                           "Event bus: inproc (one process) or kafka (`awet agent` processes)."),
         AWET_CONFIG_FIELD(BusConfig, kafka_brokers,
                           "Kafka bootstrap servers, comma-separated (bus kafka)."),
         AWET_CONFIG_FIELD(BusConfig, kafka_group,
                           "Kafka consumer group prefix (one group per agent)."),
         AWET_CONFIG_FIELD(BusConfig, codec,
                           "Wire format on Kafka: json or avro (Confluent wire format)."),
         AWET_CONFIG_FIELD(BusConfig, schema_registry_url,
                           "Confluent Schema Registry URL; empty: the local schema catalogue.")},
        &config_check<BusConfig, check>};
    return kSection;
}

}  // namespace awet
