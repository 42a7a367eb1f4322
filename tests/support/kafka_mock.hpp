#pragma once
// librdkafka's mock Kafka cluster for one test (3 brokers, in-process, real protocol on loopback),
// and a KafkaBus on it with test-friendly group timings.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awet/bus_kafka/kafka_bus.hpp"
#include "awet/bus_kafka/mock_cluster.hpp"

namespace awet::testing {

class MockCluster {
public:
    /// The topics are created with `partitions` partitions (replication 3).
    explicit MockCluster(std::initializer_list<const char*> topics, int partitions = 4) {
        std::vector<std::string> names(topics.begin(), topics.end());
        auto c = MockKafkaCluster::create(
            {.brokers = 3, .partitions = partitions, .replication = 3}, names);
        EXPECT_TRUE(c.ok()) << c.error().to_string();
        if (c.ok()) cluster_.emplace(std::move(*c));
    }
    std::string bootstraps() const { return cluster_ ? cluster_->bootstraps() : std::string(); }

private:
    std::optional<MockKafkaCluster> cluster_;
};

/// A KafkaBus on the cluster; short session and heartbeat so group changes take seconds.
inline std::unique_ptr<KafkaBus> make_test_bus(const MockCluster& cluster, int poll_timeout_ms) {
    KafkaBusOptions o;
    o.brokers = cluster.bootstraps();
    o.poll_timeout_ms = poll_timeout_ms;
    o.properties = {
        {"log_level", "0"}, {"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
    auto bus = KafkaBus::create(o);
    EXPECT_TRUE(bus.ok()) << bus.error().to_string();
    return bus.ok() ? std::move(*bus) : nullptr;
}

}  // namespace awet::testing
