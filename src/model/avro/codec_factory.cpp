#include "awet/model_avro/codec_factory.hpp"

#include "awet/model_avro/avro_event_codec.hpp"

namespace awet {

Result<std::unique_ptr<EventCodec>> make_event_codec(std::string_view kind,
                                                     std::string_view schema_registry_url,
                                                     std::string_view schema_dir) {
    if (kind == "json") return std::unique_ptr<EventCodec>(std::make_unique<JsonEventCodec>());
    if (kind != "avro") {
        return make_error(ErrorCode::kInvalidArgument,
                          "event codec '" + std::string(kind) + "': expected json or avro");
    }
    auto catalog =
        SchemaCatalog::load(schema_dir.empty() ? default_schema_dir() : std::string(schema_dir));
    if (!catalog.ok()) return catalog.error();
    std::shared_ptr<SchemaRegistryClient> registry;
    if (!schema_registry_url.empty()) {
        auto client = SchemaRegistryClient::create({std::string(schema_registry_url)});
        if (!client.ok()) return client.error();
        registry = std::move(*client);
    }
    auto codec = AvroEventCodec::create(std::move(*catalog), std::move(registry));
    if (!codec.ok()) return codec.error();
    return std::unique_ptr<EventCodec>(std::move(*codec));
}

}  // namespace awet
