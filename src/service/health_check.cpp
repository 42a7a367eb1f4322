#include "awet/service/health_check.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "awet/service/http_endpoint.hpp"

namespace awet {

std::vector<AgentTarget> default_agent_targets(const std::string& host) {
    std::vector<AgentTarget> out;
    for (const char* agent : {"ingestion", "features", "prediction", "risk", "execution",
                              "watchtower", "exit", "reconciler"}) {
        out.push_back({agent, host, default_agent_port(agent)});
    }
    return out;
}

namespace {

AgentHealthReport check_one(const AgentTarget& target, std::chrono::milliseconds timeout) {
    AgentHealthReport r{target, "down", 0, "", ""};
    httplib::Client client(target.host, target.port);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    auto res = client.Get("/health");
    if (!res) {
        const std::string where = target.host + ":" + std::to_string(target.port);
        switch (res.error()) {
            case httplib::Error::Connection:
                r.detail = "nothing listens on " + where +
                           " (connection refused or host unreachable): start it with `awet agent " +
                           target.agent + "`, or the whole stack with scripts/awet_start.sh";
                break;
            case httplib::Error::ConnectionTimeout:
            case httplib::Error::Read:
                r.detail = "no answer within " + std::to_string(timeout.count()) + " ms on " +
                           where + " (" + httplib::to_string(res.error()) +
                           "): the agent is stuck or the host is slow; --timeout-ms waits longer";
                break;
            default:
                r.detail = "no answer on " + where + " (" + httplib::to_string(res.error()) + ")";
        }
        return r;
    }
    const auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
        r.status = "bad";
        r.detail = "HTTP " + std::to_string(res->status) + ", body is not a health document";
        return r;
    }
    r.status = body.value("status", res->status == 200 ? "ok" : "degraded");
    r.uptime_seconds = body.value("uptime_seconds", 0.0);
    r.version = body.value("version", "");
    if (body.value("agent", target.agent) != target.agent) {
        r.status = "bad";
        r.detail = "answered as agent '" + body.value("agent", "") + "'";
        return r;
    }
    for (const char* dep : {"bus", "store"}) {
        if (body.contains(dep) && !body[dep].value("ok", true)) {
            r.detail += std::string(r.detail.empty() ? "" : "; ") + dep + ": " +
                        body[dep].value("detail", "not ok");
        }
    }
    return r;
}

}  // namespace

std::vector<AgentHealthReport> check_agents(const std::vector<AgentTarget>& targets,
                                            std::chrono::milliseconds timeout) {
    std::vector<AgentHealthReport> out;
    out.reserve(targets.size());
    for (const auto& t : targets) out.push_back(check_one(t, timeout));
    return out;
}

}  // namespace awet
