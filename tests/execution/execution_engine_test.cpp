#include "awet/execution/execution_engine.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "awet/execution/sim_broker.hpp"
#include "awet/model/bracket.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "fake_broker.hpp"

namespace awet {
namespace {

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }
const Timestamp kT0 = at("2026-03-12T14:00:00Z");
Price P(const char* s) { return *Price::parse(s); }
Money M(const char* s) { return *Money::parse(s); }
Quantity Q(int64_t n) { return Quantity::from_units(n); }

RiskDecision decision(const char* symbol, Timestamp bar_start, int64_t qty = 5,
                      Side side = Side::kBuy, uint64_t n = 1) {
    RiskDecision d;
    d.header.event_id = Uuid{0xD, n};
    d.header.correlation_id = Uuid{0xC, n};
    d.header.symbol = Symbol(symbol);
    d.header.idempotency_key = make_key("entry", Symbol(symbol), bar_start);
    d.header.ts = bar_start + Duration::minutes(1);
    d.header.source = Source::kRisk;
    d.approved = true;
    d.side = side;
    d.qty = Q(qty);
    d.ref_price = P("100");
    d.notional = notional(d.ref_price, d.qty);
    return d;
}

MarketBar bar(const char* symbol, Timestamp start, const char* open, int64_t volume = 10000) {
    MarketBar b;
    b.header.symbol = Symbol(symbol);
    b.bar_start = start;
    b.open = b.high = b.low = b.close = P(open);
    b.volume = Q(volume);
    return b;
}

std::unique_ptr<SqliteStore> open_store(const std::string& path) {
    auto s = SqliteStore::open(path);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    auto store = std::move(s).value();
    EXPECT_TRUE(store->migrate().ok());
    return store;
}

/// A temp dir with an approval file, an execution config that may trade, a store file.
struct Fixture {
    Fixture() {
        config.dry_run = false;
        config.approval_file = tmp.file(".tmp/APPROVE_EXECUTION");
        EXPECT_TRUE(SafetyGate::approve(config.approval_file, "test", kT0).ok());
        store = open_store(tmp.file("awet.db"));
    }
    TradeRow trade(const RiskDecision& d) {
        auto r = store->find_trade(d.header.idempotency_key.view());
        EXPECT_TRUE(r.ok());
        EXPECT_TRUE(r->has_value()) << d.header.idempotency_key.view();
        return r->value_or(TradeRow{});
    }
    testing::TempDir tmp;
    ExecutionConfig config;
    std::unique_ptr<SqliteStore> store;
};

TEST(ExecutionEngine, DryRunBlocksEveryOrder) {
    Fixture f;
    f.config.dry_run = true;
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d1 = decision("AAPL", kT0);
    RiskDecision d2 = decision("MSFT", kT0, 3, Side::kBuy, 2);
    engine.on_decision(d1, kT0 + Duration::minutes(1), out);
    engine.on_decision(d2, kT0 + Duration::minutes(1), out);
    ASSERT_EQ(out.size(), 2U);
    for (const ExecutionReport& r : out) {
        EXPECT_EQ(r.status, OrderStatus::kBlocked);
        EXPECT_TRUE(r.dry_run);
        EXPECT_EQ(r.block_reason, "DRY_RUN");
        EXPECT_EQ(r.header.source, Source::kExecution);
    }
    EXPECT_EQ(out[0].header.correlation_id, d1.header.correlation_id);
    EXPECT_EQ(out[0].header.idempotency_key, d1.header.idempotency_key);
    EXPECT_EQ(out[0].qty, Q(5));
    EXPECT_EQ(broker.order_count(), 0U);
    EXPECT_EQ(engine.stats().blocked, 2);
    EXPECT_EQ(engine.stats().submitted, 0);
    TradeRow row = f.trade(d1);
    EXPECT_EQ(row.status, OrderStatus::kBlocked);
    EXPECT_TRUE(row.dry_run);
    EXPECT_TRUE(row.paper_trade);
    EXPECT_EQ(row.block_reason, "DRY_RUN");
    EXPECT_EQ(row.qty, Q(5));
    EXPECT_EQ(row.correlation_id, d1.header.correlation_id);
    EXPECT_EQ(*f.store->count_rows("trades"), 2);
}

TEST(ExecutionEngine, MissingApprovalFileBlocksAll) {
    Fixture f;
    ASSERT_TRUE(SafetyGate::revoke(f.config.approval_file).ok());
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    engine.on_decision(d, kT0, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kBlocked);
    EXPECT_FALSE(out[0].dry_run);
    EXPECT_TRUE(out[0].block_reason.view().starts_with("APPROVAL_FILE_MISSING: "));
    EXPECT_EQ(broker.order_count(), 0U);
    TradeRow row = f.trade(d);
    EXPECT_EQ(row.status, OrderStatus::kBlocked);
    EXPECT_FALSE(row.dry_run);
    EXPECT_EQ(row.block_reason, "APPROVAL_FILE_MISSING: " + f.config.approval_file);
}

TEST(ExecutionEngine, ApprovedAndNotDryRunSubmitsAndFills) {
    Fixture f;
    SimBroker broker;  // 2 bps slippage
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    d.confidence = 0.7;
    const Timestamp now = kT0 + Duration::minutes(1);
    engine.on_decision(d, now, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kPending);
    EXPECT_EQ(out[0].broker_order_id, "sim-000001");
    EXPECT_EQ(out[0].header.ts, now);
    EXPECT_EQ(engine.stats().submitted, 1);
    auto order = broker.get_order(d.header.idempotency_key.view());
    ASSERT_TRUE(order.ok());
    EXPECT_EQ(order->qty, Q(5));
    TradeRow row = f.trade(d);
    EXPECT_EQ(row.status, OrderStatus::kPending);
    EXPECT_EQ(row.alpaca_order_id, "sim-000001");
    EXPECT_EQ(row.alpaca_status, "new");
    EXPECT_FALSE(row.dry_run);

    broker.on_bar(bar("AAPL", now, "100"));
    std::vector<ExecutionReport> fills;
    engine.drain(fills);
    ASSERT_EQ(fills.size(), 1U);
    const ExecutionReport& r = fills[0];
    EXPECT_EQ(r.status, OrderStatus::kFilled);
    EXPECT_EQ(r.fill_qty, Q(5));
    EXPECT_EQ(r.fill_price, P("100.02"));
    EXPECT_EQ(r.filled_qty, Q(5));
    EXPECT_EQ(r.avg_fill_price, P("100.02"));
    EXPECT_EQ(r.filled_at, now);
    EXPECT_EQ(r.header.ts, now);
    EXPECT_EQ(r.header.correlation_id, d.header.correlation_id);
    EXPECT_EQ(r.header.idempotency_key, d.header.idempotency_key);
    EXPECT_EQ(r.broker_order_id, "sim-000001");
    EXPECT_NE(r.header.event_id, out[0].header.event_id);
    engine.drain(fills);
    EXPECT_EQ(fills.size(), 1U);  // drained once

    row = f.trade(d);
    EXPECT_EQ(row.status, OrderStatus::kFilled);
    EXPECT_EQ(row.filled_qty, Q(5));
    EXPECT_EQ(row.avg_fill_price, P("100.02"));
    EXPECT_EQ(row.filled_at, now);
    EXPECT_EQ(row.alpaca_status, "filled");
    EXPECT_EQ(engine.stats().fills, 1);
}

TEST(ExecutionEngine, NonPaperBrokerRefused) {
    Fixture f;
    testing::FakeBroker live(false);
    ExecutionEngine engine(f.config, live, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(decision("AAPL", kT0), kT0, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kBlocked);
    EXPECT_EQ(out[0].block_reason, "LIVE_ENDPOINT_REFUSED");
    EXPECT_EQ(live.submits, 0);

    testing::FakeBroker paper(true);
    ExecutionEngine engine2(f.config, paper, nullptr, 1);
    out.clear();
    engine2.on_decision(decision("AAPL", kT0), kT0, out);
    EXPECT_EQ(paper.submits, 1);
    EXPECT_EQ(out[0].broker_order_id, "fake-1");
}

TEST(ExecutionEngine, RedeliveredDecisionYieldsOneOrderInMemory) {
    Fixture f;
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, nullptr, 1);  // no store at all
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    engine.on_decision(d, kT0, out);
    engine.on_decision(d, kT0 + Duration::seconds(1), out);
    RiskDecision copy = d;
    copy.header.event_id = Uuid{0xE, 9};  // a re-published copy: same key, new event id
    engine.on_decision(copy, kT0 + Duration::seconds(2), out);
    EXPECT_EQ(out.size(), 1U);
    EXPECT_EQ(broker.order_count(), 1U);
    EXPECT_EQ(engine.stats().duplicates, 2);
    EXPECT_EQ(engine.stats().submitted, 1);
}

TEST(ExecutionEngine, RestartOnSameStoreNeverSendsTwice) {
    Fixture f;
    const std::string db = f.tmp.file("awet.db");
    RiskDecision d = decision("AAPL", kT0);
    SimBroker venue;  // the broker outlives the process, as Alpaca or the venue service does
    {
        ExecutionEngine engine(f.config, venue, f.store.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(d, kT0, out);
        EXPECT_EQ(venue.order_count(), 1U);
    }
    f.store.reset();  // "process" ends
    auto store = open_store(db);
    ExecutionEngine engine(f.config, venue, store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0 + Duration::minutes(5), out);  // redelivered after the restart
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(venue.order_count(), 1U);  // looked up by client order id, not sent again
    EXPECT_EQ(engine.stats().duplicates, 1);
    EXPECT_EQ(engine.stats().resumed, 0);
    EXPECT_EQ(*store->count_rows("trades"), 1);
    // A redelivery within the same process does not even ask the broker.
    engine.on_decision(d, kT0 + Duration::minutes(6), out);
    EXPECT_EQ(engine.stats().duplicates, 2);
    // A new key still goes through.
    engine.on_decision(decision("AAPL", kT0 + Duration::minutes(20)), kT0, out);
    EXPECT_EQ(venue.order_count(), 2U);
}

/// A process that wrote the trade row ahead, then lost the submit (a timeout: outcome unknown),
/// and stopped. The broker never got the order.
void write_ahead_then_lose_the_submit(Fixture& f, testing::FakeBroker& broker,
                                      const RiskDecision& d) {
    broker.submit_error = ErrorCode::kOutcomeUnknown;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kPending);
    EXPECT_EQ(engine.stats().unknown, 1);
    broker.submit_error.reset();
}

TEST(ExecutionEngine, WrittenAheadButNeverAtTheBrokerIsSentOnceAfterRestart) {
    Fixture f;
    RiskDecision d = decision("AAPL", kT0);
    testing::FakeBroker broker(true);
    write_ahead_then_lose_the_submit(f, broker, d);
    const int submits_before = broker.submits;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0 + Duration::minutes(1), out);  // redelivered after the restart
    EXPECT_EQ(broker.lookups, 1);                            // asked first
    EXPECT_EQ(broker.submits, submits_before + 1);           // then sent, once, same client id
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kPending);
    EXPECT_EQ(out[0].header.idempotency_key, d.header.idempotency_key);
    EXPECT_EQ(engine.stats().resumed, 1);
    EXPECT_EQ(f.trade(d).alpaca_order_id, broker.known.back().broker_order_id);
    engine.on_decision(d, kT0 + Duration::minutes(2), out);  // and never again
    EXPECT_EQ(broker.submits, submits_before + 1);
}

TEST(ExecutionEngine, AfterRestartAnUnanswerableLookupLeavesTheOrderPendingUnsent) {
    Fixture f;
    RiskDecision d = decision("AAPL", kT0);
    testing::FakeBroker broker(true);
    write_ahead_then_lose_the_submit(f, broker, d);
    broker.lookup_error = ErrorCode::kIo;  // the broker cannot say whether it has the order
    const int submits_before = broker.submits;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0 + Duration::minutes(1), out);
    EXPECT_EQ(broker.submits, submits_before);  // never sent blindly
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(f.trade(d).status, OrderStatus::kPending);
}

TEST(ExecutionEngine, FillsReplayedToARestartedEngineAreNotCountedTwice) {
    Fixture f;
    RiskDecision d = decision("AAPL", kT0);
    SimBroker venue;
    std::vector<Fill> seen;
    struct Tap final : BrokerListener {
        BrokerListener* inner = nullptr;
        std::vector<Fill>* fills = nullptr;
        void on_fill(const Fill& x) override {
            fills->push_back(x);
            inner->on_fill(x);
        }
        void on_order_update(const BrokerOrder& o) override { inner->on_order_update(o); }
    };
    {
        ExecutionEngine engine(f.config, venue, f.store.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(d, kT0, out);
        Tap tap;
        tap.inner = &engine;
        tap.fills = &seen;
        venue.set_listener(&tap);
        venue.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "100"));
        venue.set_listener(&engine);
        ASSERT_TRUE(f.store->flush().ok());
    }
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0].cum_qty, seen[0].qty);
    const TradeRow before = f.trade(d);
    ASSERT_EQ(before.status, OrderStatus::kFilled);
    // A restarted engine is handed the same fill again (a venue event log read from the start).
    ExecutionEngine engine(f.config, venue, f.store.get(), 1);
    engine.on_fill(seen[0]);
    std::vector<ExecutionReport> out;
    engine.drain(out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(engine.stats().duplicate_fills, 1);
    ASSERT_TRUE(f.store->flush().ok());
    EXPECT_EQ(f.trade(d).filled_qty, before.filled_qty);
}

TEST(ExecutionEngine, BlockedKeyIsNotRetriedAfterRestartWithTradingEnabled) {
    Fixture f;
    RiskDecision d = decision("AAPL", kT0);
    {
        ExecutionConfig dry = f.config;
        dry.dry_run = true;
        SimBroker broker;
        ExecutionEngine engine(dry, broker, f.store.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(d, kT0, out);
        EXPECT_EQ(out[0].status, OrderStatus::kBlocked);
    }
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(broker.order_count(), 0U);
}

TEST(ExecutionEngine, FillAfterRestartIsMatchedThroughTheStore) {
    Fixture f;
    RiskDecision d = decision("AAPL", kT0);
    SimBroker broker;  // the venue outlives the process
    {
        ExecutionEngine engine(f.config, broker, f.store.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(d, kT0 + Duration::minutes(1), out);
    }
    ExecutionEngine engine(f.config, broker, f.store.get(), 2);
    broker.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "100"));
    std::vector<ExecutionReport> out;
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kFilled);
    EXPECT_EQ(out[0].header.correlation_id, d.header.correlation_id);
    EXPECT_EQ(f.trade(d).status, OrderStatus::kFilled);
}

TEST(ExecutionEngine, PartialFillsAccumulate) {
    Fixture f;
    SimBrokerConfig sc;
    sc.slippage_bps = 0;
    sc.participation_rate = 0.1;
    sc.fee_per_share = M("0.01");
    SimBroker broker(sc);
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0, 10);
    engine.on_decision(d, kT0, out);
    broker.on_bar(bar("AAPL", kT0, "100", 40));                         // 4 shares
    broker.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "103", 60));  // 6 shares
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[0].status, OrderStatus::kPartiallyFilled);
    EXPECT_EQ(out[0].fill_qty, Q(4));
    EXPECT_EQ(out[0].filled_qty, Q(4));
    EXPECT_EQ(out[0].avg_fill_price, P("100"));
    EXPECT_EQ(out[0].fees, M("0.04"));
    EXPECT_EQ(out[1].status, OrderStatus::kFilled);
    EXPECT_EQ(out[1].fill_qty, Q(6));
    EXPECT_EQ(out[1].fill_price, P("103"));
    EXPECT_EQ(out[1].filled_qty, Q(10));
    EXPECT_EQ(out[1].avg_fill_price, P("101.8"));  // (400 + 618) / 10
    EXPECT_EQ(out[1].fees, M("0.06"));
    TradeRow row = f.trade(d);
    EXPECT_EQ(row.filled_qty, Q(10));
    EXPECT_EQ(row.avg_fill_price, P("101.8"));
    EXPECT_EQ(row.fees, M("0.1"));
    EXPECT_EQ(row.filled_at, kT0 + Duration::minutes(1));
    EXPECT_EQ(engine.stats().fills, 2);
}

TEST(ExecutionEngine, DuplicateFillIgnored) {
    Fixture f;
    testing::FakeBroker broker(true);
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0, 10);
    engine.on_decision(d, kT0, out);
    Fill fill;
    fill.fill_id = "F-1";
    fill.client_order_id = d.header.idempotency_key;
    fill.broker_order_id = "fake-1";
    fill.symbol = Symbol("AAPL");
    fill.qty = Q(4);
    fill.price = P("100");
    fill.ts = kT0 + Duration::minutes(1);
    broker.listener_->on_fill(fill);
    broker.listener_->on_fill(fill);  // redelivered (e.g. stream and REST)
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].filled_qty, Q(4));
    EXPECT_EQ(engine.stats().duplicate_fills, 1);
    EXPECT_EQ(f.trade(d).filled_qty, Q(4));
    // A fill for an order nobody knows is counted, not applied.
    Fill orphan = fill;
    orphan.fill_id = "F-2";
    orphan.client_order_id = IdempotencyKey("entry:ZZZ:1");
    broker.listener_->on_fill(orphan);
    EXPECT_EQ(engine.stats().orphan_fills, 1);
}

TEST(ExecutionEngine, BrokerErrorBecomesRejected) {
    Fixture f;
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    broker.fail_next_submit(ErrorCode::kBroker);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    engine.on_decision(d, kT0, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kRejected);
    EXPECT_TRUE(out[0].block_reason.view().starts_with("BROKER_REJECTED"));
    EXPECT_EQ(engine.stats().rejected, 1);
    TradeRow row = f.trade(d);
    EXPECT_EQ(row.status, OrderStatus::kRejected);
    EXPECT_TRUE(row.block_reason.starts_with("BROKER_REJECTED: "));
    // The key is spent: a redelivery does not retry.
    engine.on_decision(d, kT0, out);
    EXPECT_EQ(out.size(), 1U);
    EXPECT_EQ(broker.order_count(), 0U);
}

TEST(ExecutionEngine, OutcomeUnknownKeptPendingNeverResent) {
    Fixture f;
    SimBroker broker(SimBrokerConfig{.slippage_bps = 0});
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    broker.fail_next_submit(ErrorCode::kOutcomeUnknown, /*accept_anyway=*/true);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    engine.on_decision(d, kT0, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kPending);
    EXPECT_TRUE(out[0].block_reason.view().starts_with("OUTCOME_UNKNOWN"));
    EXPECT_EQ(engine.stats().unknown, 1);
    TradeRow row = f.trade(d);
    EXPECT_EQ(row.status, OrderStatus::kPending);
    EXPECT_EQ(row.alpaca_status, "unknown");
    engine.on_decision(d, kT0, out);
    EXPECT_EQ(out.size(), 1U);
    EXPECT_EQ(broker.order_count(), 1U);
    // The venue had it: its fill settles the question.
    broker.on_bar(bar("AAPL", kT0, "100"));
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kFilled);
    row = f.trade(d);
    EXPECT_EQ(row.status, OrderStatus::kFilled);
    EXPECT_EQ(row.alpaca_order_id, "sim-000001");
    EXPECT_EQ(row.block_reason, "");
}

TEST(ExecutionEngine, CancelProducesCanceledReport) {
    Fixture f;
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    engine.on_decision(d, kT0, out);
    ASSERT_TRUE(broker.cancel(d.header.idempotency_key.view()).ok());
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kCanceled);
    EXPECT_EQ(f.trade(d).status, OrderStatus::kCanceled);
}

TEST(ExecutionEngine, ExitDecisionCarriesIntentAndReason) {
    Fixture f;
    SimBroker broker(SimBrokerConfig{.slippage_bps = 0});
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0, 5, Side::kSell);
    d.header.idempotency_key = make_key("exit", Symbol("AAPL"), kT0);
    d.intent = OrderIntent::kExit;
    d.exit_reason = ExitReason::kStopLoss;
    engine.on_decision(d, kT0, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].intent, OrderIntent::kExit);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(out[0].side, Side::kSell);
    broker.on_bar(bar("AAPL", kT0, "100"));
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].intent, OrderIntent::kExit);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kStopLoss);
    TradeRow row = f.trade(d);
    EXPECT_EQ(row.intent, OrderIntent::kExit);
    EXPECT_EQ(row.exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(row.side, Side::kSell);
}

TEST(ExecutionEngine, RejectedDecisionsAreIgnored) {
    Fixture f;
    SimBroker broker;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    d.approved = false;
    d.reasons = static_cast<uint32_t>(RiskReason::kCooldownActive);
    engine.on_decision(d, kT0, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(broker.order_count(), 0U);
    EXPECT_EQ(*f.store->count_rows("trades"), 0);
}

TEST(ExecutionEngine, DeterministicReportIds) {
    auto run = [](uint64_t seed) {
        Fixture f;
        SimBroker broker;
        ExecutionEngine engine(f.config, broker, nullptr, seed);
        std::vector<ExecutionReport> out;
        engine.on_decision(decision("AAPL", kT0), kT0, out);
        broker.on_bar(bar("AAPL", kT0, "100"));
        engine.drain(out);
        return out;
    };
    auto a = run(5), b = run(5), c = run(6);
    ASSERT_EQ(a.size(), 2U);
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].header.event_id, b[i].header.event_id);
        EXPECT_NE(a[i].header.event_id, c[i].header.event_id);
    }
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

/// A listener standing in for a lossy stream: records what the broker sent, passes on only
/// while `connected`.
struct LossyStream final : BrokerListener {
    BrokerListener* engine = nullptr;
    bool connected = true;
    std::vector<Fill> fills;
    void on_fill(const Fill& f) override {
        fills.push_back(f);
        if (connected) engine->on_fill(f);
    }
    void on_order_update(const BrokerOrder& o) override {
        if (connected) engine->on_order_update(o);
    }
};

/// A simulated venue whose events reach the engine through a LossyStream.
struct StreamedVenue {
    StreamedVenue(Fixture& f, SimBrokerConfig config)
        : venue(config), engine(f.config, venue, f.store.get(), 1) {
        stream.engine = &engine;
        venue.set_listener(&stream);
    }
    SimBroker venue;
    ExecutionEngine engine;
    LossyStream stream;
};

TEST(Reconciliation, AFillMissedOnTheStreamIsRecoveredAndNotCountedTwiceWhenItArrives) {
    Fixture f;
    StreamedVenue sv(f, SimBrokerConfig{.slippage_bps = 0});
    SimBroker& venue = sv.venue;
    ExecutionEngine& engine = sv.engine;
    LossyStream& stream = sv.stream;
    RiskDecision d = decision("AAPL", kT0);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0 + Duration::minutes(1), out);

    stream.connected = false;  // the fill happens while the stream is down
    venue.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "101.5"));
    ASSERT_EQ(stream.fills.size(), 1U);
    EXPECT_EQ(engine.stats().fills, 0);

    auto report = engine.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(3));
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_EQ(report->checked, 1);
    EXPECT_EQ(report->fills_recovered, 1);
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kFilled);
    EXPECT_EQ(out[0].fill_qty, d.qty);
    EXPECT_EQ(out[0].fill_price, P("101.5"));
    ASSERT_TRUE(f.store->flush().ok());
    EXPECT_EQ(f.trade(d).filled_qty, d.qty);
    EXPECT_EQ(f.trade(d).status, OrderStatus::kFilled);

    // The stream comes back and delivers the same fill late: recognised, not applied again.
    stream.connected = true;
    engine.on_fill(stream.fills[0]);
    out.clear();
    engine.drain(out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(engine.stats().fills, 1);
    EXPECT_EQ(engine.stats().duplicate_fills, 1);
    // A second reconciliation finds nothing open.
    report = engine.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(4));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->checked, 0);
}

TEST(Reconciliation, PartialFillsMissedInTheMiddleKeepTheBrokersAveragePrice) {
    Fixture f;
    StreamedVenue sv(f, SimBrokerConfig{.slippage_bps = 0, .participation_rate = 0.0002});
    SimBroker& venue = sv.venue;
    ExecutionEngine& engine = sv.engine;
    LossyStream& stream = sv.stream;
    RiskDecision d = decision("AAPL", kT0, /*qty=*/5);
    std::vector<ExecutionReport> out;
    engine.on_decision(d, kT0 + Duration::minutes(1), out);
    // 2 shares per bar (0.0002 x 10000): seen, missed, then reconciled.
    venue.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "100"));
    stream.connected = false;
    venue.on_bar(bar("AAPL", kT0 + Duration::minutes(2), "103"));
    auto report = engine.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(3));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->fills_recovered, 1);
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 2U);  // the first fill (seen) and the recovered one
    EXPECT_EQ(out[1].status, OrderStatus::kPartiallyFilled);
    EXPECT_EQ(out[1].fill_qty, Q(2));
    EXPECT_EQ(out[1].fill_price, P("103"));
    EXPECT_EQ(out[1].avg_fill_price,
              venue.get_order(d.header.idempotency_key.view())->avg_fill_price);
    stream.connected = true;
    venue.on_bar(bar("AAPL", kT0 + Duration::minutes(3), "104"));  // the last share, on stream
    ASSERT_TRUE(f.store->flush().ok());
    EXPECT_EQ(f.trade(d).filled_qty, Q(5));
    EXPECT_EQ(f.trade(d).status, OrderStatus::kFilled);
    EXPECT_EQ(f.trade(d).avg_fill_price,
              venue.get_order(d.header.idempotency_key.view())->avg_fill_price);
}

TEST(Reconciliation, CancelsAtTheBrokerAndUnknownOrdersAreSettled) {
    Fixture f;
    StreamedVenue sv(f, SimBrokerConfig{.slippage_bps = 0});
    SimBroker& venue = sv.venue;
    ExecutionEngine& engine = sv.engine;
    LossyStream& stream = sv.stream;
    RiskDecision canceled = decision("AAPL", kT0);
    std::vector<ExecutionReport> out;
    engine.on_decision(canceled, kT0 + Duration::minutes(1), out);
    stream.connected = false;
    ASSERT_TRUE(venue.cancel(canceled.header.idempotency_key.view()).ok());
    auto report = engine.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(2));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->closed, 1);
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kCanceled);

    // Written ahead, the submit timed out and never reached this broker: sent once, same id.
    testing::FakeBroker broker(true);
    ExecutionEngine other(f.config, broker, f.store.get(), 2);
    broker.submit_error = ErrorCode::kOutcomeUnknown;
    RiskDecision lost = decision("MSFT", kT0);
    other.on_decision(lost, kT0 + Duration::minutes(1), out);
    broker.submit_error.reset();
    const int submits = broker.submits;
    report = other.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(2));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->resent, 1);
    EXPECT_EQ(broker.submits, submits + 1);
    // A broker that cannot answer leaves the order as it is.
    broker.known.clear();
    broker.lookup_error = ErrorCode::kIo;
    report = other.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(3));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->unresolved, 1);
    EXPECT_EQ(broker.submits, submits + 1);
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

TEST(Reconciliation, PositionsTheTradesDoNotExplainHaltTrading) {
    Fixture f;
    SimBroker venue(SimBrokerConfig{.slippage_bps = 0});
    ExecutionEngine engine(f.config, venue, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    RiskDecision d = decision("AAPL", kT0);
    engine.on_decision(d, kT0 + Duration::minutes(1), out);
    venue.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "100"));
    auto same = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(same.ok()) << same.error().to_string();
    EXPECT_TRUE(same->empty());  // the trades explain the broker's position

    // An order placed at the broker outside AWET: a position no trade explains.
    OrderRequest outside;
    outside.client_order_id = IdempotencyKey("manual-1");
    outside.symbol = Symbol("MSFT");
    outside.qty = Q(3);
    outside.ts = kT0;
    ASSERT_TRUE(venue.submit(outside).ok());
    venue.on_bar(bar("MSFT", kT0 + Duration::minutes(1), "300"));
    auto mismatches = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(mismatches.ok());
    ASSERT_EQ(mismatches->size(), 1U);
    EXPECT_EQ((*mismatches)[0].symbol, Symbol("MSFT"));
    EXPECT_EQ((*mismatches)[0].stored, Q(0));
    EXPECT_EQ((*mismatches)[0].broker, Q(3));

    engine.halt("positions disagree: MSFT");
    out.clear();
    RiskDecision next = decision("AAPL", kT0 + Duration::minutes(30));
    engine.on_decision(next, kT0 + Duration::minutes(31), out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kBlocked);
    EXPECT_NE(out[0].block_reason.view().find("HALTED"), std::string_view::npos);
    EXPECT_EQ(venue.order_count(), 2U);  // nothing new reached the broker
}

// ---------------------------------------------------------------- bracket orders
TEST(BracketLegsFor, RoundsToTheCentTowardTheReference) {
    auto l = bracket_legs_for(Side::kBuy, P("100"), 1.0, 0.5);
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->take_profit_limit, P("101"));
    EXPECT_EQ(l->stop_loss_stop, P("99.5"));
    l = bracket_legs_for(Side::kBuy, P("123.456789"), 1.0, 0.5);
    EXPECT_EQ(l->take_profit_limit, P("124.69"));  // 124.691357 down
    EXPECT_EQ(l->stop_loss_stop, P("122.84"));     // 122.839505 up
    l = bracket_legs_for(Side::kSell, P("123.456789"), 1.0, 0.5);
    EXPECT_EQ(l->take_profit_limit, P("122.23"));  // 122.222221 up
    EXPECT_EQ(l->stop_loss_stop, P("124.07"));     // 124.074073 down
    // Too close to round away from the reference: one cent beyond it.
    l = bracket_legs_for(Side::kBuy, P("100.004567"), 0.0001, 0.0001);
    EXPECT_EQ(l->take_profit_limit, P("100.01"));
    EXPECT_EQ(l->stop_loss_stop, P("100"));
    EXPECT_FALSE(bracket_legs_for(Side::kBuy, P("0"), 1.0, 0.5).has_value());
    EXPECT_FALSE(bracket_legs_for(Side::kBuy, P("100"), 0.0, 0.5).has_value());
    EXPECT_FALSE(bracket_legs_for(Side::kBuy, P("100"), 1.0, 100.0).has_value());
}

MarketBar range_bar(const char* symbol, Timestamp start, const char* open, const char* high,
                    const char* low, const char* close) {
    MarketBar b = bar(symbol, start, open);
    b.high = P(high);
    b.low = P(low);
    b.close = P(close);
    return b;
}

/// The exit manager's decision on a bracket entry: same correlation id, "exit:" + entry key.
RiskDecision exit_of(const RiskDecision& entry, ExitReason reason, int64_t qty) {
    RiskDecision d = entry;
    d.header.event_id = Uuid{0xE, 1};
    d.header.idempotency_key =
        IdempotencyKey(std::string_view("exit:" + entry.header.idempotency_key.str()));
    d.header.source = Source::kExit;
    d.intent = OrderIntent::kExit;
    d.exit_reason = reason;
    d.side = opposite(entry.side);
    d.qty = Q(qty);
    return d;
}

IdempotencyKey leg(const RiskDecision& entry, BracketLeg which) {
    return *bracket_leg_key(entry.header.idempotency_key, which);
}

/// A Broker in front of a SimBroker whose cancel() first runs a hook (a bar that fills a leg:
/// the race), and which can hold the sim's callbacks back (a stream that delivers late).
class RacingBroker final : public Broker, public BrokerListener {
public:
    explicit RacingBroker(SimBroker& sim) : sim_(sim) { sim_.set_listener(this); }
    std::string_view name() const override { return "racing"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener* l) override { listener_ = l; }
    Result<BrokerOrder> submit(const OrderRequest& r) override { return sim_.submit(r); }
    Status cancel(std::string_view id) override {
        cancels.emplace_back(id);
        if (before_cancel) std::exchange(before_cancel, nullptr)();
        return sim_.cancel(id);
    }
    Result<BrokerOrder> get_order(std::string_view id) override { return sim_.get_order(id); }
    Result<std::vector<BrokerOrder>> open_orders() override { return sim_.open_orders(); }
    Result<std::vector<BrokerPosition>> positions() override { return sim_.positions(); }
    Result<BrokerAccount> account() override { return sim_.account(); }
    void on_fill(const Fill& f) override {
        if (hold)
            held_fills.push_back(f);
        else if (listener_ != nullptr)
            listener_->on_fill(f);
    }
    void on_order_update(const BrokerOrder& o) override {
        if (hold)
            held_updates.push_back(o);
        else if (listener_ != nullptr)
            listener_->on_order_update(o);
    }
    void release() {
        hold = false;
        for (const Fill& f : held_fills) listener_->on_fill(f);
        for (const BrokerOrder& o : held_updates) listener_->on_order_update(o);
        held_fills.clear();
        held_updates.clear();
    }

    std::function<void()> before_cancel;
    std::vector<std::string> cancels;
    bool hold = false;
    std::vector<Fill> held_fills;
    std::vector<BrokerOrder> held_updates;

private:
    SimBroker& sim_;
    BrokerListener* listener_ = nullptr;
};

struct BracketFixture : Fixture {
    BracketFixture() { config.bracket_orders = true; }
    TradeRow row(const IdempotencyKey& key) {
        auto r = store->find_trade(key.view());
        EXPECT_TRUE(r.ok() && r->has_value()) << key.view();
        return r.ok() ? r->value_or(TradeRow{}) : TradeRow{};
    }
    ExitConfig exits;  // tp 1 %, sl 0.5 %
};

SimBrokerConfig frictionless() {
    SimBrokerConfig c;
    c.slippage_bps = 0;
    return c;
}

TEST(ExecutionEngineBracket, EntryWritesAndReportsBothLegs) {
    BracketFixture f;
    SimBroker broker(frictionless());
    ExecutionEngine engine(f.config, broker, f.store.get(), 1, &f.exits);
    std::vector<ExecutionReport> out;
    const RiskDecision d = decision("AAPL", kT0, 10);
    engine.on_decision(d, kT0 + Duration::minutes(1), out);
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(out[0].header.idempotency_key, d.header.idempotency_key);
    EXPECT_EQ(out[1].header.idempotency_key, leg(d, BracketLeg::kTakeProfit));
    EXPECT_EQ(out[2].header.idempotency_key, leg(d, BracketLeg::kStopLoss));
    for (const ExecutionReport& r : out) {
        EXPECT_EQ(r.status, OrderStatus::kPending);
        EXPECT_EQ(r.header.correlation_id, d.header.correlation_id);
    }
    EXPECT_EQ(out[1].intent, OrderIntent::kExit);
    EXPECT_EQ(out[1].exit_reason, ExitReason::kTakeProfit);
    EXPECT_EQ(out[2].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(out[1].side, Side::kSell);
    EXPECT_EQ(engine.stats().bracket_entries, 1);
    const BrokerOrder tp = *broker.get_order(leg(d, BracketLeg::kTakeProfit).view());
    const BrokerOrder sl = *broker.get_order(leg(d, BracketLeg::kStopLoss).view());
    EXPECT_EQ(tp.limit_price, P("101"));
    EXPECT_EQ(sl.stop_price, P("99.5"));
    TradeRow tp_row = f.row(leg(d, BracketLeg::kTakeProfit));
    EXPECT_EQ(tp_row.status, OrderStatus::kPending);
    EXPECT_EQ(tp_row.alpaca_order_id, tp.broker_order_id);
    EXPECT_EQ(tp_row.correlation_id, d.header.correlation_id);
    EXPECT_EQ(tp_row.intent, OrderIntent::kExit);
    EXPECT_EQ(*f.store->count_rows("trades"), 3);
}

TEST(ExecutionEngineBracket, OffByDefaultAndWithoutExitsConfig) {
    Fixture f;  // bracket_orders false
    SimBroker broker;
    ExitConfig exits;
    ExecutionEngine engine(f.config, broker, f.store.get(), 1, &exits);
    std::vector<ExecutionReport> out;
    engine.on_decision(decision("AAPL", kT0), kT0 + Duration::minutes(1), out);
    EXPECT_EQ(out.size(), 1U);
    EXPECT_EQ(broker.order_count(), 1U);

    BracketFixture g;
    SimBroker broker2;
    ExecutionEngine no_exits(g.config, broker2, g.store.get(), 1);  // refused, logged
    out.clear();
    no_exits.on_decision(decision("AAPL", kT0), kT0 + Duration::minutes(1), out);
    EXPECT_EQ(out.size(), 1U);
    EXPECT_EQ(broker2.order_count(), 1U);
}

/// A bracket entry of 10 AAPL (legs 101 / 99.5 from the reference 100) through a RacingBroker,
/// filled at 100 on a bar inside both levels; `out` is empty.
struct FilledBracket : BracketFixture {
    FilledBracket() : broker(sim), engine(config, broker, store.get(), 1, &exits) {
        engine.on_decision(d, kT0 + Duration::minutes(1), out);
        sim.on_bar(range_bar("AAPL", kT0 + Duration::minutes(1), "100", "100.5", "99.8", "100.2"));
        engine.drain(out);
        out.clear();
    }
    /// A bar through the stop (99.5) at the venue.
    void stop_bar() {
        sim.on_bar(range_bar("AAPL", kT0 + Duration::minutes(60), "99.7", "99.8", "99.2", "99.3"));
    }
    IdempotencyKey tp() const { return leg(d, BracketLeg::kTakeProfit); }
    IdempotencyKey sl() const { return leg(d, BracketLeg::kStopLoss); }

    SimBroker sim{frictionless()};
    RacingBroker broker;
    ExecutionEngine engine;
    const RiskDecision d = decision("AAPL", kT0, 10);
    std::vector<ExecutionReport> out;
};

TEST(ExecutionEngineBracket, TakeProfitLegFillClosesThePosition) {
    FilledBracket f;
    f.sim.on_bar(range_bar("AAPL", kT0 + Duration::minutes(2), "100.4", "101.3", "100.3", "101"));
    f.engine.drain(f.out);
    // tp fill, sl canceled
    ASSERT_EQ(f.out.size(), 2U);
    EXPECT_EQ(f.out[0].header.idempotency_key, f.tp());
    EXPECT_EQ(f.out[0].status, OrderStatus::kFilled);
    EXPECT_EQ(f.out[0].fill_price, P("101"));
    EXPECT_EQ(f.out[0].fill_qty, Q(10));
    EXPECT_EQ(f.out[0].intent, OrderIntent::kExit);
    EXPECT_EQ(f.out[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_EQ(f.out[0].header.correlation_id, f.d.header.correlation_id);
    EXPECT_EQ(f.out[1].header.idempotency_key, f.sl());
    EXPECT_EQ(f.out[1].status, OrderStatus::kCanceled);
    EXPECT_EQ(f.row(f.tp()).status, OrderStatus::kFilled);
    EXPECT_EQ(f.row(f.tp()).avg_fill_price, P("101"));
    EXPECT_EQ(f.row(f.sl()).status, OrderStatus::kCanceled);
    auto mismatches = f.engine.check_positions(kT0 - Duration::days(1));
    ASSERT_TRUE(mismatches.ok());
    EXPECT_TRUE(mismatches->empty());  // the trades explain the (flat) broker position
    EXPECT_TRUE(f.sim.positions()->empty());
}

TEST(ExecutionEngineBracket, StopLossLegFillClosesThePosition) {
    FilledBracket f;
    f.stop_bar();
    f.engine.drain(f.out);
    ASSERT_EQ(f.out.size(), 2U);
    EXPECT_EQ(f.out[0].header.idempotency_key, f.sl());
    EXPECT_EQ(f.out[0].fill_price, P("99.5"));
    EXPECT_EQ(f.out[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(f.out[1].status, OrderStatus::kCanceled);
    EXPECT_EQ(f.row(f.sl()).filled_qty, Q(10));
    EXPECT_TRUE(f.sim.positions()->empty());
    EXPECT_EQ(f.sim.account()->realized_pnl, M("-5"));
}

TEST(ExecutionEngineBracket, TimeExitCancelsTheLegsThenSells) {
    FilledBracket f;
    auto [sim, broker, engine, out] = std::tie(f.sim, f.broker, f.engine, f.out);
    const RiskDecision x = exit_of(f.d, ExitReason::kMaxHolding, 10);
    engine.on_decision(x, kT0 + Duration::minutes(61), out);
    EXPECT_EQ(broker.cancels, (std::vector<std::string>{f.tp().str(), f.sl().str()}));
    // The legs' cancels, then the exit, in that order.
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(out[0].header.idempotency_key, f.tp());
    EXPECT_EQ(out[0].status, OrderStatus::kCanceled);
    EXPECT_EQ(out[1].header.idempotency_key, f.sl());
    EXPECT_EQ(out[1].status, OrderStatus::kCanceled);
    EXPECT_EQ(out[2].header.idempotency_key, x.header.idempotency_key);
    EXPECT_EQ(out[2].status, OrderStatus::kPending);
    EXPECT_EQ(out[2].qty, Q(10));
    EXPECT_EQ(engine.stats().leg_cancels, 2);
    // The sell order was submitted only after both cancels: it is the 4th order at the broker.
    EXPECT_EQ(sim.order_count(), 4U);
    EXPECT_EQ(sim.get_order(x.header.idempotency_key.view())->broker_order_id, "sim-000004");
    // Past both levels now: the legs are gone, only the sell fills.
    sim.on_bar(range_bar("AAPL", kT0 + Duration::minutes(61), "100", "102", "98", "100"));
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].header.idempotency_key, x.header.idempotency_key);
    EXPECT_EQ(out[0].status, OrderStatus::kFilled);
    EXPECT_EQ(out[0].fill_price, P("100"));
    EXPECT_TRUE(sim.positions()->empty());
}

TEST(ExecutionEngineBracket, LegFilledDuringTheCancelMeansNoTimeExitSell) {
    FilledBracket f;
    auto [sim, broker, engine, out] = std::tie(f.sim, f.broker, f.engine, f.out);
    // While the engine asks to cancel the take-profit, the stop triggers at the venue.
    broker.before_cancel = [&f] { f.stop_bar(); };
    const RiskDecision x = exit_of(f.d, ExitReason::kMaxHolding, 10);
    engine.on_decision(x, kT0 + Duration::minutes(61), out);
    EXPECT_EQ(broker.cancels.size(), 1U);  // the stop was already done when its turn came
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(out[0].header.idempotency_key, f.sl());
    EXPECT_EQ(out[0].status, OrderStatus::kFilled);
    EXPECT_EQ(out[1].header.idempotency_key, f.tp());
    EXPECT_EQ(out[1].status, OrderStatus::kCanceled);
    EXPECT_EQ(out[2].header.idempotency_key, x.header.idempotency_key);
    EXPECT_EQ(out[2].status, OrderStatus::kCanceled);
    EXPECT_EQ(out[2].block_reason, "CLOSED_BY_BRACKET_LEG");
    EXPECT_EQ(engine.stats().exits_closed_by_leg, 1);
    EXPECT_EQ(sim.order_count(), 3U);  // no sell sent
    EXPECT_EQ(f.row(x.header.idempotency_key).status, OrderStatus::kCanceled);
    EXPECT_TRUE(sim.positions()->empty());
}

TEST(ExecutionEngineBracket, LegFillSeenLateIsCountedOnceAndNoSellIsSent) {
    FilledBracket f;
    auto [sim, broker, engine, out] = std::tie(f.sim, f.broker, f.engine, f.out);
    // The stop fills at the venue but its events are late (a stream lagging behind REST).
    broker.hold = true;
    broker.before_cancel = [&f] { f.stop_bar(); };
    const RiskDecision x = exit_of(f.d, ExitReason::kMaxHolding, 10);
    engine.on_decision(x, kT0 + Duration::minutes(61), out);
    // Both legs were found finished by looking them up: the stop's fill came from REST.
    EXPECT_EQ(sim.order_count(), 3U);
    EXPECT_EQ(f.row(f.sl()).filled_qty, Q(10));
    EXPECT_EQ(f.row(x.header.idempotency_key).block_reason, "CLOSED_BY_BRACKET_LEG");
    const int64_t fills_before = engine.stats().fills;
    broker.release();  // the stream's copies arrive
    out.clear();
    engine.drain(out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(engine.stats().fills, fills_before);
    EXPECT_EQ(engine.stats().duplicate_fills, 1);
    EXPECT_EQ(f.row(f.sl()).filled_qty, Q(10));
}

TEST(ExecutionEngineBracket, PartialLegFillDuringCancelShrinksTheSellAndSlowCancelsPark) {
    BracketFixture f;
    testing::FakeBroker broker(true);
    ExecutionEngine engine(f.config, broker, f.store.get(), 1, &f.exits);
    std::vector<ExecutionReport> out;
    const RiskDecision d = decision("AAPL", kT0, 10);
    engine.on_decision(d, kT0 + Duration::minutes(1), out);
    ASSERT_EQ(broker.requests.size(), 1U);
    ASSERT_TRUE(broker.requests[0].bracket.has_value());
    EXPECT_EQ(broker.requests[0].bracket->take_profit_limit, P("101"));
    EXPECT_EQ(broker.requests[0].bracket->stop_loss_stop, P("99.5"));
    Fill entry_fill;
    entry_fill.fill_id = "e1";
    entry_fill.client_order_id = d.header.idempotency_key;
    entry_fill.symbol = Symbol("AAPL");
    entry_fill.qty = Q(10);
    entry_fill.price = P("100");
    entry_fill.ts = kT0 + Duration::minutes(2);
    entry_fill.order_done = true;
    engine.on_fill(entry_fill);
    // At the broker: the take-profit has filled 3 and is still being canceled; the stop is
    // canceled.
    auto leg_order = [&](BracketLeg which, const char* id, OrderStatus st, const char* word,
                         int64_t filled) {
        BrokerOrder o;
        o.client_order_id = leg(d, which);
        o.broker_order_id = id;
        o.symbol = Symbol("AAPL");
        o.side = Side::kSell;
        o.qty = Q(10);
        o.filled_qty = Q(filled);
        o.avg_fill_price = filled > 0 ? P("101") : Price{};
        o.status = st;
        o.broker_status = word;
        return o;
    };
    broker.known.push_back(leg_order(BracketLeg::kTakeProfit, "tp-1", OrderStatus::kPartiallyFilled,
                                     "pending_cancel", 3));
    broker.known.push_back(
        leg_order(BracketLeg::kStopLoss, "sl-1", OrderStatus::kCanceled, "canceled", 0));
    out.clear();
    const RiskDecision x = exit_of(d, ExitReason::kSessionClose, 10);
    engine.on_decision(x, kT0 + Duration::minutes(61), out);
    EXPECT_EQ(broker.cancels.size(), 2U);
    EXPECT_EQ(broker.requests.size(), 1U);  // parked: no sell while a leg can still fill
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back().header.idempotency_key, x.header.idempotency_key);
    EXPECT_EQ(out.back().status, OrderStatus::kPending);
    EXPECT_EQ(out.back().block_reason, "AWAITING_LEG_CANCEL");
    EXPECT_EQ(f.row(leg(d, BracketLeg::kTakeProfit)).filled_qty, Q(3));
    // A reconciliation meanwhile retries the parked exit: the leg is still open, so it stays
    // parked (no sell, no second report).
    auto sync = engine.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(62));
    ASSERT_TRUE(sync.ok()) << sync.error().to_string();
    EXPECT_EQ(sync->resent, 0);
    EXPECT_EQ(broker.requests.size(), 1U);
    std::vector<ExecutionReport> queued;
    engine.drain(queued);
    EXPECT_TRUE(queued.empty());
    // The broker confirms the cancel: the exit is released from that callback, for 10 - 3.
    BrokerOrder done =
        leg_order(BracketLeg::kTakeProfit, "tp-1", OrderStatus::kCanceled, "canceled", 3);
    done.client_order_id = IdempotencyKey("3f0c-alpaca-own-id");  // a broker's own leg id
    engine.on_order_update(done);
    ASSERT_EQ(broker.requests.size(), 2U);
    EXPECT_EQ(broker.requests[1].client_order_id, x.header.idempotency_key);
    EXPECT_EQ(broker.requests[1].qty, Q(7));
    EXPECT_FALSE(broker.requests[1].bracket.has_value());
    out.clear();
    engine.drain(out);
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[0].header.idempotency_key, leg(d, BracketLeg::kTakeProfit));
    EXPECT_EQ(out[0].status, OrderStatus::kCanceled);
    EXPECT_EQ(out[1].header.idempotency_key, x.header.idempotency_key);
    EXPECT_EQ(out[1].status, OrderStatus::kPending);
    EXPECT_EQ(out[1].qty, Q(7));
    EXPECT_EQ(f.row(x.header.idempotency_key).qty, Q(7));
}

TEST(ExecutionEngineBracket, BlockedTimeExitLeavesTheLegsInPlace) {
    FilledBracket f;
    ASSERT_TRUE(SafetyGate::revoke(f.config.approval_file).ok());
    auto [sim, broker, engine, out] = std::tie(f.sim, f.broker, f.engine, f.out);
    engine.on_decision(exit_of(f.d, ExitReason::kMaxHolding, 10), kT0 + Duration::minutes(61), out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kBlocked);
    EXPECT_TRUE(broker.cancels.empty());
    EXPECT_EQ(sim.get_order(f.sl().view())->status, OrderStatus::kPending);
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

/// A SimBroker whose position listing can leave symbols out (a partial or failed listing).
class ForgetfulListing final : public Broker {
public:
    explicit ForgetfulListing(SimBroker& sim) : sim_(sim) {}
    std::set<std::string> unlisted;
    std::string_view name() const override { return "forgetful"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener* l) override { sim_.set_listener(l); }
    Result<BrokerOrder> submit(const OrderRequest& r) override { return sim_.submit(r); }
    Status cancel(std::string_view id) override { return sim_.cancel(id); }
    Result<BrokerOrder> get_order(std::string_view id) override { return sim_.get_order(id); }
    Result<std::vector<BrokerOrder>> open_orders() override { return sim_.open_orders(); }
    Result<std::vector<BrokerPosition>> positions() override {
        auto all = sim_.positions();
        if (!all.ok()) return all;
        std::vector<BrokerPosition> listed;
        for (const BrokerPosition& p : *all) {
            if (!unlisted.contains(p.symbol.str())) listed.push_back(p);
        }
        return listed;
    }
    Result<BrokerAccount> account() override { return sim_.account(); }

private:
    SimBroker& sim_;
};

TEST(Reconciliation, AHoldingTheBrokerDoesNotListIsAMismatchNeverFlat) {
    Fixture f;
    SimBroker venue(SimBrokerConfig{.slippage_bps = 0});
    ForgetfulListing broker(venue);
    ExecutionEngine engine(f.config, broker, f.store.get(), 1);
    std::vector<ExecutionReport> out;
    engine.on_decision(decision("AAPL", kT0), kT0 + Duration::minutes(1), out);
    venue.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "100"));
    auto listed = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty());

    broker.unlisted = {"AAPL"};
    auto unlisted = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(unlisted.ok());
    ASSERT_EQ(unlisted->size(), 1U);
    const PositionMismatch& m = unlisted->front();
    EXPECT_EQ(m.symbol, Symbol("AAPL"));
    EXPECT_FALSE(m.stored.is_zero());
    EXPECT_EQ(m.broker, Q(0));
    EXPECT_FALSE(m.broker_reported);
    EXPECT_EQ(describe(m, "trades"), "trades " + m.stored.to_string() + ", broker reports none");
}

TEST(PositionRule, OneComparisonForEverySide) {
    const std::map<Symbol, Quantity> ours = {
        {Symbol("AAPL"), Q(10)}, {Symbol("GOOG"), Q(0)}, {Symbol("MSFT"), Q(-5)}};
    const std::vector<BrokerPosition> broker = {
        {Symbol("AAPL"), Q(4), {}}, {Symbol("AAPL"), Q(6), {}}, {Symbol("TSLA"), Q(3), {}}};
    const auto m = compare_positions(ours, broker);
    ASSERT_EQ(m.size(), 2U);  // AAPL's two rows add up; GOOG is flat and unlisted: no mismatch
    EXPECT_EQ(m[0].symbol, Symbol("MSFT"));
    EXPECT_FALSE(m[0].broker_reported);
    EXPECT_EQ(m[1].symbol, Symbol("TSLA"));
    EXPECT_TRUE(m[1].broker_reported);
    EXPECT_EQ(m[1].stored, Q(0));
    EXPECT_EQ(describe(m[1], "book"), "book 0, broker 3");
    EXPECT_EQ(compare_positions(ours, broker, Q(5)).size(), 0U);
}

}  // namespace
}  // namespace awet
