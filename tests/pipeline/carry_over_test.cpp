// Runs one after the other on one store: positions an earlier run left open are rebuilt from
// `trades` (book, exit lots, exposure, the simulated venue) and keep being managed; a range that
// was run already is refused without touching the store; --fresh's clear keeps bars and models.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "awet/calendar/calendar.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/pipeline/pipeline.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/portfolio/stored_book.hpp"
#include "awet/report/daily_pnl.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

class CarryOverTest : public ::testing::Test {
protected:
    void SetUp() override {
        config_.execution.dry_run = false;
        config_.execution.approval_file = dir_.file("APPROVE");
        config_.prediction.model_dir = dir_.file("models");
        // Positions stay open over the close: the next run inherits them.
        config_.exits.flat_at_close = false;
        ASSERT_TRUE(
            SafetyGate::approve(config_.execution.approval_file, "test", Timestamp::from_seconds(1))
                .ok());
        SyntheticMarketConfig market;
        market.seed = 11;
        market.days = 4;
        sessions_ = split_sessions(generate_synthetic_market(market));
        ASSERT_EQ(sessions_.size(), 4u);
        auto store = SqliteStore::open(dir_.file("carry.db"), 1000);
        ASSERT_TRUE(store.ok());
        store_ = std::move(*store);
        ASSERT_TRUE(store_->migrate().ok());
        std::vector<MarketBar> train = sessions_[0];
        train.insert(train.end(), sessions_[1].begin(), sessions_[1].end());
        auto outcome = train_and_register(*store_, config_, compute_features(train, config_.seed),
                                          train.back().bar_start);
        ASSERT_TRUE(outcome.ok()) << outcome.error().message;
        ASSERT_TRUE(store_->promote_model(outcome->record.model_id, train.back().bar_start).ok());
    }

    /// Signed filled quantity per symbol of the stored trades.
    std::map<std::string, Quantity> net_of_trades() {
        std::map<std::string, Quantity> net;
        auto trades = store_->load_trades(TradeQuery{});
        EXPECT_TRUE(trades.ok());
        for (const TradeRow& t : *trades) {
            if (t.filled_qty.is_zero()) continue;
            net[t.symbol.str()] += t.side == Side::kBuy ? t.filled_qty : -t.filled_qty;
        }
        return net;
    }

    /// Entries of the stored trades still open (filled more than their exits closed).
    std::set<std::string> open_entries() {
        auto trades = store_->load_trades(TradeQuery{});
        EXPECT_TRUE(trades.ok());
        std::map<std::string, Quantity> open;
        for (const TradeRow& t : *trades) {
            if (t.intent == OrderIntent::kEntry && !t.filled_qty.is_zero())
                open[t.idempotency_key.str()] += t.filled_qty;
        }
        for (const TradeRow& t : *trades) {
            if (t.intent != OrderIntent::kExit || t.filled_qty.is_zero()) continue;
            const std::string key = t.idempotency_key.str();
            const std::string entry = key.substr(key.find(':') + 1);
            if (open.contains(entry)) open[entry] -= t.filled_qty;
        }
        std::set<std::string> out;
        for (const auto& [key, qty] : open) {
            if (qty > Quantity{}) out.insert(key);
        }
        return out;
    }

    testing::TempDir dir_;
    Config config_;
    std::vector<std::vector<MarketBar>> sessions_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(CarryOverTest, OpenPositionsOfAnEarlierRunKeepTheirExitsBookAndPnl) {
    // Afternoon entries are still open at the close.
    config_.exits.max_holding_minutes = 600;
    config_.exits.take_profit_pct = 5;
    config_.exits.stop_loss_pct = 5;
    auto first = replay_bars(config_, store_.get(), sessions_[2]);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(store_->flush().ok());
    const std::set<std::string> inherited = open_entries();
    ASSERT_FALSE(inherited.empty()) << "the first run left nothing open: the test proves nothing "
                                    << first->unrealized.to_string() << " " << first->round_trips;

    auto second = replay_bars(config_, store_.get(), sessions_[3]);
    ASSERT_TRUE(second.ok()) << second.error().message;
    ASSERT_TRUE(store_->flush().ok());
    EXPECT_GT(second->restored.fills, 0u);
    EXPECT_EQ(second->restored.open_lots, inherited.size());
    EXPECT_GT(second->restored.open_positions, 0u);

    // Every lot of the first run was exited in the second (overnight is past the max holding
    // time: on the first bar, unless a take-profit or stop-loss came first), none twice.
    auto trades = store_->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    const Timestamp second_start = sessions_[3].front().bar_start;
    std::map<std::string, int> exits_of;
    for (const TradeRow& t : *trades) {
        if (t.intent != OrderIntent::kExit || t.status != OrderStatus::kFilled) continue;
        const std::string key = t.idempotency_key.str();
        const std::string entry = key.substr(key.find(':') + 1);
        if (inherited.contains(entry)) {
            EXPECT_GE(t.ts, second_start) << key;
            ++exits_of[entry];
        }
    }
    for (const std::string& entry : inherited) {
        EXPECT_EQ(exits_of[entry], 1) << entry << " was not exited once in the second run";
    }

    // `positions` is what the trades explain, symbol by symbol.
    const auto net = net_of_trades();
    auto rows = store_->load_positions();
    ASSERT_TRUE(rows.ok());
    std::map<std::string, Quantity> stored;
    for (const PositionRow& p : *rows) stored[p.symbol.str()] = p.qty;
    for (const auto& [symbol, qty] : net) EXPECT_EQ(stored[symbol], qty) << symbol;
    for (const auto& [symbol, qty] : stored) {
        if (!net.contains(symbol)) {
            EXPECT_TRUE(qty.is_zero()) << symbol;
        }
    }

    // The run's own daily row and `awet eod` from the store agree for the day.
    ASSERT_EQ(second->daily.size(), 1u);
    const DailyPnlRow& pipeline_row = second->daily.front();
    auto eod = eod_from_store(*store_, pipeline_row.report_date, Timestamp::from_seconds(0));
    ASSERT_TRUE(eod.ok()) << eod.error().message;
    EXPECT_EQ(eod->realized_pnl_usd, pipeline_row.realized_pnl_usd);
    EXPECT_EQ(eod->unrealized_pnl_usd, pipeline_row.unrealized_pnl_usd);
    EXPECT_EQ(eod->num_trades, pipeline_row.num_trades);

    // The simulated venue of the second run started from what the trades explain: book and
    // broker agree at the end, and the broker's PnL is the run's (realized + change in unrealized).
    ASSERT_TRUE(second->reconcile.has_value());
    EXPECT_TRUE(second->reconcile->ok);
}

TEST_F(CarryOverTest, InheritedPositionsCountTowardsTheExposureGates) {
    config_.exits.max_holding_minutes = 100000;  // nothing exits on time: positions stay
    config_.exits.take_profit_pct = 50;
    config_.exits.stop_loss_pct = 50;
    auto first = replay_bars(config_, store_.get(), sessions_[2]);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(store_->flush().ok());
    auto inherited = load_stored_book(*store_);
    ASSERT_TRUE(inherited.ok());
    Money inherited_cost;
    for (const PositionRow& p : inherited->book.positions()) inherited_cost += p.cost_basis.abs();
    ASSERT_GT(inherited_cost, Money{}) << "nothing inherited: the test proves nothing";

    // The limit sits just above what is inherited: hardly any room for new entries.
    config_.risk.max_total_exposure_usd = inherited_cost + Money::from_units(100);
    SimBroker broker(SimBrokerConfig::from(config_.execution));
    auto trades = store_->load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    ASSERT_TRUE(broker.restore(*trades).ok());
    Pipeline pipeline(config_, store_.get(), broker, default_model_loader());
    pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    ASSERT_TRUE(pipeline.start().ok());
    const Money at_start = pipeline.risk().engine().total_exposure();
    EXPECT_GT(at_start, inherited_cost - Money::from_units(50)) << at_start.to_string();
    Money worst;
    for (const MarketBar& bar : sessions_[3]) {
        ASSERT_TRUE(pipeline.process(bar).ok());
        worst = std::max(worst, pipeline.risk().engine().total_exposure());
    }
    ASSERT_TRUE(pipeline.finish().ok());
    const auto& c = pipeline.counters();
    ASSERT_TRUE(c.rejections_by_reason.contains("TOTAL_EXPOSURE_EXCEEDED"))
        << "no entry was stopped by the inherited exposure";
    // Within the limit, but for what prices moved after the entries were approved.
    EXPECT_LE(worst, Money::from_raw(config_.risk.max_total_exposure_usd.raw() / 10 * 11))
        << worst.to_string();
}

TEST_F(CarryOverTest, ARangeAlreadyRunIsRefusedAndNothingIsWritten) {
    auto first = replay_bars(config_, store_.get(), sessions_[2]);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(store_->flush().ok());
    auto daily_before = store_->load_daily_pnl(Date{2000, 1, 1}, Date{2100, 1, 1});
    auto positions_before = store_->load_positions();
    auto trades_before = store_->load_trades(TradeQuery{});
    ASSERT_TRUE(daily_before.ok() && positions_before.ok() && trades_before.ok());
    ASSERT_FALSE(daily_before->empty());
    bool any_pnl = false;
    for (const auto& row : *daily_before) any_pnl |= !row.realized_pnl_usd.is_zero();
    ASSERT_TRUE(any_pnl) << "nothing realized: the test proves nothing";

    auto again = replay_bars(config_, store_.get(), sessions_[2]);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_NE(again.error().message.find("--fresh"), std::string::npos) << again.error().message;
    ASSERT_TRUE(store_->flush().ok());

    auto daily_after = store_->load_daily_pnl(Date{2000, 1, 1}, Date{2100, 1, 1});
    auto positions_after = store_->load_positions();
    auto trades_after = store_->load_trades(TradeQuery{});
    ASSERT_TRUE(daily_after.ok() && positions_after.ok() && trades_after.ok());
    ASSERT_EQ(daily_after->size(), daily_before->size());
    for (size_t i = 0; i < daily_after->size(); ++i) {
        EXPECT_EQ((*daily_after)[i].realized_pnl_usd, (*daily_before)[i].realized_pnl_usd);
        EXPECT_EQ((*daily_after)[i].num_trades, (*daily_before)[i].num_trades);
    }
    ASSERT_EQ(positions_after->size(), positions_before->size());
    for (size_t i = 0; i < positions_after->size(); ++i) {
        EXPECT_EQ((*positions_after)[i].qty, (*positions_before)[i].qty);
        EXPECT_EQ((*positions_after)[i].realized_pl, (*positions_before)[i].realized_pl);
    }
    ASSERT_EQ(trades_after->size(), trades_before->size());
    for (size_t i = 0; i < trades_after->size(); ++i) {
        EXPECT_EQ((*trades_after)[i].status, (*trades_before)[i].status);
        EXPECT_EQ((*trades_after)[i].filled_qty, (*trades_before)[i].filled_qty);
    }

    // Cleared (what --fresh does), the same range runs again and gives the same trades.
    auto removed = store_->clear_run_results();
    ASSERT_TRUE(removed.ok()) << removed.error().message;
    EXPECT_GT(*store_->count_rows("market_raw_minute"), 0);
    EXPECT_EQ(*store_->count_rows("trades"), 0);
    EXPECT_EQ(*store_->count_rows("audit_events"), 0);
    auto green = store_->green_model();
    ASSERT_TRUE(green.ok() && green->has_value());
    auto rerun = replay_bars(config_, store_.get(), sessions_[2]);
    ASSERT_TRUE(rerun.ok()) << rerun.error().message;
    EXPECT_EQ(rerun->fills.size(), first->fills.size());
    EXPECT_EQ(rerun->realized, first->realized);
}

TEST_F(CarryOverTest, OrdersLeftOpenByAnEarlierRunExpireWithItsVenue) {
    // A run that stops right after an entry was sent: the order is pending in trades.
    SimBroker broker(SimBrokerConfig::from(config_.execution));
    {
        Pipeline pipeline(config_, store_.get(), broker, default_model_loader());
        pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
        bool pending = false;
        for (const MarketBar& bar : sessions_[2]) {
            ASSERT_TRUE(pipeline.process(bar).ok());
            auto open = broker.open_orders();
            ASSERT_TRUE(open.ok());
            if (!open->empty()) {
                pending = true;
                break;
            }
        }
        ASSERT_TRUE(pending) << "no order was ever open: the test proves nothing";
        ASSERT_TRUE(store_->flush().ok());
    }
    std::set<std::string> open_keys;
    auto before = store_->load_trades(TradeQuery{});
    ASSERT_TRUE(before.ok());
    for (const TradeRow& t : *before) {
        if (t.status == OrderStatus::kPending) open_keys.insert(t.idempotency_key.str());
    }
    ASSERT_FALSE(open_keys.empty());

    auto next = replay_bars(config_, store_.get(), sessions_[3]);
    ASSERT_TRUE(next.ok()) << next.error().message;
    EXPECT_EQ(next->restored.open_orders, open_keys.size());
    ASSERT_TRUE(store_->flush().ok());
    for (const std::string& key : open_keys) {
        auto row = store_->find_trade(key);
        ASSERT_TRUE(row.ok() && row->has_value()) << key;
        EXPECT_EQ((*row)->status, OrderStatus::kCanceled) << key;
        EXPECT_EQ((*row)->alpaca_status, "expired") << key;
    }
    EXPECT_TRUE(next->reconcile.has_value() && next->reconcile->ok);
}

}  // namespace
}  // namespace awet
