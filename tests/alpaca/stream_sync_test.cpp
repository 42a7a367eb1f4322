// StreamSync: the trade_updates stream applied to the execution engine, and when REST
// reconciliation is due (after each authorized connection, while the stream is down, every N
// seconds anyway). The scenario drops a partial fill on the stream and then delivers the order's
// last fill: the engine sees the gap in the cumulative quantity, keeps the order open, and the
// reconciliation it triggers brings the store to the broker's truth, counting nothing twice.
// The last scenario runs the real TradeUpdatesStream against a loopback WebSocket server that
// cuts the connection in the middle of a frame while an order is filling.
#include "awet/alpaca/stream_sync.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "awet/alpaca/trade_stream.hpp"
#include "awet/execution/execution_engine.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "engine_scenario.hpp"
#include "loopback_ws_server.hpp"  // first: Boost 1.74's asio needs <utility> before it

namespace awet {
namespace {

using nlohmann::json;

const Timestamp kT0 = testing::kScenarioT0;
const auto decision = &testing::entry_decision;

/// A scripted stream: messages queued by the test, connection state set by the test.
struct ScriptedStream {
    std::vector<std::string> queued;
    uint64_t connections = 0;
    bool authorized = false;

    alpaca::TradeMessageSource source() {
        alpaca::TradeMessageSource s;
        s.drain = [this] { return std::exchange(queued, {}); };
        s.status = [this] {
            alpaca::StreamStatus st;
            st.connections = connections;
            st.authorized = authorized;
            return st;
        };
        return s;
    }
    void connect() {
        ++connections;
        authorized = true;
    }
};

/// Records what the stream hands over.
struct RecordingListener final : BrokerListener {
    std::vector<Fill> fills;
    std::vector<BrokerOrder> updates;
    void on_fill(const Fill& f) override { fills.push_back(f); }
    void on_order_update(const BrokerOrder& o) override { updates.push_back(o); }
};

/// The broker's truth: orders by client id with their fills; answers lookups and positions the
/// way Alpaca's REST does, and writes the trade_updates message for each execution.
class TruthBroker final : public Broker {
public:
    std::string_view name() const override { return "truth"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener*) override {}
    Result<BrokerOrder> submit(const OrderRequest& r) override {
        ++submits;
        BrokerOrder o;
        o.client_order_id = r.client_order_id;
        o.broker_order_id = "ord-" + std::to_string(submits);
        o.symbol = r.symbol;
        o.side = r.side;
        o.qty = r.qty;
        o.broker_status = "accepted";
        orders_[std::string(r.client_order_id.view())] = {o, Money{}, 0};
        return o;
    }
    Status cancel(std::string_view) override { return Status::Ok(); }
    Result<BrokerOrder> get_order(std::string_view cid) override {
        auto it = orders_.find(std::string(cid));
        if (it == orders_.end()) return make_error(ErrorCode::kNotFound, "no order");
        return it->second.order;
    }
    Result<std::vector<BrokerOrder>> open_orders() override { return std::vector<BrokerOrder>{}; }
    Result<std::vector<BrokerPosition>> positions() override {
        std::map<Symbol, Quantity> qty;
        for (const auto& [cid, o] : orders_) {
            qty[o.order.symbol] +=
                o.order.side == Side::kBuy ? o.order.filled_qty : -o.order.filled_qty;
        }
        std::vector<BrokerPosition> out;
        for (const auto& [symbol, q] : qty) {
            if (!q.is_zero()) out.push_back({symbol, q, Price::from_units(100)});
        }
        return out;
    }
    Result<BrokerAccount> account() override { return BrokerAccount{}; }

    /// One execution of `qty` at `price`; returns its trade_updates message.
    std::string fill(const std::string& cid, int64_t qty, const char* price) {
        Book& b = orders_.at(cid);
        BrokerOrder& o = b.order;
        const Price p = *Price::parse(price);
        o.filled_qty += Quantity::from_units(qty);
        b.cost += notional(p, Quantity::from_units(qty));
        o.avg_fill_price = average_price(b.cost, o.filled_qty);
        o.status = o.filled_qty >= o.qty ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
        o.broker_status = o.status == OrderStatus::kFilled ? "filled" : "partially_filled";
        ++b.executions;
        const json order = {{"id", o.broker_order_id},
                            {"client_order_id", cid},
                            {"symbol", o.symbol.str()},
                            {"side", "buy"},
                            {"qty", o.qty.to_string()},
                            {"filled_qty", o.filled_qty.to_string()},
                            {"filled_avg_price", o.avg_fill_price.to_string()},
                            {"status", o.broker_status},
                            {"submitted_at", "2026-03-12T14:01:00Z"},
                            {"updated_at", "2026-03-12T14:02:00Z"}};
        return json{{"stream", "trade_updates"},
                    {"data",
                     {{"event", o.status == OrderStatus::kFilled ? "fill" : "partial_fill"},
                      {"execution_id", o.broker_order_id + "-x" + std::to_string(b.executions)},
                      {"timestamp", "2026-03-12T14:02:00Z"},
                      {"price", price},
                      {"qty", std::to_string(qty)},
                      {"order", order}}}}
            .dump();
    }
    const BrokerOrder& order(const std::string& cid) const { return orders_.at(cid).order; }

    int submits = 0;

private:
    struct Book {
        BrokerOrder order;
        Money cost;
        int executions = 0;
    };
    std::map<std::string, Book> orders_;
};

TEST(StreamSync, ReconcilesAfterEachAuthorizedConnectionWhileDownAndPeriodically) {
    ScriptedStream stream;
    RecordingListener listener;
    int64_t now = 1'000'000;
    alpaca::StreamSyncOptions options;
    options.reconcile_every_ms = 30'000;
    options.fallback_every_ms = 5'000;
    alpaca::StreamSync sync(stream.source(), listener, options, [&now] { return now; });

    // Not connected yet: polling every 5 s carries the fills.
    EXPECT_FALSE(sync.pump().reconcile_due);
    now += 4'999;
    EXPECT_FALSE(sync.pump().reconcile_due);
    now += 1;
    auto step = sync.pump();
    EXPECT_TRUE(step.reconcile_due);
    EXPECT_EQ(step.reconcile_why, "stream down");
    sync.reconciled();
    EXPECT_FALSE(sync.pump().reconcile_due);

    // Connected and listening: one reconciliation for what happened before, then quiet.
    stream.connect();
    step = sync.pump();
    EXPECT_TRUE(step.reconcile_due);
    EXPECT_EQ(step.reconcile_why, "stream connected");
    sync.reconciled();
    now += 29'999;
    EXPECT_FALSE(sync.pump().reconcile_due);
    now += 1;
    step = sync.pump();
    EXPECT_TRUE(step.reconcile_due);
    EXPECT_EQ(step.reconcile_why, "periodic");
    sync.reconciled();

    // A reconnect: messages sent while it was down are lost, so REST again at once.
    stream.authorized = false;
    EXPECT_FALSE(sync.pump().reconcile_due);
    stream.connect();
    step = sync.pump();
    EXPECT_TRUE(step.reconcile_due);
    EXPECT_EQ(step.reconcile_why, "stream connected");

    // A connection authorized while that reconciliation ran calls for one more.
    stream.connect();
    sync.reconciled();
    step = sync.pump();
    EXPECT_TRUE(step.reconcile_due);
    EXPECT_EQ(step.reconcile_why, "stream connected");
    sync.reconciled();
    EXPECT_FALSE(sync.pump().reconcile_due);
    EXPECT_EQ(sync.totals().reconciliations, 5U);
}

TEST(StreamSync, AppliesFillsOnceSkipsControlUnknownAndBrokenMessages) {
    TruthBroker broker;
    OrderRequest r;
    r.client_order_id = IdempotencyKey("k1");
    r.symbol = Symbol("AAPL");
    r.qty = Quantity::from_units(3);
    ASSERT_TRUE(broker.submit(r).ok());
    const std::string fill = broker.fill("k1", 3, "101.25");

    ScriptedStream stream;
    RecordingListener listener;
    alpaca::StreamSync sync(stream.source(), listener, {});
    stream.queued = {R"({"stream":"authorization","data":{"status":"authorized"}})",
                     fill,
                     fill,  // delivered twice
                     R"({"stream":"trade_updates","data":{"event":"teleported","order":{}}})",
                     "not json {",
                     R"({"stream":"trade_updates","data":{"event":"canceled","order":)" +
                         json{{"id", "ord-9"},
                              {"client_order_id", "k9"},
                              {"symbol", "MSFT"},
                              {"side", "sell"},
                              {"qty", "2"},
                              {"filled_qty", "0"},
                              {"status", "canceled"}}
                             .dump() +
                         "}}"};
    const auto step = sync.pump();
    EXPECT_EQ(step.messages, 6U);
    EXPECT_EQ(step.fills, 1U);
    EXPECT_EQ(step.updates, 1U);
    EXPECT_EQ(step.skipped, 3U);  // authorization, duplicate execution, unknown event
    EXPECT_EQ(step.bad, 1U);
    EXPECT_NE(step.last_bad.find("not a JSON object"), std::string::npos) << step.last_bad;
    ASSERT_EQ(listener.fills.size(), 1U);
    EXPECT_EQ(listener.fills[0].qty, Quantity::from_units(3));
    EXPECT_EQ(listener.fills[0].price, *Price::parse("101.25"));
    EXPECT_EQ(listener.fills[0].cum_qty, Quantity::from_units(3));
    ASSERT_EQ(listener.updates.size(), 1U);
    EXPECT_EQ(listener.updates[0].status, OrderStatus::kCanceled);
    EXPECT_EQ(sync.totals().messages, 6U);
}

class StreamSyncScenario : public testing::EngineScenario {
protected:
    /// Same filled quantity, average price and status as the broker's order.
    void expect_store_equals_broker(const RiskDecision& d) {
        const std::string cid(d.header.idempotency_key.view());
        const BrokerOrder& truth = broker_.order(cid);
        const TradeRow stored = row(d);
        EXPECT_EQ(stored.filled_qty, truth.filled_qty) << cid;
        EXPECT_EQ(stored.avg_fill_price, truth.avg_fill_price) << cid;
        EXPECT_EQ(stored.status, truth.status) << cid;
    }
    /// One tick of the execution agent: pump, reconcile when due.
    alpaca::StreamSyncStep tick(ExecutionEngine& engine, alpaca::StreamSync& sync,
                                int64_t& gaps_seen) {
        auto step = sync.pump();
        if (engine.stats().fill_gaps != gaps_seen) {
            gaps_seen = engine.stats().fill_gaps;
            step.reconcile_due = true;
        }
        if (step.reconcile_due) {
            auto r = engine.reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0);
            EXPECT_TRUE(r.ok());
            sync.reconciled();
        }
        return step;
    }

    TruthBroker broker_;
};

TEST_F(StreamSyncScenario, APartialFillLostOnTheStreamIsRecoveredWhenTheLastFillShowsTheGap) {
    ExecutionEngine engine(config_, broker_, store_.get(), 1);
    ScriptedStream stream;
    stream.connect();
    alpaca::StreamSync sync(stream.source(), engine, {});
    int64_t gaps = 0;
    tick(engine, sync, gaps);  // the reconciliation after connecting: nothing open yet

    const RiskDecision a = decision("AAPL", 0, 5);
    std::vector<ExecutionReport> out;
    engine.on_decision(a, kT0 + Duration::minutes(1), out);
    const std::string cid(a.header.idempotency_key.view());

    // Three executions: 2 @ 101 (delivered), 2 @ 102 (lost: the stream dropped mid-fill),
    // 1 @ 103 (delivered: "fill", the order is complete at the broker).
    stream.queued.push_back(broker_.fill(cid, 2, "101"));
    const std::string lost = broker_.fill(cid, 2, "102");
    stream.queued.push_back(broker_.fill(cid, 1, "103"));
    auto step = sync.pump();
    EXPECT_EQ(step.fills, 2U);
    EXPECT_EQ(engine.stats().fill_gaps, 1);
    // The engine does not call the order done with 3 of 5: it stays open for reconciliation.
    EXPECT_EQ(row(a).filled_qty, Quantity::from_units(3));
    EXPECT_EQ(row(a).status, OrderStatus::kPartiallyFilled);

    // The agent reconciles at once on the gap: the missing 2 at the price that makes the
    // average the broker's ((2*101 + 2*102 + 103) / 5 = 101.8).
    auto r = engine.reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->fills_recovered, 1);
    expect_store_equals_broker(a);
    EXPECT_EQ(row(a).avg_fill_price, *Price::parse("101.8"));

    // The lost message turns up late (a replay after a reconnect): counted nowhere.
    stream.queued.push_back(lost);
    step = sync.pump();
    EXPECT_EQ(step.fills, 1U);           // new to the parser
    EXPECT_EQ(engine.stats().fills, 3);  // two from the stream, one recovered
    EXPECT_EQ(engine.stats().duplicate_fills, 1);
    expect_store_equals_broker(a);
    std::vector<ExecutionReport> reports;
    engine.drain(reports);
    Quantity reported;
    for (const auto& rep : reports) reported += rep.fill_qty;
    EXPECT_EQ(reported, Quantity::from_units(5));  // what the portfolio sees: 5, not 7
    auto positions = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(positions.ok());
    EXPECT_TRUE(positions->empty());
    EXPECT_EQ(broker_.submits, 1);
}

TEST_F(StreamSyncScenario, ADisconnectAndARestartWithAnOpenOrderEndWithTheBrokersTruth) {
    const RiskDecision a = decision("MSFT", 0, 4);
    const RiskDecision b = decision("NVDA", 1, 6);
    const std::string ca(a.header.idempotency_key.view());
    const std::string cb(b.header.idempotency_key.view());
    {
        ExecutionEngine engine(config_, broker_, store_.get(), 1);
        ScriptedStream stream;
        stream.connect();
        alpaca::StreamSync sync(stream.source(), engine, {});
        int64_t gaps = 0;
        tick(engine, sync, gaps);
        std::vector<ExecutionReport> out;
        engine.on_decision(a, kT0 + Duration::minutes(1), out);
        engine.on_decision(b, kT0 + Duration::minutes(2), out);
        stream.queued.push_back(broker_.fill(ca, 1, "300"));
        tick(engine, sync, gaps);
        // The connection drops; A fills completely meanwhile, its messages never arrive.
        stream.authorized = false;
        broker_.fill(ca, 3, "301");
        tick(engine, sync, gaps);
        EXPECT_EQ(row(a).filled_qty, Quantity::from_units(1));
        // Reconnected: the reconciliation it triggers finds A's missing 3.
        stream.connect();
        const auto step = tick(engine, sync, gaps);
        EXPECT_TRUE(step.reconcile_due);
        expect_store_equals_broker(a);
        EXPECT_EQ(row(b).status, OrderStatus::kPending);
        ASSERT_TRUE(store_->flush().ok());
    }  // the process stops with B open at the broker

    broker_.fill(cb, 6, "120.5");  // B fills while nobody listens
    ExecutionEngine engine(config_, broker_, store_.get(), 1);
    ScriptedStream stream;
    alpaca::StreamSync sync(stream.source(), engine, {});
    // Start-up order of the agent: stream started, book reconciled, positions checked.
    auto r = engine.reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->fills_recovered, 1);
    sync.reconciled();
    auto positions = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(positions.ok());
    EXPECT_TRUE(positions->empty());
    // Both decisions redelivered to the restarted engine: nothing sent again.
    std::vector<ExecutionReport> out;
    engine.on_decision(a, kT0 + Duration::minutes(5), out);
    engine.on_decision(b, kT0 + Duration::minutes(5), out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(broker_.submits, 2);
    expect_store_equals_broker(a);
    expect_store_equals_broker(b);
}

/// A trade_updates server the test pushes messages through; drop() cuts the current connection
/// in the middle of a frame (the client reconnects; what was pushed meanwhile waits).
class PushStream final : public testing::LoopbackWsServer {
public:
    PushStream() { start(); }
    ~PushStream() override { stop(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    void push(std::string message) {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(message));
    }
    void drop() { drop_ = true; }

private:
    boost::asio::awaitable<void> serve(Ws& ws, int) override {
        co_await read_json(ws);  // authenticate
        co_await write(ws, R"({"stream":"authorization","data":{"status":"authorized"}})", true);
        co_await read_json(ws);  // listen
        co_await write(ws, R"({"stream":"listening","data":{"streams":["trade_updates"]}})", true);
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        for (;;) {
            if (drop_.exchange(false)) {
                co_await drop_mid_frame(ws);
                co_return;
            }
            std::vector<std::string> batch;
            {
                std::lock_guard lock(mutex_);
                batch.swap(queue_);
            }
            for (const auto& m : batch) co_await write(ws, m, true);
            timer.expires_after(std::chrono::milliseconds(2));
            co_await timer.async_wait(boost::asio::use_awaitable);
        }
    }

    std::mutex mutex_;
    std::vector<std::string> queue_;
    std::atomic<bool> drop_{false};
};

TEST_F(StreamSyncScenario, TheRealStreamDroppedMidFillReconnectsAndTheGapIsReconciled) {
    PushStream server;
    alpaca::TradeStreamOptions options;
    options.base_url = server.url();
    testing::quick_stream_options(options, "PKTEST", "secret");
    auto stream = alpaca::TradeUpdatesStream::create(options);
    ASSERT_TRUE(stream.ok()) << stream.error().to_string();
    ASSERT_TRUE((*stream)->start().ok());
    ExecutionEngine engine(config_, broker_, store_.get(), 1);
    alpaca::StreamSync sync(alpaca::trade_stream_source(**stream), engine, {});
    int64_t gaps = 0;
    ASSERT_TRUE(testing::wait_for([&] { return (*stream)->status().authorized; }));
    EXPECT_TRUE(tick(engine, sync, gaps).reconcile_due);  // after connecting

    const RiskDecision a = decision("AMD", 0, 5);
    std::vector<ExecutionReport> out;
    engine.on_decision(a, kT0 + Duration::minutes(1), out);
    const std::string cid(a.header.idempotency_key.view());
    server.push(broker_.fill(cid, 2, "101"));
    ASSERT_TRUE(testing::wait_for([&] {
        tick(engine, sync, gaps);
        return engine.stats().fills == 1;
    }));

    // The connection is cut mid-frame; the second execution happens while it is down (its
    // message is lost), the third is sent on the new connection.
    server.drop();
    ASSERT_TRUE(testing::wait_for([&] { return !(*stream)->status().authorized; }));
    broker_.fill(cid, 2, "102");
    ASSERT_TRUE(testing::wait_for([&] { return (*stream)->status().connections >= 2; }));
    server.push(broker_.fill(cid, 1, "103"));
    ASSERT_TRUE(testing::wait_for([&] {
        tick(engine, sync, gaps);
        return row(a).filled_qty == Quantity::from_units(5) &&
               row(a).status == OrderStatus::kFilled;
    }));
    expect_store_equals_broker(a);
    EXPECT_EQ(row(a).avg_fill_price, *Price::parse("101.8"));
    std::vector<ExecutionReport> reports;
    engine.drain(reports);
    Quantity reported;
    for (const auto& r : reports) reported += r.fill_qty;
    EXPECT_EQ(reported, Quantity::from_units(5));  // nothing counted twice
    EXPECT_GE(sync.totals().reconciliations, 2U);  // at start and after the reconnect
    EXPECT_GE(server.connections(), 2);
    EXPECT_EQ(broker_.submits, 1);
    EXPECT_TRUE(server.failures().empty());
    (*stream)->stop();
}

}  // namespace
}  // namespace awet
