#pragma once
// A client of the Confluent Schema Registry REST API: the two calls a producer and a consumer need,
// each answer cached for the life of the process (a registered schema's id never changes, and an
// id names one schema forever).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "awet/core/result.hpp"

namespace awet {

struct SchemaRegistryOptions {
    std::string url;  // "http://host:8081" (no path)
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds read_timeout{5000};
};

/// Register (POST /subjects/{subject}/versions) and fetch by id (GET /schemas/ids/{id}). Errors
/// name the method, the URL path and the HTTP status or transport error, with the registry's own
/// message. Thread-safe (a mutex around the caches and the connection); calls block for at most
/// the timeouts.
class SchemaRegistryClient {
public:
    /// Checks the URL only (no request is made until a schema is needed).
    static Result<std::unique_ptr<SchemaRegistryClient>> create(SchemaRegistryOptions options);
    ~SchemaRegistryClient();
    SchemaRegistryClient(const SchemaRegistryClient&) = delete;
    SchemaRegistryClient& operator=(const SchemaRegistryClient&) = delete;

    /// The id of `schema_json` under `subject`, registering it if it is new. Cached by (subject,
    /// schema text); the schema is also cached under its id.
    Result<int32_t> register_schema(const std::string& subject, const std::string& schema_json);
    /// The schema text with this id. Cached.
    Result<std::string> schema_by_id(int32_t id);

    const std::string& url() const { return options_.url; }
    /// HTTP requests made so far (cache misses), for tests and metrics.
    uint64_t requests() const;

private:
    struct Http;
    SchemaRegistryClient(SchemaRegistryOptions options, std::unique_ptr<Http> http);

    SchemaRegistryOptions options_;
    mutable std::mutex mutex_;
    std::unique_ptr<Http> http_;
    std::map<std::pair<std::string, std::string>, int32_t> ids_;  // (subject, schema) -> id
    std::map<int32_t, std::string> schemas_;                      // id -> schema
    uint64_t requests_ = 0;
};

}  // namespace awet
