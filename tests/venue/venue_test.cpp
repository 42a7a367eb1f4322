// The simulated venue as a service: SimVenueServer on loopback, RemoteBroker as its client.
#include "awet/venue/venue.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "../service/raw_http.hpp"
#include "awet/core/log.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

const Timestamp kT0 = *Timestamp::parse("2026-03-20T14:00:00Z");
const std::string kToken = "test-venue-token-0123456789";
const httplib::Headers kAuth = {{"Authorization", "Bearer " + kToken}};

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
        client_ = std::make_unique<RemoteBroker>(RemoteBrokerOptions{url(), 2000, kToken});
        client_->set_listener(&events_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
    std::shared_ptr<AgentMetrics> metrics_ = std::make_shared<AgentMetrics>("ingestion");
    SimVenueServer server_{SimBrokerConfig{}, SimVenueServerOptions{kToken, metrics_}};
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
    RemoteBroker fresh({url(), 2000, kToken});
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
    raw.set_default_headers(kAuth);
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

// ---------------------------------------------------------------- issue 11, defects 4 and 5

/// The venue's log lines while it lives.
struct VenueLog {
    VenueLog() : sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out)) {
        logger("venue")->sinks().push_back(sink);
    }
    ~VenueLog() {
        auto& sinks = logger("venue")->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
    }
    std::string text() const { return out.str(); }
    std::ostringstream out;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
};

const char* kOrderJson = R"({"client_order_id":"entry:AAPL:9","symbol":"AAPL","side":0,)"
                         R"("qty":1000000000,"ts":0,)"
                         R"("correlation_id":"00000000-0000-0000-0000-000000000000",)"
                         R"("intent":0,"exit_reason":0})";

TEST_F(Venue, EveryRequestNeedsTheSharedTokenAndARefusalIsLoggedAndCounted) {
    server_.on_bar(bar(kT0, "155.33"));
    const Money cash = server_.account()->cash;
    VenueLog log;
    httplib::Client anonymous("127.0.0.1", server_.port());
    httplib::Client wrong("127.0.0.1", server_.port());
    wrong.set_default_headers({{"Authorization", "Bearer not-the-token-at-all"}});
    httplib::Client basic("127.0.0.1", server_.port());
    basic.set_default_headers({{"Authorization", "Basic " + kToken}});
    int refused = 0;
    for (httplib::Client* c : {&anonymous, &wrong, &basic}) {
        std::vector<httplib::Result> answers;
        answers.push_back(c->Post("/v1/orders", kOrderJson, "application/json"));
        answers.push_back(c->Delete("/v1/orders/entry:AAPL:1"));
        answers.push_back(c->Get("/v1/orders/entry:AAPL:1"));
        answers.push_back(c->Get("/v1/orders?status=open"));
        answers.push_back(c->Get("/v1/positions"));
        answers.push_back(c->Get("/v1/account"));
        answers.push_back(c->Get("/v1/events?after=0"));
        answers.push_back(c->Post("/v1/events/ack", R"({"cursor":0})", "application/json"));
        answers.push_back(c->Get("/nothing/here"));
        for (auto& r : answers) {
            ASSERT_TRUE(r);
            EXPECT_EQ(r->status, 401) << r->body;
            EXPECT_NE(r->body.find("\"error\""), std::string::npos) << r->body;
            EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
            ++refused;
        }
    }
    EXPECT_EQ(server_.order_count(), 0U);
    EXPECT_EQ(server_.account()->cash, cash);
    EXPECT_EQ(server_.unauthorized(), static_cast<uint64_t>(refused));
    EXPECT_NE(
        metrics_->serialize().find(
            R"(awet_http_refused_total{agent="ingestion",reason="unauthorized",server="venue"} )" +
            std::to_string(refused)),
        std::string::npos)
        << metrics_->serialize();
    // Logged with method, path and peer, at most 10 lines a second, never with the token.
    const std::string lines = log.text();
    EXPECT_NE(lines.find("refused POST /v1/orders from 127.0.0.1:"), std::string::npos) << lines;
    EXPECT_NE(lines.find("[warning]"), std::string::npos) << lines;
    EXPECT_EQ(lines.find(kToken), std::string::npos) << lines;
    EXPECT_EQ(lines.find("not-the-token-at-all"), std::string::npos) << lines;
    EXPECT_LE(std::count(lines.begin(), lines.end(), '\n'), 20);

    // RemoteBroker with another token: a refusal, not "outcome unknown"; the message says what
    // to check and shows no token.
    RemoteBroker impostor({url(), 2000, "another-token-0123456789"});
    auto sent = impostor.submit(request("entry:AAPL:5"));
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kBroker);
    EXPECT_NE(sent.error().message.find("HTTP 401"), std::string::npos) << sent.error().message;
    EXPECT_NE(sent.error().message.find("AWET_VENUE_TOKEN"), std::string::npos);
    EXPECT_EQ(sent.error().message.find("another-token"), std::string::npos);
    EXPECT_EQ(server_.order_count(), 0U);
    // The right one works.
    ASSERT_TRUE(client_->submit(request("entry:AAPL:5")).ok());
}

TEST(VenueToken, TheVenueRefusesToStartWithoutOne) {
    SimVenueServer none;
    Status st = none.start("127.0.0.1", 0);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("AWET_VENUE_TOKEN"), std::string::npos) << st.error().message;
    EXPECT_EQ(st.error().message.find('\n'), std::string::npos);
    SimVenueServer weak(SimBrokerConfig{}, SimVenueServerOptions{"secret"});
    st = weak.start("127.0.0.1", 0);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("too short"), std::string::npos) << st.error().message;
    EXPECT_EQ(st.error().message.find("secret"), std::string::npos);

    ::unsetenv("AWET_VENUE_TOKEN");
    auto missing = venue_token_from_env();
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("export AWET_VENUE_TOKEN="), std::string::npos);
    ::setenv("AWET_VENUE_TOKEN", kToken.c_str(), 1);
    EXPECT_EQ(*venue_token_from_env(), kToken);
    // A RemoteBroker without an explicit token sends the environment's.
    SimVenueServer venue(SimBrokerConfig{}, SimVenueServerOptions{kToken});
    ASSERT_TRUE(venue.start("127.0.0.1", 0).ok());
    RemoteBroker from_env({"http://127.0.0.1:" + std::to_string(venue.port()), 2000});
    EXPECT_TRUE(from_env.account().ok());
    ::unsetenv("AWET_VENUE_TOKEN");
}

TEST_F(Venue, OrdersOutOfRangeAreRefusedNamingTheField) {
    httplib::Client raw("127.0.0.1", server_.port());
    raw.set_default_headers(kAuth);
    server_.on_bar(bar(kT0, "1"));
    auto post = [&](const std::string& qty, const std::string& extra = "") {
        const std::string body =
            R"({"client_order_id":"entry:AAPL:8","symbol":"AAPL","side":0,"qty":)" + qty +
            R"(,"ts":0,"correlation_id":"00000000-0000-0000-0000-000000000000",)"
            R"("intent":0,"exit_reason":0)" +
            extra + "}";
        return raw.Post("/v1/orders", body, "application/json");
    };
    // qty 9223372036854775807 micro-shares (9.2e12 shares) at $1: refused, not a saturated fill.
    for (const char* qty :
         {"9223372036854775807", "0", "-1000000", "1500000", "1000000001000000"}) {
        auto r = post(qty);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << qty;
        EXPECT_NE(r->body.find("field 'qty'"), std::string::npos) << qty << ": " << r->body;
    }
    auto r = post("1000000", R"(,"bracket":{"take_profit_limit":0,"stop_loss_stop":900000})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("field 'bracket.take_profit_limit'"), std::string::npos) << r->body;
    r = post("1000000",
             R"(,"bracket":{"take_profit_limit":9000000000000000000,"stop_loss_stop":900000})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("field 'bracket.take_profit_limit': above the limit"), std::string::npos)
        << r->body;
    EXPECT_EQ(server_.order_count(), 0U);
    server_.on_bar(bar(kT0 + Duration::minutes(1), "1"));
    EXPECT_EQ(server_.account()->cash, Money::from_units(100000));
}

TEST_F(Venue, ABuyBeyondTheBuyingPowerIsRefusedAndNothingFills) {
    server_.on_bar(bar(kT0, "155.33"));
    // 1000 AAPL at 155.33 = 155,330 against 100,000 of cash.
    auto big = client_->submit(request("entry:AAPL:big", 1000));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, ErrorCode::kBroker);  // refused: never "outcome unknown"
    EXPECT_NE(big.error().message.find("HTTP 403"), std::string::npos) << big.error().message;
    EXPECT_NE(big.error().message.find("insufficient buying power"), std::string::npos);
    EXPECT_EQ(server_.order_count(), 0U);
    // What the cash covers goes through; a second buy on top of it does not.
    ASSERT_TRUE(client_->submit(request("entry:AAPL:ok", 600)).ok());
    EXPECT_FALSE(client_->submit(request("entry:AAPL:more", 100)).ok());
    server_.on_bar(bar(kT0 + Duration::minutes(1), "155.33"));
    EXPECT_GT(server_.account()->cash, Money{});
    EXPECT_EQ((*server_.positions())[0].qty, Quantity::from_units(600));
}

TEST_F(Venue, ReadingEventsDoesNotAcknowledgeThem) {
    ASSERT_TRUE(client_->submit(request("entry:AAPL:3")).ok());
    server_.on_bar(bar(kT0, "100"));
    ASSERT_EQ(server_.last_seq(), 1U);
    // Anyone with the token reading the log (a debugging session, a second client) moves nothing.
    httplib::Client raw("127.0.0.1", server_.port());
    raw.set_default_headers(kAuth);
    auto r = raw.Get("/v1/events?after=1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(server_.acked(), 0U);
    ASSERT_EQ(*client_->poll_events(), 1U);
    EXPECT_EQ(server_.acked(), 0U);
    ASSERT_TRUE(client_->ack().ok());
    EXPECT_EQ(server_.acked(), 1U);
    // An acknowledgement is checked and never goes back.
    r = raw.Post("/v1/events/ack", R"({"cursor":5})", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("field 'cursor': beyond the last event 1"), std::string::npos);
    r = raw.Post("/v1/events/ack", R"({"cursor":"x"})", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    r = raw.Post("/v1/events/ack", R"({"cursor":0})", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(server_.acked(), 1U);
}

TEST_F(Venue, SlowClientsCannotStarveTheVenue) {
    // More slow clients than the connection limit, trickling their headers.
    awet::testing::SlowClients slow(server_.port(), 40, std::chrono::milliseconds(100),
                                    "GET /v1/account HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    RemoteBroker probe({url(), 3000, kToken});
    for (int i = 0; i < 3; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto account = probe.account();
        EXPECT_TRUE(account.ok()) << account.error().to_string();
        EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                  3.0);
        EXPECT_TRUE(client_->poll_events().ok());  // the execution agent's event stream
    }
    for (double t : slow.wait_closed(std::chrono::seconds(8))) EXPECT_GE(t, 0.0);
}

TEST_F(Venue, ATenMegabyteOrderIsRefusedWith413BeforeItIsRead) {
    for (const bool authorized : {true, false}) {
        const int fd = awet::testing::connect_loopback(server_.port());
        ASSERT_GE(fd, 0);
        const std::string head =
            std::string("POST /v1/orders HTTP/1.1\r\nHost: x\r\n") +
            (authorized ? "Authorization: Bearer " + kToken + "\r\n" : "") +
            "Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n";
        ASSERT_TRUE(awet::testing::send_all(fd, head));
        // No byte of the body sent yet, and the answer is there.
        const std::string in = awet::testing::read_response(fd, std::chrono::seconds(2));
        ::close(fd);
        EXPECT_EQ(in.substr(0, 12), authorized ? "HTTP/1.1 413" : "HTTP/1.1 401") << in;
    }
    // All 10 MB on the wire: the venue's memory does not grow with them.
    const std::string big(10 * 1024 * 1024, ' ');
    const long before = awet::testing::resident_kib_resetting_peak();
    const int fd = awet::testing::connect_loopback(server_.port());
    ASSERT_GE(fd, 0);
    std::thread sender([&] {
        // Headers, then the body itself (not a 10 MB copy of it here).
        if (awet::testing::send_all(
                fd,
                "POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: "
                "Bearer " +
                    kToken + "\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n")) {
            awet::testing::send_all(fd, big);
        }
    });
    const std::string in = awet::testing::read_response(fd, std::chrono::seconds(3));
    ::shutdown(fd, SHUT_RDWR);
    sender.join();
    ::close(fd);
    EXPECT_EQ(in.substr(0, 12), "HTTP/1.1 413") << in;
    EXPECT_LT(awet::testing::peak_resident_kib() - before, 4 * 1024)
        << "KiB more resident at the peak";
    EXPECT_TRUE(client_->account().ok());  // and it still answers
}

}  // namespace
}  // namespace awet
