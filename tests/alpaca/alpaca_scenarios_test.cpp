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
#include "awet/model/bracket.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "engine_scenario.hpp"

namespace awet {
namespace {

using nlohmann::json;

const Timestamp kT0 = testing::kScenarioT0;
const auto decision = &testing::entry_decision;

/// Alpaca's order book, as much of it as the engine touches.
class FakeAlpaca {
public:
    struct Order {
        json doc;
        double cost = 0;  // sum of fill notionals (test prices are exact in binary)
        int fills = 0;
        std::vector<std::string> legs;  // a bracket parent: its legs' (Alpaca-made) client ids
        std::string parent;             // a leg: its parent's client id
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
                    res.set_content(
                        R"({"code":40010001,"message":"client_order_id must be unique"})",
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
                last_post_ = body;
                if (body.value("order_class", "") == "bracket") {
                    // Alpaca's bracket: the entry plus a held OCO pair it names itself.
                    o.doc["order_class"] = "bracket";
                    o.doc["type"] = "market";
                    const std::string exit_side = body["side"] == "buy" ? "sell" : "buy";
                    for (const char* type : {"limit", "stop"}) {
                        const std::string leg_cid = "alp-leg-" + std::to_string(orders_.size() + 2);
                        Order leg;
                        leg.parent = cid;
                        leg.doc = o.doc;
                        leg.doc["id"] = "ord-" + std::to_string(orders_.size() + 2);
                        leg.doc["client_order_id"] = leg_cid;
                        leg.doc["side"] = exit_side;
                        leg.doc["type"] = type;
                        leg.doc["status"] = "held";
                        if (std::string(type) == "limit") {
                            leg.doc["limit_price"] = body["take_profit"]["limit_price"];
                        } else {
                            leg.doc["stop_price"] = body["stop_loss"]["stop_price"];
                        }
                        o.legs.push_back(leg_cid);
                        orders_[leg_cid] = leg;
                    }
                }
                orders_[cid] = o;
                slow = accept_then_time_out_;
                accept_then_time_out_ = false;
                res.set_content(render(cid).dump(), "application/json");
            }
            if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(600));
        });
        server_.Get("/v2/orders:by_client_order_id", [this](const httplib::Request& req,
                                                            httplib::Response& res) {
            std::lock_guard lock(mutex_);
            if (throttle_next_get_) {
                throttle_next_get_ = false;
                res.status = 429;
                res.set_header("Retry-After", "1");
                res.set_content(R"({"message":"too many requests"})", "application/json");
                return;
            }
            auto it = orders_.find(req.get_param_value("client_order_id"));
            if (it == orders_.end()) {
                res.status = 404;
                res.set_content(R"({"code":40410000,"message":"order not found"})",
                                "application/json");
                return;
            }
            res.set_content(render(it->first).dump(), "application/json");
        });
        server_.Delete(
            R"(/v2/orders/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
                std::lock_guard lock(mutex_);
                ++deletes_;
                const std::string id = req.matches[1];
                for (auto& [cid, o] : orders_) {
                    if (o.doc["id"] != id) continue;
                    if (auto race = on_delete_.find(cid); race != on_delete_.end()) {
                        // The venue fills part of the order as the cancel arrives.
                        held_messages_.push_back(
                            fill_locked(cid, race->second.first, race->second.second));
                        on_delete_.erase(race);
                    }
                    const std::string st = o.doc["status"];
                    if (st == "filled" || st == "canceled") {
                        res.status = 422;
                        res.set_content(R"({"code":42210000,"message":"order is not cancelable"})",
                                        "application/json");
                        return;
                    }
                    o.doc["status"] = "canceled";
                    o.doc["updated_at"] = "2026-03-12T14:03:00Z";
                    res.status = 204;
                    return;
                }
                res.status = 404;
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
        return fill_locked(cid, qty, price);
    }
    /// The client id Alpaca gave leg "tp" (limit) or "sl" (stop) of a bracket parent.
    std::string leg(const std::string& parent, const char* which) {
        std::lock_guard lock(mutex_);
        return orders_.at(parent).legs.at(std::string(which) == "tp" ? 0 : 1);
    }
    /// When the cancel of `cid` arrives, `qty` of it fills at `price` first (the race); the
    /// stream's message for that fill is kept for held_messages().
    void fill_on_delete(const std::string& cid, int qty, double price) {
        std::lock_guard lock(mutex_);
        on_delete_[cid] = {qty, price};
    }
    std::vector<std::string> held_messages() {
        std::lock_guard lock(mutex_);
        return std::exchange(held_messages_, {});
    }
    /// The trade_updates message of an order's current state (e.g. an OCO cancel).
    std::string update_message(const std::string& cid, const char* event) {
        std::lock_guard lock(mutex_);
        return json{{"stream", "trade_updates"},
                    {"data",
                     {{"event", event},
                      {"timestamp", "2026-03-12T14:03:00Z"},
                      {"order", orders_.at(cid).doc}}}}
            .dump();
    }
    json last_post() {
        std::lock_guard lock(mutex_);
        return last_post_;
    }
    int deletes() const { return deletes_; }

private:
    /// An order as Alpaca returns it: a bracket parent with its legs nested.
    json render(const std::string& cid) const {
        const Order& o = orders_.at(cid);
        json doc = o.doc;
        if (!o.legs.empty()) {
            doc["legs"] = json::array();
            for (const std::string& l : o.legs) doc["legs"].push_back(orders_.at(l).doc);
        }
        return doc;
    }
    std::string fill_locked(const std::string& cid, int qty, double price) {
        Order& o = orders_.at(cid);
        const int total = std::stoi(o.doc["qty"].get<std::string>());
        const int filled = std::stoi(o.doc["filled_qty"].get<std::string>()) + qty;
        o.cost += qty * price;
        ++o.fills;
        o.doc["filled_qty"] = std::to_string(filled);
        o.doc["filled_avg_price"] = std::to_string(o.cost / filled);
        o.doc["status"] = filled >= total ? "filled" : "partially_filled";
        o.doc["updated_at"] = "2026-03-12T14:02:00Z";
        if (filled >= total) {
            for (const std::string& l : o.legs) orders_.at(l).doc["status"] = "new";  // armed
            if (!o.parent.empty()) {
                for (const std::string& l : orders_.at(o.parent).legs) {
                    json& sibling = orders_.at(l).doc;
                    if (l != cid && sibling["status"] != "filled") sibling["status"] = "canceled";
                }
            }
        }
        return json{
            {"stream", "trade_updates"},
            {"data",
             {{"event", filled >= total ? "fill" : "partial_fill"},
              {"execution_id", o.doc["id"].get<std::string>() + "-x" + std::to_string(o.fills)},
              {"timestamp", "2026-03-12T14:02:00Z"},
              {"price", std::to_string(price)},
              {"qty", std::to_string(qty)},
              {"position_qty", std::to_string(filled)},
              {"order", o.doc}}}}
            .dump();
    }

public:
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
    int deletes_ = 0;
    json last_post_;
    std::map<std::string, std::pair<int, double>> on_delete_;
    std::vector<std::string> held_messages_;
};

class AlpacaScenario : public testing::EngineScenario {
protected:
    void SetUp() override {
        EngineScenario::SetUp();
        if (HasFatalFailure()) return;
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

    FakeAlpaca fake_;
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
    auto sync =
        engine->reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0 + Duration::minutes(3));
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
    auto sync =
        engine.reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0 + Duration::minutes(9));
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

/// The exit manager's time exit of an entry decision (same correlation id).
RiskDecision time_exit(const RiskDecision& entry, int64_t qty) {
    RiskDecision d = entry;
    d.header.event_id = Uuid{0xE, entry.header.event_id.lo};
    d.header.idempotency_key =
        IdempotencyKey(std::string_view("exit:" + entry.header.idempotency_key.str()));
    d.intent = OrderIntent::kExit;
    d.exit_reason = ExitReason::kMaxHolding;
    d.side = Side::kSell;
    d.qty = Quantity::from_units(qty);
    return d;
}

TEST_F(AlpacaScenario, BracketLegsFillCancelAndRaceTheTimeExitEndingWithTheBrokersTruth) {
    config_.bracket_orders = true;
    const ExitConfig exits;  // take profit 1 %, stop loss 0.5 %
    auto engine = std::make_unique<ExecutionEngine>(config_, *broker_, store_.get(), 1, &exits);
    std::vector<ExecutionReport> out;
    const RiskDecision a = decision("AAPL", 0, 5);
    const RiskDecision b = decision("MSFT", 1, 3);
    const std::string a_cid(a.header.idempotency_key.view());
    const std::string b_cid(b.header.idempotency_key.view());
    auto leg_key = [](const RiskDecision& d, BracketLeg l) {
        return *bracket_leg_key(d.header.idempotency_key, l);
    };

    // Both entries go out as Alpaca brackets, legs priced from the reference 100.
    engine->on_decision(a, kT0 + Duration::minutes(1), out);
    const json body = fake_.last_post();
    EXPECT_EQ(body["order_class"], "bracket");
    EXPECT_EQ(body["type"], "market");
    EXPECT_EQ(body["take_profit"]["limit_price"], "101");
    EXPECT_EQ(body["stop_loss"]["stop_price"], "99.5");
    engine->on_decision(b, kT0 + Duration::minutes(2), out);
    ASSERT_EQ(out.size(), 6U);  // entry + two legs, twice
    EXPECT_EQ(fake_.posts(), 2);
    // The legs' rows carry Alpaca's own leg ids.
    EXPECT_EQ(row(a).alpaca_order_id, "ord-1");
    TradeRow a_tp =
        store_->find_trade(leg_key(a, BracketLeg::kTakeProfit).view())->value_or(TradeRow{});
    EXPECT_EQ(a_tp.alpaca_order_id, fake_.order(fake_.leg(a_cid, "tp"))["id"]);
    EXPECT_EQ(a_tp.correlation_id, a.header.correlation_id);

    // Both entries fill; B's stop triggers, its fill arrives twice on the stream (the parser
    // drops the copy) and Alpaca cancels B's take-profit (OCO).
    stream(*engine, fake_.fill(a_cid, 5, 100.0));
    stream(*engine, fake_.fill(b_cid, 3, 250.0));
    const std::string b_stop = fake_.fill(fake_.leg(b_cid, "sl"), 3, 99.5);
    stream(*engine, b_stop);
    stream(*engine, b_stop);
    {
        auto canceled = parser_.parse(fake_.update_message(fake_.leg(b_cid, "tp"), "canceled"));
        ASSERT_TRUE(canceled.ok());
        engine->on_order_update(canceled->order);
    }
    out.clear();
    engine->drain(out);
    ASSERT_EQ(out.size(), 4U);
    EXPECT_EQ(out[2].header.idempotency_key, leg_key(b, BracketLeg::kStopLoss));
    EXPECT_EQ(out[2].status, OrderStatus::kFilled);
    EXPECT_EQ(out[2].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(out[2].header.correlation_id, b.header.correlation_id);
    EXPECT_EQ(out[3].header.idempotency_key, leg_key(b, BracketLeg::kTakeProfit));
    EXPECT_EQ(out[3].status, OrderStatus::kCanceled);

    // A late time exit for B (decided before the stop's report reached the exit agent): the
    // legs are finished, nothing is left to sell, nothing is sent.
    out.clear();
    engine->on_decision(time_exit(b, 3), kT0 + Duration::minutes(60), out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].status, OrderStatus::kCanceled);
    EXPECT_EQ(out[0].block_reason, "CLOSED_BY_BRACKET_LEG");
    EXPECT_EQ(fake_.posts(), 2);
    EXPECT_EQ(fake_.deletes(), 0);

    // A's time exit: while its take-profit is being canceled, 2 shares of it fill (the stream
    // is late with that fill). The engine learns it from REST and sells only 3.
    fake_.fill_on_delete(fake_.leg(a_cid, "tp"), 2, 101.0);
    const RiskDecision ax = time_exit(a, 5);
    out.clear();
    engine->on_decision(ax, kT0 + Duration::minutes(61), out);
    EXPECT_EQ(fake_.deletes(), 2);
    EXPECT_EQ(fake_.posts(), 3);
    const json sell = fake_.last_post();
    EXPECT_EQ(sell["client_order_id"], ax.header.idempotency_key.str());
    EXPECT_EQ(sell["qty"], "3");
    EXPECT_FALSE(sell.contains("order_class"));
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back().header.idempotency_key, ax.header.idempotency_key);
    EXPECT_EQ(out.back().status, OrderStatus::kPending);
    EXPECT_EQ(out.back().qty, Quantity::from_units(3));
    // The stream's copy of the take-profit's fill: already counted.
    for (const std::string& m : fake_.held_messages()) stream(*engine, m);
    EXPECT_EQ(engine->stats().duplicate_fills, 1);
    stream(*engine, fake_.fill(ax.header.idempotency_key.str(), 3, 100.5));

    // The store equals Alpaca for every order, legs included; positions agree (flat).
    auto expect_row_equals = [&](const IdempotencyKey& key, const std::string& broker_cid) {
        ASSERT_TRUE(store_->flush().ok());
        auto stored = store_->find_trade(key.view());
        ASSERT_TRUE(stored.ok() && stored->has_value()) << key.view();
        const json at_broker = fake_.order(broker_cid);
        EXPECT_EQ((*stored)->filled_qty.to_string(), at_broker["filled_qty"].get<std::string>())
            << key.view();
        EXPECT_EQ((*stored)->alpaca_status, at_broker["status"].get<std::string>()) << key.view();
        EXPECT_EQ((*stored)->alpaca_order_id, at_broker["id"].get<std::string>()) << key.view();
    };
    expect_row_equals(a.header.idempotency_key, a_cid);
    expect_row_equals(b.header.idempotency_key, b_cid);
    expect_row_equals(leg_key(a, BracketLeg::kTakeProfit), fake_.leg(a_cid, "tp"));
    expect_row_equals(leg_key(a, BracketLeg::kStopLoss), fake_.leg(a_cid, "sl"));
    expect_row_equals(leg_key(b, BracketLeg::kTakeProfit), fake_.leg(b_cid, "tp"));
    expect_row_equals(leg_key(b, BracketLeg::kStopLoss), fake_.leg(b_cid, "sl"));
    expect_row_equals(ax.header.idempotency_key, ax.header.idempotency_key.str());
    auto positions = engine->check_positions(Timestamp::from_ns(INT64_MIN));
    ASSERT_TRUE(positions.ok()) << positions.error().to_string();
    EXPECT_TRUE(positions->empty());
    // entry A, entry B, B's stop, A's take-profit (2, from REST), A's exit: five fills, once each.
    EXPECT_EQ(engine->stats().fills, 5);

    // Restart: nothing open, nothing resent, decisions redelivered are duplicates.
    engine = std::make_unique<ExecutionEngine>(config_, *broker_, store_.get(), 1, &exits);
    auto sync =
        engine->reconcile_with_broker(Timestamp::from_ns(INT64_MIN), kT0 + Duration::minutes(70));
    ASSERT_TRUE(sync.ok()) << sync.error().to_string();
    EXPECT_EQ(sync->checked, 0);
    out.clear();
    engine->on_decision(a, kT0 + Duration::minutes(70), out);
    engine->on_decision(ax, kT0 + Duration::minutes(70), out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(fake_.posts(), 3);  // no order sent twice
}

}  // namespace
}  // namespace awet
