// The demo flow on the real 1-minute bars in ../shared/data/bars/1min: every trade has a complete
// audit chain, the store's PnL equals the broker's, daily_pnl_summary has a row per session.
#include <gtest/gtest.h>

#include <set>

#include "awet/execution/safety_gate.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"
#include "awet/store/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

TEST(EndToEnd, RealBarsCompleteAuditChainsAndPnlMatchesBroker) {
    testing::TempDir dir;
    Config config;
    config.execution.dry_run = false;
    config.execution.approval_file = dir.file("APPROVE");
    config.prediction.model_dir = dir.file("models");
    ASSERT_TRUE(
        SafetyGate::approve(config.execution.approval_file, "test", Timestamp::from_seconds(1))
            .ok());
    auto opened = SqliteStore::open(dir.file("e2e.db"));
    ASSERT_TRUE(opened.ok());
    auto& store = **opened;
    ASSERT_TRUE(store.migrate().ok());

    DemoOptions options;
    options.data_dir = (testing::shared_data() / "bars" / "1min").string();
    options.train_days = 4;
    options.days = 8;
    auto result = run_demo(config, store, options);
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

}  // namespace
}  // namespace awet
