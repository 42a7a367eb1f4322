#pragma once
// `awet agent <name>`: one agent as its own process (see agent_command.cpp).
#include <string>
#include <utility>
#include <vector>

#include "awet/core/config.hpp"
#include "awet/model/topics.hpp"
#include "awet/store/store.hpp"
#include "commands.hpp"

namespace awet::cli {

struct AgentArgs {
    std::string name;
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the agent's default port (8001-8008)
    // execution
    std::string venue_url = "http://127.0.0.1:8009";
    int reconcile_every_s = 0;  // 0: reconcile with the broker at start only
    // ingestion
    bool replay = false;  // lock-step replay of stored bars, hosting the simulated venue
    std::string from;     // first date (default: the first stored bar)
    int days = 0;         // sessions (0: all)
    int venue_port = 8009;
    bool exit_when_done = false;
    int quiet_timeout_s = 120;
    std::string live;                  // ingestion: live bars from this vendor ("alpaca")
    std::vector<std::string> symbols;  // ingestion --live: empty = config data.symbols
};
int agent(const Common& common, const AgentArgs& args);

/// `awet dev-kafka`: librdkafka's mock cluster (real Kafka protocol on loopback, in memory) as a
/// process, with the seed topics created; prints the bootstrap servers (and writes them to `out`).
/// For the local stack and the tests on machines without a Kafka broker — not for production.
struct DevKafkaArgs {
    int brokers = 3;
    int partitions = 4;
    std::string out;
};
int dev_kafka(const DevKafkaArgs& args);

/// Every (consumer group, topic) the agents of a full deployment subscribe to, learnt by attaching
/// them to a recording bus: what the lock-step replay waits on.
std::vector<std::pair<std::string, Topic>> agent_topology(const Config& config, Store& store);

}  // namespace awet::cli
