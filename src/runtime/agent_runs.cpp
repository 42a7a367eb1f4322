// Each agent in a process of its own: its start-up (Agent::start on the stored trades, the same
// as in the embedded pipeline; for the execution agent first the broker it waits for and the
// reconciliation before trading), then its loop.
#include <chrono>
#include <thread>

#include "awet/alpaca/stream_sync.hpp"
#include "awet/audit/recorder.hpp"
#include "awet/core/log.hpp"
#include "awet/pipeline/agents.hpp"
#include "awet/pipeline/eod_job.hpp"
#include "awet/pipeline/runner.hpp"
#include "process.hpp"

namespace awet::runtime {

namespace {

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

/// No decision before the broker has answered: asks it every 250 ms; false when told to stop
/// while waiting.
bool wait_for_broker(AgentProcess& p, Broker& broker, const std::string& where) {
    p.connectivity.set_state({false, "waiting for the broker at " + where});
    for (int attempt = 0; !stop_requested(); ++attempt) {
        auto answer = broker.positions();
        if (answer.ok()) break;
        if (attempt % 20 == 0) {
            logger("execution")->warn("broker not answering yet: {}", answer.error().to_string());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (stop_requested()) return false;
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

/// The agent's start-up, the one of every host (agent.hpp): it takes over what the stored trades
/// of an earlier life of the stack explain, then subscribes.
Status start_agent(AgentProcess& p, Agent& a) {
    auto trades = p.store->load_trades(TradeQuery{});
    if (!trades.ok()) {
        return make_error(trades.error().code, "starting the " + std::string(a.name()) +
                                                   " agent: " + trades.error().message);
    }
    return a.start(AgentStart{*trades, p.store.get(), p.store.get()});
}

}  // namespace

/// The features agent: bars in, feature vectors out.
Status run_features(AgentProcess& p) {
    FeatureAgent a(*p.bus, p.clock, p.config.seed);
    AWET_TRY(start_agent(p, a));
    return run_loop(p, {});
}

/// The prediction agent, on the green model (reloaded when it changes).
Status run_prediction(AgentProcess& p) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    PredictionAgent a(*p.bus, p.clock, seed, config, st, default_model_loader());
    AWET_TRY(start_agent(p, a));  // the green model
    return run_loop(p, {});
}

/// The risk agent, its book restored from the stored trades first.
Status run_risk(AgentProcess& p, const AgentBackends& backends) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    auto limits = backends.risk_limits(config.risk);
    if (!limits.ok()) return limits.error();
    RiskAgent a(*p.bus, p.clock, config.risk, seed, std::move(*limits));
    // Positions and open orders an earlier life of the stack left in trades count towards
    // the exposure gates from the first decision on.
    AWET_TRY(start_agent(p, a));
    return run_loop(p, {});
}

/// The execution agent: waits for the broker, reconciles, checks positions (halting on a
/// mismatch), then trades.
Status run_execution(AgentProcess& p, const AgentOptions& args, const AgentBackends& backends) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    Store* st = p.store.get();
    auto connected = backends.execution_broker(config, args.venue_url);
    if (!connected.ok()) return connected.error();
    ExecutionBroker& eb = *connected;
    std::unique_ptr<RemoteBroker>& venue = eb.venue;
    std::unique_ptr<alpaca::TradeUpdatesStream>& trade_stream = eb.trade_stream;
    Broker& broker = *eb.broker;
    const int reconcile_every =
        args.reconcile_every_s > 0 ? args.reconcile_every_s : (eb.alpaca_broker ? 30 : 0);
    ExecutionAgent a(*p.bus, p.clock, config.execution, broker, st, seed, &config.exits);
    // No decision before the broker has answered and the book is reconciled with it.
    if (!wait_for_broker(p, broker, eb.where)) return Status::Ok();  // stopped while waiting
    // The stream first: a fill that happens while the book is reconciled below is then on
    // the stream, in REST, or both (counted once).
    if (trade_stream) {
        if (Status s = trade_stream->start(); !s.ok()) return s.error();
    }
    reconcile_before_trading(p, a);
    if (Status f = p.kafka->flush(); !f.ok()) return f.error();
    if (Status f = st->flush(); !f.ok()) return f.error();
    AWET_TRY(start_agent(p, a));
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
Status run_exit(AgentProcess& p) {
    const Config& config = p.config;
    const uint64_t seed = config.seed;
    ExitAgent a(*p.bus, p.clock, config.exits, seed);
    // Open positions of a previous life of this agent keep their exits.
    AWET_TRY(start_agent(p, a));
    return run_loop(p, {});
}

/// The watchtower agent and the audit recorder.
Status run_watchtower(AgentProcess& p) {
    WatchtowerAgent a(*p.bus);
    Recorder recorder(*p.store);
    recorder.attach(*p.bus);  // every event to its table and to audit_events
    AWET_TRY(start_agent(p, a));
    return run_loop(p, {});
}

/// The reconciler (portfolio) agent and the end-of-day job.
Status run_reconciler(AgentProcess& p) {
    Store* st = p.store.get();
    PortfolioAgent a(*p.bus, p.clock, st);
    // The book the stored trades explain: a restarted reconciler keeps its positions, and a
    // fill report replayed to it is applied once.
    AWET_TRY(start_agent(p, a));
    EodJob eod(st, st);  // the embedded pipeline's end-of-day job, on this process's bars
    p.bus->subscribe(Topic::kMarketRaw, "portfolio", [&eod, &a](const Delivery& d) -> Status {
        return eod.on_bar(a.portfolio(), std::get<MarketBar>(d.event));
    });
    return run_loop(p, {});
}

}  // namespace awet::runtime
