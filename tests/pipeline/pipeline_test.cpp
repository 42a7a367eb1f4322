// The embedded pipeline on synthetic data: safety layers, determinism, idempotent restarts, model
// hot reload.
#include "awet/pipeline/pipeline.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "awet/calendar/calendar.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/exits/exit_manager.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override {
        config_.execution.dry_run = false;
        config_.execution.approval_file = dir_.file("APPROVE");
        config_.prediction.model_dir = dir_.file("models");
        ASSERT_TRUE(
            SafetyGate::approve(config_.execution.approval_file, "test", Timestamp::from_seconds(1))
                .ok());
        SyntheticMarketConfig market;
        market.seed = 5;
        market.days = 4;
        auto sessions = split_sessions(generate_synthetic_market(market));
        ASSERT_EQ(sessions.size(), 4u);
        for (size_t s = 0; s < 2; ++s)
            train_.insert(train_.end(), sessions[s].begin(), sessions[s].end());
        for (size_t s = 2; s < 4; ++s)
            trade_.insert(trade_.end(), sessions[s].begin(), sessions[s].end());
    }

    std::unique_ptr<SqliteStore> open_store(const std::string& name) {
        auto store = SqliteStore::open(dir_.file(name), 1000);
        EXPECT_TRUE(store.ok());
        EXPECT_TRUE((*store)->migrate().ok());
        return std::move(*store);
    }

    /// Trains the baseline on the training sessions and makes it green in `store`.
    std::string train_green(Store& store) {
        auto outcome = train_and_register(store, config_, compute_features(train_, config_.seed),
                                          train_.back().bar_start);
        EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
        EXPECT_TRUE(store.promote_model(outcome->record.model_id, train_.back().bar_start).ok());
        return outcome->record.model_id;
    }

    testing::TempDir dir_;
    Config config_;
    std::vector<MarketBar> train_, trade_;
};

TEST_F(PipelineTest, TradesFlowWithGatesOpen) {
    auto store = open_store("a.db");
    train_green(*store);
    auto r = replay_bars(config_, store.get(), trade_);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->counters.bars, trade_.size());
    EXPECT_GT(r->counters.predictions, 0u);
    EXPECT_GT(r->counters.orders_submitted, 0u);
    EXPECT_GT(r->counters.fills, 0u);
    EXPECT_EQ(r->counters.orders_blocked, 0u);
    EXPECT_EQ(r->counters.dead_letters, 0u);
    ASSERT_TRUE(r->reconcile.has_value());
    EXPECT_TRUE(r->reconcile->ok);
    // Book and broker agree to the micro-dollar.
    EXPECT_EQ((r->realized + r->unrealized).raw(), r->broker_pnl.raw());
    EXPECT_EQ(r->daily.size(), 2u);
}

TEST_F(PipelineTest, DryRunBlocksEveryOrder) {
    config_.execution.dry_run = true;
    auto store = open_store("dry.db");
    train_green(*store);
    auto r = replay_bars(config_, store.get(), trade_);
    ASSERT_TRUE(r.ok());
    EXPECT_GT(r->counters.approved, 0u);
    EXPECT_EQ(r->counters.orders_submitted, 0u);
    EXPECT_EQ(r->counters.fills, 0u);
    EXPECT_EQ(r->counters.orders_blocked, r->counters.approved);
    auto trades = store->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    ASSERT_FALSE(trades->empty());
    for (const auto& t : *trades) {
        EXPECT_EQ(t.status, OrderStatus::kBlocked);
        EXPECT_TRUE(t.dry_run);
        EXPECT_TRUE(t.paper_trade);
    }
}

TEST_F(PipelineTest, MissingApprovalFileBlocksEveryOrder) {
    ASSERT_TRUE(SafetyGate::revoke(config_.execution.approval_file).ok());
    auto store = open_store("noapprove.db");
    train_green(*store);
    auto r = replay_bars(config_, store.get(), trade_);
    ASSERT_TRUE(r.ok());
    EXPECT_GT(r->counters.approved, 0u);
    EXPECT_EQ(r->counters.orders_submitted, 0u);
    EXPECT_EQ(r->counters.fills, 0u);
    auto trades = store->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    for (const auto& t : *trades) {
        EXPECT_EQ(t.status, OrderStatus::kBlocked);
        EXPECT_FALSE(t.dry_run);
        EXPECT_NE(t.block_reason.find("APPROVAL_FILE_MISSING"), std::string::npos)
            << t.block_reason;
    }
}

TEST_F(PipelineTest, SameDataSameSeedSameTrades) {
    auto store_a = open_store("det_a.db");
    auto store_b = open_store("det_b.db");
    train_green(*store_a);
    train_green(*store_b);
    auto a = replay_bars(config_, store_a.get(), trade_);
    auto b = replay_bars(config_, store_b.get(), trade_);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_GT(a->fills.size(), 0u);
    ASSERT_EQ(a->fills.size(), b->fills.size());
    for (size_t i = 0; i < a->fills.size(); ++i) {
        const auto& x = a->fills[i];
        const auto& y = b->fills[i];
        EXPECT_EQ(x.header.event_id, y.header.event_id);
        EXPECT_EQ(x.header.correlation_id, y.header.correlation_id);
        EXPECT_EQ(x.header.idempotency_key, y.header.idempotency_key);
        EXPECT_EQ(x.side, y.side);
        EXPECT_EQ(x.fill_qty, y.fill_qty);
        EXPECT_EQ(x.fill_price, y.fill_price);
        EXPECT_EQ(x.filled_at, y.filled_at);
    }
    EXPECT_EQ(a->realized, b->realized);
}

TEST_F(PipelineTest, ReplayAgainOnTheSameStoreNeverOrdersTwice) {
    auto store = open_store("restart.db");
    train_green(*store);
    auto first = replay_bars(config_, store.get(), trade_);
    ASSERT_TRUE(first.ok());
    auto trades_before = store->count_rows("trades");
    ASSERT_TRUE(trades_before.ok());
    ASSERT_GT(*trades_before, 0);
    // The same bars again: the store already holds their results, so the run is refused before
    // it writes anything (never an order twice, never a result overwritten).
    auto second = replay_bars(config_, store.get(), trade_);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(*store->count_rows("trades"), *trades_before);
    // Events are stored once too.
    EXPECT_EQ(*store->count_rows("market_raw_minute"), static_cast<int64_t>(trade_.size()));
    // Redelivered decisions (a restart of the agents on the same bars) are skipped by key: the
    // execution engine never sends an order whose key is in `trades` (see the engine's tests).
}

TEST_F(PipelineTest, RiskLimitsHoldAcrossARestart) {
    auto store = open_store("limits.db");
    train_green(*store);
    const Date day = SessionCalendar::to_local(trade_.front().bar_start).date;
    std::vector<MarketBar> morning, afternoon;
    for (const auto& bar : trade_) {
        if (SessionCalendar::to_local(bar.bar_start).date != day) break;
        (SessionCalendar::to_local(bar.bar_start).minute_of_day < 12 * 60 ? morning : afternoon)
            .push_back(bar);
    }
    // Two processes one after the other on the same store: the second one starts at noon.
    ASSERT_TRUE(replay_bars(config_, store.get(), morning).ok());
    ASSERT_TRUE(replay_bars(config_, store.get(), afternoon).ok());

    auto trades = store->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    std::map<std::string, std::vector<Timestamp>> entries;
    for (const auto& t : *trades) {
        if (t.intent == OrderIntent::kEntry) entries[t.symbol.str()].push_back(t.ts);
    }
    ASSERT_FALSE(entries.empty());
    bool entered_after_noon = false;
    for (const auto& [symbol, times] : entries) {
        EXPECT_LE(static_cast<int>(times.size()), config_.risk.max_orders_per_symbol_per_day)
            << symbol;
        for (size_t i = 1; i < times.size(); ++i) {
            EXPECT_GE(times[i] - times[i - 1], Duration::minutes(config_.risk.cooldown_minutes))
                << symbol;
        }
        for (auto t : times)
            entered_after_noon |= SessionCalendar::to_local(t).minute_of_day >= 12 * 60;
    }
    EXPECT_TRUE(entered_after_noon)
        << "the afternoon process traded nothing: the test proves nothing";
}

TEST_F(PipelineTest, ARestartedExitAgentGetsBackTheOpenLotsFromTheStore) {
    auto store = open_store("exits.db");
    train_green(*store);
    SimBroker broker(SimBrokerConfig::from(config_.execution));
    Pipeline pipeline(config_, store.get(), broker, default_model_loader());
    pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    // Run until lots are open and at least one exit has already happened: the process "dies"
    // there, with positions open and some closed.
    bool stopped = false;
    for (const auto& bar : trade_) {
        ASSERT_TRUE(pipeline.process(bar).ok());
        if (pipeline.exits().manager().open_lots() > 0 && pipeline.counters().exits > 0) {
            stopped = true;
            break;
        }
    }
    ASSERT_TRUE(stopped) << "no open lot after an exit: the test proves nothing";
    ASSERT_TRUE(store->flush().ok());

    ExitManager restored(config_.exits, config_.seed);
    auto n = restore_exit_lots(restored, *store);
    ASSERT_TRUE(n.ok()) << n.error().message;
    const auto& live = pipeline.exits().manager().lots();
    ASSERT_EQ(*n, live.size());
    for (const ExitLot& lot : live) {
        const ExitLot* r = restored.find(lot.entry_key.view());
        ASSERT_NE(r, nullptr) << lot.entry_key.view();
        EXPECT_EQ(r->filled_qty, lot.filled_qty);
        EXPECT_EQ(r->exited_qty, lot.exited_qty);
        EXPECT_EQ(r->open_qty(), lot.open_qty());
        EXPECT_EQ(r->entry_price, lot.entry_price);
        EXPECT_EQ(r->filled_at, lot.filled_at);
        EXPECT_EQ(r->exit_in_flight, lot.exit_in_flight);
        EXPECT_EQ(r->attempts, lot.attempts);
    }
    // An entry that was exited is not a lot again: it is never exited twice.
    auto trades = store->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    for (const auto& t : *trades) {
        if (t.intent == OrderIntent::kExit && t.status == OrderStatus::kFilled) {
            const std::string entry =
                t.idempotency_key.str().substr(t.idempotency_key.str().find(':') + 1);
            EXPECT_EQ(restored.find(entry), nullptr) << entry;
        }
    }
}

// The lifecycle (agent.hpp): agents started afresh on what the store holds take over what the
// running pipeline's agents hold, the start-up of an agent process of its own.
TEST_F(PipelineTest, AgentsStartedOnTheStoredTradesTakeOverWhatTheRunningOnesHold) {
    auto store = open_store("lifecycle.db");
    const std::string green = train_green(*store);
    SimBroker broker(SimBrokerConfig::from(config_.execution));
    Pipeline pipeline(config_, store.get(), broker, default_model_loader());
    pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    bool open = false;
    for (const auto& bar : trade_) {
        ASSERT_TRUE(pipeline.process(bar).ok());
        if (pipeline.exits().manager().open_lots() > 0 && pipeline.counters().exits > 0) {
            open = true;
            break;
        }
    }
    ASSERT_TRUE(open) << "no open lot after an exit: the test proves nothing";
    ASSERT_TRUE(store->flush().ok());
    auto trades = store->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    const AgentStart start{*trades, store.get(), store.get()};

    InProcBus bus;
    SimClock clock;
    ExitAgent exits(bus, clock, config_.exits, config_.seed);
    PortfolioAgent portfolio(bus, clock, nullptr);
    RiskAgent risk(bus, clock, config_.risk, config_.seed);
    PredictionAgent prediction(bus, clock, config_.seed, config_, store.get(),
                               default_model_loader());
    for (Agent* agent : std::initializer_list<Agent*>{&exits, &portfolio, &risk, &prediction}) {
        ASSERT_TRUE(agent->start(start).ok()) << agent->name();
    }
    EXPECT_EQ(exits.manager().open_lots(), pipeline.exits().manager().open_lots());
    // The open positions count towards the exposure gates (priced at their last fill until a bar
    // comes; a fresh engine holds none).
    EXPECT_GT(risk.engine().total_exposure().raw(), 0);
    EXPECT_EQ(prediction.active_model(), green);
    std::map<std::string, std::string> live, taken_over;
    for (const auto& p : pipeline.portfolio().positions()) {
        if (!p.qty.is_zero()) live[p.symbol.str()] = p.qty.to_string();
    }
    for (const auto& p : portfolio.portfolio().positions()) {
        if (!p.qty.is_zero()) taken_over[p.symbol.str()] = p.qty.to_string();
    }
    EXPECT_FALSE(live.empty());
    EXPECT_EQ(taken_over, live);
    EXPECT_GT(portfolio.restored_fills(), 0u);
}

TEST_F(PipelineTest, PersistenceOffStillTrades) {
    auto store = open_store("model_only.db");
    train_green(*store);
    auto green = store->green_model();
    ASSERT_TRUE(green.ok() && green->has_value());
    auto loaded = default_model_loader()(**green);
    ASSERT_TRUE(loaded.ok());
    SimBroker broker(SimBrokerConfig{});
    PipelineOptions options;
    options.persist = false;
    Pipeline pipeline(config_, nullptr, broker, default_model_loader(), options);
    pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    pipeline.prediction().set_forecaster(std::move(*loaded));
    ASSERT_TRUE(pipeline.start().ok());
    for (const auto& bar : trade_) ASSERT_TRUE(pipeline.process(bar).ok());
    ASSERT_TRUE(pipeline.finish().ok());
    EXPECT_GT(pipeline.counters().fills, 0u);
}

TEST_F(PipelineTest, PredictionAgentPicksUpNewGreenAndKeepsOldOnBadFile) {
    auto store = open_store("reload.db");
    const std::string first = train_green(*store);
    SimBroker broker(SimBrokerConfig{});
    config_.prediction.reload_check_bars = 1;
    Pipeline pipeline(config_, store.get(), broker, default_model_loader());
    pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    ASSERT_TRUE(pipeline.start().ok());
    EXPECT_EQ(pipeline.prediction().active_model(), first);
    size_t i = 0;
    for (; i < 50; ++i) ASSERT_TRUE(pipeline.process(trade_[i]).ok());

    // A second model promoted while running is served without a restart.
    const std::string second = train_green(*store);
    ASSERT_NE(first, second);
    for (; i < 100; ++i) ASSERT_TRUE(pipeline.process(trade_[i]).ok());
    EXPECT_EQ(pipeline.prediction().active_model(), second);

    // A third whose file is truncated: reported, the previous green keeps serving.
    const std::string third = train_green(*store);
    auto record = store->find_model(third);
    ASSERT_TRUE(record.ok() && record->has_value());
    std::filesystem::resize_file((*record)->path, 10);
    const uint64_t predictions_before = pipeline.counters().predictions;
    for (; i < 200; ++i) ASSERT_TRUE(pipeline.process(trade_[i]).ok());
    EXPECT_EQ(pipeline.prediction().active_model(), second);
    EXPECT_EQ(pipeline.prediction().load_failures(), 1u);
    EXPECT_GT(pipeline.counters().predictions, predictions_before);
}

}  // namespace
}  // namespace awet
