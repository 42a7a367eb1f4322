#include "awet/service/http_endpoint.hpp"

#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>

#include "awet/service/http_server.hpp"

namespace awet {

int default_agent_port(std::string_view agent) {
    static const std::map<std::string_view, int> kPorts = {
        {"ingestion", 8001}, {"features", 8002},   {"prediction", 8003}, {"risk", 8004},
        {"execution", 8005}, {"watchtower", 8006}, {"exit", 8007},       {"reconciler", 8008}};
    auto it = kPorts.find(agent);
    return it == kPorts.end() ? -1 : it->second;
}

AgentHttpEndpoint::AgentHttpEndpoint(std::shared_ptr<AgentMetrics> metrics, HealthProbe probe)
    : metrics_(std::move(metrics)),
      probe_(std::move(probe)),
      started_(std::chrono::steady_clock::now()) {}

AgentHttpEndpoint::~AgentHttpEndpoint() { stop(); }

std::string AgentHttpEndpoint::health_json(bool* healthy) const {
    const auto dep = [](const std::function<DependencyHealth()>& f) {
        DependencyHealth h = f ? f() : DependencyHealth{true, "not used"};
        return nlohmann::json{{"ok", h.ok}, {"detail", h.detail}};
    };
    const nlohmann::json bus = dep(probe_.bus), store = dep(probe_.store);
    bool ok = bus["ok"].get<bool>() && store["ok"].get<bool>();
    const double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    nlohmann::json doc{{"agent", metrics_->agent()},
                       {"version", AWET_VERSION},
                       {"uptime_seconds", uptime},
                       {"bus", bus},
                       {"store", store}};
    if (probe_.agent_state) {
        const nlohmann::json state = dep(probe_.agent_state);
        ok = ok && state["ok"].get<bool>();
        doc["state"] = state;
    }
    doc["status"] = ok ? "ok" : "degraded";
    if (healthy != nullptr) *healthy = ok;
    return doc.dump();
}

Status AgentHttpEndpoint::start(const std::string& host, int port) {
    if (server_) return make_error(ErrorCode::kInvalidArgument, "the endpoint is already running");
    HttpServerOptions options;
    options.limits.max_body_bytes = 4 * 1024;  // it serves GETs only
    options.on_refused = [metrics = metrics_](std::string_view reason) {
        metrics->count_http_refused("agent", reason);
    };
    options.guard = [metrics = metrics_](const httplib::Request& req, httplib::Response& res) {
        if (req.method == "GET" || req.method == "HEAD") return true;
        metrics->count_http_refused("agent", "method_not_allowed");
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content(R"({"error":"only GET /health and GET /metrics"})", "application/json");
        return false;
    };
    server_ = make_http_server(std::move(options));
    server_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
        bool healthy = false;
        res.set_content(health_json(&healthy), "application/json");
        res.status = healthy ? 200 : 503;
    });
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics_->serialize(), "text/plain; version=0.0.4");
    });
    auto bound = start_http_server(*server_, thread_, host, port, "agent endpoint");
    if (!bound.ok()) {
        server_.reset();
        return bound.error();
    }
    port_ = *bound;
    return Status::Ok();
}

void AgentHttpEndpoint::stop() {
    if (!server_) return;
    stop_http_server(*server_, thread_);
    server_.reset();
}

}  // namespace awet
