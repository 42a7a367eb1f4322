// The Kafka bus against librdkafka's mock cluster (3 brokers, 4 partitions per topic, in-process,
// real Kafka protocol on loopback). A consumer-group join on the mock takes ~3 s, so each test
// joins as few groups as it can.
#include "awet/bus_kafka/kafka_bus.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka_mock.hpp"

namespace awet {
namespace {

using testing::MockCluster;

std::unique_ptr<KafkaBus> make_bus(const MockCluster& cluster) {
    return testing::make_test_bus(cluster, 200);
}

MarketBar bar(const std::string& symbol, int minute) {
    MarketBar b;
    b.header.symbol = Symbol(symbol);
    b.header.event_id = Uuid{static_cast<uint64_t>(minute) + 1, symbol.size()};
    b.bar_start = Timestamp::from_seconds(1'773'322'200 + minute * 60);
    b.close = Price::from_units(100 + minute);
    return b;
}

/// Polls until `done()` or 20 s.
template <class Done>
void poll_until(KafkaBus& bus, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < deadline) bus.poll();
}

const std::vector<std::string> kSymbols = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA"};

TEST(KafkaBus, DeliversEveryEventKeyedBySymbolInOrder) {
    MockCluster cluster({"market.raw", "dead.letter", "predictions.tft"});
    auto bus = make_bus(cluster);
    std::map<std::string, std::vector<int64_t>> seen;
    size_t n = 0;
    bus->subscribe(Topic::kMarketRaw, "features", [&](const Delivery& d) {
        const auto& b = std::get<MarketBar>(d.event);
        seen[b.header.symbol.str()].push_back(b.bar_start.ns());
        ++n;
        return Status::Ok();
    });
    for (int minute = 0; minute < 40; ++minute) {
        for (const auto& s : kSymbols)
            ASSERT_TRUE(bus->publish(Topic::kMarketRaw, bar(s, minute)).ok());
    }
    poll_until(*bus, [&] { return n >= 200; });
    ASSERT_EQ(n, 200u);
    for (const auto& s : kSymbols) {
        ASSERT_EQ(seen[s].size(), 40u) << s;
        EXPECT_TRUE(std::is_sorted(seen[s].begin(), seen[s].end())) << s << " out of order";
        EXPECT_EQ(std::set<int64_t>(seen[s].begin(), seen[s].end()).size(), 40u);
    }
    EXPECT_EQ(bus->stats().published, 200u);
    EXPECT_EQ(bus->stats().acked, 200u);
    EXPECT_EQ(bus->stats().dead_lettered, 0u);
}

TEST(KafkaBus, ARestartedConsumerResumesWhereTheGroupCommitted) {
    MockCluster cluster({"market.raw", "dead.letter", "predictions.tft"});
    auto producer = make_bus(cluster);
    for (int minute = 0; minute < 30; ++minute) {
        for (const auto& s : kSymbols)
            ASSERT_TRUE(producer->publish(Topic::kMarketRaw, bar(s, minute)).ok());
    }
    ASSERT_TRUE(producer->flush().ok());
    std::multiset<std::pair<std::string, int64_t>> handled;
    const auto record = [&handled](const Delivery& d) {
        const auto& b = std::get<MarketBar>(d.event);
        handled.insert({b.header.symbol.str(), b.bar_start.ns()});
        return Status::Ok();
    };
    {
        auto first = make_bus(cluster);
        first->subscribe(Topic::kMarketRaw, "risk", record);
        // Handles 60 events, no more (librdkafka has fetched others into its local queue: they
        // are neither handled nor committed).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (handled.size() < 60 && std::chrono::steady_clock::now() < deadline) {
            first->poll(60 - handled.size());
        }
        // Stop mid-stream: close() commits what was handled and leaves the group.
        first->close();
    }
    const size_t before = handled.size();
    ASSERT_GE(before, 60u);
    ASSERT_LT(before, 150u) << "the first consumer should stop mid-stream";
    auto second = make_bus(cluster);
    second->subscribe(Topic::kMarketRaw, "risk", record);
    poll_until(*second, [&] { return handled.size() >= 150; });
    second->poll();  // nothing more may come
    // Nothing lost, nothing doubled.
    EXPECT_EQ(handled.size(), 150u);
    using Key = std::pair<std::string, int64_t>;
    EXPECT_EQ(std::set<Key>(handled.begin(), handled.end()).size(), 150u);
}

TEST(KafkaBus, PoisonMessagesGoToTheDeadLetterTopicAndNeverBlock) {
    MockCluster cluster({"market.raw", "dead.letter", "predictions.tft"});
    auto bus = make_bus(cluster);
    // A message that is not an event at all, produced by a plain client.
    {
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        char err[256];
        rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstraps().c_str(), err, sizeof err);
        rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        const char* junk = "{not an event";
        ASSERT_EQ(rd_kafka_producev(raw, RD_KAFKA_V_TOPIC("market.raw"), RD_KAFKA_V_KEY("AAPL", 4),
                                    RD_KAFKA_V_VALUE(const_cast<char*>(junk), strlen(junk)),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_flush(raw, 5000);
        rd_kafka_destroy(raw);
    }
    int good = 0;
    std::vector<std::string> errors;
    bus->subscribe(Topic::kMarketRaw, "features", [&good](const Delivery& d) -> Status {
        const auto& b = std::get<MarketBar>(d.event);
        if (b.header.symbol.view() == "BAD")
            return make_error(ErrorCode::kInvalidArgument, "bad bar");
        if (b.header.symbol.view() == "BOOM") throw std::runtime_error("boom");
        ++good;
        return Status::Ok();
    });
    bus->subscribe(Topic::kDeadLetter, "watchtower", [&errors](const Delivery& d) {
        const auto& dl = std::get<DeadLetter>(d.event);
        errors.push_back(std::string(dl.original_topic.view()) + " " + dl.error.data());
        return Status::Ok();
    });
    for (const char* s : {"AAPL", "BAD", "AAPL", "BOOM", "AAPL"}) {
        ASSERT_TRUE(bus->publish(Topic::kMarketRaw, bar(s, good++)).ok());
    }
    good = 0;
    poll_until(*bus, [&] { return good >= 3 && errors.size() >= 3; });
    EXPECT_EQ(good, 3);  // the AAPL bars after the poison ones too
    ASSERT_EQ(errors.size(), 3u);
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    EXPECT_NE(all.find("market.raw features: undecodable message"), std::string::npos) << all;
    EXPECT_NE(all.find("bad bar"), std::string::npos) << all;
    EXPECT_NE(all.find("boom"), std::string::npos) << all;
    EXPECT_EQ(bus->stats().dead_lettered, 3u);
}

TEST(KafkaBus, ReportsConsumerLagPerPartition) {
    MockCluster cluster({"market.raw", "dead.letter", "predictions.tft"});
    auto bus = make_bus(cluster);
    int handled = 0;
    bus->subscribe(Topic::kMarketRaw, "prediction", [&handled](const Delivery&) {
        ++handled;
        return Status::Ok();
    });
    for (int minute = 0; minute < 20; ++minute) {
        for (const auto& s : kSymbols)
            ASSERT_TRUE(bus->publish(Topic::kMarketRaw, bar(s, minute)).ok());
    }
    poll_until(*bus, [&] { return handled >= 100; });
    ASSERT_EQ(handled, 100);
    // Everything handled: lag 0 on every assigned partition once the commits land.
    std::vector<ConsumerLag> lag;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int64_t total = -1;
    while (std::chrono::steady_clock::now() < deadline) {
        lag = bus->consumer_lag();
        total = 0;
        for (const auto& l : lag) total += l.lag;
        if (lag.size() == 4 && total == 0) break;
        bus->poll(0);
    }
    ASSERT_EQ(lag.size(), 4u);  // 4 partitions of market.raw
    EXPECT_EQ(total, 0);
    EXPECT_EQ(lag[0].group, "awet.prediction");
    EXPECT_EQ(lag[0].topic, "market.raw");
    // 30 more events nobody has polled yet: the lag counts them.
    for (int minute = 20; minute < 26; ++minute) {
        for (const auto& s : kSymbols)
            ASSERT_TRUE(bus->publish(Topic::kMarketRaw, bar(s, minute)).ok());
    }
    ASSERT_TRUE(bus->flush().ok());
    total = 0;
    for (const auto& l : bus->consumer_lag()) total += l.lag;
    EXPECT_EQ(total, 30);
}

TEST(KafkaBus, NoBrokersIsAClearError) {
    auto bus = KafkaBus::create({});
    ASSERT_FALSE(bus.ok());
    EXPECT_NE(bus.error().message.find("bootstrap"), std::string::npos);
}

}  // namespace
}  // namespace awet
