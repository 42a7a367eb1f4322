// The execution engine trading through the real AlpacaBroker against a stateful loopback Alpaca
// (REST v2 semantics: orders by client order id, fills, positions) with scripted faults: a submit
// that times out after the order was accepted, a lossy trade_updates stream (a partial fill
// dropped, a fill delivered twice), 429 on a lookup, and a restart with open orders and positions
// at the broker. Every scenario ends with the store equal to the broker's truth: no order sent
// twice, no fill counted twice, no position lost.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/trade_updates.hpp"
#include "awet/execution/execution_engine.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/store/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

using nlohmann::json;

const Timestamp kT0 = *Timestamp::parse("2026-03-12T14:00:00Z");

/// Alpaca's order book, as much of it as the engine touches.
class FakeAlpaca {
public:
    struct Order {
        json doc;
        double cost = 0;  // sum of fill notionals (test prices are exact in binary)
        int fills = 0;
    };

    FakeAlpaca() {
        server_.Post("/v2/orders", [this](const httplib::Request& req, httplib::Response& res) {
            const json body = json::parse(req.body);
            const std::string cid = body["client_order_id"];
            bool slow = false;
            {
                std::lock_guard lock(mutex_);
                ++posts_;
                if (orders_.contains(cid)) {
                    res.status = 422;
                    res.set_content(R"({"code":40010001,"message":"client_order_id must be unique"})",
                                    "application/json");
                    return;
                }
                Order o;
                o.doc = {{"id", "ord-" + std::to_string(orders_.size() + 1)},
                         {"client_order_id", cid},
                         {"symbol", body["symbol"]},
                         {"side", body["side"]},
                         {"qty", body["qty"]},
                         {"filled_qty", "0"},
                         {"filled_avg_price", nullptr},
                         {"status", "accepted"},
                         {"submitted_at", "2026-03-12T14:01:00Z"},
                         {"updated_at", "2026-03-12T14:01:00Z"}};
                orders_[cid] = o;
                slow = accept_then_time_out_;
                accept_then_time_out_ = false;
                res.set_content(o.doc.dump(), "application/json");
            }
            if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(600));
        });
        server_.Get("/v2/orders:by_client_order_id",
                    [this](const httplib::Request& req, httplib::Response& res) {
                        std::lock_guard lock(mutex_);
                        if (throttle_next_get_) {
                            throttle_next_get_ = false;
                            res.status = 429;
                            res.set_header("Retry-After", "1");
                            res.set_content(R"({"message":"too many requests"})",
                                            "application/json");
                            return;
                        }
                        auto it = orders_.find(req.get_param_value("client_order_id"));
                        if (it == orders_.end()) {
                            res.status = 404;
                            res.set_content(R"({"code":40410000,"message":"order not found"})",
                                            "application/json");
                            return;
                        }
                        res.set_content(it->second.doc.dump(), "application/json");
                    });
        server_.Get("/v2/positions", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            std::map<std::string, double> qty;
            for (const auto& [cid, o] : orders_) {
                const double filled = std::stod(o.doc["filled_qty"].get<std::string>());
                qty[o.doc["symbol"]] += o.doc["side"] == "buy" ? filled : -filled;
            }
            json out = json::array();
            for (const auto& [symbol, q] : qty) {
                if (q == 0) continue;
                out.push_back({{"symbol", symbol},
                               {"qty", std::to_string(static_cast<int64_t>(q))},
                               {"avg_entry_price", "100"},
                               {"side", q > 0 ? "long" : "short"}});
            }
            res.set_content(out.dump(), "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~FakeAlpaca() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    void accept_then_time_out() { accept_then_time_out_ = true; }
    void throttle_next_lookup() { throttle_next_get_ = true; }
    int posts() const { return posts_; }
    size_t orders() const { return orders_.size(); }

    /// The venue fills `qty` of an order at `price`; returns the trade_updates message.
    std::string fill(const std::string& cid, int qty, double price) {
        std::lock_guard lock(mutex_);
        Order& o = orders_.at(cid);
        const int total = std::stoi(o.doc["qty"].get<std::string>());
        const int filled = std::stoi(o.doc["filled_qty"].get<std::string>()) + qty;
        o.cost += qty * price;
        ++o.fills;
        o.doc["filled_qty"] = std::to_string(filled);
        o.doc["filled_avg_price"] = std::to_string(o.cost / filled);
        o.doc["status"] = filled >= total ? "filled" : "partially_filled";
        o.doc["updated_at"] = "2026-03-12T14:02:00Z";
        return json{{"stream", "trade_updates"},
                    {"data",
                     {{"event", filled >= total ? "fill" : "partial_fill"},
                      {"execution_id", o.doc["id"].get<std::string>() + "-x" +
                                           std::to_string(o.fills)},
                      {"timestamp", "2026-03-12T14:02:00Z"},
                      {"price", std::to_string(price)},
                      {"qty", std::to_string(qty)},
                      {"position_qty", std::to_string(filled)},
                      {"order", o.doc}}}}
            .dump();
    }
    json order(const std::string& cid) {
        std::lock_guard lock(mutex_);
        return orders_.at(cid).doc;
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    std::map<std::string, Order> orders_;
    bool accept_then_time_out_ = false;
    bool throttle_next_get_ = false;
    int posts_ = 0;
};

RiskDecision decision(const char* symbol, int minute, int64_t qty) {
    RiskDecision d;
    const Timestamp bar = kT0 + Duration::minutes(minute);
    d.header.event_id = Uuid{0xD, static_cast<uint64_t>(minute) + 1};
    d.header.correlation_id = Uuid{0xC, static_cast<uint64_t>(minute) + 1};
    d.header.symbol = Symbol(symbol);
    d.header.idempotency_key = make_key("entry", Symbol(symbol), bar);
    d.header.ts = bar + Duration::minutes(1);
    d.approved = true;
    d.side = Side::kBuy;
    d.qty = Quantity::from_units(qty);
    d.ref_price = Price::from_units(100);
    d.notional = notional(d.ref_price, d.qty);
    return d;
}

class AlpacaScenario : public ::testing::Test {
protected:
    void SetUp() override {
        config_.dry_run = false;
        config_.approval_file = dir_.file("APPROVE");
        ASSERT_TRUE(SafetyGate::approve(config_.approval_file, "test", kT0).ok());
        auto store = SqliteStore::open(dir_.file("a.db"));
        ASSERT_TRUE(store.ok());
        store_ = std::move(*store);
        ASSERT_TRUE(store_->migrate().ok());
        alpaca::AlpacaOptions o;
        o.base_url = fake_.url();
        o.key_id = "PKTEST";
        o.secret_key = "secret";
        o.timeout_ms = 300;
        o.sleep_ms = [](int64_t) {};  // 429 back-off without sleeping
        auto broker = alpaca::AlpacaBroker::create(o);
        ASSERT_TRUE(broker.ok()) << broker.error().to_string();
        broker_ = std::move(*broker);
    }
    /// Feeds one trade_updates message to the engine, as the stream client would.
    void stream(ExecutionEngine& engine, const std::string& message) {
        auto update = parser_.parse(message);
        ASSERT_TRUE(update.ok()) << update.error().to_string();
        if (update->fill) engine.on_fill(*update->fill);
    }
    TradeRow row(const RiskDecision& d) {
        EXPECT_TRUE(store_->flush().ok());
        auto r = store_->find_trade(d.header.idempotency_key.view());
        EXPECT_TRUE(r.ok() && r->has_value());
        return r->value_or(TradeRow{});
    }
    /// The store equals the broker: same filled quantity and status for every order.
    void expect_store_equals_broker(std::initializer_list<const RiskDecision*> decisions) {
        for (const RiskDecision* d : decisions) {
            const std::string cid(d->header.idempotency_key.view());
            const json at_broker = fake_.order(cid);
            const TradeRow stored = row(*d);
            EXPECT_EQ(stored.filled_qty.to_string(), at_broker["filled_qty"].get<std::string>())
                << cid;
            EXPECT_EQ(stored.alpaca_status, at_broker["status"].get<std::string>()) << cid;
        }
    }

    testing::TempDir dir_;
    FakeAlpaca fake_;
    ExecutionConfig config_;
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<alpaca::AlpacaBroker> broker_;
    alpaca::TradeUpdateParser parser_;
};

TEST_F(AlpacaScenario, TimeoutsLossyStreamDuplicatesPartialsAndARestartEndWithTheBrokersTruth) {
    auto engine = std::make_unique<ExecutionEngine>(config_, *broker_, store_.get(), 1);
    std::vector<ExecutionReport> out;
    const RiskDecision a = decision("AAPL", 0, 5);
    const RiskDecision b = decision("MSFT", 1, 3);

    // A: the submit times out after Alpaca accepted the order: outcome unknown, kept pending,
    // never posted again.
    fake_.accept_then_time_out();
    engine->on_decision(a, kT0 + Duration::minutes(1), out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kPending);
    EXPECT_EQ(engine->stats().unknown, 1);
    engine->on_decision(b, kT0 + Duration::minutes(2), out);
    EXPECT_EQ(fake_.posts(), 2);
    EXPECT_EQ(fake_.orders(), 2U);

    // The venue fills: A partially (the stream drops it), B fully (the stream sends it twice).
    fake_.fill(std::string(a.header.idempotency_key.view()), 2, 101.0);
    const std::string b_fill = fake_.fill(std::string(b.header.idempotency_key.view()), 3, 250.5);
    stream(*engine, b_fill);
    stream(*engine, b_fill);  // duplicate on the stream: the parser drops it by execution id
    EXPECT_EQ(engine->stats().fills, 1);

    // Reconciliation (with a 429 on the first lookup) recovers A's missed partial fill.
    fake_.throttle_next_lookup();
    auto sync = engine->reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0 + Duration::minutes(3));
    ASSERT_TRUE(sync.ok()) << sync.error().to_string();
    EXPECT_EQ(sync->fills_recovered, 1);
    EXPECT_EQ(sync->unresolved, 0);
    EXPECT_EQ(row(a).filled_qty, Quantity::from_units(2));
    EXPECT_EQ(row(a).status, OrderStatus::kPartiallyFilled);

    // The rest of A fills and the stream delivers it: applied on top of the recovered part.
    stream(*engine, fake_.fill(std::string(a.header.idempotency_key.view()), 3, 102.0));
    EXPECT_EQ(row(a).filled_qty, Quantity::from_units(5));
    EXPECT_EQ(row(a).status, OrderStatus::kFilled);
    expect_store_equals_broker({&a, &b});
    auto positions = engine->check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(positions.ok()) << positions.error().to_string();
    EXPECT_TRUE(positions->empty());

    // Restart: a new engine on the same store; both decisions are redelivered.
    engine = std::make_unique<ExecutionEngine>(config_, *broker_, store_.get(), 1);
    out.clear();
    engine->on_decision(a, kT0 + Duration::minutes(5), out);
    engine->on_decision(b, kT0 + Duration::minutes(5), out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(fake_.posts(), 2);  // no order sent twice
    sync = engine->reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0 + Duration::minutes(6));
    ASSERT_TRUE(sync.ok());
    EXPECT_EQ(sync->checked, 0);  // nothing open
    // The stream replays an old fill after the restart: recognised by its cumulative quantity.
    alpaca::TradeUpdateParser fresh;
    auto replayed = fresh.parse(b_fill);
    ASSERT_TRUE(replayed.ok() && replayed->fill);
    engine->on_fill(*replayed->fill);
    EXPECT_EQ(engine->stats().fills, 0);
    EXPECT_EQ(engine->stats().duplicate_fills, 1);
    expect_store_equals_broker({&a, &b});
    positions = engine->check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(positions.ok());
    EXPECT_TRUE(positions->empty());  // no position lost or doubled
}

TEST_F(AlpacaScenario, ARestartWithAnOpenOrderAtTheBrokerPicksUpItsFills) {
    const RiskDecision a = decision("NVDA", 0, 4);
    {
        ExecutionEngine engine(config_, *broker_, store_.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(a, kT0 + Duration::minutes(1), out);
        ASSERT_TRUE(store_->flush().ok());
    }  // the process stops with the order open at Alpaca
    fake_.fill(std::string(a.header.idempotency_key.view()), 4, 120.25);  // fills while down
    ExecutionEngine engine(config_, *broker_, store_.get(), 1);
    auto sync = engine.reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0 + Duration::minutes(9));
    ASSERT_TRUE(sync.ok()) << sync.error().to_string();
    EXPECT_EQ(sync->fills_recovered, 1);
    std::vector<ExecutionReport> out;
    engine.drain(out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].fill_qty, Quantity::from_units(4));
    EXPECT_EQ(out[0].fill_price, *Price::parse("120.25"));
    expect_store_equals_broker({&a});
    EXPECT_EQ(fake_.posts(), 1);
}

}  // namespace
}  // namespace awet
