#include "awet/model_avro/schema_catalog.hpp"

#include <avro.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace awet {
namespace {

// CRC-64-AVRO, the fingerprint of the Avro specification ("Schema Fingerprints").
constexpr uint64_t kFingerprintEmpty = 0xc15d213aa4d7a795ULL;

constexpr std::array<uint64_t, 256> make_fingerprint_table() {
    std::array<uint64_t, 256> table{};
    for (uint64_t i = 0; i < 256; ++i) {
        uint64_t fp = i;
        for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kFingerprintEmpty & (0 - (fp & 1)));
        table[i] = fp;
    }
    return table;
}
constexpr std::array<uint64_t, 256> kFingerprintTable = make_fingerprint_table();

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIo, "cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int32_t SchemaCatalog::local_id(std::string_view normalised_json) {
    uint64_t fp = kFingerprintEmpty;
    for (char c : normalised_json) {
        fp = (fp >> 8) ^ kFingerprintTable[(fp ^ static_cast<uint8_t>(c)) & 0xff];
    }
    const auto id = static_cast<int32_t>(fp >> 33);
    return id == 0 ? 1 : id;
}

Result<std::string> SchemaCatalog::normalise(std::string_view schema_json) {
    // nlohmann's default object is a std::map: dump() writes keys sorted, arrays (field order,
    // enum symbols) as they are.
    auto doc = nlohmann::json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return make_error(ErrorCode::kParse, "malformed JSON");
    return doc.dump();
}

Result<SchemaCatalog> SchemaCatalog::load(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return make_error(
            ErrorCode::kNotFound,
            "schema directory " + dir.string() +
                " does not exist (set "
                "AWET_SCHEMA_DIR or the schema_dir setting to the repo's schemas/avro)");
    }
    std::vector<std::filesystem::path> files;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".avsc") files.push_back(it->path());
    }
    if (ec) return make_error(ErrorCode::kIo, "listing " + dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());  // stable order of entries (and of error messages)

    SchemaCatalog catalog;
    catalog.dir_ = dir.string();
    for (const auto& path : files) {
        auto text = read_file(path);
        if (!text.ok()) return text.error();
        auto json = normalise(*text);
        if (!json.ok()) return make_error(ErrorCode::kParse, path.string() + ": malformed JSON");
        avro_schema_t schema = nullptr;
        if (avro_schema_from_json_length(json->data(), json->size(), &schema) != 0) {
            return make_error(ErrorCode::kParse,
                              path.string() + ": not an Avro schema: " + avro_strerror());
        }
        const bool is_record = is_avro_record(schema);
        std::string full_name = is_record ? avro_schema_type_name(schema) : "";
        if (is_record) {
            const char* ns = avro_schema_namespace(schema);
            if (ns != nullptr && *ns != '\0') full_name = std::string(ns) + "." + full_name;
        }
        avro_schema_decref(schema);
        if (!is_record)
            return make_error(ErrorCode::kParse, path.string() + ": not a record schema");

        SchemaEntry entry;
        entry.id = local_id(*json);
        entry.full_name = std::move(full_name);
        entry.json = std::move(*json);
        entry.file = path.string();
        const auto relative = path.lexically_relative(dir);
        entry.current = std::distance(relative.begin(), relative.end()) == 1;
        for (const SchemaEntry& other : catalog.entries_) {
            if (other.json == entry.json) {
                return make_error(ErrorCode::kAlreadyExists,
                                  entry.file + ": same schema as " + other.file);
            }
            if (other.id == entry.id) {
                return make_error(ErrorCode::kAlreadyExists,
                                  entry.file + ": local schema id " + std::to_string(entry.id) +
                                      " collides with " + other.file + " (edit either's doc)");
            }
            if (entry.current && other.current && other.full_name == entry.full_name) {
                return make_error(ErrorCode::kAlreadyExists, entry.file + ": a second current " +
                                                                 entry.full_name + " (also " +
                                                                 other.file + ")");
            }
        }
        catalog.entries_.push_back(std::move(entry));
    }
    if (catalog.entries_.empty()) {
        return make_error(ErrorCode::kNotFound, "no .avsc files in " + dir.string());
    }
    return catalog;
}

const SchemaEntry* SchemaCatalog::current(std::string_view full_name) const {
    for (const SchemaEntry& e : entries_) {
        if (e.current && e.full_name == full_name) return &e;
    }
    return nullptr;
}

const SchemaEntry* SchemaCatalog::by_id(int32_t id) const {
    for (const SchemaEntry& e : entries_) {
        if (e.id == id) return &e;
    }
    return nullptr;
}

std::string_view record_name_of(Topic topic) {
    switch (topic) {
        case Topic::kMarketRaw:
            return "awet.events.MarketBar";
        case Topic::kMarketEngineered:
            return "awet.events.FeatureVector";
        case Topic::kPredictionsTft:
            return "awet.events.Prediction";
        case Topic::kRiskApproved:
        case Topic::kRiskRejected:
            return "awet.events.RiskDecision";
        case Topic::kExecutionCompleted:
        case Topic::kExecutionBlocked:
            return "awet.events.ExecutionReport";
        case Topic::kDeadLetter:
            return "awet.events.DeadLetter";
        case Topic::kCount:
            break;
    }
    return "";
}

std::string subject_of(Topic topic) { return std::string(topic_name(topic)) + "-value"; }

std::string default_schema_dir() {
    if (const char* env = std::getenv("AWET_SCHEMA_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return AWET_DEFAULT_SCHEMA_DIR;
}

}  // namespace awet
