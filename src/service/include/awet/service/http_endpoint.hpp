#pragma once
// The HTTP face of an agent process (seed §10.3): GET /health and GET /metrics on the agent's port.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "awet/core/result.hpp"
#include "awet/service/metrics.hpp"

namespace httplib {
class Server;
}

namespace awet {

/// One dependency's state as /health reports it.
struct DependencyHealth {
    bool ok = false;
    std::string detail;  // e.g. "sqlite var/awet.db", or the error
};

/// What /health asks the agent at each request (called on the server's thread).
struct HealthProbe {
    std::function<DependencyHealth()> bus;
    std::function<DependencyHealth()> store;
    /// The agent's own state (e.g. the execution agent halted by a failed reconciliation):
    /// reported as "agent"; not ok makes the whole status degraded. Null: not reported.
    std::function<DependencyHealth()> agent_state;
};

/// The seeds' agent ports (§5.2: 8001-8006) and ours for exit (8007) and reconciler (8008);
/// -1 for an unknown agent name.
int default_agent_port(std::string_view agent);

class AgentHttpEndpoint {
public:
    AgentHttpEndpoint(std::shared_ptr<AgentMetrics> metrics, HealthProbe probe);
    ~AgentHttpEndpoint();
    AgentHttpEndpoint(const AgentHttpEndpoint&) = delete;
    AgentHttpEndpoint& operator=(const AgentHttpEndpoint&) = delete;

    /// Listens on host:port (port 0: any free port) in a background thread. Error if the port
    /// cannot be bound (names it).
    Status start(const std::string& host, int port);
    /// Stops listening and joins the thread; idempotent.
    void stop();
    int port() const { return port_; }

    /// The /health document: {"status":"ok"|"degraded","agent":..,"version":..,
    /// "uptime_seconds":..,"bus":{"ok":..,"detail":..},"store":{...}}. "degraded" when a
    /// dependency is not ok (the HTTP status is then 503).
    std::string health_json(bool* healthy = nullptr) const;

private:
    std::shared_ptr<AgentMetrics> metrics_;
    HealthProbe probe_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace awet
