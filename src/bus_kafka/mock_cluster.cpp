#include "awet/bus_kafka/mock_cluster.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

namespace awet {

struct MockKafkaCluster::Host {
    explicit Host(rd_kafka_t* h) : handle(h) {}
    ~Host() { rd_kafka_destroy(handle); }
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    rd_kafka_t* handle;
};

Result<MockKafkaCluster> MockKafkaCluster::create(const Options& options,
                                                  std::span<const std::string> topics) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::string brokers = std::to_string(options.brokers);
    if (rd_kafka_conf_set(conf, "test.mock.num.brokers", brokers.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return make_error(ErrorCode::kInvalidArgument, std::string("mock cluster: ") + err);
    }
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // owns conf
    if (handle == nullptr) return make_error(ErrorCode::kIo, std::string("mock cluster: ") + err);
    auto host = std::make_unique<Host>(handle);
    rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(handle);
    if (cluster == nullptr) {
        return make_error(ErrorCode::kIo, "mock cluster: librdkafka started no cluster");
    }
    const int replication = std::clamp(options.replication, 1, std::max(1, options.brokers));
    for (const std::string& t : topics) {
        const rd_kafka_resp_err_t e =
            rd_kafka_mock_topic_create(cluster, t.c_str(), options.partitions, replication);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return make_error(ErrorCode::kInvalidArgument,
                              "mock cluster: topic " + t + ": " + rd_kafka_err2str(e));
        }
    }
    std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
    return MockKafkaCluster(std::move(host), std::move(bootstraps));
}

MockKafkaCluster::MockKafkaCluster(std::unique_ptr<Host> host, std::string bootstraps)
    : host_(std::move(host)), bootstraps_(std::move(bootstraps)) {}
MockKafkaCluster::MockKafkaCluster(MockKafkaCluster&&) noexcept = default;
MockKafkaCluster& MockKafkaCluster::operator=(MockKafkaCluster&&) noexcept = default;
MockKafkaCluster::~MockKafkaCluster() = default;

}  // namespace awet
