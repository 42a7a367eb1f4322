#pragma once
// One agent of seed §5.2 as a long-running process over Kafka (`awet agent NAME`): GET /health
// and GET /metrics on its port, a clean shutdown on SIGTERM, an event-time clock, and each
// agent's start-up (restores from the store; for execution: wait for the broker, reconcile,
// check positions, halt on a mismatch). The ingestion agent can also replay stored bars in lock
// step, hosting the simulated venue (lockstep_replay.cpp), or stream live bars
// (live_ingestion.hpp). The composition root gives the backends it chose (AgentBackends).
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/trade_stream.hpp"
#include "awet/config/config.hpp"
#include "awet/model/topics.hpp"
#include "awet/risk/risk_state.hpp"
#include "awet/store/store.hpp"
#include "awet/venue/venue.hpp"

namespace awet::runtime {

struct AgentOptions {
    std::string name;  // ingestion, features, prediction, risk, execution, exit, watchtower,
                       // reconciler
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the agent's default port (8001-8008)
    // execution
    std::string venue_url = "http://127.0.0.1:8009";
    int reconcile_every_s = 0;  // 0: 30 s for Alpaca (a lossy stream), else at start only
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

/// The execution agent's broker: the simulated venue of a replay (polled for its events), or
/// Alpaca's paper API with its trade_updates stream.
struct ExecutionBroker {
    std::unique_ptr<RemoteBroker> venue;
    std::unique_ptr<alpaca::AlpacaBroker> alpaca_broker;
    std::unique_ptr<alpaca::TradeUpdatesStream> trade_stream;
    Broker* broker = nullptr;
    std::string where;  // for logs and /health
};

/// The backend choices of the composition root.
struct AgentBackends {
    std::function<Result<std::unique_ptr<Store>>(const Config&)> open_store;
    std::function<std::string(const Config&)> store_location;
    /// The shared risk limits of risk.state_backend.
    std::function<Result<std::unique_ptr<SharedRiskLimits>>(const RiskConfig&)> risk_limits;
    /// execution.broker: the simulated venue at `venue_url` or Alpaca paper.
    std::function<Result<ExecutionBroker>(const Config&, const std::string& venue_url)>
        execution_broker;
};

bool is_agent_name(std::string_view name);

/// Runs agent `options.name` until SIGTERM/SIGINT (or, for a lock-step replay with
/// exit_when_done, its last bar). Needs bus.backend kafka.
Status run_agent(const Config& config, const AgentOptions& options, const AgentBackends& backends);

/// Every (consumer group, topic) the agents of a full deployment subscribe to, learnt by
/// attaching them to a recording bus: what the lock-step replay waits on.
std::vector<std::pair<std::string, Topic>> agent_topology(const Config& config, Store& store);

/// `awet dev-kafka`: librdkafka's mock cluster (real Kafka protocol on loopback, in memory) as a
/// process, with the seed topics created; prints the bootstrap servers (and writes them to `out`)
/// and runs until SIGTERM. For the local stack and tests, not for production.
struct DevKafkaOptions {
    int brokers = 3;
    int partitions = 4;
    std::string out;
};
Status run_dev_kafka(const DevKafkaOptions& options);

}  // namespace awet::runtime
