#pragma once
// `awet health`: asks every agent's GET /health and summarises.
#include <chrono>
#include <string>
#include <vector>

namespace awet {

struct AgentTarget {
    std::string agent;
    std::string host;
    int port = 0;
};

struct AgentHealthReport {
    AgentTarget target;
    std::string status;  // "ok", "degraded" (answered 503), "down" (no answer), "bad" (not JSON)
    double uptime_seconds = 0;
    std::string version;
    std::string detail;  // why it is not ok: the failing dependency, or the connection error
};

/// The eight agents on `host` at their default ports (default_agent_port()).
std::vector<AgentTarget> default_agent_targets(const std::string& host);

/// One GET /health per target, each with `timeout`. Never throws.
std::vector<AgentHealthReport> check_agents(const std::vector<AgentTarget>& targets,
                                            std::chrono::milliseconds timeout);

}  // namespace awet
