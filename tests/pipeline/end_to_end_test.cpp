// The demo flow on the real 1-minute bars in ../shared/data/bars/1min: every trade has a complete
// audit chain, the store's PnL equals the broker's, daily_pnl_summary has a row per session.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "awet/execution/safety_gate.hpp"
#include "awet/model/bracket.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

/// Execution open for the simulated broker (dry_run off, approval file present), models in
/// `model_dir` under `dir`.
Config trading_config(const testing::TempDir& dir, const std::string& model_dir) {
    Config config;
    config.execution.dry_run = false;
    config.execution.approval_file = dir.file("APPROVE");
    config.prediction.model_dir = dir.file(model_dir);
    EXPECT_TRUE(
        SafetyGate::approve(config.execution.approval_file, "test", Timestamp::from_seconds(1))
            .ok());
    return config;
}

/// Train on 4 sessions of the real 1-minute bars, replay the next 8.
DemoOptions real_bars_demo() {
    DemoOptions options;
    options.data_dir = (testing::shared_data() / "bars" / "1min").string();
    options.train_days = 4;
    options.days = 8;
    return options;
}

TEST(EndToEnd, RealBarsCompleteAuditChainsAndPnlMatchesBroker) {
    testing::TempDir dir;
    Config config = trading_config(dir, "models");
    auto opened = SqliteStore::open(dir.file("e2e.db"));
    ASSERT_TRUE(opened.ok());
    auto& store = **opened;
    ASSERT_TRUE(store.migrate().ok());
    auto result = run_demo(config, store, real_bars_demo());
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& r = result->replay;
    EXPECT_EQ(result->csv_rejected, 0);
    EXPECT_EQ(r.daily.size(), 8u);
    EXPECT_GT(r.counters.fills, 0u) << "the baseline traded nothing on real bars";
    EXPECT_EQ(r.counters.dead_letters, 0u);

    // daily_pnl_summary: one row per replayed session.
    auto daily = store.load_daily_pnl(Date{2026, 1, 1}, Date{2026, 12, 31});
    ASSERT_TRUE(daily.ok());
    EXPECT_EQ(daily->size(), 8u);

    // Store PnL == broker PnL, to the micro-dollar: realized over the days plus what is still open.
    Money store_realized;
    for (const auto& row : *daily) store_realized += row.realized_pnl_usd;
    EXPECT_EQ((store_realized + daily->back().unrealized_pnl_usd).raw(), r.broker_pnl.raw());
    ASSERT_TRUE(r.reconcile.has_value());
    EXPECT_TRUE(r.reconcile->ok);

    // Every filled entry has its whole chain under one correlation id.
    auto trades = store.load_trades(TradeQuery{});
    ASSERT_TRUE(trades.ok());
    int entries = 0;
    for (const auto& t : *trades) {
        if (t.intent != OrderIntent::kEntry || t.status != OrderStatus::kFilled) continue;
        ++entries;
        auto chain = store.load_audit(t.correlation_id);
        ASSERT_TRUE(chain.ok());
        std::vector<std::string> topics;
        for (const auto& a : *chain) topics.push_back(a.event_type);
        auto pos = [&](const std::string& topic, size_t from = 0) {
            for (size_t i = from; i < topics.size(); ++i) {
                if (topics[i] == topic) return i;
            }
            return topics.size();
        };
        const size_t bar = pos("market.raw");
        const size_t feat = pos("market.engineered", bar);
        const size_t pred = pos("predictions.tft", feat);
        const size_t risk = pos("risk.approved", pred);
        const size_t order = pos("execution.completed", risk);
        const size_t fill = pos("execution.completed", order + 1);
        ASSERT_LT(fill, topics.size()) << "incomplete chain for " << t.correlation_id.str();
        // Flat at the close: every entry was exited, and the exit is on the same chain.
        const size_t exit_decision = pos("risk.approved", fill);
        const size_t exit_fill = pos("execution.completed", exit_decision);
        EXPECT_LT(exit_fill, topics.size()) << "no exit in the chain of " << t.correlation_id.str();
        // Timestamps never go backwards along the chain.
        for (size_t i = 1; i < chain->size(); ++i) EXPECT_LE((*chain)[i - 1].ts, (*chain)[i].ts);
    }
    EXPECT_GT(entries, 0);

    // The EOD job from the store alone reproduces the in-process rows.
    for (const auto& row : *daily) {
        auto again = eod_from_store(store, row.report_date, Timestamp::from_seconds(2));
        ASSERT_TRUE(again.ok()) << again.error().message;
        EXPECT_EQ(again->realized_pnl_usd, row.realized_pnl_usd) << row.report_date.to_string();
        EXPECT_EQ(again->unrealized_pnl_usd, row.unrealized_pnl_usd) << row.report_date.to_string();
        EXPECT_EQ(again->num_trades, row.num_trades);
    }
}

/// One demo run on the real bars with execution.bracket_orders; returns every trades row.
std::vector<TradeRow> bracket_demo(const testing::TempDir& dir, const std::string& name,
                                   ReplayResult* replay) {
    Config config = trading_config(dir, "models-" + name);
    config.execution.bracket_orders = true;
    auto opened = SqliteStore::open(dir.file(name + ".db"));
    EXPECT_TRUE(opened.ok());
    auto& store = **opened;
    EXPECT_TRUE(store.migrate().ok());
    auto result = run_demo(config, store, real_bars_demo());
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    if (!result.ok()) return {};
    *replay = result->replay;
    auto trades = store.load_trades(TradeQuery{});
    // Every chain's timestamps go forward (leg cancels are stamped when they happen).
    if (trades.ok()) {
        for (const TradeRow& t : *trades) {
            if (t.intent != OrderIntent::kEntry) continue;
            auto chain = store.load_audit(t.correlation_id);
            EXPECT_TRUE(chain.ok());
            for (size_t i = 1; chain.ok() && i < chain->size(); ++i) {
                EXPECT_LE((*chain)[i - 1].ts, (*chain)[i].ts)
                    << t.correlation_id.str() << " #" << i;
            }
        }
    }
    EXPECT_TRUE(trades.ok());
    return trades.ok() ? *trades : std::vector<TradeRow>{};
}

TEST(EndToEnd, BracketOrdersOnRealBarsAreDeterministicAndBalanced) {
    testing::TempDir dir;
    ReplayResult first, second;
    const std::vector<TradeRow> a = bracket_demo(dir, "bracket-1", &first);
    const std::vector<TradeRow> b = bracket_demo(dir, "bracket-2", &second);
    ASSERT_FALSE(a.empty());
    // Same trades twice: keys, quantities, prices, statuses, reasons.
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].idempotency_key, b[i].idempotency_key) << i;
        EXPECT_EQ(a[i].status, b[i].status) << a[i].idempotency_key.view();
        EXPECT_EQ(a[i].qty, b[i].qty) << a[i].idempotency_key.view();
        EXPECT_EQ(a[i].filled_qty, b[i].filled_qty) << a[i].idempotency_key.view();
        EXPECT_EQ(a[i].avg_fill_price, b[i].avg_fill_price) << a[i].idempotency_key.view();
        EXPECT_EQ(a[i].exit_reason, b[i].exit_reason) << a[i].idempotency_key.view();
        EXPECT_EQ(a[i].filled_at, b[i].filled_at) << a[i].idempotency_key.view();
    }
    EXPECT_EQ(first.broker_pnl.raw(), second.broker_pnl.raw());
    ASSERT_TRUE(first.reconcile.has_value());
    EXPECT_TRUE(first.reconcile->ok);

    // Every filled entry has two legs; take-profit / stop-loss sells come only from legs (the
    // exit agent left them to the broker), and each entry is closed exactly once: what its legs
    // and its exits sold equals what it bought (flat at the close).
    std::map<std::string, Quantity> bought, sold;
    int entries = 0, leg_fills = 0;
    for (const TradeRow& t : a) {
        const auto leg = parse_bracket_leg_key(t.idempotency_key.view());
        if (t.intent == OrderIntent::kEntry) {
            if (t.filled_qty.is_zero()) continue;
            ++entries;
            bought[t.correlation_id.str()] += t.filled_qty;
            for (BracketLeg l : {BracketLeg::kTakeProfit, BracketLeg::kStopLoss}) {
                const auto key = bracket_leg_key(t.idempotency_key, l);
                EXPECT_TRUE(std::any_of(a.begin(), a.end(), [&](const TradeRow& r) {
                    return r.idempotency_key == *key && r.correlation_id == t.correlation_id;
                })) << key->view();
            }
            continue;
        }
        sold[t.correlation_id.str()] += t.filled_qty;
        if (t.exit_reason == ExitReason::kTakeProfit || t.exit_reason == ExitReason::kStopLoss) {
            EXPECT_TRUE(leg.has_value()) << t.idempotency_key.view();
        }
        if (leg && !t.filled_qty.is_zero()) {
            ++leg_fills;
            // OCO: the other leg filled nothing.
            const auto other = bracket_leg_key(leg->parent, leg->leg == BracketLeg::kTakeProfit
                                                                ? BracketLeg::kStopLoss
                                                                : BracketLeg::kTakeProfit);
            for (const TradeRow& r : a) {
                if (r.idempotency_key == *other) {
                    EXPECT_TRUE(r.filled_qty.is_zero());
                }
            }
        }
    }
    EXPECT_GT(entries, 0);
    EXPECT_GT(leg_fills, 0) << "no bracket leg filled over 8 real sessions";
    EXPECT_EQ(bought, sold);
}

}  // namespace
}  // namespace awet
