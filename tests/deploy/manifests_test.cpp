// deploy/ stays consistent: every agent in docker-compose, in the Kubernetes base and in
// Prometheus' scrape targets, on the same port; every kustomization's resources exist.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "awet_test_support.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kDeploy = fs::path(AWET_SOURCE_DIR) / "deploy";

/// The agents and their ports (README "Ports"; seed §5.2 for 8001-8006).
const std::map<std::string, int> kAgents = {
    {"ingestion", 8001}, {"features", 8002},   {"prediction", 8003}, {"risk", 8004},
    {"execution", 8005}, {"watchtower", 8006}, {"exit", 8007},       {"reconciler", 8008}};

/// A mapping with its YAML merge keys ("<<", which yaml-cpp keeps as a key) applied.
YAML::Node merged(const YAML::Node& node) {
    if (!node || !node.IsMap() || !node["<<"]) return node;
    YAML::Node out = YAML::Clone(merged(node["<<"]));
    for (const auto& kv : node) {
        if (kv.first.as<std::string>() != "<<") out[kv.first.as<std::string>()] = kv.second;
    }
    return out;
}

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
        // Published on the host's loopback only.
        const std::string mapping =
            "127.0.0.1:" + std::to_string(port) + ":" + std::to_string(port);
        EXPECT_EQ(s["ports"][0].as<std::string>(), mapping) << agent;
        // The merge key (<<: *awet-agent; yaml-cpp keeps it as a key) gives every agent the
        // production backends.
        const YAML::Node env = merged(s["environment"] ? s["environment"] : s["<<"]["environment"]);
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

// ---------------------------------------------------------------- who may reach what (issue 11)

/// Every document of the kustomization at `dir` and of the ones it includes.
void collect_documents(const fs::path& dir, std::vector<YAML::Node>& out) {
    const YAML::Node k = YAML::LoadFile((dir / "kustomization.yaml").string());
    for (const auto& r : k["resources"]) {
        const fs::path p = dir / r.as<std::string>();
        if (fs::is_directory(p)) {
            collect_documents(p, out);
        } else {
            for (const auto& d : YAML::LoadAllFromFile(p.string())) out.push_back(d);
        }
    }
}

/// Whether `selector` (matchLabels, or a plain label map; empty: everything) selects `labels`.
bool selects(const YAML::Node& selector, const YAML::Node& labels) {
    const YAML::Node want =
        selector && selector["matchLabels"] ? selector["matchLabels"] : selector;
    if (!want || want.size() == 0) return true;
    for (const auto& kv : want) {
        const std::string key = kv.first.as<std::string>();
        if (!labels[key] || labels[key].as<std::string>() != kv.second.as<std::string>())
            return false;
    }
    return true;
}

struct Workload {
    std::string name;
    YAML::Node labels;
    YAML::Node ports;  // of its containers: [{name, containerPort}]
};

struct Base {
    std::vector<Workload> workloads;
    std::vector<YAML::Node> services, policies;
};

Base load_base() {
    std::vector<YAML::Node> docs;
    collect_documents(kDeploy / "k8s/base", docs);
    Base b;
    for (const auto& d : docs) {
        if (!d || !d["kind"]) continue;
        const std::string kind = d["kind"].as<std::string>();
        if (kind == "Deployment" || kind == "StatefulSet") {
            Workload w{d["metadata"]["name"].as<std::string>(),
                       d["spec"]["template"]["metadata"]["labels"],
                       YAML::Node(YAML::NodeType::Sequence)};
            for (const auto& c : d["spec"]["template"]["spec"]["containers"]) {
                for (const auto& p : c["ports"]) w.ports.push_back(p);
            }
            b.workloads.push_back(w);
        } else if (kind == "Service") {
            b.services.push_back(d);
        } else if (kind == "NetworkPolicy") {
            b.policies.push_back(d);
        }
    }
    return b;
}

/// The ingress rules of the policies selecting `w` that admit its port `number` (or `name`)
/// from a named set of peers (a rule without `from` admits anyone: it does not count).
std::vector<YAML::Node> admitting_rules(const Base& b, const Workload& w, int number,
                                        const std::string& name) {
    std::vector<YAML::Node> out;
    for (const auto& p : b.policies) {
        if (!selects(p["spec"]["podSelector"], w.labels)) continue;
        for (const auto& rule : p["spec"]["ingress"]) {
            if (!rule["from"] || rule["from"].size() == 0) continue;
            for (const auto& port : rule["ports"]) {
                const std::string v = port["port"].as<std::string>();
                if (v == std::to_string(number) || (!name.empty() && v == name))
                    out.push_back(rule);
            }
        }
    }
    return out;
}

TEST(Deploy, EveryServicePortIsCoveredByANetworkPolicy) {
    const Base b = load_base();
    ASSERT_FALSE(b.services.empty());
    // Everything else is denied: a policy selecting every pod with no ingress rule.
    bool default_deny = false;
    for (const auto& p : b.policies) {
        default_deny |= p["spec"]["podSelector"].size() == 0 && !p["spec"]["ingress"];
    }
    EXPECT_TRUE(default_deny) << "no default-deny ingress policy in the base";
    int covered = 0;
    for (const auto& svc : b.services) {
        const std::string service = svc["metadata"]["name"].as<std::string>();
        bool has_pods = false;
        for (const Workload& w : b.workloads) {
            if (!selects(svc["spec"]["selector"], w.labels)) continue;
            has_pods = true;
            for (const auto& sp : svc["spec"]["ports"]) {
                const YAML::Node target = sp["targetPort"] ? sp["targetPort"] : sp["port"];
                int number = -1;
                std::string name;
                for (const auto& cp : w.ports) {
                    const std::string cname = cp["name"] ? cp["name"].as<std::string>() : "";
                    if (target.as<std::string>() == cname ||
                        target.as<std::string>() == cp["containerPort"].as<std::string>()) {
                        number = cp["containerPort"].as<int>();
                        name = cname;
                    }
                }
                SCOPED_TRACE(service + " port " + sp["port"].as<std::string>() + " -> " + w.name);
                ASSERT_GT(number, 0) << "the target port is no container port";
                EXPECT_FALSE(admitting_rules(b, w, number, name).empty())
                    << "no NetworkPolicy admits anyone to it";
                ++covered;
            }
        }
        EXPECT_TRUE(has_pods) << service << " selects no workload";
    }
    EXPECT_GE(covered, 12);  // 8 agents, the venue, Kafka, TimescaleDB, Redis
}

TEST(Deploy, TheVenueIsOpenToTheExecutionAgentOnly) {
    const Base b = load_base();
    const Workload* ingestion = nullptr;
    for (const Workload& w : b.workloads) {
        if (w.name == "awet-ingestion") ingestion = &w;
    }
    ASSERT_NE(ingestion, nullptr);
    const auto rules = admitting_rules(b, *ingestion, 8009, "venue");
    ASSERT_FALSE(rules.empty());
    for (const auto& rule : rules) {
        for (const auto& peer : rule["from"]) {
            EXPECT_FALSE(peer["namespaceSelector"]) << "the venue is open to other namespaces";
            EXPECT_FALSE(peer["ipBlock"]);
            ASSERT_TRUE(peer["podSelector"]);
            EXPECT_EQ(
                peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"].as<std::string>(),
                "execution");
        }
    }
    // The agents' own ports are open to Prometheus, not to the whole namespace.
    for (const Workload& w : b.workloads) {
        if (!w.labels["app.kubernetes.io/name"]) continue;
        for (const auto& rule :
             admitting_rules(b, w, w.ports[0]["containerPort"].as<int>(), "http")) {
            for (const auto& peer : rule["from"]) {
                ASSERT_TRUE(peer["podSelector"]) << w.name;
                EXPECT_GT(peer["podSelector"]["matchLabels"].size(), 0u) << w.name;
            }
        }
    }
}

TEST(Deploy, TheVenueTokenComesFromTheEnvironmentOrASecretNeverAFile) {
    // compose: from the environment of `docker compose`, required.
    const YAML::Node compose = YAML::LoadFile((kDeploy / "docker-compose.yml").string());
    for (const char* agent : {"awet-ingestion", "awet-execution"}) {
        const YAML::Node env = merged(compose["services"][agent]["environment"]);
        ASSERT_TRUE(env["AWET_VENUE_TOKEN"]) << agent;
        EXPECT_EQ(env["AWET_VENUE_TOKEN"].as<std::string>().rfind("${AWET_VENUE_TOKEN:?", 0), 0u)
            << agent;
    }
    // Nothing publishes the venue on the host; what is published is on loopback.
    for (const auto& svc : compose["services"]) {
        for (const auto& p : svc.second["ports"]) {
            const std::string mapping = p.as<std::string>();
            EXPECT_EQ(mapping.rfind("127.0.0.1:", 0), 0u)
                << svc.first.as<std::string>() << " " << mapping;
            EXPECT_EQ(mapping.find("8009"), std::string::npos);
        }
    }
    // Kubernetes: from a Secret, in the two agents that need it.
    const auto docs = YAML::LoadAllFromFile((kDeploy / "k8s/base/agents/agents.yaml").string());
    std::set<std::string> with_token;
    for (const auto& d : docs) {
        if (d["kind"].as<std::string>() != "Deployment") continue;
        const YAML::Node c = d["spec"]["template"]["spec"]["containers"][0];
        for (const auto& e : c["env"]) {
            if (e["name"].as<std::string>() != "AWET_VENUE_TOKEN") continue;
            EXPECT_FALSE(e["value"]) << "a literal token in the manifest";
            EXPECT_TRUE(e["valueFrom"]["secretKeyRef"]["name"]);
            with_token.insert(c["args"][1].as<std::string>());
        }
    }
    EXPECT_EQ(with_token, (std::set<std::string>{"execution", "ingestion"}));
    // No config file has a key for it.
    for (const auto& entry :
         fs::recursive_directory_iterator(fs::path(AWET_SOURCE_DIR) / "config")) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        EXPECT_EQ(text.find("venue_token"), std::string::npos) << entry.path();
    }
}

}  // namespace
