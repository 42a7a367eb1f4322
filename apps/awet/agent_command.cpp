#include "agent_command.hpp"

#include <cstdio>

#include "brokers.hpp"

namespace awet::cli {

namespace {

int fail_line(const Error& error) {
    std::fprintf(stderr, "awet: %s\n", error.message.c_str());
    return 1;
}

}  // namespace

int agent(const Common& common, const runtime::AgentOptions& options) {
    auto config = load(common);
    if (!config) return 1;
    runtime::AgentBackends backends;
    backends.open_store = [](const Config& c) { return open_store(c); };
    backends.store_location = [](const Config& c) { return store_location(c); };
    backends.risk_limits = [](const RiskConfig& risk) {
        return make_risk_limits(risk, risk.state_backend, risk.redis_url, risk.redis_namespace);
    };
    backends.execution_broker = [](const Config& c, const std::string& venue_url) {
        return execution_broker(c, venue_url);
    };
    Status done = runtime::run_agent(*config, options, backends);
    return done.ok() ? 0 : fail_line(done.error());
}

int dev_kafka(const runtime::DevKafkaOptions& options) {
    Status done = runtime::run_dev_kafka(options);
    return done.ok() ? 0 : fail_line(done.error());
}

}  // namespace awet::cli
