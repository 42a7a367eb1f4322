// The Schema Registry client and the Avro codec against a loopback server speaking the Confluent
// REST API (the subset AWET uses): register, fetch by id, caching, and a registry that is down.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "awet/model_avro/avro_event_codec.hpp"
#include "awet/model_avro/schema_registry_client.hpp"

namespace awet {
namespace {

/// POST /subjects/{subject}/versions and GET /schemas/ids/{id} on 127.0.0.1, a free port. Ids are
/// per schema text (as Confluent's: the same schema under two subjects has one id), from 100 up.
class LoopbackRegistry {
public:
    LoopbackRegistry() {
        server_.Post(R"(/subjects/([^/]+)/versions)", [this](const httplib::Request& req,
                                                             httplib::Response& res) {
            ++posts;
            const auto body = nlohmann::json::parse(req.body, nullptr, false);
            if (req.get_header_value("Content-Type") != "application/vnd.schemaregistry.v1+json" ||
                body.is_discarded() || !body.contains("schema") || !body["schema"].is_string()) {
                res.status = 422;
                res.set_content(R"({"error_code":42201,"message":"Invalid schema"})",
                                "application/vnd.schemaregistry.v1+json");
                return;
            }
            std::lock_guard lock(mutex_);
            const std::string schema = body["schema"].get<std::string>();
            auto [it, added] = ids_.emplace(schema, next_id_);
            if (added) schemas_[next_id_++] = schema;
            subjects_.insert(req.matches[1].str());
            res.set_content(nlohmann::json{{"id", it->second}}.dump(),
                            "application/vnd.schemaregistry.v1+json");
        });
        server_.Get(R"(/schemas/ids/(\d+))",
                    [this](const httplib::Request& req, httplib::Response& res) {
                        ++gets;
                        std::lock_guard lock(mutex_);
                        auto it = schemas_.find(std::stoi(req.matches[1].str()));
                        if (it == schemas_.end()) {
                            res.status = 404;
                            res.set_content(R"({"error_code":40403,"message":"Schema not found"})",
                                            "application/vnd.schemaregistry.v1+json");
                            return;
                        }
                        res.set_content(nlohmann::json{{"schema", it->second}}.dump(),
                                        "application/vnd.schemaregistry.v1+json");
                    });
        server_.set_keep_alive_timeout(1);  // stop() waits for idle keep-alive connections
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~LoopbackRegistry() { stop(); }
    void stop() {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    bool has_subject(const std::string& s) {
        std::lock_guard lock(mutex_);
        return subjects_.count(s) != 0;
    }

    std::atomic<int> posts{0}, gets{0};

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    int next_id_ = 100;
    std::map<std::string, int> ids_;
    std::map<int, std::string> schemas_;
    std::set<std::string> subjects_;
};

std::shared_ptr<SchemaRegistryClient> client_of(const std::string& url) {
    auto c = SchemaRegistryClient::create(
        {url, std::chrono::milliseconds(500), std::chrono::milliseconds(1000)});
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return std::shared_ptr<SchemaRegistryClient>(std::move(*c));
}

TEST(SchemaRegistryClient, RegistersFetchesAndCachesBothWays) {
    LoopbackRegistry registry;
    auto client = client_of(registry.url());
    const std::string schema = R"({"type":"record","name":"R","fields":[]})";
    auto id = client->register_schema("market.raw-value", schema);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    EXPECT_EQ(*id, 100);
    EXPECT_TRUE(registry.has_subject("market.raw-value"));
    auto again = client->register_schema("market.raw-value", schema);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 100);
    EXPECT_EQ(registry.posts.load(), 1) << "the second register is answered from the cache";
    // What was registered is known by id without asking.
    auto text = client->schema_by_id(100);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, schema);
    EXPECT_EQ(registry.gets.load(), 0);
    // A second client (another process) fetches once, then from its cache.
    auto other = client_of(registry.url());
    for (int i = 0; i < 3; ++i) {
        auto fetched = other->schema_by_id(100);
        ASSERT_TRUE(fetched.ok()) << fetched.error().to_string();
        EXPECT_EQ(*fetched, schema);
    }
    EXPECT_EQ(registry.gets.load(), 1);
    EXPECT_EQ(other->requests(), 1u);
}

TEST(SchemaRegistryClient, ErrorsNameThePathAndStatus) {
    LoopbackRegistry registry;
    auto client = client_of(registry.url());
    auto missing = client->schema_by_id(7);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_NE(missing.error().message.find("GET " + registry.url() +
                                           "/schemas/ids/7: HTTP 404 "
                                           "(40403 Schema not found)"),
              std::string::npos)
        << missing.error().message;
    registry.stop();
    auto down = client->register_schema("market.raw-value", "{}");
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, ErrorCode::kIo);
    EXPECT_NE(down.error().message.find("POST " + registry.url() +
                                        "/subjects/market.raw-value/versions: "),
              std::string::npos)
        << down.error().message;
    auto bad = SchemaRegistryClient::create({"registry:8081"});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'registry:8081': expected http://host:port"),
              std::string::npos);
}

Event sample_bar(int minute) {
    MarketBar b;
    b.header.symbol = Symbol("AAPL");
    b.header.event_id = Uuid{1, static_cast<uint64_t>(minute)};
    b.bar_start = Timestamp::from_seconds(1'773'322'200 + minute * 60);
    b.close = Price::from_units(100 + minute);
    return Event(b);
}

TEST(AvroCodecWithRegistry, ProducerRegistersConsumerFetchesOnceEach) {
    LoopbackRegistry registry;
    auto catalog = SchemaCatalog::load(AWET_SCHEMA_DIR);
    ASSERT_TRUE(catalog.ok());
    auto producer = AvroEventCodec::create(*catalog, client_of(registry.url()));
    auto consumer = AvroEventCodec::create(*catalog, client_of(registry.url()));
    ASSERT_TRUE(producer.ok() && consumer.ok());
    for (int minute = 0; minute < 20; ++minute) {
        auto bytes = (*producer)->encode(Topic::kMarketRaw, sample_bar(minute));
        ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
        EXPECT_EQ(bytes->substr(0, 5), std::string("\0\0\0\0\x64", 5)) << "registry id 100";
        auto event = (*consumer)->decode(Topic::kMarketRaw, *bytes);
        ASSERT_TRUE(event.ok()) << event.error().to_string();
        EXPECT_EQ(std::get<MarketBar>(*event).close, Price::from_units(100 + minute));
    }
    EXPECT_EQ(registry.posts.load(), 1);
    EXPECT_EQ(registry.gets.load(), 1);
    EXPECT_TRUE(registry.has_subject("market.raw-value"));
    // The v0 MarketBar written by a producer pinned to it: registered as a second id, fetched by
    // the consumer and read with the default interval.
    int32_t v0_id = 0;
    for (const auto& e : catalog->entries()) {
        if (!e.current && e.full_name == "awet.events.MarketBar") v0_id = e.id;
    }
    ASSERT_NE(v0_id, 0);
    auto old_bytes = (*producer)->encode_with(Topic::kMarketRaw, sample_bar(3), v0_id);
    ASSERT_TRUE(old_bytes.ok()) << old_bytes.error().to_string();
    EXPECT_EQ(old_bytes->substr(0, 5), std::string("\0\0\0\0\x65", 5));
    auto old_event = (*consumer)->decode(Topic::kMarketRaw, *old_bytes);
    ASSERT_TRUE(old_event.ok()) << old_event.error().to_string();
    EXPECT_EQ(std::get<MarketBar>(*old_event).interval.ns(), Duration::minutes(1).ns());
    EXPECT_EQ(registry.gets.load(), 2);
}

TEST(AvroCodecWithRegistry, RegistryDownIsAClearErrorAndUnknownIdsAre404s) {
    LoopbackRegistry registry;
    auto catalog = SchemaCatalog::load(AWET_SCHEMA_DIR);
    ASSERT_TRUE(catalog.ok());
    auto codec = AvroEventCodec::create(*catalog, client_of(registry.url()));
    ASSERT_TRUE(codec.ok());
    auto unknown = (*codec)->decode(Topic::kMarketRaw, std::string("\0\0\0\x01\x02\x00", 6));
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("avro market.raw: schema id 258: schema registry GET"),
              std::string::npos)
        << unknown.error().message;
    EXPECT_NE(unknown.error().message.find("40403 Schema not found"), std::string::npos);
    registry.stop();
    auto encoded = (*codec)->encode(Topic::kMarketRaw, sample_bar(0));
    ASSERT_FALSE(encoded.ok());
    EXPECT_NE(encoded.error().message.find("avro market.raw: schema registry POST " +
                                           registry.url() + "/subjects/market.raw-value/versions"),
              std::string::npos)
        << encoded.error().message;
}

}  // namespace
}  // namespace awet
