#pragma once
// Events as Avro binary in the Confluent wire format: byte 0 is 0x00 (magic), bytes 1-4 the
// writer schema id (big-endian int32), then the Avro binary encoding of the record. avro-c stays
// inside the .cpp: this header names no Avro type.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "awet/model/event_codec.hpp"
#include "awet/model_avro/schema_catalog.hpp"
#include "awet/model_avro/schema_registry_client.hpp"

namespace awet {

inline constexpr uint8_t kAvroMagicByte = 0x00;
inline constexpr size_t kAvroWireHeaderSize = 5;

/// Encodes with the catalogue's current schema of the topic's record; the id written is the
/// registry's (registered on first use, under `<topic>-value`) when a registry is given, else the
/// catalogue's local id. Decodes any writer schema whose id it can resolve (registry, else
/// catalogue) into the current version by Avro's resolution rules: fields matched by name, a field
/// the writer lacks takes the reader schema's default, a field the reader lacks is skipped, int ->
/// long -> double promotions, enums by symbol. A writer schema that breaks those rules is refused
/// once, with every reason, when its id is first seen. One per bus; not thread-safe.
class AvroEventCodec final : public EventCodec {
public:
    static Result<std::unique_ptr<AvroEventCodec>> create(
        SchemaCatalog catalog, std::shared_ptr<SchemaRegistryClient> registry = nullptr);
    ~AvroEventCodec() override;

    Result<std::string> encode(Topic topic, const Event& event) override;
    Status encode_to(Topic topic, const Event& event, std::string& out) override;
    Result<Event> decode(Topic topic, std::string_view bytes) override;
    std::string_view name() const override { return "avro"; }

    /// Encodes with another known writer schema (local id, any version in the catalogue): the
    /// fields it does not have are left out. For producers pinned to an older version during a
    /// rolling upgrade, and for the evolution tests.
    Result<std::string> encode_with(Topic topic, const Event& event, int32_t local_schema_id);

    const SchemaCatalog& catalog() const;

private:
    struct Impl;
    explicit AvroEventCodec(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Whether data written with `writer_schema_json` can be read as `reader_schema_json` (both record
/// schemas, JSON text) under the rules above. OK, or an error listing each incompatible field.
Status check_schema_compatible(std::string_view writer_schema_json,
                               std::string_view reader_schema_json);

}  // namespace awet
