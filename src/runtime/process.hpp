#pragma once
// The pieces of an agent process shared by its files (private to src/runtime).
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "awet/bus_kafka/kafka_bus.hpp"
#include "awet/core/clock.hpp"
#include "awet/runtime/agent_process.hpp"
#include "awet/service/http_endpoint.hpp"
#include "awet/service/instrumented_bus.hpp"
#include "awet/service/metrics.hpp"

namespace awet::runtime {

/// true once SIGTERM or SIGINT arrived (install_stop_signals).
bool stop_requested();
void install_stop_signals();

/// Moves the process's clock to the event time of each delivery before its handlers run: the
/// agents ask the clock for "now" (decision times, header ts_init), and in a process of its own
/// "now" is the time of the event being handled — in replay and live alike.
class EventTimeBus final : public EventBus {
public:
    EventTimeBus(EventBus& inner, SimClock& clock) : inner_(inner), clock_(clock) {}
    Status publish(Topic topic, const Event& e) override { return inner_.publish(topic, e); }
    void subscribe(Topic topic, std::string group, Handler handler) override {
        inner_.subscribe(topic, std::move(group),
                         [this, h = std::move(handler)](const Delivery& d) -> Status {
                             clock_.advance_to(header_of(d.event).ts);
                             return h(d);
                         });
    }
    uint64_t poll(uint64_t max_events) override { return inner_.poll(max_events); }
    BusStats stats() const override { return inner_.stats(); }

private:
    EventBus& inner_;
    SimClock& clock_;
};

/// Bus and store connectivity as the agent's loop last saw it (checked every 2 s from the loop,
/// read by /health on the HTTP thread).
class Connectivity {
public:
    void set(const Status& bus, const Status& store, const std::string& bus_name,
             const std::string& store_name) {
        std::lock_guard lock(mutex_);
        bus_ = {bus.ok(), bus.ok() ? bus_name : bus.error().message};
        store_ = {store.ok(), store.ok() ? store_name : store.error().message};
    }
    DependencyHealth bus() const {
        std::lock_guard lock(mutex_);
        return bus_;
    }
    DependencyHealth store() const {
        std::lock_guard lock(mutex_);
        return store_;
    }
    void set_state(DependencyHealth state) {
        std::lock_guard lock(mutex_);
        state_ = std::move(state);
    }
    DependencyHealth state() const {
        std::lock_guard lock(mutex_);
        return state_;
    }

private:
    mutable std::mutex mutex_;
    DependencyHealth bus_{false, "not checked yet"};
    DependencyHealth store_{false, "not checked yet"};
    DependencyHealth state_{true, "trading"};
};

/// What each process runs besides its bus handlers.
struct AgentProcess {
    std::string name;
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<KafkaBus> kafka;
    std::shared_ptr<AgentMetrics> metrics;
    std::unique_ptr<InstrumentedBus> instrumented;
    std::unique_ptr<EventTimeBus> bus;
    SimClock clock;
    AgentHttpEndpoint* endpoint = nullptr;
    Connectivity connectivity;
    std::string bus_name, store_name;

    /// A real round trip to each: cluster metadata from the brokers, a query on the store.
    void check_connectivity() {
        auto version = store->schema_version();
        connectivity.set(kafka->ping(), version.ok() ? Status::Ok() : Status(version.error()),
                         bus_name, store_name);
    }
};

/// Runs the process's loop until SIGTERM/SIGINT (or `done` says so): poll the bus, run `tick`,
/// export the consumer lag now and then. Then a clean shutdown: commit, leave the groups, flush.
Status run_loop(AgentProcess& p, const std::function<Status()>& tick,
                const std::function<bool()>& done = {});

// One runner per agent (agent_runs.cpp), each its start-up then run_loop.
Status run_features(AgentProcess& p);
Status run_prediction(AgentProcess& p);
Status run_risk(AgentProcess& p, const AgentBackends& backends);
Status run_execution(AgentProcess& p, const AgentOptions& args, const AgentBackends& backends);
Status run_exit(AgentProcess& p);
Status run_watchtower(AgentProcess& p);
Status run_reconciler(AgentProcess& p);
/// Live bars (--live), or the lock-step replay of stored bars (lockstep_replay.cpp).
Status run_ingestion(AgentProcess& p, const AgentOptions& args, const KafkaBusOptions& options,
                     AgentHttpEndpoint& endpoint);

}  // namespace awet::runtime
