// The lock-step replay of stored bars (`awet agent ingestion --replay`). Before each bar the
// ingestion agent steps the simulated venue it hosts (resting orders fill at the bar's open),
// waits until the whole system is quiet, publishes the bar, and waits again. "Quiet" is
// observable from outside: every event published on a topic has been processed and committed by
// every consumer group that subscribes to it (Kafka's committed offsets), and the execution agent
// has acknowledged every venue event. With that, N processes reproduce the embedded pipeline's
// order of causes and effects exactly, which is what lets a multi-process run be checked against
// the embedded run of the same data.
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "awet/audit/recorder.hpp"
#include "awet/calendar/calendar.hpp"
#include "awet/core/log.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/pipeline/agents.hpp"
#include "awet/pipeline/bar_step.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/runtime/live_ingestion.hpp"
#include "process.hpp"

namespace awet::runtime {

namespace {

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

/// The lock-step replay of stored bars (ingestion agent with --replay).
class ReplayDriver final : public BarStepper {
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
            if (stop_requested()) return make_error(ErrorCode::kInternal, "stopped by a signal");
            // The embedded pipeline's step order: the venue moves (the execution agent
            // publishes the fills and everyone handles them), then the bar closes and is
            // published and everything it causes is handled.
            AWET_TRY(step_bar(*this, bar));
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

    // BarStepper: the processes' clock, the hosted venue, the ingestion agent, and "quiet".
    void clock_to(Timestamp t) override { p_.clock.advance_to(t); }
    Status venue_moves(const MarketBar& bar) override {
        venue_.on_bar(bar);
        return Status::Ok();
    }
    Status publish(const MarketBar& bar) override {
        AWET_TRY(ingestion_.ingest(bar));
        return p_.kafka->flush();
    }
    Status settle(const char* phase) override { return wait_quiet(phase); }

private:
    Status wait_quiet(const char* phase) {
        const auto deadline = std::chrono::steady_clock::now() + quiet_timeout_;
        int quiet_in_a_row = 0;
        while (!stop_requested()) {
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

/// The stored bars of data.symbols from --from, --days sessions of them: what the in-process
/// `awet replay` of the same range runs on.
Result<std::vector<MarketBar>> replay_bars_of(Store& store, const AgentOptions& args,
                                              const std::vector<std::string>& symbols) {
    BarQuery q;
    if (!args.from.empty()) {
        auto from = Date::parse(args.from);
        if (!from)
            return make_error(ErrorCode::kInvalidArgument, "--from: not a date: " + args.from);
        q.from = SessionCalendar::from_local(*from, 0);
    }
    auto bars = store.load_bars(q);
    if (!bars.ok()) return bars.error();
    const auto skipped = keep_symbols(*bars, symbols);
    for (const auto& [symbol, n] : skipped) {
        logger("ingestion")->info("{} bars of {} not replayed: not in data.symbols", n, symbol);
    }
    auto sessions = split_sessions(*bars);
    const size_t n = args.days > 0
                         ? std::min<size_t>(static_cast<size_t>(args.days), sessions.size())
                         : sessions.size();
    std::vector<MarketBar> out;
    for (size_t s = 0; s < n; ++s) out.insert(out.end(), sessions[s].begin(), sessions[s].end());
    return out;
}

}  // namespace

/// The ingestion agent: live bars, or a lock-step replay of stored bars that hosts the
/// simulated venue.
Status run_ingestion(AgentProcess& p, const AgentOptions& args, const KafkaBusOptions& options,
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
        if (!live.ok()) return live.error();
        return run_loop(p, *live);
    }
    if (!args.replay) {
        return make_error(ErrorCode::kInvalidArgument,
                          "the ingestion agent replays stored bars (--replay) or streams live bars "
                          "(--live alpaca)");
    }
    // The venue serves only requests with the shared token: no token, no venue.
    auto venue_token = venue_token_from_env();
    if (!venue_token.ok()) return venue_token.error();
    auto bars = replay_bars_of(*st, args, config.data.symbols);
    if (!bars.ok()) return bars.error();
    if (bars->empty()) {
        return make_error(ErrorCode::kNotFound,
                          "no stored bars in the range; run `awet ingest csv` first");
    }
    SimVenueServer venue(SimBrokerConfig::from(config.execution),
                         SimVenueServerOptions{std::move(*venue_token), p.metrics});
    {
        // A store with earlier runs' trades: the range must come after them, and the venue
        // starts from what they explain (as `awet replay`'s simulated broker does).
        auto trades = st->load_trades(TradeQuery{});
        if (!trades.ok()) return trades.error();
        const Timestamp last = last_trade_activity(*trades);
        if (Status ok = check_range_not_run(last, bars->front().bar_start); !ok.ok()) {
            return ok.error();
        }
        if (Status r = venue.restore(*trades); !r.ok()) return r.error();
    }
    if (Status vs = venue.start(args.host, args.venue_port); !vs.ok()) return vs.error();
    auto lag_probe = KafkaLagProbe::create(options);
    if (!lag_probe.ok()) return lag_probe.error();
    ReplayDriver driver(p, ingestion, venue, **lag_probe, agent_topology(config, *st),
                        std::chrono::seconds(args.quiet_timeout_s));
    logger("ingestion")
        ->info("lock-step replay of {} bars; simulated venue on {}:{}", bars->size(), args.host,
               venue.port());
    Status replayed = driver.run(*bars);
    if (!replayed.ok()) {
        endpoint.stop();
        return make_error(replayed.error().code, "replay: " + replayed.error().message);
    }
    auto account = venue.account();
    std::printf("replay done: %zu bars, %zu orders at the venue, equity %s\n", bars->size(),
                venue.order_count(), account.ok() ? account->equity.to_string().c_str() : "?");
    std::fflush(stdout);
    if (args.exit_when_done) {
        p.kafka->close();
        return Status::Ok();
    }
    // Keep serving the venue (the execution agent still asks it) until told to stop.
    return run_loop(p, [] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return Status::Ok();
    });
}

}  // namespace awet::runtime
