// deploy/ stays consistent: every agent in docker-compose, in the Kubernetes base and in
// Prometheus' scrape targets, on the same port; every kustomization's resources exist.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "awet_test_support.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kDeploy = fs::path(AWET_SOURCE_DIR) / "deploy";

/// The agents and their ports (README "Ports"; seed §5.2 for 8001-8006).
const std::map<std::string, int> kAgents = {
    {"ingestion", 8001}, {"features", 8002},   {"prediction", 8003}, {"risk", 8004},
    {"execution", 8005}, {"watchtower", 8006}, {"exit", 8007},       {"reconciler", 8008}};

TEST(Deploy, ComposeRunsTheBackendsAndEveryAgent) {
    const YAML::Node compose = YAML::LoadFile((kDeploy / "docker-compose.yml").string());
    const YAML::Node services = compose["services"];
    for (const char* backend : {"kafka", "schema-registry", "timescaledb", "redis", "prometheus",
                                "alertmanager", "grafana"}) {
        EXPECT_TRUE(services[backend]) << backend;
    }
    EXPECT_EQ(services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"].as<std::string>(),
              "broker,controller");  // KRaft, no ZooKeeper
    for (const auto& [agent, port] : kAgents) {
        const YAML::Node s = services["awet-" + agent];
        ASSERT_TRUE(s) << agent;
        EXPECT_EQ(s["command"][0].as<std::string>(), "agent");
        EXPECT_EQ(s["command"][1].as<std::string>(), agent);
        const std::string mapping = std::to_string(port) + ":" + std::to_string(port);
        EXPECT_EQ(s["ports"][0].as<std::string>(), mapping) << agent;
        // The merge key (<<: *awet-agent; yaml-cpp keeps it as a key) gives every agent the
        // production backends.
        const YAML::Node env = s["environment"] ? s["environment"] : s["<<"]["environment"];
        ASSERT_TRUE(env) << agent;
        EXPECT_EQ(env["AWET_BUS_BACKEND"].as<std::string>(), "kafka") << agent;
        EXPECT_EQ(env["AWET_STORE_BACKEND"].as<std::string>(), "postgres") << agent;
        EXPECT_EQ(env["AWET_RISK_STATE_BACKEND"].as<std::string>(), "redis") << agent;
    }
}

TEST(Deploy, PrometheusScrapesEveryAgentOnItsPort) {
    const YAML::Node prom = YAML::LoadFile((kDeploy / "prometheus" / "prometheus.yml").string());
    std::set<std::string> targets;
    for (const auto& job : prom["scrape_configs"]) {
        if (job["job_name"].as<std::string>() != "awet-agents") continue;
        for (const auto& sc : job["static_configs"]) {
            for (const auto& t : sc["targets"]) targets.insert(t.as<std::string>());
        }
    }
    for (const auto& [agent, port] : kAgents) {
        EXPECT_TRUE(targets.count("awet-" + agent + ":" + std::to_string(port))) << agent;
    }
    EXPECT_EQ(targets.size(), kAgents.size());
}

TEST(Deploy, KubernetesBaseHasEveryAgentWithProbes) {
    const auto docs = YAML::LoadAllFromFile((kDeploy / "k8s/base/agents/agents.yaml").string());
    std::map<std::string, int> deployments;
    for (const auto& d : docs) {
        if (d["kind"].as<std::string>() != "Deployment") continue;
        const YAML::Node c = d["spec"]["template"]["spec"]["containers"][0];
        deployments[c["args"][1].as<std::string>()] = c["ports"][0]["containerPort"].as<int>();
        EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/health");
        EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/health");
    }
    EXPECT_EQ(deployments, kAgents);
}

/// Every resource a kustomization lists exists (a file, or a directory with a kustomization).
void expect_resources_exist(const fs::path& dir) {
    const YAML::Node k = YAML::LoadFile((dir / "kustomization.yaml").string());
    ASSERT_TRUE(k["resources"]) << dir;
    for (const auto& r : k["resources"]) {
        const fs::path p = dir / r.as<std::string>();
        ASSERT_TRUE(fs::exists(p)) << p;
        if (fs::is_directory(p)) {
            ASSERT_TRUE(fs::exists(p / "kustomization.yaml")) << p;
            expect_resources_exist(p);
        } else {
            EXPECT_NO_THROW(YAML::LoadAllFromFile(p.string())) << p;
        }
    }
}

TEST(Deploy, KustomizeOverlaysResolve) {
    for (const char* overlay : {"dev", "staging", "production"}) {
        SCOPED_TRACE(overlay);
        expect_resources_exist(kDeploy / "k8s/overlays" / overlay);
    }
}

}  // namespace
