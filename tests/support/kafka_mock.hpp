#pragma once
// librdkafka's mock Kafka cluster for one test (3 brokers, in-process, real protocol on loopback),
// and a KafkaBus on it with test-friendly group timings.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "awet/bus/kafka_bus.hpp"

namespace awet::testing {

class MockCluster {
public:
    /// The topics are created with `partitions` partitions (replication 3).
    explicit MockCluster(std::initializer_list<const char*> topics, int partitions = 4) {
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        char err[256];
        rd_kafka_conf_set(conf, "test.mock.num.brokers", "3", err, sizeof err);
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        cluster_ = rd_kafka_handle_mock_cluster(host_);
        for (const char* t : topics) rd_kafka_mock_topic_create(cluster_, t, partitions, 3);
    }
    ~MockCluster() { rd_kafka_destroy(host_); }
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;
    std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

private:
    rd_kafka_t* host_ = nullptr;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
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
