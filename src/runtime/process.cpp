// The process of one agent: its bus (Kafka, with the event-time clock and metrics), store, HTTP
// endpoint and loop; SIGTERM/SIGINT end the loop with a clean shutdown.
#include "process.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "awet/bus_kafka/mock_cluster.hpp"
#include "awet/core/log.hpp"
#include "awet/model_avro/codec_factory.hpp"

namespace awet::runtime {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

Result<KafkaBusOptions> kafka_options(const Config& config, Store* store) {
    KafkaBusOptions o;
    auto codec = make_event_codec(config.bus.codec, config.bus.schema_registry_url, "");
    if (!codec.ok()) return codec.error();
    o.codec = std::shared_ptr<EventCodec>(std::move(*codec));
    o.brokers = config.bus.kafka_brokers;
    o.group_prefix = config.bus.kafka_group;
    if (store != nullptr) o.before_commit = [store] { return store->flush(); };
    return o;
}

}  // namespace

bool stop_requested() { return g_stop.load(); }

void install_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
}

bool is_agent_name(std::string_view name) {
    static const std::set<std::string, std::less<>> kAgents = {
        "ingestion", "features", "prediction", "risk",
        "execution", "exit",     "watchtower", "reconciler"};
    return kAgents.contains(name);
}

Status run_loop(AgentProcess& p, const std::function<Status()>& tick,
                const std::function<bool()>& done) {
    auto last_lag = std::chrono::steady_clock::now();
    auto last_check = last_lag;
    while (!stop_requested() && !(done && done())) {
        p.bus->poll(UINT64_MAX);
        if (tick) {
            Status st = tick();
            if (!st.ok()) logger("agent")->warn("{}: {}", p.name, st.error().to_string());
        }
        if (std::chrono::steady_clock::now() - last_lag > std::chrono::seconds(1)) {
            for (const auto& l : p.kafka->consumer_lag())
                p.metrics->set_consumer_lag(l.group, l.topic, l.partition, l.lag);
            last_lag = std::chrono::steady_clock::now();
        }
        if (std::chrono::steady_clock::now() - last_check > std::chrono::seconds(2)) {
            p.check_connectivity();
            last_check = std::chrono::steady_clock::now();
        }
    }
    logger("agent")->info("{}: stopping (committing offsets, flushing the store)", p.name);
    p.kafka->close();
    if (p.store) (void)p.store->flush();
    return Status::Ok();
}

Status run_agent(const Config& config, const AgentOptions& args, const AgentBackends& backends) {
    if (!is_agent_name(args.name)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "unknown agent '" + args.name +
                              "' (ingestion, features, prediction, risk, execution, exit, "
                              "watchtower, reconciler)");
    }
    if (config.bus.backend != "kafka") {
        return make_error(
            ErrorCode::kInvalidArgument,
            "an agent process needs a bus other processes can reach: set bus.backend: kafka "
            "(and bus.kafka_brokers), or run every agent in one process with `awet demo` / "
            "`awet replay`");
    }
    AgentProcess p;
    p.name = args.name;
    p.config = config;
    auto store = backends.open_store(config);
    if (!store.ok()) return store.error();
    // The agents of one stack write to the store side by side (shared), never beside a replay
    // or demo on the same store; the execution, exit and reconciler agents are one per store.
    static const std::set<std::string> kOnePerStore = {"execution", "exit", "reconciler"};
    auto lease = (*store)->acquire_writer(WriterMode::kShared,
                                          kOnePerStore.contains(args.name) ? args.name : "",
                                          "awet agent " + args.name);
    if (!lease.ok()) return lease.error();
    p.store = std::move(*store);
    auto options = kafka_options(config, p.store.get());
    if (!options.ok()) return options.error();
    auto kafka = KafkaBus::create(*options);
    if (!kafka.ok()) return kafka.error();
    p.kafka = std::move(*kafka);
    p.metrics = std::make_shared<AgentMetrics>(args.name);
    p.instrumented = std::make_unique<InstrumentedBus>(*p.kafka, *p.metrics);
    p.bus = std::make_unique<EventTimeBus>(*p.instrumented, p.clock);

    const std::string brokers = config.bus.kafka_brokers;
    const std::string where = backends.store_location(config);
    p.bus_name = "kafka " + brokers;
    p.store_name = where;
    p.check_connectivity();
    HealthProbe probe;
    probe.bus = [&p] { return p.connectivity.bus(); };
    probe.store = [&p] { return p.connectivity.store(); };
    if (args.name == "execution" || !args.live.empty())
        probe.agent_state = [&p] { return p.connectivity.state(); };
    AgentHttpEndpoint endpoint(p.metrics, probe);
    const int port = args.port > 0 ? args.port : default_agent_port(args.name);
    if (Status st = endpoint.start(args.host, port); !st.ok()) return st.error();
    p.endpoint = &endpoint;

    install_stop_signals();
    logger("agent")->info("{} agent on {}:{} (kafka {}, group prefix {}, store {})", args.name,
                          args.host, port, brokers, config.bus.kafka_group, where);

    if (args.name == "features") return run_features(p);
    if (args.name == "prediction") return run_prediction(p);
    if (args.name == "risk") return run_risk(p, backends);
    if (args.name == "execution") return run_execution(p, args, backends);
    if (args.name == "exit") return run_exit(p);
    if (args.name == "watchtower") return run_watchtower(p);
    if (args.name == "reconciler") return run_reconciler(p);
    return run_ingestion(p, args, *options, endpoint);
}

Status run_dev_kafka(const DevKafkaOptions& args) {
    std::vector<std::string> topics;
    for (size_t t = 0; t < kNumTopics; ++t) topics.emplace_back(topic_name(static_cast<Topic>(t)));
    auto cluster = MockKafkaCluster::create(
        {.brokers = args.brokers, .partitions = args.partitions, .replication = 3}, topics);
    if (!cluster.ok())
        return make_error(cluster.error().code, "dev-kafka: " + cluster.error().message);
    const std::string& bootstraps = cluster->bootstraps();
    if (!args.out.empty()) {
        std::ofstream(args.out + ".tmp") << bootstraps << "\n";
        std::filesystem::rename(args.out + ".tmp", args.out);
    }
    std::printf("%s\n", bootstraps.c_str());
    std::fflush(stdout);
    install_stop_signals();
    while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return Status::Ok();
}

}  // namespace awet::runtime
