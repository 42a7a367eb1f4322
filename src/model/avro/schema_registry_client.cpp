#include "awet/model_avro/schema_registry_client.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace awet {

struct SchemaRegistryClient::Http {
    explicit Http(const std::string& url) : client(url) {}
    httplib::Client client;
};

namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

/// "HTTP 404 (40403 Schema not found)" from the registry's error document, or the body's start.
std::string describe_failure(const httplib::Response& res) {
    std::string out = "HTTP " + std::to_string(res.status);
    const auto body = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_discarded() && body.is_object() && body.contains("message")) {
        out += " (";
        if (body.contains("error_code")) out += body["error_code"].dump() + " ";
        out += body["message"].is_string() ? body["message"].get<std::string>()
                                           : body["message"].dump();
        out += ")";
    } else if (!res.body.empty()) {
        out += " (" + res.body.substr(0, 200) + ")";
    }
    return out;
}

}  // namespace

SchemaRegistryClient::SchemaRegistryClient(SchemaRegistryOptions options,
                                           std::unique_ptr<Http> http)
    : options_(std::move(options)), http_(std::move(http)) {}

SchemaRegistryClient::~SchemaRegistryClient() = default;

Result<std::unique_ptr<SchemaRegistryClient>> SchemaRegistryClient::create(
    SchemaRegistryOptions options) {
    while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
    // What errors quote: the URL without any user:password@ (the registry needs none).
    std::string shown = options.url;
    if (const size_t scheme = shown.find("://"), at = shown.find('@');
        scheme != std::string::npos && at != std::string::npos && at > scheme) {
        shown.erase(scheme + 3, at + 1 - (scheme + 3));
    }
    if (options.url.rfind("http://", 0) != 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "schema registry url '" + shown +
                              "': expected http://host:port (https is not built in)");
    }
    if (options.url.find('/', 7) != std::string::npos) {
        return make_error(ErrorCode::kInvalidArgument,
                          "schema registry url '" + shown + "': a path is not supported");
    }
    auto http = std::make_unique<Http>(options.url);
    if (!http->client.is_valid()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "schema registry url '" + shown + "' is not valid");
    }
    http->client.set_connection_timeout(options.connect_timeout);
    http->client.set_read_timeout(options.read_timeout);
    http->client.set_write_timeout(options.read_timeout);
    http->client.set_keep_alive(true);
    return std::unique_ptr<SchemaRegistryClient>(
        new SchemaRegistryClient(std::move(options), std::move(http)));
}

Result<int32_t> SchemaRegistryClient::register_schema(const std::string& subject,
                                                      const std::string& schema_json) {
    std::lock_guard lock(mutex_);
    if (auto it = ids_.find({subject, schema_json}); it != ids_.end()) return it->second;
    const std::string path = "/subjects/" + subject + "/versions";
    const std::string what = "schema registry POST " + options_.url + path;
    ++requests_;
    auto res =
        http_->client.Post(path, nlohmann::json{{"schema", schema_json}}.dump(), kContentType);
    if (!res) return make_error(ErrorCode::kIo, what + ": " + httplib::to_string(res.error()));
    if (res->status != 200) return make_error(ErrorCode::kIo, what + ": " + describe_failure(*res));
    const auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object() || !body.contains("id") ||
        !body["id"].is_number_integer()) {
        return make_error(ErrorCode::kParse, what + ": answer has no integer \"id\"");
    }
    const int64_t id = body["id"].get<int64_t>();
    if (id < 0 || id > INT32_MAX) {
        return make_error(ErrorCode::kParse, what + ": id " + std::to_string(id) + " out of range");
    }
    ids_[{subject, schema_json}] = static_cast<int32_t>(id);
    schemas_.emplace(static_cast<int32_t>(id), schema_json);
    return static_cast<int32_t>(id);
}

Result<std::string> SchemaRegistryClient::schema_by_id(int32_t id) {
    std::lock_guard lock(mutex_);
    if (auto it = schemas_.find(id); it != schemas_.end()) return it->second;
    const std::string path = "/schemas/ids/" + std::to_string(id);
    const std::string what = "schema registry GET " + options_.url + path;
    ++requests_;
    auto res = http_->client.Get(path, {{"Accept", kContentType}});
    if (!res) return make_error(ErrorCode::kIo, what + ": " + httplib::to_string(res.error()));
    if (res->status == 404) {
        return make_error(ErrorCode::kNotFound, what + ": " + describe_failure(*res));
    }
    if (res->status != 200) return make_error(ErrorCode::kIo, what + ": " + describe_failure(*res));
    const auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object() || !body.contains("schema") ||
        !body["schema"].is_string()) {
        return make_error(ErrorCode::kParse, what + ": answer has no string \"schema\"");
    }
    return schemas_.emplace(id, body["schema"].get<std::string>()).first->second;
}

uint64_t SchemaRegistryClient::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

}  // namespace awet
