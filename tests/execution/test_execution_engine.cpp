#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "awet/execution/execution_engine.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/store/sqlite_store.hpp"
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
    EXPECT_EQ(broker.lookups, 1);                          // asked first
    EXPECT_EQ(broker.submits, submits_before + 1);         // then sent, once, same client id
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
    EXPECT_EQ(f.trade(d).avg_fill_price, venue.get_order(d.header.idempotency_key.view())->avg_fill_price);
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

}  // namespace
}  // namespace awet
