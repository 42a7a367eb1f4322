// The vendor clients against a loopback httplib::Server (127.0.0.1, any port, its own thread)
// that replays recorded responses from shared/data/api: paging, 429 with Retry-After, 500,
// timeouts, Yahoo nulls, bad JSON, keys kept out of errors. Back-off waits are recorded, not slept.
#include "awet/marketdata/bars_clients.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "awet_test_support.hpp"

namespace awet::marketdata {
namespace {

namespace fs = std::filesystem;
using awet::testing::shared_data;

std::string read_file(const fs::path& p) { return awet::testing::read_text(p); }

std::string polygon_file(const std::string& name) {
    return read_file(shared_data() / "api/polygon" / name);
}

/// A loopback HTTP server on its own thread; handlers are registered before start().
class Loopback {
public:
    httplib::Server server;

    void start() {
        port_ = server.bind_to_any_port("127.0.0.1");
        ASSERT_GT(port_, 0);
        thread_ = std::thread([this] { server.listen_after_bind(); });
        for (int i = 0; i < 200 && !server.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ASSERT_TRUE(server.is_running());
    }
    ~Loopback() {
        server.stop();
        if (thread_.joinable()) thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int port_ = 0;
    std::thread thread_;
};

/// Options for tests: loopback URL, short timeouts, waits recorded instead of slept.
HttpOptions test_http(const std::string& url) {
    HttpOptions h;
    h.base_url = url;
    h.connect_timeout = Duration::seconds(2);
    h.read_timeout = Duration::seconds(5);
    h.sleep = [](Duration) {};
    return h;
}

constexpr const char* kPolygonKey = "pk_SECRET_123";

std::unique_ptr<HistoricalBarsClient> polygon(const std::string& url, RetryPolicy retry = {}) {
    PolygonOptions o;
    o.http = test_http(url);
    o.http.retry = retry;
    o.api_key = kPolygonKey;
    auto c = make_polygon_client(o);
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return std::move(*c);
}

const Timestamp kFrom2005 = *Timestamp::parse("2005-01-01");
const Timestamp kTo2021 = *Timestamp::parse("2021-01-01");

TEST(PolygonClientTest, FollowsNextUrlOverTwoPagesWithTheKeyOnEach) {
    Loopback lb;
    std::mutex mu;
    std::vector<std::string> keys, cursors;
    lb.server.Get(R"(/v2/aggs/ticker/AAPL/range/.*)", [&](const httplib::Request& req,
                                                          httplib::Response& res) {
        std::lock_guard lock(mu);
        keys.push_back(req.get_param_value("apiKey"));
        cursors.push_back(req.get_param_value("cursor"));
        // Page 1: the official example, whose next_url points at api.polygon.io
        // (the client keeps only its path and query). Page 2: the SDK mock.
        const std::string body = req.has_param("cursor")
                                     ? polygon_file(
                                           "sdk-test-mocks/"
                                           "v2__aggs__ticker__AAPL__range__1__day__2005-04-01__"
                                           "2005-04-04.json")
                                     : polygon_file(
                                           "openapi-examples/"
                                           "v2__aggs__ticker__stocksTicker__range__multiplier__"
                                           "timespan__from__to.json");
        res.set_content(body, "application/json");
    });
    lb.start();
    auto client = polygon(lb.url());
    auto bars = client->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_TRUE(bars.ok()) << bars.error().to_string();
    ASSERT_EQ(bars->size(), 4u);
    EXPECT_EQ((*bars)[0].bar_start.iso(), "2005-04-01T05:00:00Z");  // sorted across pages
    EXPECT_EQ((*bars)[3].bar_start.iso(), "2020-01-03T05:00:00Z");
    EXPECT_EQ(client->last_stats().pages, 2);
    EXPECT_EQ(client->last_stats().requests, 2);
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0], kPolygonKey);
    EXPECT_EQ(keys[1], kPolygonKey);
    EXPECT_EQ(cursors[1], "bGltaXQ9MiZzb3J0PWFzYw");
}

TEST(PolygonClientTest, Http429ThenSuccessHonoursRetryAfter) {
    Loopback lb;
    std::atomic<int> hits{0};
    lb.server.Get(
        R"(/v2/aggs/ticker/AAPL/range/.*)", [&](const httplib::Request&, httplib::Response& res) {
            if (hits++ == 0) {
                res.status = 429;
                res.set_header("Retry-After", "3");
                res.set_content(R"({"status":"ERROR","error":"too many"})", "application/json");
                return;
            }
            res.set_content(polygon_file("sdk-test-mocks/"
                                         "v2__aggs__ticker__AAPL__range__1__day__2005-"
                                         "04-01__2005-04-04.json"),
                            "application/json");
        });
    lb.start();
    auto client = polygon(lb.url());
    auto bars = client->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_TRUE(bars.ok()) << bars.error().to_string();
    EXPECT_EQ(bars->size(), 2u);
    EXPECT_EQ(hits.load(), 2);
    ASSERT_EQ(client->last_stats().waits.size(), 1u);
    EXPECT_EQ(client->last_stats().waits[0], Duration::seconds(3));  // Retry-After > back-off
    EXPECT_EQ(client->last_stats().retries, 1);
}

TEST(PolygonClientTest, Http500ThenSuccessWaitsAJitteredBackoff) {
    Loopback lb;
    std::atomic<int> hits{0};
    lb.server.Get(R"(/v2/aggs/ticker/AAPL/range/.*)",
                  [&](const httplib::Request&, httplib::Response& res) {
                      if (hits++ == 0) {
                          res.status = 500;
                          res.set_content("oops", "text/plain");
                          return;
                      }
                      res.set_content(polygon_file("sdk-test-mocks/"
                                                   "v2__aggs__ticker__AAPL__range__1__day__2005-"
                                                   "04-01__2005-04-04.json"),
                                      "application/json");
                  });
    lb.start();
    RetryPolicy retry;
    retry.initial_backoff = Duration::millis(400);
    retry.jitter = 0.5;
    auto client = polygon(lb.url(), retry);
    auto bars = client->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_TRUE(bars.ok()) << bars.error().to_string();
    EXPECT_EQ(hits.load(), 2);
    ASSERT_EQ(client->last_stats().waits.size(), 1u);
    const Duration w = client->last_stats().waits[0];
    EXPECT_GE(w, Duration::millis(200));
    EXPECT_LE(w, Duration::millis(400));
}

TEST(PolygonClientTest, BackoffIsExponentialBoundedAndSeeded) {
    Loopback lb;
    std::atomic<int> hits{0};
    lb.server.Get(R"(/v2/aggs/ticker/AAPL/range/.*)",
                  [&](const httplib::Request&, httplib::Response& res) {
                      ++hits;
                      res.status = 503;
                  });
    lb.start();
    RetryPolicy retry;
    retry.max_attempts = 5;
    retry.initial_backoff = Duration::millis(100);
    retry.max_backoff = Duration::millis(500);
    retry.seed = 7;
    auto a = polygon(lb.url(), retry);
    auto b = polygon(lb.url(), retry);
    auto ra = a->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    auto rb = b->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_FALSE(ra.ok());
    EXPECT_EQ(hits.load(), 10);  // 5 attempts each, no more
    EXPECT_NE(ra.error().message.find("gave up after 5 attempts"), std::string::npos)
        << ra.error().message;
    EXPECT_NE(ra.error().message.find("HTTP 503"), std::string::npos);
    const auto& wa = a->last_stats().waits;
    ASSERT_EQ(wa.size(), 4u);
    EXPECT_EQ(wa, b->last_stats().waits);  // same seed, same waits
    const int64_t caps[4] = {100, 200, 400, 500};
    for (int i = 0; i < 4; ++i) {
        EXPECT_LE(wa[i], Duration::millis(caps[i])) << i;
        EXPECT_GE(wa[i], Duration::millis(caps[i] / 2)) << i;
    }
}

TEST(PolygonClientTest, ApiErrorNamesEndpointAndStatusButNeverTheKey) {
    Loopback lb;
    std::atomic<int> hits{0};
    lb.server.Get(R"(/v2/aggs/ticker/AAPL/range/.*)",
                  [&](const httplib::Request& req, httplib::Response& res) {
                      ++hits;
                      res.status = 403;
                      // A server that echoes the key must not make the client leak it.
                      res.set_content(R"({"status":"NOT_AUTHORIZED","message":"Unknown API Key )" +
                                          req.get_param_value("apiKey") + "\"}",
                                      "application/json");
                  });
    lb.start();
    auto client = polygon(lb.url());
    auto bars = client->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_FALSE(bars.ok());
    const std::string& msg = bars.error().message;
    EXPECT_EQ(hits.load(), 1);  // a 403 is not retried
    EXPECT_NE(msg.find("/v2/aggs/ticker/AAPL/range/1/day/"), std::string::npos) << msg;
    EXPECT_NE(msg.find("HTTP 403"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kPolygonKey), std::string::npos) << msg;
    EXPECT_EQ(msg.find("apiKey"), std::string::npos) << msg;
}

TEST(PolygonClientTest, MissingKeyIsNamed) {
    ::unsetenv("POLYGON_API_KEY");
    PolygonOptions o;
    o.http.base_url = "http://127.0.0.1:1";
    auto c = make_polygon_client(o);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("POLYGON_API_KEY"), std::string::npos);
    ::setenv("POLYGON_API_KEY", "from-env", 1);
    EXPECT_TRUE(make_polygon_client(o).ok());
    ::unsetenv("POLYGON_API_KEY");
}

TEST(PolygonClientTest, TransportErrorIsRetriedThenNamed) {
    const int port = awet::testing::free_tcp_port();  // nothing listens there
    RetryPolicy retry;
    retry.max_attempts = 3;
    auto client = polygon("http://127.0.0.1:" + std::to_string(port), retry);
    auto bars = client->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_FALSE(bars.ok());
    EXPECT_EQ(client->last_stats().requests, 3);
    EXPECT_NE(bars.error().message.find("transport error"), std::string::npos)
        << bars.error().message;
    EXPECT_EQ(bars.error().message.find(kPolygonKey), std::string::npos);
}

// ---- Alpaca

constexpr const char* kAlpacaId = "AKID_SECRET";
constexpr const char* kAlpacaSecret = "sk_SECRET_456";

std::unique_ptr<HistoricalBarsClient> alpaca(const std::string& url, RetryPolicy retry = {},
                                             Duration read_timeout = Duration::seconds(5)) {
    AlpacaOptions o;
    o.http = test_http(url);
    o.http.retry = retry;
    o.http.read_timeout = read_timeout;
    o.key_id = kAlpacaId;
    o.secret_key = kAlpacaSecret;
    auto c = make_alpaca_client(o);
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return std::move(*c);
}

TEST(AlpacaClientTest, FollowsNextPageTokenWithKeyHeaders) {
    Loopback lb;
    std::mutex mu;
    std::vector<std::string> tokens, ids, secrets, timeframes;
    const fs::path dir = shared_data() / "api/alpaca";
    lb.server.Get("/v2/stocks/AAPL/bars", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mu);
        const std::string token = req.get_param_value("page_token");
        tokens.push_back(token);
        ids.push_back(req.get_header_value("APCA-API-KEY-ID"));
        secrets.push_back(req.get_header_value("APCA-API-SECRET-KEY"));
        timeframes.push_back(req.get_param_value("timeframe"));
        fs::path file;
        if (token.empty()) {
            file = dir / "docs-entities/bars-v2.json";  // token MjAy...MQ==
        } else if (token == "MjAyMS0wMi0wMVQxNDowMjowMFo7MQ==") {
            file = dir / "openapi-examples/data__v2__stocks__symbol__bars__get__200__bars.json";
        } else {
            file = dir /
                   "sdk-alpaca-py/test_historical_stock_data__test_get_bars_single_empty_"
                   "response__GET_v2_stocks_bars__1.json";  // null token: the end
        }
        res.set_content(read_file(file), "application/json");
    });
    lb.start();
    auto client = alpaca(lb.url());
    auto bars = client->fetch("AAPL", *Timestamp::parse("2021-01-01"),
                              *Timestamp::parse("2023-01-01"), Duration::minutes(1));
    ASSERT_TRUE(bars.ok()) << bars.error().to_string();
    ASSERT_EQ(bars->size(), 3u);
    EXPECT_EQ((*bars)[0].bar_start.iso(), "2021-02-01T16:01:00Z");
    EXPECT_EQ((*bars)[2].bar_start.iso(), "2022-01-03T09:00:00Z");
    EXPECT_EQ(client->last_stats().pages, 3);
    ASSERT_EQ(tokens.size(), 3u);
    EXPECT_EQ(tokens[1], "MjAyMS0wMi0wMVQxNDowMjowMFo7MQ==");  // '=' survived the encoding
    EXPECT_EQ(tokens[2], "QUFQTHxNfDIwMjItMDEtMDNUMDk6MDA6MDAuMDAwMDAwMDAwWg==");
    EXPECT_EQ(ids[0], kAlpacaId);
    EXPECT_EQ(secrets[2], kAlpacaSecret);
    EXPECT_EQ(timeframes[0], "1Min");
}

TEST(AlpacaClientTest, TimeoutGivesClearErrorAfterBoundedRetries) {
    Loopback lb;
    std::atomic<int> hits{0};
    lb.server.Get("/v2/stocks/AAPL/bars", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        std::this_thread::sleep_for(std::chrono::milliseconds(900));  // past the client timeout
        res.set_content("{\"bars\":[]}", "application/json");
    });
    lb.start();
    RetryPolicy retry;
    retry.max_attempts = 3;
    auto client = alpaca(lb.url(), retry, Duration::millis(200));
    const auto t0 = std::chrono::steady_clock::now();
    auto bars = client->fetch("AAPL", *Timestamp::parse("2021-01-01"),
                              *Timestamp::parse("2021-01-02"), Duration::minutes(1));
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(bars.ok());
    const std::string& msg = bars.error().message;
    EXPECT_EQ(bars.error().code, ErrorCode::kIo);
    EXPECT_NE(msg.find("GET /v2/stocks/AAPL/bars"), std::string::npos) << msg;
    EXPECT_NE(msg.find("gave up after 3 attempts"), std::string::npos) << msg;
    EXPECT_NE(msg.find("read timeout"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kAlpacaId), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kAlpacaSecret), std::string::npos) << msg;
    EXPECT_EQ(client->last_stats().requests, 3);
    EXPECT_LT(elapsed, std::chrono::seconds(3));  // 3 x 200 ms, not 3 x 900 ms
}

TEST(AlpacaClientTest, ForbiddenNamesStatusWithoutSecrets) {
    Loopback lb;
    lb.server.Get("/v2/stocks/AAPL/bars", [&](const httplib::Request& req, httplib::Response& res) {
        res.status = 403;
        res.set_content(
            "{\"message\": \"forbidden for " + req.get_header_value("APCA-API-SECRET-KEY") + "\"}",
            "application/json");
    });
    lb.start();
    auto client = alpaca(lb.url());
    auto bars = client->fetch("AAPL", *Timestamp::parse("2021-01-01"),
                              *Timestamp::parse("2021-01-02"), Duration::minutes(1));
    ASSERT_FALSE(bars.ok());
    EXPECT_NE(bars.error().message.find("HTTP 403"), std::string::npos) << bars.error().message;
    EXPECT_EQ(bars.error().message.find(kAlpacaSecret), std::string::npos) << bars.error().message;
}

// Defect 12 (issue 11): the error excerpt of a body is cut after redacting, so a key that the
// server echoes across the cut (character 190 of 200, and every other offset near it) never
// leaves a fragment in the message.
TEST(AlpacaClientTest, KeyEchoedAcrossTheExcerptCutLeavesNoFragment) {
    constexpr const char* kId = "PKFAKEKEYID0123456789";
    constexpr const char* kSecret = "SKFAKESECRET0123456789abcdefghij";
    Loopback lb;
    std::atomic<int> offset{0};
    lb.server.Get("/v2/stocks/AAPL/bars", [&](const httplib::Request& req, httplib::Response& res) {
        res.status = 401;
        // Not JSON: the fetcher quotes the start of the body.
        std::string body(static_cast<size_t>(offset.load()), 'x');
        body += req.get_header_value("APCA-API-KEY-ID") + " " +
                req.get_header_value("APCA-API-SECRET-KEY") + std::string(300, 'y');
        res.set_content(body, "text/plain");
    });
    lb.start();
    AlpacaOptions o;
    o.http = test_http(lb.url());
    o.key_id = kId;
    o.secret_key = kSecret;
    auto client = make_alpaca_client(o);
    ASSERT_TRUE(client.ok()) << client.error().to_string();
    for (int at = 150; at <= 200; ++at) {
        offset = at;
        auto bars = (*client)->fetch("AAPL", *Timestamp::parse("2021-01-01"),
                                     *Timestamp::parse("2021-01-02"), Duration::minutes(1));
        ASSERT_FALSE(bars.ok());
        const std::string& msg = bars.error().message;
        ASSERT_NE(msg.find("HTTP 401"), std::string::npos) << msg;
        // No 6-character piece of either key, wherever the cut fell.
        for (const std::string key : {kId, kSecret}) {
            for (size_t i = 0; i + 6 <= key.size(); ++i) {
                ASSERT_EQ(msg.find(key.substr(i, 6)), std::string::npos)
                    << "offset " << at << " leaks '" << key.substr(i, 6) << "': " << msg;
            }
        }
    }
}

// A 200 answer whose error document echoes the key: the parser quotes the vendor's text, and the
// client redacts it as it does HTTP errors.
TEST(PolygonClientTest, KeyEchoedInAnErrorDocumentIsRedacted) {
    Loopback lb;
    lb.server.Get(R"(/v2/aggs/ticker/AAPL/range/.*)",
                  [&](const httplib::Request& req, httplib::Response& res) {
                      res.set_content(R"({"status":"ERROR","error":"unknown key )" +
                                          req.get_param_value("apiKey") + "\"}",
                                      "application/json");
                  });
    lb.start();
    auto client = polygon(lb.url());
    auto bars = client->fetch("AAPL", kFrom2005, kTo2021, Duration::days(1));
    ASSERT_FALSE(bars.ok());
    EXPECT_NE(bars.error().message.find("unknown key ***"), std::string::npos)
        << bars.error().message;
    EXPECT_EQ(bars.error().message.find(kPolygonKey), std::string::npos) << bars.error().message;
}

// ---- Yahoo

std::unique_ptr<HistoricalBarsClient> yahoo(const std::string& url) {
    YahooOptions o;
    o.http = test_http(url);
    auto c = make_yahoo_client(o);
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return std::move(*c);
}

/// The recorded AAPL 2020-08-31..11-06 exchange: status and body as Yahoo sent them.
nlohmann::json recorded_aapl() {
    return nlohmann::json::parse(read_file(
        shared_data() / "api/yahoo/recorded-http/chart-AAPL-2020-08-31-to-2020-11-07.json"));
}

TEST(YahooClientTest, ReplaysARecordedResponse) {
    const auto rec = recorded_aapl();
    Loopback lb;
    std::string interval;
    lb.server.Get("/v8/finance/chart/AAPL",
                  [&](const httplib::Request& req, httplib::Response& res) {
                      interval = req.get_param_value("interval");
                      res.status = rec["response"]["status"].get<int>();
                      res.set_content(rec["response"]["bodyJson"].dump(), "application/json");
                  });
    lb.start();
    auto client = yahoo(lb.url());
    auto bars = client->fetch("AAPL", *Timestamp::parse("2020-08-31"),
                              *Timestamp::parse("2020-11-07"), Duration::days(1));
    ASSERT_TRUE(bars.ok()) << bars.error().to_string();
    EXPECT_EQ(bars->size(), 49u);
    EXPECT_EQ(interval, "1d");
    EXPECT_EQ(client->last_stats().skipped_null_rows, 0);
}

TEST(YahooClientTest, NullRowsAreSkippedAndCounted) {
    auto rec = recorded_aapl();
    auto& quote = rec["response"]["bodyJson"]["chart"]["result"][0]["indicators"]["quote"][0];
    quote["close"][5] = nullptr;
    quote["high"][6] = nullptr;
    quote["volume"][7] = nullptr;
    Loopback lb;
    lb.server.Get("/v8/finance/chart/AAPL", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(rec["response"]["bodyJson"].dump(), "application/json");
    });
    lb.start();
    auto client = yahoo(lb.url());
    auto bars = client->fetch("AAPL", *Timestamp::parse("2020-08-31"),
                              *Timestamp::parse("2020-11-07"), Duration::days(1));
    ASSERT_TRUE(bars.ok()) << bars.error().to_string();
    EXPECT_EQ(bars->size(), 46u);
    EXPECT_EQ(client->last_stats().skipped_null_rows, 3);
}

TEST(YahooClientTest, BadJsonIsNamedWithTheEndpoint) {
    const std::string body = recorded_aapl()["response"]["bodyJson"].dump();
    Loopback lb;
    lb.server.Get("/v8/finance/chart/AAPL", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(body.substr(0, body.size() / 2), "application/json");  // cut short
    });
    lb.start();
    auto client = yahoo(lb.url());
    auto bars = client->fetch("AAPL", *Timestamp::parse("2020-08-31"),
                              *Timestamp::parse("2020-11-07"), Duration::days(1));
    ASSERT_FALSE(bars.ok());
    EXPECT_EQ(bars.error().code, ErrorCode::kParse);
    EXPECT_NE(bars.error().message.find("GET /v8/finance/chart/AAPL"), std::string::npos)
        << bars.error().message;
    EXPECT_NE(bars.error().message.find("malformed JSON"), std::string::npos);
}

TEST(BarsClientFactoryTest, ByNameAndFetchAll) {
    auto unknown = make_bars_client("bloomberg");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("bloomberg"), std::string::npos);

    const auto rec = recorded_aapl();
    Loopback lb;
    lb.server.Get(R"(/v8/finance/chart/(\w+))",
                  [&](const httplib::Request& req, httplib::Response& res) {
                      if (req.matches[1] != "AAPL") {
                          res.status = 404;
                          res.set_content(R"({"chart":{"result":null,"error":{"code":"Not Found",)"
                                          R"("description":"No data found"}}})",
                                          "application/json");
                          return;
                      }
                      res.set_content(rec["response"]["bodyJson"].dump(), "application/json");
                  });
    lb.start();
    auto client = make_bars_client("yahoo", lb.url());
    ASSERT_TRUE(client.ok()) << client.error().to_string();
    auto ok = fetch_all(**client, {"AAPL"}, *Timestamp::parse("2020-08-31"),
                        *Timestamp::parse("2020-11-07"), Duration::days(1));
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(ok->size(), 49u);
    auto missing = fetch_all(**client, {"AAPL", "ZZZZ"}, *Timestamp::parse("2020-08-31"),
                             *Timestamp::parse("2020-11-07"), Duration::days(1));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("ZZZZ"), std::string::npos);
    EXPECT_NE(missing.error().message.find("HTTP 404"), std::string::npos)
        << missing.error().message;
}

}  // namespace
}  // namespace awet::marketdata

namespace awet::marketdata {
namespace {

TEST(CorporateActionsClientTest, PolygonSplitsAndDividendsWithPagingAndTheKeyOnEach) {
    Loopback lb;
    std::mutex mu;
    std::vector<std::string> paths, keys;
    lb.server.Get(R"(/v3/reference/(splits|dividends))", [&](const httplib::Request& req,
                                                             httplib::Response& res) {
        std::lock_guard lock(mu);
        paths.push_back(req.path + (req.has_param("cursor") ? "+cursor" : ""));
        keys.push_back(req.get_param_value("apiKey"));
        if (req.path == "/v3/reference/dividends") {
            EXPECT_EQ(req.get_param_value("ex_dividend_date.gte"), "2022-01-01");
            res.set_content(polygon_file("sdk-test-mocks/v3__reference__dividends.json"),
                            "application/json");
            return;
        }
        if (req.has_param("cursor")) {
            res.set_content(R"({"status":"OK","results":[{"ticker":"SHOP","execution_date":)"
                            R"("2022-06-29","split_from":1,"split_to":10}]})",
                            "application/json");
        } else {
            EXPECT_EQ(req.get_param_value("ticker"), "SHOP");
            EXPECT_EQ(req.get_param_value("execution_date.lte"), "2022-12-31");
            res.set_content(R"({"status":"OK","results":[],"next_url":)"
                            R"("https://api.polygon.io/v3/reference/splits?cursor=abc"})",
                            "application/json");
        }
    });
    lb.start();
    auto client = polygon(lb.url());
    auto actions =
        client->corporate_actions("SHOP", *Date::parse("2022-01-01"), *Date::parse("2022-12-31"));
    ASSERT_TRUE(actions.ok()) << actions.error().to_string();
    ASSERT_EQ(actions->size(), 11U);  // 1 split + the 10 dividends of the mock, by date
    EXPECT_EQ(paths,
              (std::vector<std::string>{"/v3/reference/splits", "/v3/reference/splits+cursor",
                                        "/v3/reference/dividends"}));
    for (const auto& k : keys) EXPECT_EQ(k, kPolygonKey);
    for (size_t i = 1; i < actions->size(); ++i)
        EXPECT_LE((*actions)[i - 1].effective, (*actions)[i].effective);
    const auto split = std::find_if(actions->begin(), actions->end(), [](const auto& a) {
        return a.kind == CorporateAction::Kind::kSplit;
    });
    ASSERT_NE(split, actions->end());
    EXPECT_EQ(split->describe(), "SHOP split 10:1 on 2022-06-29");
}

TEST(CorporateActionsClientTest, YahooEventsFromTheDailyChartAndAlpacaSaysItHasNone) {
    const std::string body = read_file(
        shared_data() /
        "api/yahoo/v8-chart-bodies/historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.json");
    Loopback lb;
    std::string interval, events;
    lb.server.Get("/v8/finance/chart/NVDA",
                  [&](const httplib::Request& req, httplib::Response& res) {
                      interval = req.get_param_value("interval");
                      events = req.get_param_value("events");
                      res.set_content(body, "application/json");
                  });
    lb.start();
    auto client = yahoo(lb.url());
    auto actions =
        client->corporate_actions("NVDA", *Date::parse("2021-07-01"), *Date::parse("2021-07-31"));
    ASSERT_TRUE(actions.ok()) << actions.error().to_string();
    ASSERT_EQ(actions->size(), 1U);
    EXPECT_EQ((*actions)[0].describe(), "NVDA split 4:1 on 2021-07-20");
    EXPECT_EQ(interval, "1d");
    EXPECT_EQ(events, "div|split");
    // Outside the asked range: dropped.
    auto none =
        client->corporate_actions("NVDA", *Date::parse("2021-08-01"), *Date::parse("2021-12-31"));
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());

    auto unsupported = alpaca(lb.url())->corporate_actions("NVDA", *Date::parse("2021-07-01"),
                                                           *Date::parse("2021-07-31"));
    ASSERT_FALSE(unsupported.ok());
    EXPECT_EQ(unsupported.error().code, ErrorCode::kNotFound);
    EXPECT_NE(unsupported.error().message.find("alpaca"), std::string::npos);
}

}  // namespace
}  // namespace awet::marketdata
