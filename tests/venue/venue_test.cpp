// The simulated venue as a service: SimVenueServer on loopback, RemoteBroker as its client.
#include <gtest/gtest.h>
#include <httplib.h>

#include "awet/venue/venue.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

const Timestamp kT0 = *Timestamp::parse("2026-03-20T14:00:00Z");

OrderRequest request(const char* key, int64_t qty = 3, Side side = Side::kBuy) {
    OrderRequest r;
    r.client_order_id = IdempotencyKey(key);
    r.symbol = Symbol("AAPL");
    r.side = side;
    r.qty = Quantity::from_units(qty);
    r.ts = kT0;
    r.correlation_id = Uuid{1, 2};
    return r;
}

MarketBar bar(Timestamp start, const char* open) {
    MarketBar b;
    b.header.symbol = Symbol("AAPL");
    b.header.ts = start + Duration::minutes(1);
    b.bar_start = start;
    b.open = b.high = b.low = b.close = *Price::parse(open);
    b.volume = Quantity::from_units(10000);
    return b;
}

struct Recorder final : BrokerListener {
    std::vector<Fill> fills;
    std::vector<BrokerOrder> updates;
    void on_fill(const Fill& f) override { fills.push_back(f); }
    void on_order_update(const BrokerOrder& o) override { updates.push_back(o); }
};

class Venue : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start("127.0.0.1", 0).ok());
        client_ = std::make_unique<RemoteBroker>(
            RemoteBrokerOptions{"http://127.0.0.1:" + std::to_string(server_.port()), 2000});
        client_->set_listener(&events_);
    }
    SimVenueServer server_;
    std::unique_ptr<RemoteBroker> client_;
    Recorder events_;
};

TEST_F(Venue, OrdersAreIdempotentByClientOrderIdAndFillThroughTheEventLog) {
    auto a = client_->submit(request("entry:AAPL:1"));
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    EXPECT_EQ(a->status, OrderStatus::kPending);
    auto again = client_->submit(request("entry:AAPL:1"));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->broker_order_id, a->broker_order_id);
    EXPECT_EQ(server_.order_count(), 1U);

    auto found = client_->get_order("entry:AAPL:1");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->qty, Quantity::from_units(3));
    auto missing = client_->get_order("entry:AAPL:nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    auto open = client_->open_orders();
    ASSERT_TRUE(open.ok());
    EXPECT_EQ(open->size(), 1U);

    // The market moves: the order fills at the next bar's open; the client reads it from the log.
    EXPECT_EQ(*client_->poll_events(), 0U);
    server_.on_bar(bar(kT0, "100"));
    EXPECT_EQ(server_.last_seq(), 1U);
    EXPECT_EQ(server_.acked(), 0U);
    ASSERT_EQ(*client_->poll_events(), 1U);
    ASSERT_EQ(events_.fills.size(), 1U);
    const Fill& f = events_.fills[0];
    EXPECT_EQ(f.client_order_id, IdempotencyKey("entry:AAPL:1"));
    EXPECT_EQ(f.qty, Quantity::from_units(3));
    EXPECT_EQ(f.cum_qty, Quantity::from_units(3));
    EXPECT_TRUE(f.order_done);
    EXPECT_GT(f.price, *Price::parse("100"));  // slippage against the buyer
    EXPECT_EQ(f.ts, kT0);
    EXPECT_EQ(server_.acked(), 0U);  // delivered, not yet acknowledged
    ASSERT_TRUE(client_->ack().ok());
    EXPECT_EQ(server_.acked(), 1U);
    EXPECT_EQ(*client_->poll_events(), 0U);  // nothing twice

    auto positions = client_->positions();
    ASSERT_TRUE(positions.ok());
    ASSERT_EQ(positions->size(), 1U);
    EXPECT_EQ((*positions)[0].qty, Quantity::from_units(3));
    auto account = client_->account();
    ASSERT_TRUE(account.ok());
    EXPECT_LT(account->cash, Money::from_units(100000));
    EXPECT_EQ(account->cash, server_.account()->cash);  // exact fixed-point over the wire

    // A second client (a restarted execution agent) reads the whole log again from the start.
    RemoteBroker fresh({"http://127.0.0.1:" + std::to_string(server_.port()), 2000});
    Recorder again_events;
    fresh.set_listener(&again_events);
    EXPECT_EQ(*fresh.poll_events(), 1U);
    EXPECT_EQ(again_events.fills[0].fill_id, f.fill_id);
}

TEST_F(Venue, CancelsAreEventsAndBadRequestsNameTheField) {
    ASSERT_TRUE(client_->submit(request("entry:AAPL:2")).ok());
    ASSERT_TRUE(client_->cancel("entry:AAPL:2").ok());
    ASSERT_EQ(*client_->poll_events(), 1U);
    ASSERT_EQ(events_.updates.size(), 1U);
    EXPECT_EQ(events_.updates[0].status, OrderStatus::kCanceled);
    auto twice = client_->cancel("entry:AAPL:2");
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("HTTP 409"), std::string::npos);
    EXPECT_EQ(client_->cancel("entry:AAPL:none").error().code, ErrorCode::kNotFound);

    httplib::Client raw("127.0.0.1", server_.port());
    auto r = raw.Post("/v1/orders", R"({"client_order_id":"k","symbol":"AAPL","side":0})",
                      "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("missing field 'qty'"), std::string::npos) << r->body;
    r = raw.Post("/v1/orders", "not json", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    r = raw.Get("/v1/events?after=99");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("beyond the last event"), std::string::npos);
    r = raw.Post("/v1/orders",
                 R"({"client_order_id":"k","symbol":"AAPL","side":7,"qty":1,"ts":0,)"
                 R"("correlation_id":"00000000-0000-0000-0000-000000000000","intent":0,)"
                 R"("exit_reason":0})",
                 "application/json");
    ASSERT_TRUE(r);
    EXPECT_NE(r->body.find("field 'side': out of range"), std::string::npos) << r->body;
}

TEST_F(Venue, AVenueThatIsDownMakesASubmitUnknownNeverAFailure) {
    server_.stop();
    auto sent = client_->submit(request("entry:AAPL:4"));
    ASSERT_FALSE(sent.ok());
    // It may or may not have landed: the engine keeps it pending and looks it up later.
    EXPECT_EQ(sent.error().code, ErrorCode::kOutcomeUnknown);
    EXPECT_NE(sent.error().message.find("POST http://127.0.0.1:"), std::string::npos);
    auto lookup = client_->get_order("entry:AAPL:4");
    ASSERT_FALSE(lookup.ok());
    EXPECT_EQ(lookup.error().code, ErrorCode::kIo);
    EXPECT_FALSE(client_->poll_events().ok());
}

TEST_F(Venue, BracketLegsTravelAndFillOcoAtTheVenue) {
    OrderRequest r = request("entry:AAPL:7", 5);
    r.bracket = BracketLegs{*Price::parse("101"), *Price::parse("99.5")};
    auto a = client_->submit(r);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    ASSERT_EQ(a->legs.size(), 2U);
    EXPECT_EQ(a->legs[0].client_order_id, IdempotencyKey("entry:AAPL:7:tp"));
    EXPECT_EQ(a->legs[0].limit_price, *Price::parse("101"));
    EXPECT_EQ(a->legs[1].client_order_id, IdempotencyKey("entry:AAPL:7:sl"));
    EXPECT_EQ(a->legs[1].stop_price, *Price::parse("99.5"));
    EXPECT_EQ(server_.order_count(), 3U);
    server_.on_bar(bar(kT0, "100"));
    server_.on_bar(bar(kT0 + Duration::minutes(1), "99"));  // gaps through the stop
    ASSERT_GT(*client_->poll_events(), 0U);
    ASSERT_EQ(events_.fills.size(), 2U);
    EXPECT_EQ(events_.fills[1].client_order_id, IdempotencyKey("entry:AAPL:7:sl"));
    EXPECT_EQ(events_.fills[1].price, *Price::parse("99"));
    auto tp = client_->get_order("entry:AAPL:7:tp");
    ASSERT_TRUE(tp.ok());
    EXPECT_EQ(tp->status, OrderStatus::kCanceled);
    EXPECT_TRUE(client_->positions()->empty());
}

}  // namespace
}  // namespace awet
