// `awet agent <name>`: one agent of seed §5.2 as a long-running process over Kafka, with
// GET /health and GET /metrics on its port, a clean shutdown on SIGTERM, and an event-time clock
// (the clock follows the events it handles, so a replay and live trading run the same code).
//
// The ingestion agent can replay stored bars in lock step: before each bar it steps the
// simulated venue it hosts (resting orders fill at the bar's open), waits until the whole system
// is quiet, publishes the bar, and waits again. "Quiet" is observable from outside: every event
// published on a topic has been processed and committed by every consumer group that subscribes
// to it (Kafka's committed offsets), and the execution agent has acknowledged every venue event.
// With that, N processes reproduce the embedded pipeline's order of causes and effects exactly,
// which is what lets a multi-process run be checked against the embedded run of the same data.
#include "agent_command.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/stream_sync.hpp"
#include "awet/alpaca/trade_stream.hpp"
#include "awet/audit/recorder.hpp"
#include "awet/bus_kafka/kafka_bus.hpp"
#include "awet/bus_kafka/mock_cluster.hpp"
#include "awet/calendar/calendar.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/log.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/model_avro/codec_factory.hpp"
#include "awet/pipeline/agents.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/portfolio/reconciler.hpp"
#include "awet/service/http_endpoint.hpp"
#include "awet/service/instrumented_bus.hpp"
#include "awet/venue/venue.hpp"
#include "brokers.hpp"
#include "commands.hpp"
#include "live_ingestion.hpp"

namespace awet::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

int fail_line(const std::string& reason) {
    std::fprintf(stderr, "awet: %s\n", reason.c_str());
    return 1;
}

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

/// A bus that only remembers who subscribes to what: the replay driver attaches every agent to
/// one to learn the consumer groups and topics it must wait for, so that list cannot drift from
/// the agents themselves.
class SubscriptionRecorder final : public EventBus {
public:
    Status publish(Topic, const Event&) override { return Status::Ok(); }
    void subscribe(Topic topic, std::string group, Handler) override {
        seen_.insert({group, topic});
    }
    uint64_t poll(uint64_t) override { return 0; }
    BusStats stats() const override { return {}; }
    std::vector<std::pair<std::string, Topic>> subscriptions() const {
        return {seen_.begin(), seen_.end()};
    }

private:
    std::set<std::pair<std::string, Topic>> seen_;
};

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

std::vector<std::pair<std::string, Topic>> agent_topology(const Config& config, Store& store) {
    SubscriptionRecorder bus;
    SimClock clock;
    SimBroker broker;
    FeatureAgent(bus, clock, config.seed).attach();
    PredictionAgent(bus, clock, config.seed, config, nullptr, nullptr).attach();
    RiskAgent(bus, clock, config.risk, config.seed).attach();
    ExecutionAgent(bus, clock, config.execution, broker, nullptr, config.seed, &config.exits)
        .attach();
    ExitAgent(bus, clock, config.exits, config.seed).attach();
    PortfolioAgent(bus, clock, nullptr).attach();
    WatchtowerAgent(bus).attach();
    Recorder(store).attach(bus);
    return bus.subscriptions();
}

namespace {

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
int run_loop(AgentProcess& p, const std::function<Status()>& tick,
             const std::function<bool()>& done = {}) {
    auto last_lag = std::chrono::steady_clock::now();
    auto last_check = last_lag;
    while (!g_stop.load() && !(done && done())) {
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
    return 0;
}

/// The execution agent's tick when it trades through Alpaca: stream messages into the engine,
/// a REST reconciliation when StreamSync says one is due (or the engine saw a fill gap), then
/// the reports published, the store flushed. /health turns "degraded" while the stream has been
/// unauthorized for over 15 s or stopped for good (fills then come from polling alone).
std::function<Status()> alpaca_stream_step(AgentProcess& p, ExecutionAgent& a, Store& st,
                                           alpaca::TradeUpdatesStream& stream,
                                           int reconcile_every_s) {
    alpaca::StreamSyncOptions options;
    options.reconcile_every_ms = int64_t{reconcile_every_s} * 1000;
    auto sync = std::make_shared<alpaca::StreamSync>(alpaca::trade_stream_source(stream),
                                                     a.engine(), options);
    struct State {
        int64_t gaps = 0;
        std::chrono::steady_clock::time_point down_since = std::chrono::steady_clock::now();
        bool degraded = false;
    };
    auto state = std::make_shared<State>();
    return [&p, &a, &st, &stream, sync, state]() -> Status {
        alpaca::StreamSyncStep step = sync->pump();
        // A fill showing an earlier one was lost, or a fill of an order the engine cannot name
        // from the stream alone (a bracket leg carries Alpaca's own client id): REST now.
        const int64_t gaps = a.engine().stats().fill_gaps + a.engine().stats().orphan_fills;
        if (gaps != state->gaps) {
            state->gaps = gaps;
            step.reconcile_due = true;
            step.reconcile_why = "fill gap or unknown order on the stream";
        }
        if (step.reconcile_due) {
            auto r = a.reconcile(Timestamp::from_ns(INT64_MIN), WallClock().now());
            if (!r.ok()) return r.error();
            sync->reconciled();
            if (r->fills_recovered + r->closed + r->resent > 0) {
                logger("execution")
                    ->info("reconciled ({}): {} fills recovered, {} closed", step.reconcile_why,
                           r->fills_recovered, r->closed);
            }
        }
        if (step.fills + step.updates > 0 || step.reconcile_due) {
            AWET_TRY(a.publish_broker_events());
            AWET_TRY(p.kafka->flush());
            AWET_TRY(st.flush());
        }
        // Health: a halt wins; then the stream.
        if (a.engine().halted().empty()) {
            const alpaca::TradeStreamStatus s = stream.status();
            const auto now = std::chrono::steady_clock::now();
            if (s.authorized) {
                state->down_since = now;
                if (state->degraded) p.connectivity.set_state({true, "trading"});
                state->degraded = false;
            } else if (!state->degraded &&
                       (s.fatal || now - state->down_since > std::chrono::seconds(15))) {
                p.connectivity.set_state(
                    {false, "trade_updates stream " + std::string(s.fatal ? "stopped" : "down") +
                                " (" + s.last_error + "); fills by REST polling every 5 s"});
                state->degraded = true;
            }
        }
        if (step.messages == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return Status::Ok();
    };
}

/// The lock-step replay of stored bars (ingestion agent with --replay).
class ReplayDriver {
public:
    ReplayDriver(AgentProcess& p, IngestionAgent& ingestion, SimVenueServer& venue,
                 KafkaLagProbe& probe, std::vector<std::pair<std::string, Topic>> topology,
                 std::chrono::seconds quiet_timeout)
        : p_(p),
          ingestion_(ingestion),
          venue_(venue),
          probe_(probe),
          topology_(std::move(topology)),
          quiet_timeout_(quiet_timeout) {}

    Status run(const std::vector<MarketBar>& bars) {
        AWET_TRY(wait_quiet("start"));
        size_t n = 0;
        for (const MarketBar& bar : bars) {
            if (g_stop.load()) return make_error(ErrorCode::kInternal, "stopped by a signal");
            // 1. The venue moves: resting orders fill at this bar's open; the execution agent
            //    publishes the fills and everyone handles them.
            p_.clock.advance_to(bar.bar_start);
            venue_.on_bar(bar);
            AWET_TRY(wait_quiet("venue step"));
            // 2. The bar closes and is published; everything it causes is handled.
            p_.clock.advance_to(bar.bar_start + bar.interval);
            AWET_TRY(ingestion_.ingest(bar));
            AWET_TRY(p_.kafka->flush());
            AWET_TRY(wait_quiet("bar"));
            if (std::chrono::steady_clock::now() - last_check_ > std::chrono::seconds(2)) {
                p_.check_connectivity();  // /health stays true during a long replay
                last_check_ = std::chrono::steady_clock::now();
            }
            if (++n % 100 == 0) {
                logger("ingestion")
                    ->info("replayed {} of {} bars ({} orders at the venue)", n, bars.size(),
                           venue_.order_count());
            }
        }
        return Status::Ok();
    }

private:
    Status wait_quiet(const char* phase) {
        const auto deadline = std::chrono::steady_clock::now() + quiet_timeout_;
        int quiet_in_a_row = 0;
        while (!g_stop.load()) {
            const bool venue_caught_up = venue_.acked() >= venue_.last_seq();
            auto lag = probe_.total_lag(topology_);
            if (!lag.ok()) return lag.error();
            // Twice in a row: a commit is asynchronous, and one look could fall between a
            // consumer fetching an event and the broker registering anything about it.
            quiet_in_a_row = venue_caught_up && *lag == 0 ? quiet_in_a_row + 1 : 0;
            if (quiet_in_a_row >= 2) return Status::Ok();
            if (std::chrono::steady_clock::now() > deadline) {
                return make_error(
                    ErrorCode::kInternal,
                    std::string("the system did not become quiet after the ") + phase + " within " +
                        std::to_string(quiet_timeout_.count()) + " s (lag " + std::to_string(*lag) +
                        ", venue events " + std::to_string(venue_.last_seq()) + ", acknowledged " +
                        std::to_string(venue_.acked()) + "): is every agent running?");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return make_error(ErrorCode::kInternal, "stopped by a signal");
    }

    AgentProcess& p_;
    IngestionAgent& ingestion_;
    SimVenueServer& venue_;
    KafkaLagProbe& probe_;
    std::vector<std::pair<std::string, Topic>> topology_;
    std::chrono::seconds quiet_timeout_;
    std::chrono::steady_clock::time_point last_check_ = std::chrono::steady_clock::now();
};

Result<std::vector<MarketBar>> replay_bars_of(Store& store, const AgentArgs& args) {
    BarQuery q;
    if (!args.from.empty()) {
        auto from = Date::parse(args.from);
        if (!from)
            return make_error(ErrorCode::kInvalidArgument, "--from: not a date: " + args.from);
        q.from = SessionCalendar::from_local(*from, 0);
    }
    auto bars = store.load_bars(q);
    if (!bars.ok()) return bars.error();
    auto sessions = split_sessions(*bars);
    const size_t n = args.days > 0
                         ? std::min<size_t>(static_cast<size_t>(args.days), sessions.size())
                         : sessions.size();
    std::vector<MarketBar> out;
    for (size_t s = 0; s < n; ++s) out.insert(out.end(), sessions[s].begin(), sessions[s].end());
    return out;
}

/// The features agent: bars in, feature vectors out.
int run_features(AgentProcess& p) {
    FeatureAgent a(*p.bus, p.clock, p.config.seed);
    a.attach();
    return run_loop(p, {});
}

/// The prediction agent, on the green model (reloaded when it changes).
int run_prediction(AgentProcess& p) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    PredictionAgent a(*p.bus, p.clock, seed, config, st, default_model_loader());
    a.attach();
    a.reload_if_changed();
    return run_loop(p, {});
}

/// The risk agent, its book restored from the stored trades first.
int run_risk(AgentProcess& p) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    auto limits = make_risk_limits(config.risk, config.risk.state_backend, config.risk.redis_url,
                                   config.risk.redis_namespace);
    if (!limits.ok()) return fail_line(limits.error().message);
    RiskAgent a(*p.bus, p.clock, config.risk, seed, std::move(*limits));
    // Positions and open orders an earlier life of the stack left in trades count towards
    // the exposure gates from the first decision on.
    auto trades = st->load_trades(TradeQuery{});
    if (!trades.ok()) return fail_line("restoring the risk book: " + trades.error().message);
    a.restore(*trades, st);
    a.attach();
    return run_loop(p, {});
}

/// The execution agent's broker: the simulated venue of a replay, or Alpaca's paper API (REST
/// for orders, the trade_updates stream for fills and cancels, REST reconciliation for whatever
/// the stream lost: after each reconnect, every 5 s while it is down, every --reconcile-every
/// seconds (30 by default) while it is up).
struct ExecutionBroker {
    std::unique_ptr<RemoteBroker> venue;
    std::unique_ptr<alpaca::AlpacaBroker> alpaca_broker;
    std::unique_ptr<alpaca::TradeUpdatesStream> trade_stream;
    Broker* broker = nullptr;
    std::string where;
};

Result<ExecutionBroker> connect_execution_broker(const Config& config, const AgentArgs& args) {
    ExecutionBroker out;
    out.where = args.venue_url;
    if (config.execution.broker == "alpaca") {
        auto made = alpaca_from_config(config);
        if (!made.ok()) return made.error();
        out.alpaca_broker = std::move(made->broker);
        out.broker = out.alpaca_broker.get();
        out.where = config.execution.alpaca_base_url;
        auto stream =
            alpaca::TradeUpdatesStream::create(alpaca::trade_stream_options(made->options));
        if (!stream.ok()) return stream.error();
        out.trade_stream = std::move(*stream);
        return out;
    }
    // Every venue request carries the shared token (the venue refuses the others).
    auto token = venue_token_from_env();
    if (!token.ok()) return token.error();
    out.venue = std::make_unique<RemoteBroker>(
        RemoteBrokerOptions{args.venue_url, 5000, std::move(*token)});
    out.broker = out.venue.get();
    return out;
}

/// No decision before the broker has answered: asks it every 250 ms; false when told to stop
/// while waiting.
bool wait_for_broker(AgentProcess& p, Broker& broker, const std::string& where) {
    p.connectivity.set_state({false, "waiting for the broker at " + where});
    for (int attempt = 0; !g_stop.load(); ++attempt) {
        auto answer = broker.positions();
        if (answer.ok()) break;
        if (attempt % 20 == 0) {
            logger("execution")->warn("broker not answering yet: {}", answer.error().to_string());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (g_stop.load()) return false;
    p.connectivity.set_state({true, "trading"});
    return true;
}

/// Before the first decision: open orders in the store are brought to the broker's truth (fills
/// missed while this process was down, orders the broker ended or never got), then the positions
/// the trades explain are compared with the broker's. If they still disagree, trading does not
/// start: every decision is blocked, /health says why, reconciliation_mismatches alerts.
void reconcile_before_trading(AgentProcess& p, ExecutionAgent& a) {
    auto synced = a.reconcile(Timestamp::from_ns(INT64_MIN), WallClock().now());
    if (!synced.ok()) {
        logger("execution")->warn("reconciliation at start failed: {}", synced.error().to_string());
    }
    auto mismatches = a.engine().check_positions(Timestamp::from_ns(INT64_MIN));
    if (!mismatches.ok()) {
        a.engine().halt("positions could not be checked: " + mismatches.error().message);
    } else if (!mismatches->empty()) {
        std::string what;
        for (const auto& m : *mismatches) {
            what += (what.empty() ? "" : ", ") + m.symbol.str() + " " + describe(m, "trades");
        }
        a.engine().halt("positions disagree with the broker after reconciling: " + what);
    }
    p.metrics->set_reconciliation_mismatches(mismatches.ok() ? static_cast<int>(mismatches->size())
                                                             : 1);
    if (!a.engine().halted().empty()) {
        logger("execution")->error("trading halted: {}", a.engine().halted());
        p.connectivity.set_state({false, "halted: " + a.engine().halted()});
    }
}

/// The execution agent: waits for the broker, reconciles, checks positions (halting on a
/// mismatch), then trades.
int run_execution(AgentProcess& p, const AgentArgs& args) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    auto connected = connect_execution_broker(config, args);
    if (!connected.ok()) return fail_line(connected.error().message);
    ExecutionBroker& eb = *connected;
    std::unique_ptr<RemoteBroker>& venue = eb.venue;
    std::unique_ptr<alpaca::TradeUpdatesStream>& trade_stream = eb.trade_stream;
    Broker& broker = *eb.broker;
    const int reconcile_every =
        args.reconcile_every_s > 0 ? args.reconcile_every_s : (eb.alpaca_broker ? 30 : 0);
    ExecutionAgent a(*p.bus, p.clock, config.execution, broker, st, seed, &config.exits);
    // No decision before the broker has answered and the book is reconciled with it.
    if (!wait_for_broker(p, broker, eb.where)) return 0;  // stopped while waiting
    // The stream first: a fill that happens while the book is reconciled below is then on
    // the stream, in REST, or both (counted once).
    if (trade_stream) {
        if (Status s = trade_stream->start(); !s.ok()) return fail_line(s.error().message);
    }
    reconcile_before_trading(p, a);
    if (Status f = p.kafka->flush(); !f.ok()) return fail_line(f.error().message);
    if (Status f = st->flush(); !f.ok()) return fail_line(f.error().message);
    a.attach();
    if (trade_stream) {
        return run_loop(p, alpaca_stream_step(p, a, *st, *trade_stream, reconcile_every));
    }
    auto last_sync = std::chrono::steady_clock::now();
    auto last_warn = std::chrono::steady_clock::now() - std::chrono::seconds(10);
    return run_loop(p, [&]() -> Status {
        Result<size_t> n = size_t{0};
        if (venue) n = venue->poll_events();
        if (!n.ok()) {
            if (std::chrono::steady_clock::now() - last_warn > std::chrono::seconds(5)) {
                last_warn = std::chrono::steady_clock::now();
                return n.error();
            }
            return Status::Ok();
        }
        if (*n == 0) {
            if (reconcile_every > 0 && std::chrono::steady_clock::now() - last_sync >
                                           std::chrono::seconds(reconcile_every)) {
                last_sync = std::chrono::steady_clock::now();
                auto r = a.reconcile(Timestamp::from_ns(INT64_MIN), WallClock().now());
                if (!r.ok()) return r.error();
                AWET_TRY(p.kafka->flush());
                AWET_TRY(st->flush());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return Status::Ok();
        }
        // Published, then stored, then acknowledged: a crash in between replays the venue
        // events, and the stored filled quantities tell which were applied already.
        AWET_TRY(a.publish_broker_events());
        AWET_TRY(p.kafka->flush());
        AWET_TRY(st->flush());
        return venue->ack();
    });
}

/// The exit agent, keeping the exits of open lots of an earlier life.
int run_exit(AgentProcess& p) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    ExitAgent a(*p.bus, p.clock, config.exits, seed);
    // Open positions of a previous life of this agent keep their exits.
    auto lots = restore_exit_lots(a.manager(), *st);
    if (!lots.ok()) return fail_line("restoring exit lots: " + lots.error().message);
    a.attach();
    return run_loop(p, {});
}

/// The watchtower agent and the audit recorder.
int run_watchtower(AgentProcess& p) {
    WatchtowerAgent a(*p.bus);
    Recorder recorder(*p.store);
    recorder.attach(*p.bus);  // every event to its table and to audit_events
    a.attach();
    return run_loop(p, {});
}

/// The reconciler (portfolio) agent and the end-of-day job.
int run_reconciler(AgentProcess& p) {
    Store* st = p.store.get();
    PortfolioAgent a(*p.bus, p.clock, st);
    // The book the stored trades explain: a restarted reconciler keeps its positions, and a
    // fill report replayed to it is applied once.
    auto stored = load_stored_book(*st);
    if (!stored.ok()) return fail_line("restoring the book: " + stored.error().message);
    a.restore(std::move(*stored));
    a.attach();
    EodJob eod(st);  // the embedded pipeline's end-of-day job, on this process's bars
    p.bus->subscribe(Topic::kMarketRaw, "portfolio", [&eod, &a](const Delivery& d) -> Status {
        return eod.on_bar(a.portfolio(), std::get<MarketBar>(d.event));
    });
    return run_loop(p, {});
}

/// The ingestion agent: live bars, or a lock-step replay of stored bars that hosts the
/// simulated venue.
int run_ingestion(AgentProcess& p, const AgentArgs& args, const KafkaBusOptions& options,
                  AgentHttpEndpoint& endpoint) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    IngestionAgent ingestion(*p.bus, p.clock, seed);
    if (!args.live.empty()) {
        auto live = start_live_ingestion(
            config, args.live, args.symbols,
            {ingestion, p.clock, *p.metrics,
             [&p](DependencyHealth h) { p.connectivity.set_state(std::move(h)); },
             [&p] { return p.kafka->flush(); }});
        if (!live.ok()) return fail_line(live.error().message);
        return run_loop(p, *live);
    }
    if (!args.replay) {
        return fail_line(
            "the ingestion agent replays stored bars (--replay) or streams live bars "
            "(--live alpaca)");
    }
    // The venue serves only requests with the shared token: no token, no venue.
    auto venue_token = venue_token_from_env();
    if (!venue_token.ok()) return fail_line(venue_token.error().message);
    auto bars = replay_bars_of(*st, args);
    if (!bars.ok()) return fail_line(bars.error().message);
    if (bars->empty()) return fail_line("no stored bars in the range; run `awet ingest csv` first");
    SimVenueServer venue(SimBrokerConfig::from(config.execution),
                         SimVenueServerOptions{std::move(*venue_token), p.metrics});
    {
        // A store with earlier runs' trades: the range must come after them, and the venue
        // starts from what they explain (as `awet replay`'s simulated broker does).
        auto trades = st->load_trades(TradeQuery{});
        if (!trades.ok()) return fail_line(trades.error().message);
        const Timestamp last = last_trade_activity(*trades);
        if (Status ok = check_range_not_run(last, bars->front().bar_start); !ok.ok()) {
            return fail_line(ok.error().message);
        }
        if (Status r = venue.restore(*trades); !r.ok()) return fail_line(r.error().message);
    }
    if (Status vs = venue.start(args.host, args.venue_port); !vs.ok())
        return fail_line(vs.error().message);
    auto lag_probe = KafkaLagProbe::create(options);
    if (!lag_probe.ok()) return fail_line(lag_probe.error().message);
    ReplayDriver driver(p, ingestion, venue, **lag_probe, agent_topology(config, *st),
                        std::chrono::seconds(args.quiet_timeout_s));
    logger("ingestion")
        ->info("lock-step replay of {} bars; simulated venue on {}:{}", bars->size(), args.host,
               venue.port());
    Status replayed = driver.run(*bars);
    if (!replayed.ok()) {
        endpoint.stop();
        return fail_line("replay: " + replayed.error().message);
    }
    auto account = venue.account();
    std::printf("replay done: %zu bars, %zu orders at the venue, equity %s\n", bars->size(),
                venue.order_count(), account.ok() ? account->equity.to_string().c_str() : "?");
    std::fflush(stdout);
    if (args.exit_when_done) {
        p.kafka->close();
        return 0;
    }
    // Keep serving the venue (the execution agent still asks it) until told to stop.
    return run_loop(p, [] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return Status::Ok();
    });
}

}  // namespace

int agent(const Common& common, const AgentArgs& args) {
    static const std::set<std::string> kAgents = {"ingestion",  "features",  "prediction",
                                                  "risk",       "execution", "exit",
                                                  "watchtower", "reconciler"};
    if (!kAgents.contains(args.name)) {
        return fail_line("unknown agent '" + args.name +
                         "' (ingestion, features, prediction, risk, execution, exit, watchtower, "
                         "reconciler)");
    }
    auto config = load(common);
    if (!config) return 1;
    if (config->bus.backend != "kafka") {
        return fail_line(
            "an agent process needs a bus other processes can reach: set bus.backend: kafka "
            "(and bus.kafka_brokers), or run every agent in one process with `awet demo` / "
            "`awet replay`");
    }
    AgentProcess p;
    p.name = args.name;
    p.config = *config;
    auto store = open_store(*config);
    if (!store.ok()) return fail_line(store.error().message);
    // The agents of one stack write to the store side by side (shared), never beside a replay
    // or demo on the same store; the execution, exit and reconciler agents are one per store.
    static const std::set<std::string> kOnePerStore = {"execution", "exit", "reconciler"};
    auto lease = (*store)->acquire_writer(WriterMode::kShared,
                                          kOnePerStore.contains(args.name) ? args.name : "",
                                          "awet agent " + args.name);
    if (!lease.ok()) return fail_line(lease.error().message);
    p.store = std::move(*store);
    auto options = kafka_options(*config, p.store.get());
    if (!options.ok()) return fail_line(options.error().message);
    auto kafka = KafkaBus::create(*options);
    if (!kafka.ok()) return fail_line(kafka.error().message);
    p.kafka = std::move(*kafka);
    p.metrics = std::make_shared<AgentMetrics>(args.name);
    p.instrumented = std::make_unique<InstrumentedBus>(*p.kafka, *p.metrics);
    p.bus = std::make_unique<EventTimeBus>(*p.instrumented, p.clock);

    const std::string brokers = config->bus.kafka_brokers;
    const std::string where = store_location(*config);
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
    if (Status st = endpoint.start(args.host, port); !st.ok()) return fail_line(st.error().message);
    p.endpoint = &endpoint;

    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    logger("agent")->info("{} agent on {}:{} (kafka {}, group prefix {}, store {})", args.name,
                          args.host, port, brokers, config->bus.kafka_group, where);

    if (args.name == "features") return run_features(p);
    if (args.name == "prediction") return run_prediction(p);
    if (args.name == "risk") return run_risk(p);
    if (args.name == "execution") return run_execution(p, args);
    if (args.name == "exit") return run_exit(p);
    if (args.name == "watchtower") return run_watchtower(p);
    if (args.name == "reconciler") return run_reconciler(p);
    return run_ingestion(p, args, *options, endpoint);
}

}  // namespace awet::cli

// ---------------------------------------------------------------- dev-kafka
namespace awet::cli {

int dev_kafka(const DevKafkaArgs& args) {
    std::vector<std::string> topics;
    for (size_t t = 0; t < kNumTopics; ++t) topics.emplace_back(topic_name(static_cast<Topic>(t)));
    auto cluster = MockKafkaCluster::create(
        {.brokers = args.brokers, .partitions = args.partitions, .replication = 3}, topics);
    if (!cluster.ok()) return fail_line("dev-kafka: " + cluster.error().message);
    const std::string& bootstraps = cluster->bootstraps();
    if (!args.out.empty()) {
        std::ofstream(args.out + ".tmp") << bootstraps << "\n";
        std::filesystem::rename(args.out + ".tmp", args.out);
    }
    std::printf("%s\n", bootstraps.c_str());
    std::fflush(stdout);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return 0;
}

}  // namespace awet::cli
