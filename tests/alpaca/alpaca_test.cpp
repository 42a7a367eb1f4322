// AlpacaBroker against a loopback httplib server replaying recorded Alpaca responses
// (shared/data/api/alpaca) and scripting faults; the codec over every recorded sample; the paper
// guard; the rate limiter; the trade_updates parser.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/alpaca_codec.hpp"
#include "awet/alpaca/trade_updates.hpp"
#include "awet_test_support.hpp"

namespace awet::alpaca {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kKey = "PKTESTKEYID0123456789";
constexpr const char* kSecret = "sEcReT-abcdefghijklmnopqrstuvwxyz0123456789";

fs::path alpaca_dir() { return awet::testing::shared_data() / "api" / "alpaca"; }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string sample(const std::string& rel) { return slurp(alpaca_dir() / rel); }

/// Calls fn(dir, file name, text, parsed JSON) for every recorded JSON sample of the REST API.
template <typename Fn>
void for_each_sample(Fn fn) {
    for (const char* dir : {"openapi-examples", "docs-entities", "sdk-alpaca-py",
                            "sdk-alpaca-trade-api-python", "docs-broker"}) {
        for (const auto& entry : fs::directory_iterator(alpaca_dir() / dir)) {
            if (entry.path().extension() != ".json") continue;
            const std::string text = slurp(entry.path());
            const json j = json::parse(text, nullptr, false);
            if (j.is_discarded()) continue;
            fn(std::string(dir), entry.path().filename().string(), text, j);
        }
    }
}

/// A loopback Alpaca: routes are added before start(); the server runs in its own thread.
class FakeAlpaca {
public:
    ~FakeAlpaca() {
        server.stop();
        if (thread_.joinable()) thread_.join();
    }
    void start() {
        port_ = server.bind_to_any_port("127.0.0.1");
        ASSERT_GT(port_, 0);
        thread_ = std::thread([this] { server.listen_after_bind(); });
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    httplib::Server server;

private:
    std::thread thread_;
    int port_ = 0;
};

/// Records the waits the broker asks for instead of sleeping.
struct Waits {
    std::mutex mutex;
    std::vector<int64_t> ms;
    void operator()(int64_t v) {
        std::lock_guard lock(mutex);
        ms.push_back(v);
    }
};

AlpacaOptions test_options(const std::string& url, Waits* waits = nullptr) {
    AlpacaOptions o;
    o.base_url = url;
    o.key_id = kKey;
    o.secret_key = kSecret;
    o.timeout_ms = 2000;
    if (waits != nullptr) o.sleep_ms = [waits](int64_t ms) { (*waits)(ms); };
    return o;
}

std::unique_ptr<AlpacaBroker> make_broker(AlpacaOptions o) {
    auto b = AlpacaBroker::create(std::move(o));
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().to_string());
    return b.ok() ? std::move(b.value()) : nullptr;
}

void expect_no_keys(const std::string& text) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
}

OrderRequest market_buy(const std::string& cid, int64_t qty = 3) {
    OrderRequest r;
    r.client_order_id = IdempotencyKey(std::string_view(cid));
    r.symbol = "AAPL";
    r.side = Side::kBuy;
    r.qty = Quantity::from_units(qty);
    return r;
}

/// An Alpaca order JSON for an accepted market order (the recorded Equity sample, re-keyed).
json accepted_order(const std::string& cid, const std::string& id, const std::string& qty) {
    json o = json::parse(sample("openapi-examples/trading__v2__orders__post__200__Equity.json"));
    o["client_order_id"] = cid;
    o["id"] = id;
    o["qty"] = qty;
    o["type"] = o["order_type"] = "market";
    o["limit_price"] = nullptr;
    return o;
}

/// An order book keyed by client order id, with the by-client-id and by-id lookups.
struct OrderBook {
    std::mutex mutex;
    std::map<std::string, json> by_cid;
    std::atomic<int> posts{0};

    void add_lookup_routes(httplib::Server& s) {
        s.Get("/v2/orders:by_client_order_id",
              [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mutex);
                  auto it = by_cid.find(req.get_param_value("client_order_id"));
                  if (it == by_cid.end()) {
                      res.status = 404;
                      res.set_content(R"({"code":40410000,"message":"order not found"})",
                                      "application/json");
                      return;
                  }
                  res.set_content(it->second.dump(), "application/json");
              });
    }
};

// ---- Paper guard ----------------------------------------------------------------------------

TEST(AlpacaGuard, AcceptsPaperHostAndLoopbackOnly) {
    for (const char* ok : {"https://paper-api.alpaca.markets", "https://paper-api.alpaca.markets/",
                           "https://PAPER-API.alpaca.markets:443", "http://127.0.0.1:8080",
                           "https://127.0.0.1", "http://localhost:1234", "http://[::1]:9000"}) {
        EXPECT_TRUE(check_paper_url(ok).ok()) << ok << ": " << check_paper_url(ok).error().message;
    }
    for (const char* bad :
         {"https://api.alpaca.markets", "https://example.com", "http://paper-api.alpaca.markets",
          "https://paper-api.alpaca.markets.evil.com", "https://paper-api.alpaca.markets:8443",
          "http://127.0.0.1@api.alpaca.markets",
          "https://api.alpaca.markets/?x=paper-api.alpaca.markets", "paper-api.alpaca.markets",
          "ftp://127.0.0.1", "http://127.0.0.2:80", ""}) {
        Status s = check_paper_url(bad);
        EXPECT_FALSE(s.ok()) << bad;
        EXPECT_EQ(s.error().code, ErrorCode::kSafetyBlocked) << bad;
    }
}

TEST(AlpacaGuard, CreateRefusesLiveAndOtherHostsWithoutLeakingKeys) {
    for (const char* bad : {"https://api.alpaca.markets", "https://example.com"}) {
        auto b = AlpacaBroker::create(test_options(bad));
        ASSERT_FALSE(b.ok()) << bad;
        EXPECT_EQ(b.error().code, ErrorCode::kSafetyBlocked);
        EXPECT_NE(b.error().message.find("paper-only"), std::string::npos) << b.error().message;
        EXPECT_NE(b.error().message.find(bad), std::string::npos) << b.error().message;
        expect_no_keys(b.error().message);
    }
    auto paper = AlpacaBroker::create(test_options(std::string(kPaperBaseUrl)));
    ASSERT_TRUE(paper.ok()) << paper.error().to_string();
    EXPECT_TRUE((*paper)->is_paper());
    EXPECT_EQ((*paper)->name(), "alpaca-paper");
}

TEST(AlpacaGuard, CreateNeedsKeysAndEnvNamesTheVariableNotTheValue) {
    AlpacaOptions o;
    o.base_url = "http://127.0.0.1:1";
    auto b = AlpacaBroker::create(o);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);

    ::setenv("ALPACA_API_KEY", kKey, 1);
    ::unsetenv("ALPACA_API_SECRET");
    auto missing = options_from_env();
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("ALPACA_API_SECRET"), std::string::npos);
    expect_no_keys(missing.error().message);
    ::setenv("ALPACA_API_SECRET", kSecret, 1);
    auto env = options_from_env();
    ASSERT_TRUE(env.ok());
    EXPECT_EQ(env->key_id, kKey);
    EXPECT_EQ(env->secret_key, kSecret);
    EXPECT_EQ(env->base_url, kPaperBaseUrl);
    ::unsetenv("ALPACA_API_KEY");
    ::unsetenv("ALPACA_API_SECRET");
}

// ---- Rate limiter ---------------------------------------------------------------------------

TEST(AlpacaRateLimit, TokenBucketBurstsThenSpacesRequests) {
    TokenBucket bucket(/*per_minute=*/120, /*capacity=*/2);  // one token per 500 ms
    EXPECT_EQ(bucket.reserve(0), 0);
    EXPECT_EQ(bucket.reserve(0), 0);
    EXPECT_EQ(bucket.reserve(0), 500);
    EXPECT_EQ(bucket.reserve(0), 1000);  // queued behind the previous reservation
    EXPECT_EQ(bucket.reserve(1000), 500);
    EXPECT_EQ(bucket.reserve(10'000), 0);  // refilled (capped at capacity)
    EXPECT_EQ(bucket.reserve(10'000), 0);
    EXPECT_EQ(bucket.reserve(10'000), 500);
}

TEST(AlpacaRateLimit, BrokerWaitsOnTheBucketWithoutSleeping) {
    FakeAlpaca fake;
    fake.server.Get("/v2/clock", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(sample("docs-entities/clock.json"), "application/json");
    });
    fake.start();
    Waits waits;
    AlpacaOptions o = test_options(fake.url(), &waits);
    o.requests_per_minute = 60;
    o.burst = 2;
    o.monotonic_ms = [] { return int64_t{0}; };  // time stands still: only the bucket decides
    auto broker = make_broker(o);
    ASSERT_TRUE(broker);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(broker->clock().ok());
    EXPECT_EQ(waits.ms, (std::vector<int64_t>{1000, 2000}));
}

TEST(AlpacaRateLimit, Http429HonoursResetHeaderThenSucceeds) {
    FakeAlpaca fake;
    std::atomic<int> hits{0};
    const int64_t now_s = 1'700'000'000;
    fake.server.Get("/v2/account", [&](const httplib::Request&, httplib::Response& res) {
        if (++hits <= 2) {
            res.status = 429;
            res.set_header("X-RateLimit-Limit", "200");
            res.set_header("X-RateLimit-Remaining", "0");
            res.set_header("X-RateLimit-Reset", std::to_string(now_s + 3));
            res.set_content(R"({"message":"too many requests"})", "application/json");
            return;
        }
        res.set_content(sample("docs-entities/account-v2.json"), "application/json");
    });
    fake.start();
    Waits waits;
    SimClock clock(Timestamp::from_seconds(now_s));
    AlpacaOptions o = test_options(fake.url(), &waits);
    o.clock = &clock;
    auto broker = make_broker(o);
    ASSERT_TRUE(broker);
    auto account = broker->account();
    ASSERT_TRUE(account.ok()) << account.error().to_string();
    EXPECT_EQ(hits.load(), 3);
    EXPECT_EQ(waits.ms, (std::vector<int64_t>{3000, 3000}));
    EXPECT_EQ(broker->requests_sent(), 3u);
}

TEST(AlpacaRateLimit, Http429OnSubmitRetriesWithRetryAfterAndKeepsOneOrder) {
    FakeAlpaca fake;
    OrderBook book;
    fake.server.Post("/v2/orders", [&](const httplib::Request& req, httplib::Response& res) {
        if (++book.posts == 1) {
            res.status = 429;
            res.set_header("Retry-After", "2");
            return;
        }
        json body = json::parse(req.body);
        json o = accepted_order(body["client_order_id"], "id-1", body["qty"]);
        std::lock_guard lock(book.mutex);
        book.by_cid[body["client_order_id"]] = o;
        res.set_content(o.dump(), "application/json");
    });
    fake.start();
    Waits waits;
    auto broker = make_broker(test_options(fake.url(), &waits));
    ASSERT_TRUE(broker);
    auto order = broker->submit(market_buy("key-429"));
    ASSERT_TRUE(order.ok()) << order.error().to_string();
    EXPECT_EQ(order->broker_order_id, "id-1");
    EXPECT_EQ(book.posts.load(), 2);
    EXPECT_EQ(book.by_cid.size(), 1u);
    EXPECT_EQ(waits.ms, (std::vector<int64_t>{2000}));
}

TEST(AlpacaRateLimit, Persistent429GivesUpWithBoundedBackoff) {
    FakeAlpaca fake;
    std::atomic<int> hits{0};
    fake.server.Get("/v2/positions", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.status = 429;
    });
    fake.start();
    Waits waits;
    AlpacaOptions o = test_options(fake.url(), &waits);
    o.max_429_retries = 3;
    auto broker = make_broker(o);
    ASSERT_TRUE(broker);
    auto p = broker->positions();
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, ErrorCode::kBroker);
    EXPECT_EQ(hits.load(), 4);
    EXPECT_EQ(waits.ms, (std::vector<int64_t>{1000, 2000, 4000}));  // no headers: exponential
}

// ---- Replay of recorded responses -----------------------------------------------------------

TEST(AlpacaReplay, ReadsAccountPositionsClockCalendarOrdersAndSendsKeys) {
    FakeAlpaca fake;
    std::mutex seen_mutex;
    std::vector<std::pair<std::string, std::string>> seen_keys;
    std::string calendar_query;
    auto remember = [&](const httplib::Request& req) {
        std::lock_guard lock(seen_mutex);
        seen_keys.emplace_back(req.get_header_value("APCA-API-KEY-ID"),
                               req.get_header_value("APCA-API-SECRET-KEY"));
    };
    auto serve = [&](const std::string& path, const std::string& file) {
        fake.server.Get(path, [&, file](const httplib::Request& req, httplib::Response& res) {
            remember(req);
            if (req.has_param("start")) {
                std::lock_guard lock(seen_mutex);
                calendar_query = req.get_param_value("start") + ".." + req.get_param_value("end");
            }
            res.set_content(sample(file), "application/json");
        });
    };
    serve("/v2/account", "docs-entities/account-v2.json");
    serve("/v2/positions",
          "sdk-alpaca-py/test_position_routes__test_get_all_positions__GET_v2_positions__1.json");
    serve("/v2/clock", "docs-entities/clock.json");
    serve("/v2/calendar",
          "sdk-alpaca-trade-api-python/test_rest__test_chronos__GET_v1_calendar__2.json");
    fake.server.Get("/v2/orders", [&](const httplib::Request& req, httplib::Response& res) {
        remember(req);  // the recorded list example is one element: served as a list of it
        const json one =
            json::parse(sample("openapi-examples/trading__v2__orders__get__200__Equity.json"));
        res.set_content(json::array({one}).dump(), "application/json");
    });
    serve(R"(/v2/orders/([-0-9a-f]+))",
          "openapi-examples/trading__v2__orders__order_id__get__200__Equity.json");
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);

    auto account = broker->account();
    ASSERT_TRUE(account.ok()) << account.error().to_string();
    EXPECT_EQ(account->cash, *Money::parse("-23140.2"));
    EXPECT_EQ(account->equity, *Money::parse("103820.56"));

    auto positions = broker->positions();
    ASSERT_TRUE(positions.ok()) << positions.error().to_string();
    ASSERT_FALSE(positions->empty());

    auto clock = broker->clock();
    ASSERT_TRUE(clock.ok()) << clock.error().to_string();
    EXPECT_TRUE(clock->is_open);
    EXPECT_EQ(clock->next_close, *Timestamp::parse("2022-04-28T20:00:00Z"));

    auto days = broker->calendar("2018-01-01", "2018-01-05");
    ASSERT_TRUE(days.ok()) << days.error().to_string();
    ASSERT_EQ(days->size(), 1u);
    EXPECT_EQ((*days)[0].date, "2018-01-03");
    EXPECT_EQ((*days)[0].open, "09:30");
    EXPECT_EQ(calendar_query, "2018-01-01..2018-01-05");

    auto open = broker->open_orders();
    ASSERT_TRUE(open.ok()) << open.error().to_string();
    ASSERT_FALSE(open->empty());

    const std::string id = (*open)[0].broker_order_id;
    auto by_id = broker->get_order_by_id(id);
    ASSERT_TRUE(by_id.ok()) << by_id.error().to_string();

    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(seen_keys.size(), 6u);
    for (const auto& [key, secret] : seen_keys) {
        EXPECT_EQ(key, kKey);
        EXPECT_EQ(secret, kSecret);
    }
}

// ---- Submit: idempotency and "did it happen?" -----------------------------------------------

TEST(AlpacaSubmit, SendsAMarketDayOrderUnderOurClientOrderId) {
    FakeAlpaca fake;
    json received;
    fake.server.Post("/v2/orders", [&](const httplib::Request& req, httplib::Response& res) {
        received = json::parse(req.body);
        res.set_content(accepted_order(received["client_order_id"], "id-7", received["qty"]).dump(),
                        "application/json");
    });
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);
    OrderRequest r = market_buy("entry-AAPL-20260305T1451-0001", 0);
    r.qty = *Quantity::parse("2.5");
    r.side = Side::kSell;
    auto order = broker->submit(r);
    ASSERT_TRUE(order.ok()) << order.error().to_string();
    EXPECT_EQ(received["client_order_id"], "entry-AAPL-20260305T1451-0001");
    EXPECT_EQ(received["qty"], "2.5");
    EXPECT_EQ(received["side"], "sell");
    EXPECT_EQ(received["type"], "market");
    EXPECT_EQ(received["time_in_force"], "day");
    EXPECT_EQ(received["symbol"], "AAPL");
    EXPECT_EQ(order->client_order_id, "entry-AAPL-20260305T1451-0001");
    EXPECT_EQ(order->broker_order_id, "id-7");
    EXPECT_EQ(order->status, OrderStatus::kPending);
    EXPECT_EQ(order->broker_status, "accepted");
    EXPECT_EQ(order->qty, *Quantity::parse("2.5"));
}

TEST(AlpacaSubmit, RefusesBadRequestsBeforeSending) {
    auto broker = make_broker(test_options("http://127.0.0.1:1"));
    ASSERT_TRUE(broker);
    auto empty = broker->submit(market_buy(""));
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
    auto zero = broker->submit(market_buy("k", 0));
    ASSERT_FALSE(zero.ok());
    EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(broker->requests_sent(), 0u);
    // IdempotencyKey holds at most 63 chars, under Alpaca's 128: the length check is a guard for
    // a wider key type.
    static_assert(IdempotencyKey::capacity() <= kMaxClientOrderIdLen);
}

TEST(AlpacaSubmit, TimeoutAfterAcceptIsOutcomeUnknownThenFoundByClientId) {
    FakeAlpaca fake;
    OrderBook book;
    fake.server.Post("/v2/orders", [&](const httplib::Request& req, httplib::Response& res) {
        ++book.posts;
        json body = json::parse(req.body);
        json o = accepted_order(body["client_order_id"], "id-slow", body["qty"]);
        {
            std::lock_guard lock(book.mutex);
            book.by_cid[body["client_order_id"]] = o;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(700));  // past the client timeout
        res.set_content(o.dump(), "application/json");
    });
    book.add_lookup_routes(fake.server);
    fake.start();
    AlpacaOptions o = test_options(fake.url());
    o.timeout_ms = 200;
    auto broker = make_broker(o);
    ASSERT_TRUE(broker);
    auto sent = broker->submit(market_buy("key-timeout"));
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kOutcomeUnknown) << sent.error().to_string();
    expect_no_keys(sent.error().message);
    EXPECT_EQ(book.posts.load(), 1);  // never resent

    auto found = broker->get_order("key-timeout");
    ASSERT_TRUE(found.ok()) << found.error().to_string();
    EXPECT_EQ(found->broker_order_id, "id-slow");
    EXPECT_EQ(found->status, OrderStatus::kPending);
    EXPECT_EQ(book.posts.load(), 1);
}

TEST(AlpacaSubmit, ServerErrorIsOutcomeUnknownAndNeverASecondPost) {
    FakeAlpaca fake;
    std::atomic<int> posts{0};
    fake.server.Post("/v2/orders", [&](const httplib::Request&, httplib::Response& res) {
        ++posts;
        res.status = 503;
        res.set_content(R"({"code":50010000,"message":"internal server error"})",
                        "application/json");
    });
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);
    for (int status_round = 0; status_round < 1; ++status_round) {
        auto sent = broker->submit(market_buy("key-5xx"));
        ASSERT_FALSE(sent.ok());
        EXPECT_EQ(sent.error().code, ErrorCode::kOutcomeUnknown);
        EXPECT_NE(sent.error().message.find("503"), std::string::npos);
    }
    EXPECT_EQ(posts.load(), 1);
    EXPECT_EQ(broker->requests_sent(), 1u);
}

TEST(AlpacaSubmit, DuplicateClientOrderIdResolvesToTheExistingOrder) {
    FakeAlpaca fake;
    OrderBook book;
    book.by_cid["key-dup"] = accepted_order("key-dup", "id-existing", "3");
    fake.server.Post("/v2/orders", [&](const httplib::Request& req, httplib::Response& res) {
        ++book.posts;
        json body = json::parse(req.body);
        std::lock_guard lock(book.mutex);
        if (book.by_cid.contains(body["client_order_id"])) {
            res.status = 422;
            res.set_content(R"({"code":40010001,"message":"client_order_id must be unique"})",
                            "application/json");
            return;
        }
        res.status = 500;
    });
    book.add_lookup_routes(fake.server);
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);
    auto order = broker->submit(market_buy("key-dup"));
    ASSERT_TRUE(order.ok()) << order.error().to_string();
    EXPECT_EQ(order->broker_order_id, "id-existing");
    EXPECT_EQ(order->client_order_id, "key-dup");
    EXPECT_EQ(book.posts.load(), 1);
    EXPECT_EQ(book.by_cid.size(), 1u);
}

TEST(AlpacaSubmit, RejectionsAreBrokerErrorsWithAlpacasMessage) {
    FakeAlpaca fake;
    fake.server.Post("/v2/orders", [&](const httplib::Request& req, httplib::Response& res) {
        json body = json::parse(req.body);
        if (body["client_order_id"] == "key-403") {
            res.status = 403;
            res.set_content(R"({"code":40310000,"message":"insufficient buying power"})",
                            "application/json");
        } else {
            res.status = 422;
            res.set_content(
                sample(
                    "sdk-alpaca-trade-api-python/test_rest__test_errors__POST_v2_orders__2.json"),
                "application/json");
        }
    });
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);
    auto r403 = broker->submit(market_buy("key-403"));
    ASSERT_FALSE(r403.ok());
    EXPECT_EQ(r403.error().code, ErrorCode::kBroker);
    EXPECT_NE(r403.error().message.find("insufficient buying power"), std::string::npos);
    auto r422 = broker->submit(market_buy("key-422"));
    ASSERT_FALSE(r422.ok());
    EXPECT_EQ(r422.error().code, ErrorCode::kBroker);
    EXPECT_NE(r422.error().message.find("qty or notional is required"), std::string::npos);
}

TEST(AlpacaSubmit, ConnectionRefusedIsNotSentRatherThanUnknown) {
    // Port 1 on loopback: nothing listens, the request never leaves.
    auto broker = make_broker(test_options("http://127.0.0.1:1"));
    ASSERT_TRUE(broker);
    auto sent = broker->submit(market_buy("key-refused"));
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kIo) << sent.error().to_string();
}

// ---- Lookups, cancel, errors ----------------------------------------------------------------

TEST(AlpacaOrders, GetOrderUnknownIsNotFoundAndCancelGoesByBrokerId) {
    FakeAlpaca fake;
    OrderBook book;
    book.by_cid["key-live"] = accepted_order("key-live", "id-live", "1");
    std::string deleted;
    book.add_lookup_routes(fake.server);
    fake.server.Delete(R"(/v2/orders/(.+))",
                       [&](const httplib::Request& req, httplib::Response& res) {
                           deleted = req.matches[1];
                           res.status = 204;
                       });
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);
    auto missing = broker->get_order("key-never-sent");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    Status c = broker->cancel("key-live");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(deleted, "id-live");
    Status c2 = broker->cancel("key-never-sent");
    EXPECT_EQ(c2.error().code, ErrorCode::kNotFound);
}

TEST(AlpacaSecrets, KeysAreAbsentFromEveryErrorString) {
    FakeAlpaca fake;
    // A hostile or buggy server that echoes our request headers back in its error bodies.
    auto echo = [](const httplib::Request& req, httplib::Response& res) {
        res.status = req.path == "/v2/account" ? 401 : req.path == "/v2/positions" ? 500 : 403;
        res.set_content(json{{"message", "bad key " + req.get_header_value("APCA-API-KEY-ID") +
                                             " / " + req.get_header_value("APCA-API-SECRET-KEY")}}
                            .dump(),
                        "application/json");
    };
    fake.server.Get("/v2/account", echo);
    fake.server.Get("/v2/positions", echo);
    fake.server.Post("/v2/orders", echo);
    fake.server.Get("/v2/clock", [](const httplib::Request& req, httplib::Response& res) {
        res.set_content("not json " + req.get_header_value("APCA-API-SECRET-KEY"), "text/plain");
    });
    fake.start();
    auto broker = make_broker(test_options(fake.url()));
    ASSERT_TRUE(broker);
    std::vector<std::string> errors;
    auto a = broker->account();
    ASSERT_FALSE(a.ok());
    errors.push_back(a.error().to_string());
    auto p = broker->positions();
    ASSERT_FALSE(p.ok());
    errors.push_back(p.error().to_string());
    auto s = broker->submit(market_buy("key-echo"));
    ASSERT_FALSE(s.ok());
    errors.push_back(s.error().to_string());
    auto c = broker->clock();
    ASSERT_FALSE(c.ok());
    errors.push_back(c.error().to_string());
    auto g = broker->get_order("nope");  // no route: 404
    ASSERT_FALSE(g.ok());
    errors.push_back(g.error().to_string());
    auto dead = make_broker(test_options("http://127.0.0.1:1"));
    auto d = dead->account();
    ASSERT_FALSE(d.ok());
    errors.push_back(d.error().to_string());
    auto guard = AlpacaBroker::create(test_options("https://api.alpaca.markets"));
    ASSERT_FALSE(guard.ok());
    errors.push_back(guard.error().to_string());
    for (const std::string& e : errors) expect_no_keys(e);
    EXPECT_NE(errors[0].find("***"), std::string::npos) << errors[0];  // redacted, not dropped
}

TEST(AlpacaSecrets, AKeyEchoedAcrossTheOldCutPointLeavesNoFragment) {
    // A non-JSON error body echoing the secret at every offset around where the body used to be
    // cut (200 characters) before redaction.
    for (size_t offset = 170; offset <= 205; ++offset) {
        FakeAlpaca fake;
        fake.server.Get("/v2/account", [offset](const httplib::Request& req,
                                                httplib::Response& res) {
            res.status = 403;
            res.set_content(std::string(offset, 'x') + req.get_header_value("APCA-API-SECRET-KEY") +
                                std::string(300, 'y'),
                            "text/plain");
        });
        fake.start();
        auto broker = make_broker(test_options(fake.url()));
        ASSERT_TRUE(broker);
        auto a = broker->account();
        ASSERT_FALSE(a.ok());
        const std::string e = a.error().to_string();
        for (size_t n = 6; n <= std::string(kSecret).size(); ++n) {
            ASSERT_EQ(e.find(std::string(kSecret).substr(0, n)), std::string::npos)
                << "offset " << offset << ": " << e;
        }
    }
}

// ---- Codec over every recorded sample -------------------------------------------------------

enum class Kind { kOrder, kOrders, kAccount, kPosition, kPositions, kClock, kCalendar, kNone };

Kind kind_of(const std::string& name, const json& j) {
    auto has = [&](const char* s) { return name.find(s) != std::string::npos; };
    if (has("DELETE_v2_orders")) return Kind::kNone;  // cancel-all: [{id, status}], not orders
    if (has("error") || has("configurations") || has("portfolio") || has("activity"))
        return Kind::kNone;
    if (j.is_object() && j.contains("message") && j.contains("code") && !j.contains("id"))
        return Kind::kNone;
    if (name == "order-v2.json" || has("by_client_order_id") || has("orders_ID") ||
        has("orders__order_id") || has("POST_v2_orders") || has("POST_v1_orders") ||
        has("orders__post") || has("PATCH_v2_orders")) {
        return j.is_array() ? Kind::kOrders : Kind::kOrder;
    }
    if (has("GET_v2_orders") || has("GET_v1_orders") || has("orders__get")) {
        return j.is_array() ? Kind::kOrders : Kind::kOrder;
    }
    if (name == "account-v2.json" || has("account__get") || has("get_account__") ||
        has("GET_v1_account")) {
        return Kind::kAccount;
    }
    if (name == "position.json" || has("GET_v2_positions") || has("GET_v1_positions")) {
        return j.is_array() ? Kind::kPositions : Kind::kPosition;
    }
    if (name == "clock.json" || has("legacy_clock") || has("_clock__")) return Kind::kClock;
    if (name == "calendar.json" || has("calendar__")) return Kind::kCalendar;
    return Kind::kNone;
}

/// Samples AWET refuses with a clean kParse: options orders (OCC symbols are 19 chars, multi-leg
/// parents have no symbol; they do not fit AWET's 15-char Symbol, AWET trades equities) and the
/// retired v1 API's orders/positions (no symbol, `entry_price`); AWET speaks v2 only.
bool is_refused_sample(const std::string& name, const json& j, Kind kind) {
    if (name.find("Options") != std::string::npos) return true;
    if (name.find("_v1_") != std::string::npos &&
        (kind == Kind::kOrder || kind == Kind::kOrders || kind == Kind::kPosition ||
         kind == Kind::kPositions)) {
        return true;
    }
    auto option_symbol = [](const json& o) {
        return o.is_object() && o.contains("asset_class") && o["asset_class"] == "us_option";
    };
    if (j.is_array()) {
        for (const auto& o : j)
            if (option_symbol(o)) return true;
        return false;
    }
    return option_symbol(j);
}

TEST(AlpacaCodec, EveryRecordedOrderAccountPositionClockCalendarSampleParses) {
    std::map<Kind, int> parsed;
    int refused = 0;
    std::vector<std::string> failures;
    for_each_sample([&](const std::string& dir, const std::string& name, const std::string& text,
                        const json& j) {
        const Kind kind = kind_of(name, j);
        if (kind == Kind::kNone) return;
        std::optional<Error> err;
        switch (kind) {
            case Kind::kOrder:
                if (auto r = parse_order(text); !r.ok()) err = r.error();
                break;
            case Kind::kOrders:
                if (auto r = parse_orders(text); !r.ok()) err = r.error();
                break;
            case Kind::kAccount:
                if (auto r = parse_account(text); !r.ok()) err = r.error();
                break;
            case Kind::kPosition:
                if (auto r = parse_position(text); !r.ok()) err = r.error();
                break;
            case Kind::kPositions:
                if (auto r = parse_positions(text); !r.ok()) err = r.error();
                break;
            case Kind::kClock:
                if (auto r = parse_clock(text); !r.ok()) err = r.error();
                break;
            case Kind::kCalendar:
                if (auto r = parse_calendar(text); !r.ok()) err = r.error();
                break;
            case Kind::kNone:
                break;
        }
        if (is_refused_sample(name, j, kind)) {
            if (err) {
                EXPECT_EQ(err->code, ErrorCode::kParse);
                ++refused;
            }
            return;
        }
        if (err) {
            failures.push_back(dir + "/" + name + ": " + err->to_string());
        } else {
            ++parsed[kind];
        }
    });
    for (const auto& f : failures) ADD_FAILURE() << f;
    EXPECT_GE(parsed[Kind::kOrder] + parsed[Kind::kOrders], 10);
    EXPECT_GE(parsed[Kind::kAccount], 3);
    EXPECT_GE(parsed[Kind::kPosition] + parsed[Kind::kPositions], 2);
    EXPECT_GE(refused, 10);
    EXPECT_GE(parsed[Kind::kClock], 3);
    EXPECT_GE(parsed[Kind::kCalendar], 2);
    std::printf(
        "parsed: orders %d, order lists %d, accounts %d, positions %d, position lists %d, "
        "clocks %d, calendars %d; options/v1 samples refused %d\n",
        parsed[Kind::kOrder], parsed[Kind::kOrders], parsed[Kind::kAccount],
        parsed[Kind::kPosition], parsed[Kind::kPositions], parsed[Kind::kClock],
        parsed[Kind::kCalendar], refused);
}

TEST(AlpacaCodec, RecordedOrdersReadTheirLegsAndPrices) {
    int orders = 0, with_limit = 0, with_legs_field = 0;
    for_each_sample([&](const std::string&, const std::string& name, const std::string& text,
                        const json& j) {
        const Kind kind = kind_of(name, j);
        if ((kind != Kind::kOrder && kind != Kind::kOrders) || is_refused_sample(name, j, kind))
            return;
        const json docs = j.is_array() ? j : json::array({j});
        Result<std::vector<BrokerOrder>> parsed = std::vector<BrokerOrder>{};
        if (j.is_array()) {
            parsed = parse_orders(text);
        } else if (auto one = parse_order(text); one.ok()) {
            parsed->push_back(std::move(*one));
        } else {
            parsed = one.error();
        }
        ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.error().to_string();
        ASSERT_EQ(parsed->size(), docs.size()) << name;
        for (size_t i = 0; i < docs.size(); ++i) {
            const json& d = docs[i];
            const BrokerOrder& o = (*parsed)[i];
            ++orders;
            if (d.contains("legs")) ++with_legs_field;
            const size_t legs = d.contains("legs") && d["legs"].is_array() ? d["legs"].size() : 0;
            EXPECT_EQ(o.legs.size(), legs) << name;
            if (d.contains("limit_price") && !d["limit_price"].is_null()) {
                ++with_limit;
                const json& l = d["limit_price"];
                EXPECT_EQ(o.limit_price,
                          *parse_decimal<Price>(l.is_string() ? l.get<std::string>() : l.dump()))
                    << name;
            } else {
                EXPECT_TRUE(o.limit_price.is_zero()) << name;
            }
        }
    });
    EXPECT_GE(orders, 10);
    EXPECT_GE(with_legs_field, 10);  // the recorded equity orders say "legs": null
    EXPECT_GE(with_limit, 1);
}

/// The recorded equity order as the parent of a bracket: entry market order plus an OCO pair, as
/// Alpaca answers a POST with order_class=bracket (legs "held" until the entry fills).
json recorded_bracket(const std::string& cid) {
    json parent =
        json::parse(sample("openapi-examples/trading__v2__orders__post__200__Equity.json"));
    json tp = parent, sl = parent;
    parent["client_order_id"] = cid;
    parent["order_class"] = "bracket";
    parent["type"] = parent["order_type"] = "market";
    parent["limit_price"] = nullptr;
    tp["id"] = "11111111-aaaa-4bbb-8ccc-000000000001";
    tp["client_order_id"] = "6f3b2a9e-alpaca-own-tp";
    tp["side"] = "sell";
    tp["type"] = tp["order_type"] = "limit";
    tp["limit_price"] = "151.5";
    tp["status"] = "held";
    tp["order_class"] = "bracket";
    sl = tp;
    sl["id"] = "11111111-aaaa-4bbb-8ccc-000000000002";
    sl["client_order_id"] = "6f3b2a9e-alpaca-own-sl";
    sl["type"] = sl["order_type"] = "stop";
    sl["limit_price"] = nullptr;
    sl["stop_price"] = "149.25";
    parent["legs"] = json::array({tp, sl});
    return parent;
}

TEST(AlpacaCodec, BracketLegsAreNamedAfterTheParentAndKeepAlpacasIds) {
    const json doc = recorded_bracket("entry:AAPL:1");
    auto o = parse_order(doc.dump());
    ASSERT_TRUE(o.ok()) << o.error().to_string();
    ASSERT_EQ(o->legs.size(), 2U);
    const BrokerOrder& tp = o->legs[0];
    EXPECT_EQ(tp.client_order_id, "entry:AAPL:1:tp");
    EXPECT_EQ(tp.broker_order_id, "11111111-aaaa-4bbb-8ccc-000000000001");
    EXPECT_EQ(tp.side, Side::kSell);
    EXPECT_EQ(tp.limit_price, *Price::parse("151.5"));
    EXPECT_EQ(tp.broker_status, "held");
    EXPECT_EQ(tp.status, OrderStatus::kPending);
    const BrokerOrder& sl = o->legs[1];
    EXPECT_EQ(sl.client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(sl.stop_price, *Price::parse("149.25"));
    EXPECT_TRUE(sl.limit_price.is_zero());
    // A leg's own trade_updates fill names the leg by Alpaca's ids (execution maps them).
    json leg = doc["legs"][1];
    leg["status"] = "filled";
    leg["filled_qty"] = "2";
    leg["filled_avg_price"] = "149.2";
    const json msg = {{"stream", "trade_updates"},
                      {"data",
                       {{"event", "fill"},
                        {"execution_id", "exec-sl-1"},
                        {"timestamp", "2023-12-12T22:40:00Z"},
                        {"price", "149.2"},
                        {"qty", "2"},
                        {"order", leg}}}};
    TradeUpdateParser parser;
    auto u = parser.parse(msg.dump());
    ASSERT_TRUE(u.ok() && u->fill) << (u.ok() ? u->note : u.error().to_string());
    EXPECT_EQ(u->fill->broker_order_id, "11111111-aaaa-4bbb-8ccc-000000000002");
    EXPECT_EQ(u->fill->client_order_id, "6f3b2a9e-alpaca-own-sl");
    EXPECT_EQ(u->fill->side, Side::kSell);
    EXPECT_TRUE(u->fill->order_done);
    // A bracket leg of a type that is neither limit nor stop is refused, naming it.
    json odd = doc;
    odd["legs"][0]["type"] = "trailing_stop";
    auto bad = parse_order(odd.dump());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kParse);
    EXPECT_NE(bad.error().message.find("legs[0]"), std::string::npos) << bad.error().message;
}

TEST(AlpacaCodec, DecimalsAreExactAndRoundedPastSixPlaces) {
    EXPECT_EQ(parse_decimal<Money>("262113.632")->raw(), 262'113'632'000);
    EXPECT_EQ(parse_decimal<Money>("-23140.2")->raw(), -23'140'200'000);
    EXPECT_EQ(parse_decimal<Price>("105.8988475")->raw(), 105'898'848);
    EXPECT_EQ(parse_decimal<Price>("105.8988474")->raw(), 105'898'847);
    EXPECT_EQ(parse_decimal<Price>("-1.00000051")->raw(), -1'000'001);
    EXPECT_FALSE(parse_decimal<Price>("1.2.3"));
    EXPECT_FALSE(parse_decimal<Price>("abc"));
    EXPECT_FALSE(parse_decimal<Price>("1.0000001x"));

    auto position = parse_position(sample("docs-entities/position.json"));
    ASSERT_TRUE(position.ok()) << position.error().to_string();
    EXPECT_EQ(position->symbol, "AAPL");  // the sample's "AAPL " is trimmed
    EXPECT_EQ(position->qty, Quantity::from_units(5));
    EXPECT_EQ(position->avg_entry_price, Price::from_units(100));
    auto shorted =
        parse_position(R"({"symbol":"TSLA","qty":"-3","side":"short","avg_entry_price":"200.5"})");
    ASSERT_TRUE(shorted.ok());
    EXPECT_EQ(shorted->qty, Quantity::from_units(-3));
}

TEST(AlpacaCodec, StatusMapping) {
    for (const char* live : {"new", "accepted", "pending_new", "pending_cancel", "pending_replace",
                             "accepted_for_bidding", "held", "calculated", "stopped", "suspended",
                             "done_for_day", "some_future_word"}) {
        EXPECT_EQ(map_order_status(live, false), OrderStatus::kPending) << live;
        EXPECT_EQ(map_order_status(live, true), OrderStatus::kPartiallyFilled) << live;
    }
    EXPECT_EQ(map_order_status("partially_filled", true), OrderStatus::kPartiallyFilled);
    EXPECT_EQ(map_order_status("filled", true), OrderStatus::kFilled);
    EXPECT_EQ(map_order_status("rejected", false), OrderStatus::kRejected);
    for (const char* done : {"canceled", "expired", "replaced"}) {
        EXPECT_EQ(map_order_status(done, false), OrderStatus::kCanceled) << done;
        EXPECT_EQ(map_order_status(done, true), OrderStatus::kCanceled) << done;
    }
    auto order = parse_order(R"({"id":"x","client_order_id":"k","symbol":"AAPL","side":"buy",
        "qty":"10","filled_qty":"4","filled_avg_price":"101.25","status":"done_for_day",
        "submitted_at":"2022-04-19T13:45:04.980944666-04:00","updated_at":null})");
    ASSERT_TRUE(order.ok()) << order.error().to_string();
    EXPECT_EQ(order->status, OrderStatus::kPartiallyFilled);
    EXPECT_EQ(order->broker_status, "done_for_day");
    EXPECT_EQ(order->submitted_at, *Timestamp::parse("2022-04-19T17:45:04.980944666Z"));
}

// ---- trade_updates --------------------------------------------------------------------------

TEST(AlpacaTradeUpdates, RecordedMessagesParseAndFillsDeduplicate) {
    TradeUpdateParser parser;
    int fills = 0, updates = 0, skipped = 0;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(alpaca_dir() / "docs-streaming")) {
        if (e.path().filename().string().starts_with("trade-updates-stream__"))
            files.push_back(e.path());
    }
    for (const char* f :
         {"openapi-examples/broker__example__TradeUpdateEventV2New.json",
          "openapi-examples/broker__example__TradeUpdateEventV2MultilegOptionsFill.json",
          "docs-broker/events__trade_event_new.json"}) {
        files.push_back(alpaca_dir() / f);
    }
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 10u);
    for (const auto& p : files) {
        auto u = parser.parse(slurp(p));
        ASSERT_TRUE(u.ok()) << p << ": " << u.error().to_string();
        switch (u->kind) {
            case TradeUpdate::Kind::kFill:
                ++fills;
                break;
            case TradeUpdate::Kind::kOrderUpdate:
                ++updates;
                break;
            case TradeUpdate::Kind::kSkipped:
                ++skipped;
                break;
        }
    }
    EXPECT_EQ(fills, 1);    // the crypto fill in trade-updates-stream__08
    EXPECT_EQ(updates, 2);  // the two "new" events
    std::printf("trade_updates: %zu messages, %d fills, %d order updates, %d skipped\n",
                files.size(), fills, updates, skipped);

    const std::string fill_msg =
        slurp(alpaca_dir() / "docs-streaming/trade-updates-stream__08.json");
    TradeUpdateParser fresh;
    auto first = fresh.parse(fill_msg);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->kind, TradeUpdate::Kind::kFill);
    const Fill& f = *first->fill;
    EXPECT_EQ(f.fill_id, "2f63ea93-423d-4169-b3f6-3fdafc10c418");
    EXPECT_EQ(f.client_order_id, "4642fd68-d59a-47d7-a9ac-e22f536828d1");
    EXPECT_EQ(f.broker_order_id, "a5be8f5e-fdfa-41f5-a644-7a74fe947a8f");
    EXPECT_EQ(f.symbol, "SOLUSD");
    EXPECT_EQ(f.side, Side::kSell);
    EXPECT_EQ(f.qty, *Quantity::parse("1790.86"));
    EXPECT_EQ(f.price, *Price::parse("105.898848"));  // 105.8988475 rounded half away from zero
    EXPECT_EQ(f.cum_qty, *Quantity::parse("1790.86"));
    EXPECT_TRUE(f.order_done);
    EXPECT_EQ(f.ts, *Timestamp::parse("2022-04-19T17:45:05.024916716Z"));
    EXPECT_EQ(first->order.status, OrderStatus::kFilled);

    auto again = fresh.parse(fill_msg);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->kind, TradeUpdate::Kind::kSkipped);
    EXPECT_NE(again->note.find("duplicate"), std::string::npos);
    EXPECT_EQ(fresh.fills_seen(), 1u);
}

TEST(AlpacaTradeUpdates, PartialFillsCanceledUnknownEventsAndJunk) {
    TradeUpdateParser parser;
    json base = json::parse(slurp(alpaca_dir() / "docs-streaming/trade-updates-stream__08.json"));
    json partial = base;
    partial["data"]["event"] = "partial_fill";
    partial["data"]["execution_id"] = "exec-1";
    partial["data"]["qty"] = "100";
    partial["data"]["order"]["status"] = "partially_filled";
    partial["data"]["order"]["filled_qty"] = "100";
    auto p = parser.parse(partial.dump());
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->kind, TradeUpdate::Kind::kFill);
    EXPECT_FALSE(p->fill->order_done);
    EXPECT_EQ(p->fill->qty, Quantity::from_units(100));
    EXPECT_EQ(p->order.status, OrderStatus::kPartiallyFilled);

    for (const char* event : {"canceled", "expired", "rejected", "replaced", "pending_new",
                              "pending_cancel", "pending_replace", "new"}) {
        json m = base;
        m["data"]["event"] = event;
        m["data"]["order"]["status"] = event;
        m["data"]["order"]["filled_qty"] = "0";
        m["data"]["surprise_field"] = 42;
        auto u = parser.parse(m.dump());
        ASSERT_TRUE(u.ok()) << event;
        EXPECT_EQ(u->kind, TradeUpdate::Kind::kOrderUpdate) << event;
        EXPECT_FALSE(u->fill.has_value());
    }
    json weird = base;
    weird["data"]["event"] = "teleported";
    auto w = parser.parse(weird.dump());
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->kind, TradeUpdate::Kind::kSkipped);
    EXPECT_NE(w->note.find("unknown event"), std::string::npos);

    json bad_order = base;
    bad_order["data"]["order"]["side"] = "sideways";
    auto b = parser.parse(bad_order.dump());
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->kind, TradeUpdate::Kind::kSkipped);

    EXPECT_FALSE(parser.parse("{not json").ok());
}

}  // namespace
}  // namespace awet::alpaca
