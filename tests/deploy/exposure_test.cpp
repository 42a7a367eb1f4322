// deploy/ publishes nothing beyond the host's loopback or the cluster unless a NetworkPolicy
// covers it (issue 11). manifests_test.cpp checks the short-syntax compose ports of the file as it
// is and the NetworkPolicies of the Kubernetes base; this adds what it does not see: every form
// of a compose `ports` entry (long syntax, IPv6, variables with defaults, a port without a host
// IP), `network_mode: host`, Services of type LoadBalancer/NodePort (or with externalIPs) in the
// base and in every overlay (patches included), and pods on the node's network (hostNetwork,
// hostPort), which no NetworkPolicy restricts. The checkers are tested on made-up manifests first.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "awet_test_support.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kDeploy = fs::path(AWET_SOURCE_DIR) / "deploy";

// ------------------------------------------------------------------------------ compose

/// A mapping with its YAML merge keys ("<<", which yaml-cpp keeps as a key) applied.
YAML::Node merged(const YAML::Node& node) {
    if (!node || !node.IsMap() || !node["<<"]) return node;
    YAML::Node out = YAML::Clone(merged(node["<<"]));
    for (const auto& kv : node) {
        if (kv.first.as<std::string>() != "<<") out[kv.first.as<std::string>()] = kv.second;
    }
    return out;
}

bool loopback_ip(const std::string& ip) {
    return ip.rfind("127.", 0) == 0 || ip == "::1" || ip == "[::1]";
}

/// ${VAR:-default} and ${VAR-default} as compose resolves them when VAR is unset; a variable
/// without a default stays (and is reported: the binding would depend on the environment).
std::string with_defaults(const std::string& text) {
    static const std::regex var(R"(\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\})");
    return std::regex_replace(text, var, "$1");
}

/// Why one `ports` entry of a compose service is published beyond the host's loopback, or "".
std::string compose_port_problem(const YAML::Node& entry) {
    if (entry.IsMap()) {  // long syntax: target, published, host_ip, protocol, mode
        if (!entry["published"]) return "long syntax without `published`: a random host port";
        if (!entry["host_ip"]) return "long syntax without `host_ip`: every host interface";
        const std::string ip = with_defaults(entry["host_ip"].as<std::string>());
        return loopback_ip(ip) ? "" : "host_ip " + ip;
    }
    if (!entry.IsScalar()) return "neither a string nor a mapping";
    std::string s = with_defaults(entry.as<std::string>());
    if (s.find("${") != std::string::npos) return "the host IP depends on a variable: " + s;
    if (const size_t slash = s.find('/'); slash != std::string::npos) s = s.substr(0, slash);
    std::string ip, rest = s;
    if (!s.empty() && s[0] == '[') {  // [v6]:host:container
        const size_t close = s.find(']');
        if (close == std::string::npos) return "unreadable: " + s;
        ip = s.substr(1, close - 1);
        rest = s.substr(close + 1);
        if (rest.empty() || rest[0] != ':') return "an IPv6 host IP without a host port: " + s;
        rest = rest.substr(1);
        if (rest.find(':') == std::string::npos) return "no container port: " + s;
    } else {
        const auto colons = std::count(s.begin(), s.end(), ':');
        if (colons == 0)
            return "no host IP nor host port (" + s + "): a random port on every interface";
        if (colons == 1) return "no host IP (" + s + "): every host interface";
        if (colons > 2) return "an IPv6 host IP without brackets: " + s;
        ip = s.substr(0, s.find(':'));
    }
    return loopback_ip(ip) ? "" : "bound to " + (ip.empty() ? std::string("every interface") : ip);
}

/// Every way the services of a compose file reach beyond the host's loopback.
std::vector<std::string> compose_problems(const YAML::Node& compose, int* entries = nullptr) {
    std::vector<std::string> out;
    for (const auto& kv : compose["services"]) {
        const std::string name = kv.first.as<std::string>();
        const YAML::Node svc = merged(kv.second);
        if (svc["network_mode"] && svc["network_mode"].as<std::string>() == "host")
            out.push_back(name + ": network_mode host (every port on every host interface)");
        for (const auto& p : svc["ports"]) {
            if (entries) ++*entries;
            const std::string why = compose_port_problem(p);
            if (!why.empty()) out.push_back(name + " ports: " + why);
        }
    }
    return out;
}

TEST(DeployExposure, TheComposeCheckerKnowsEveryFormOfAPortEntry) {
    const std::map<std::string, bool> scalars = {
        {"127.0.0.1:8001:8001", true},
        {"127.0.0.1:8001:8001/tcp", true},
        {"[::1]:8001:8001", true},
        {"${BIND:-127.0.0.1}:8001:8001", true},
        {"8001", false},
        {"8001:8001", false},
        {"0.0.0.0:8001:8001", false},
        {"[::]:8001:8001", false},
        {"192.168.1.5:8001:8001", false},
        {"${BIND}:8001:8001", false},
        {"8000-8009:8000-8009", false},
        {":8001:8001", false},
    };
    for (const auto& [entry, ok] : scalars) {
        EXPECT_EQ(compose_port_problem(YAML::Node(entry)).empty(), ok) << entry;
    }
    EXPECT_TRUE(
        compose_port_problem(YAML::Load("{target: 8001, published: 8001, host_ip: 127.0.0.1}"))
            .empty());
    EXPECT_FALSE(compose_port_problem(YAML::Load("{target: 8001, published: 8001}")).empty());
    EXPECT_FALSE(compose_port_problem(YAML::Load("{target: 8001}")).empty());
    EXPECT_FALSE(
        compose_port_problem(YAML::Load("{target: 8001, published: 8001, host_ip: 0.0.0.0}"))
            .empty());
    // Merge keys and network_mode.
    const YAML::Node compose = YAML::Load(
        "x-agent: &agent {ports: ['8005:8005']}\n"
        "services:\n"
        "  a: {<<: *agent}\n"
        "  b: {network_mode: host}\n"
        "  c: {ports: ['127.0.0.1:1:1']}\n");
    EXPECT_EQ(compose_problems(compose).size(), 2u);
}

TEST(DeployExposure, NoComposePortIsPublishedBeyondTheHostsLoopback) {
    const YAML::Node compose = YAML::LoadFile((kDeploy / "docker-compose.yml").string());
    int entries = 0;
    const auto problems = compose_problems(compose, &entries);
    for (const std::string& p : problems) ADD_FAILURE() << p;
    EXPECT_GE(entries, 15);  // 7 backends + 8 agents
    std::printf("[security] compose: %d published ports checked\n", entries);
}

// --------------------------------------------------------------------------- kubernetes

/// Every document of the kustomization at `dir` and of the ones it includes, and the patches
/// (inline or in files) of all of them, as text with their targets.
struct Kustomized {
    std::vector<YAML::Node> docs;
    struct Patch {
        YAML::Node target;  // may be null: the patch names its own object
        std::string text;
    };
    std::vector<Patch> patches;
};

void collect(const fs::path& dir, Kustomized& out) {
    const YAML::Node k = YAML::LoadFile((dir / "kustomization.yaml").string());
    for (const auto& r : k["resources"]) {
        const fs::path p = dir / r.as<std::string>();
        if (fs::is_directory(p)) {
            collect(p, out);
        } else {
            for (const auto& d : YAML::LoadAllFromFile(p.string())) out.docs.push_back(d);
        }
    }
    for (const char* key : {"patches", "patchesJson6902", "patchesStrategicMerge"}) {
        for (const auto& p : k[key]) {
            Kustomized::Patch patch;
            if (p.IsScalar()) {  // patchesStrategicMerge: a file name (or an inline document)
                const fs::path file = dir / p.as<std::string>();
                patch.text =
                    fs::exists(file) ? awet::testing::read_text(file) : p.as<std::string>();
            } else {
                patch.target = p["target"];
                if (p["patch"]) patch.text = p["patch"].as<std::string>();
                if (p["path"])
                    patch.text = awet::testing::read_text(dir / p["path"].as<std::string>());
            }
            out.patches.push_back(std::move(patch));
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
        if (!labels || !labels[key] || labels[key].as<std::string>() != kv.second.as<std::string>())
            return false;
    }
    return true;
}

bool is_workload(const std::string& kind) {
    return kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
           kind == "ReplicaSet" || kind == "Job" || kind == "Pod";
}
YAML::Node pod_spec(const YAML::Node& d) {
    if (d["kind"].as<std::string>() == "Pod") return d["spec"];
    return d["spec"]["template"]["spec"];
}
YAML::Node pod_labels(const YAML::Node& d) {
    if (d["kind"].as<std::string>() == "Pod") return d["metadata"]["labels"];
    return d["spec"]["template"]["metadata"]["labels"];
}

/// The Service types patches set, by the name (regex) of the Services they target.
std::vector<std::pair<std::regex, std::string>> patched_types(const Kustomized& k) {
    std::vector<std::pair<std::regex, std::string>> out;
    static const std::regex type_value(
        R"re((?:/spec/type[\s\S]*?value:\s*|\btype:\s*)"?(LoadBalancer|NodePort)\b)re");
    for (const auto& p : k.patches) {
        std::smatch m;
        if (!std::regex_search(p.text, m, type_value)) continue;
        std::string name = ".*";
        if (p.target && p.target["kind"] && p.target["kind"].as<std::string>() != "Service")
            continue;
        if (p.target && p.target["name"]) name = p.target["name"].as<std::string>();
        if (!p.target) {  // a strategic-merge patch names its object
            const YAML::Node doc = YAML::Load(p.text);
            if (doc["kind"] && doc["kind"].as<std::string>() != "Service") continue;
            if (doc["metadata"] && doc["metadata"]["name"])
                name = doc["metadata"]["name"].as<std::string>();
        }
        out.emplace_back(std::regex(name), m[1].str());
    }
    return out;
}

/// Everything of a kustomized set of manifests that is reachable from outside the cluster without
/// a NetworkPolicy admitting named peers to it, and every pod on the node's network.
std::vector<std::string> kubernetes_problems(const Kustomized& k, int* services = nullptr) {
    std::vector<std::string> out;
    std::vector<YAML::Node> workloads, policies;
    for (const auto& d : k.docs) {
        if (!d || !d["kind"]) continue;
        const std::string kind = d["kind"].as<std::string>();
        const std::string name =
            d["metadata"] && d["metadata"]["name"] ? d["metadata"]["name"].as<std::string>() : "?";
        if (is_workload(kind)) {
            workloads.push_back(d);
            const YAML::Node spec = pod_spec(d);
            if (spec["hostNetwork"] && spec["hostNetwork"].as<bool>())
                out.push_back(kind + " " + name + ": hostNetwork (no NetworkPolicy applies)");
            for (const char* list : {"containers", "initContainers"}) {
                for (const auto& c : spec[list]) {
                    for (const auto& port : c["ports"]) {
                        if (port["hostPort"])
                            out.push_back(kind + " " + name + ": hostPort " +
                                          port["hostPort"].as<std::string>() +
                                          " (published on the node, past the NetworkPolicies)");
                    }
                }
            }
        } else if (kind == "NetworkPolicy") {
            policies.push_back(d);
        } else if (kind == "Ingress" || kind == "Gateway" || kind == "HTTPRoute") {
            out.push_back(kind + " " + name +
                          ": exposes the cluster (not checked by this test: "
                          "add its NetworkPolicy check here)");
        }
    }
    const auto types = patched_types(k);
    for (const auto& d : k.docs) {
        if (!d || !d["kind"] || d["kind"].as<std::string>() != "Service") continue;
        if (services) ++*services;
        const std::string name = d["metadata"]["name"].as<std::string>();
        std::string type = d["spec"]["type"] ? d["spec"]["type"].as<std::string>() : "ClusterIP";
        for (const auto& [re, t] : types) {
            if (std::regex_match(name, re)) type = t;
        }
        const bool external = type == "LoadBalancer" || type == "NodePort" ||
                              d["spec"]["externalIPs"] || d["spec"]["loadBalancerIP"];
        if (!external) continue;
        for (const auto& w : workloads) {
            if (!d["spec"]["selector"] || !selects(d["spec"]["selector"], pod_labels(w))) continue;
            for (const auto& sp : d["spec"]["ports"]) {
                const std::string target =
                    (sp["targetPort"] ? sp["targetPort"] : sp["port"]).as<std::string>();
                std::string number = target, port_name;
                for (const auto& c : pod_spec(w)["containers"]) {
                    for (const auto& cp : c["ports"]) {
                        const std::string cname = cp["name"] ? cp["name"].as<std::string>() : "";
                        if (target == cname || target == cp["containerPort"].as<std::string>()) {
                            number = cp["containerPort"].as<std::string>();
                            port_name = cname;
                        }
                    }
                }
                bool covered = false;
                for (const auto& p : policies) {
                    if (!selects(p["spec"]["podSelector"], pod_labels(w))) continue;
                    for (const auto& rule : p["spec"]["ingress"]) {
                        if (!rule["from"] || rule["from"].size() == 0) continue;  // anyone
                        if (!rule["ports"]) covered = true;  // every port, from named peers
                        for (const auto& port : rule["ports"]) {
                            const std::string v = port["port"].as<std::string>();
                            covered |= v == number || (!port_name.empty() && v == port_name);
                        }
                    }
                }
                if (!covered) {
                    out.push_back("Service " + name + " (" + type + ") port " + target + " -> " +
                                  w["metadata"]["name"].as<std::string>() +
                                  ": no NetworkPolicy admits only named peers to it");
                }
            }
        }
    }
    return out;
}

TEST(DeployExposure, TheKubernetesCheckerFindsAnUncoveredLoadBalancer) {
    const char* base =
        "kind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    metadata: {labels: {app: "
        "api}}\n    spec:\n      containers: [{name: c, ports: [{name: http, containerPort: "
        "8001}]}]\n"
        "---\nkind: Service\nmetadata: {name: api}\nspec: {type: LoadBalancer, selector: {app: "
        "api}, "
        "ports: [{port: 80, targetPort: http}]}\n";
    Kustomized k;
    for (const auto& d : YAML::LoadAll(base)) k.docs.push_back(d);
    EXPECT_EQ(kubernetes_problems(k).size(), 1u);
    // A policy admitting named peers to the port covers it; one admitting anyone does not.
    Kustomized open = k;
    open.docs.push_back(YAML::Load(
        "kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {matchLabels: {app: api}}, "
        "ingress: [{ports: [{port: 8001}]}]}"));
    EXPECT_EQ(kubernetes_problems(open).size(), 1u);
    Kustomized covered = k;
    covered.docs.push_back(YAML::Load(
        "kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {matchLabels: {app: api}}, "
        "ingress: [{from: [{podSelector: {matchLabels: {app: lb}}}], ports: [{port: http}]}]}"));
    EXPECT_TRUE(kubernetes_problems(covered).empty());
    // A ClusterIP Service made a NodePort by an overlay's patch; a pod with a hostPort.
    Kustomized patched;
    patched.docs.push_back(YAML::LoadAll(base)[0]);
    patched.docs.push_back(
        YAML::Load("kind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}, ports: "
                   "[{port: 8001}]}"));
    EXPECT_TRUE(kubernetes_problems(patched).empty());
    patched.patches.push_back({YAML::Load("{kind: Service, name: api}"),
                               "- op: add\n  path: /spec/type\n  value: NodePort\n"});
    EXPECT_EQ(kubernetes_problems(patched).size(), 1u);
    Kustomized host;
    host.docs.push_back(YAML::Load(
        "kind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      hostNetwork: "
        "true\n      containers: [{name: c, ports: [{containerPort: 1, hostPort: 1}]}]"));
    EXPECT_EQ(kubernetes_problems(host).size(), 2u);
}

TEST(DeployExposure, NoKubernetesServiceLeavesTheClusterWithoutANetworkPolicy) {
    std::vector<fs::path> roots = {kDeploy / "k8s/base"};
    for (const auto& e : fs::directory_iterator(kDeploy / "k8s/overlays")) {
        if (fs::exists(e.path() / "kustomization.yaml")) roots.push_back(e.path());
    }
    ASSERT_GE(roots.size(), 4u);  // base, dev, staging, production
    for (const fs::path& root : roots) {
        SCOPED_TRACE(root.string());
        Kustomized k;
        collect(root, k);
        int services = 0;
        for (const std::string& p : kubernetes_problems(k, &services)) ADD_FAILURE() << p;
        EXPECT_GE(services, 11);  // 8 agents (the venue is a port of ingestion), Kafka, DB, Redis
        std::printf("[security] %s: %d Services, %zu patches checked\n",
                    fs::relative(root, kDeploy).c_str(), services, k.patches.size());
    }
}

}  // namespace
