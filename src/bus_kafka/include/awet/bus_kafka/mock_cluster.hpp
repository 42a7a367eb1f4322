#pragma once
// librdkafka's mock Kafka cluster: in-process brokers speaking the real protocol on loopback.
// `awet dev-kafka` serves one to the multi-process stack; tests and benchmarks run the Kafka bus on
// one. The handle that hosts it is owned here and destroyed with the object.
#include <memory>
#include <span>
#include <string>

#include "awet/core/result.hpp"

namespace awet {

class MockKafkaCluster {
public:
    struct Options {
        int brokers = 3;
        int partitions = 4;   // of every topic created
        int replication = 3;  // capped at `brokers`
    };
    /// Starts the brokers and creates `topics`; an error names librdkafka's reason.
    static Result<MockKafkaCluster> create(const Options& options,
                                           std::span<const std::string> topics);
    MockKafkaCluster(MockKafkaCluster&&) noexcept;
    MockKafkaCluster& operator=(MockKafkaCluster&&) noexcept;
    ~MockKafkaCluster();

    /// "host:port,host:port,...": the bootstrap servers of the brokers.
    const std::string& bootstraps() const { return bootstraps_; }

private:
    struct Host;
    explicit MockKafkaCluster(std::unique_ptr<Host> host, std::string bootstraps);
    std::unique_ptr<Host> host_;
    std::string bootstraps_;
};

}  // namespace awet
