#pragma once
// The Avro schemas of the events, loaded from the .avsc files kept in the repository
// (schemas/avro/). Without a Schema Registry the catalogue is also where schema ids come from.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/model/topics.hpp"

namespace awet {

/// One schema file.
struct SchemaEntry {
    int32_t id = 0;         // local id: see SchemaCatalog::local_id
    std::string full_name;  // "awet.events.MarketBar"
    std::string json;       // normalised text (compact, keys sorted): what is registered
    std::string file;       // where it was read from
    bool current = false;   // a top-level file (the version this build writes and reads as)
};

/// The schemas of one directory: `*.avsc` at the top are the current versions (one per record
/// name); `*.avsc` in subdirectories (e.g. `v0/`) are older versions, known by id only so that data
/// written with them can still be decoded. Immutable once loaded; safe to share between threads.
class SchemaCatalog {
public:
    /// Loads and validates every file (JSON, then Avro parse). Errors name the file.
    static Result<SchemaCatalog> load(const std::filesystem::path& dir);

    /// Current schema of a record ("awet.events.MarketBar"), or nullptr.
    const SchemaEntry* current(std::string_view full_name) const;
    /// Any version by local id, or nullptr.
    const SchemaEntry* by_id(int32_t id) const;
    const std::vector<SchemaEntry>& entries() const { return entries_; }
    const std::string& dir() const { return dir_; }

    /// Deterministic local id of a schema text: the 64-bit Avro (Rabin, CRC-64-AVRO) fingerprint
    /// of the normalised JSON, top 31 bits (never 0). Depends on the schema alone, not on which
    /// other files exist, so adding a schema never renumbers data already written.
    static int32_t local_id(std::string_view normalised_json);
    /// Compact JSON with object keys sorted (field order kept): the same schema always has the
    /// same text, whatever the whitespace of its file. Errors on malformed JSON.
    static Result<std::string> normalise(std::string_view schema_json);

private:
    std::string dir_;
    std::vector<SchemaEntry> entries_;
};

/// The record a topic carries: market.raw -> "awet.events.MarketBar", risk.approved and
/// risk.rejected -> "awet.events.RiskDecision", ...
std::string_view record_name_of(Topic topic);
/// The registry subject of a topic's values (Confluent TopicNameStrategy): "market.raw-value".
std::string subject_of(Topic topic);

/// Where the .avsc files are when no directory is configured: $AWET_SCHEMA_DIR if set, else the
/// source tree's schemas/avro compiled in at build time.
std::string default_schema_dir();

}  // namespace awet
