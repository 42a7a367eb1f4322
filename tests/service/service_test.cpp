// The agent's HTTP face: /health and /metrics, and a real Prometheus server scraping them.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "awet/service/health_check.hpp"
#include "awet/service/http_endpoint.hpp"
#include "awet/service/instrumented_bus.hpp"
#include "awet/service/metrics.hpp"
#include "awet_test_support.hpp"
#include "child_process.hpp"

extern char** environ;

namespace awet {
namespace {

using nlohmann::json;

TEST(AgentMetrics, SerializesTheSeedMetricsWithLabels) {
    AgentMetrics m("risk");
    m.record_event("predictions.tft", true, 0.0004);
    m.record_event("predictions.tft", true, 0.002);
    m.record_event("predictions.tft", false, 0.001);
    m.set_consumer_lag("awet.risk", "predictions.tft", 3, 42);
    m.observe_inference("tft-20260323-1", 0.0016);
    m.count_trade("AAPL", "buy", "filled");
    const std::string text = m.serialize();
    EXPECT_NE(
        text.find(R"(events_processed_total{agent="risk",status="ok",topic="predictions.tft"} 2)"),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find(
            R"(events_processed_total{agent="risk",status="error",topic="predictions.tft"} 1)"),
        std::string::npos);
    EXPECT_NE(text.find(R"(event_latency_seconds_count{agent="risk",topic="predictions.tft"} 3)"),
              std::string::npos);
    // 0.0004 and 0.001 are <= 0.001; 0.002 is not.
    EXPECT_NE(
        text.find(
            R"(event_latency_seconds_bucket{agent="risk",topic="predictions.tft",le="0.001"} 2)"),
        std::string::npos);
    EXPECT_NE(
        text.find(
            R"(kafka_consumer_lag{group="awet.risk",partition="3",topic="predictions.tft"} 42)"),
        std::string::npos);
    EXPECT_NE(text.find(R"(model_inference_latency_count{model="tft-20260323-1"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find(R"(trade_count{side="buy",status="filled",symbol="AAPL"} 1)"),
              std::string::npos);
}

TEST(AgentMetrics, LiveFeedQualityAndStaleness) {
    AgentMetrics m("ingestion");
    m.count_data_quality_issue("AAPL", "gap");
    m.count_data_quality_issue("AAPL", "gap", 2);
    m.count_data_quality_issue("AAPL", "duplicate", 0);  // nothing: no series either
    m.set_feed_health("AAPL", 42, false);
    m.set_feed_health("MSFT", 250, true);
    const std::string text = m.serialize();
    EXPECT_NE(text.find(R"(awet_data_quality_issues_total{kind="gap",symbol="AAPL"} 3)"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find(R"(kind="duplicate")"), std::string::npos);
    EXPECT_NE(text.find(R"(awet_feed_last_bar_age_seconds{symbol="AAPL"} 42)"), std::string::npos);
    EXPECT_NE(text.find(R"(awet_feed_stale{symbol="AAPL"} 0)"), std::string::npos);
    EXPECT_NE(text.find(R"(awet_feed_last_bar_age_seconds{symbol="MSFT"} 250)"), std::string::npos);
    EXPECT_NE(text.find(R"(awet_feed_stale{symbol="MSFT"} 1)"), std::string::npos);
}

TEST(AgentHttpEndpoint, HealthAndMetrics) {
    auto metrics = std::make_shared<AgentMetrics>("execution");
    bool store_ok = true;
    HealthProbe probe{[] {
                          return DependencyHealth{true, "inproc"};
                      },
                      [&store_ok] {
                          return store_ok ? DependencyHealth{true, "sqlite var/awet.db"}
                                          : DependencyHealth{false, "database is locked"};
                      }};
    AgentHttpEndpoint endpoint(metrics, probe);
    ASSERT_TRUE(endpoint.start("127.0.0.1", 0).ok());
    ASSERT_GT(endpoint.port(), 0);
    httplib::Client client("127.0.0.1", endpoint.port());

    auto health = client.Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    const json h = json::parse(health->body);
    EXPECT_EQ(h["status"], "ok");
    EXPECT_EQ(h["agent"], "execution");
    EXPECT_FALSE(h["version"].get<std::string>().empty());
    EXPECT_GE(h["uptime_seconds"].get<double>(), 0.0);
    EXPECT_EQ(h["bus"]["detail"], "inproc");
    EXPECT_EQ(h["store"]["ok"], true);

    store_ok = false;  // a dependency down: 503 and the reason
    auto degraded = client.Get("/health");
    ASSERT_TRUE(degraded);
    EXPECT_EQ(degraded->status, 503);
    EXPECT_EQ(json::parse(degraded->body)["status"], "degraded");
    EXPECT_EQ(json::parse(degraded->body)["store"]["detail"], "database is locked");
    EXPECT_FALSE(json::parse(degraded->body).contains("state"));  // no agent state probe

    metrics->record_event("risk.approved", true, 0.001);
    auto text = client.Get("/metrics");
    ASSERT_TRUE(text);
    EXPECT_EQ(text->status, 200);
    EXPECT_NE(text->get_header_value("Content-Type").find("text/plain"), std::string::npos);
    EXPECT_NE(
        text->body.find(
            R"(events_processed_total{agent="execution",status="ok",topic="risk.approved"} 1)"),
        std::string::npos);
    EXPECT_EQ(client.Get("/nothing")->status, 404);
    endpoint.stop();
    endpoint.stop();  // idempotent
    EXPECT_FALSE(client.Get("/health"));
}

TEST(AgentHttpEndpoint, PortInUseIsAnErrorNamingIt) {
    auto metrics = std::make_shared<AgentMetrics>("risk");
    AgentHttpEndpoint first(metrics, {}), second(metrics, {});
    ASSERT_TRUE(first.start("127.0.0.1", 0).ok());
    const Status st = second.start("127.0.0.1", first.port());
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find(std::to_string(first.port())), std::string::npos);
}

TEST(AgentHttpEndpoint, DefaultPorts) {
    EXPECT_EQ(default_agent_port("ingestion"), 8001);
    EXPECT_EQ(default_agent_port("execution"), 8005);
    EXPECT_EQ(default_agent_port("watchtower"), 8006);
    EXPECT_EQ(default_agent_port("reconciler"), 8008);
    EXPECT_EQ(default_agent_port("nope"), -1);
}

TEST(AgentHttpEndpoint, ARealPrometheusScrapesTheMetrics) {
    ASSERT_EQ(std::system("command -v prometheus >/dev/null 2>&1"), 0)
        << "the Debian `prometheus` package is missing: run scripts/install_deps.sh";
    auto metrics = std::make_shared<AgentMetrics>("features");
    for (int i = 0; i < 7; ++i) metrics->record_event("market.raw", true, 0.0002);
    AgentHttpEndpoint endpoint(metrics, {});
    ASSERT_TRUE(endpoint.start("127.0.0.1", 0).ok());

    awet::testing::TempDir dir;
    const int prom_port = awet::testing::free_tcp_port();
    std::ofstream(dir.file("prometheus.yml"))
        << "global: {scrape_interval: 1s}\n"
        << "scrape_configs:\n"
        << "  - job_name: awet-agents\n"
        << "    static_configs: [{targets: ['127.0.0.1:" << endpoint.port() << "']}]\n";
    awet::testing::ChildProcess prometheus(
        {"prometheus", "--config.file=" + dir.file("prometheus.yml"),
         "--storage.tsdb.path=" + dir.file("tsdb"),
         "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=error"});
    httplib::Client api("127.0.0.1", prom_port);
    json value;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
    while (std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(prometheus.running()) << "prometheus exited";
        auto r = api.Get("/api/v1/query?query=events_processed_total%7Bjob%3D%22awet-agents%22%7D");
        if (r && r->status == 200) {
            const json j = json::parse(r->body);
            if (!j["data"]["result"].empty()) {
                value = j["data"]["result"][0];
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_FALSE(value.is_null()) << "prometheus did not scrape the endpoint within 25 s";
    EXPECT_EQ(value["metric"]["agent"], "features");
    EXPECT_EQ(value["metric"]["topic"], "market.raw");
    EXPECT_EQ(value["value"][1], "7");
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

TEST(AgentHttpEndpoint, AHaltedAgentIsDegradedAndSaysWhy) {
    auto metrics = std::make_shared<AgentMetrics>("execution");
    std::string halted;
    HealthProbe probe;
    probe.bus = [] { return DependencyHealth{true, "kafka"}; };
    probe.store = [] { return DependencyHealth{true, "postgres"}; };
    probe.agent_state = [&halted] {
        return halted.empty() ? DependencyHealth{true, "trading"}
                              : DependencyHealth{false, "halted: " + halted};
    };
    AgentHttpEndpoint endpoint(metrics, probe);
    bool healthy = false;
    json h = json::parse(endpoint.health_json(&healthy));
    EXPECT_TRUE(healthy);
    EXPECT_EQ(h["state"]["detail"], "trading");
    halted = "positions disagree with the broker: MSFT";
    h = json::parse(endpoint.health_json(&healthy));
    EXPECT_FALSE(healthy);
    EXPECT_EQ(h["status"], "degraded");
    EXPECT_EQ(h["state"]["detail"], "halted: positions disagree with the broker: MSFT");
    metrics->set_reconciliation_mismatches(1);
    EXPECT_NE(metrics->serialize().find("reconciliation_mismatches{agent=\"execution\"} 1"),
              std::string::npos)
        << metrics->serialize();
}

TEST(HealthCheck, ReportsOkDegradedAndDownAgents) {
    auto risk = std::make_shared<AgentMetrics>("risk");
    auto execution = std::make_shared<AgentMetrics>("execution");
    AgentHttpEndpoint ok(risk, {});
    AgentHttpEndpoint degraded(execution, {{}, [] {
                                               return DependencyHealth{false, "connection refused"};
                                           }});
    ASSERT_TRUE(ok.start("127.0.0.1", 0).ok());
    ASSERT_TRUE(degraded.start("127.0.0.1", 0).ok());
    const int unused = awet::testing::free_tcp_port();
    const auto reports =
        check_agents({{"risk", "127.0.0.1", ok.port()},
                      {"execution", "127.0.0.1", degraded.port()},
                      {"features", "127.0.0.1", unused},
                      {"prediction", "127.0.0.1", ok.port()}},  // the risk agent answers
                     std::chrono::milliseconds(500));
    ASSERT_EQ(reports.size(), 4u);
    EXPECT_EQ(reports[0].status, "ok");
    EXPECT_FALSE(reports[0].version.empty());
    EXPECT_EQ(reports[1].status, "degraded");
    EXPECT_EQ(reports[1].detail, "store: connection refused");
    EXPECT_EQ(reports[2].status, "down");
    EXPECT_NE(reports[2].detail.find(std::to_string(unused)), std::string::npos);
    EXPECT_EQ(reports[3].status, "bad");
    EXPECT_NE(reports[3].detail.find("risk"), std::string::npos);
}

TEST(HealthCheck, DefaultTargetsAreTheEightAgents) {
    const auto t = default_agent_targets("10.0.0.5");
    ASSERT_EQ(t.size(), 8u);
    EXPECT_EQ(t.front().agent, "ingestion");
    EXPECT_EQ(t.front().port, 8001);
    EXPECT_EQ(t.back().agent, "reconciler");
    EXPECT_EQ(t.back().host, "10.0.0.5");
}

}  // namespace
}  // namespace awet

#include "awet/bus/inproc_bus.hpp"

namespace awet {
namespace {

TEST(InstrumentedBus, CountsAndTimesEveryHandlerOutcome) {
    InProcBus inner;
    AgentMetrics metrics("features");
    InstrumentedBus bus(inner, metrics);
    int seen = 0;
    bus.subscribe(Topic::kMarketRaw, "features", [&seen](const Delivery& d) -> Status {
        ++seen;
        const auto& bar = std::get<MarketBar>(d.event);
        if (bar.header.symbol.view() == "BAD") {
            return make_error(ErrorCode::kInvalidArgument, "bad bar");
        }
        if (bar.header.symbol.view() == "THROW") throw std::runtime_error("boom");
        return Status::Ok();
    });
    for (const char* symbol : {"AAPL", "MSFT", "BAD", "THROW", "TSLA"}) {
        MarketBar bar;
        bar.header.symbol = Symbol(symbol);
        ASSERT_TRUE(bus.publish(Topic::kMarketRaw, bar).ok());
    }
    EXPECT_EQ(bus.poll(), 7u);  // the 5 bars and the 2 dead letters they caused
    EXPECT_EQ(seen, 5);
    const std::string text = metrics.serialize();
    EXPECT_NE(
        text.find(R"(events_processed_total{agent="features",status="ok",topic="market.raw"} 3)"),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find(
            R"(events_processed_total{agent="features",status="error",topic="market.raw"} 2)"),
        std::string::npos);
    EXPECT_NE(text.find(R"(event_latency_seconds_count{agent="features",topic="market.raw"} 5)"),
              std::string::npos);
    EXPECT_EQ(bus.stats().dead_lettered, 2u);  // the inner bus still dead-letters both
}

}  // namespace
}  // namespace awet

// ---------------------------------------------------------------- hardening (issue 11, defect 5)
#include "awet/service/http_server.hpp"
#include "raw_http.hpp"

namespace awet {
namespace {

using awet::testing::SlowClients;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// GET `path` with a 3 s budget; the seconds it took (the test fails when there is no answer).
double timed_get(int port, const char* path, int expected_status = 200) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(std::chrono::seconds(3));
    client.set_read_timeout(std::chrono::seconds(3));
    const auto t0 = std::chrono::steady_clock::now();
    auto r = client.Get(path);
    const double took = seconds_since(t0);
    EXPECT_TRUE(r) << path << ": no answer within 3 s (" << httplib::to_string(r.error()) << ")";
    if (r) {
        EXPECT_EQ(r->status, expected_status) << path;
    }
    return took;
}

TEST(HttpHardening, SlowHeaderClientsAreClosedAfterTheHeaderTimeoutAndHealthStaysAnswerable) {
    auto metrics = std::make_shared<AgentMetrics>("risk");
    AgentHttpEndpoint endpoint(metrics, {});
    ASSERT_TRUE(endpoint.start("127.0.0.1", 0).ok());
    // More slow clients than cpp-httplib's default pool has workers (8), fewer than the limit.
    SlowClients slow(endpoint.port(), 12);
    ASSERT_EQ(slow.connected(), 12u);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_LT(timed_get(endpoint.port(), "/health"), 3.0);
    EXPECT_LT(timed_get(endpoint.port(), "/metrics"), 3.0);
    // Each is closed once its headers are overdue (2 s after the accept), not before.
    const std::vector<double> closed = slow.wait_closed(std::chrono::seconds(8));
    for (double t : closed) {
        ASSERT_GE(t, 0.0) << "still open 8 s after the accept";
        EXPECT_GE(t, 1.5) << "closed before the header timeout";
        EXPECT_LE(t, 5.0) << "not closed after the header timeout";
    }
    EXPECT_NE(
        metrics->serialize().find(
            R"(awet_http_refused_total{agent="risk",reason="header_timeout",server="agent"})"),
        std::string::npos)
        << metrics->serialize();
}

TEST(HttpHardening, AFloodOfSlowClientsBeyondTheConnectionLimitCannotKeepAProbeOut) {
    auto metrics = std::make_shared<AgentMetrics>("features");
    AgentHttpEndpoint endpoint(metrics, {});
    ASSERT_TRUE(endpoint.start("127.0.0.1", 0).ok());
    const int n = static_cast<int>(HttpServerLimits{}.max_connections) + 8;
    SlowClients slow(endpoint.port(), n);
    ASSERT_EQ(slow.connected(), static_cast<size_t>(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < 3; ++i) EXPECT_LT(timed_get(endpoint.port(), "/health"), 3.0);
    // The probes took the places of the oldest slow clients.
    EXPECT_NE(metrics->serialize().find(R"(reason="evicted")"), std::string::npos);
    for (double t : slow.wait_closed(std::chrono::seconds(8))) EXPECT_GE(t, 0.0);
}

/// A server of make_http_server() with POST /echo (the body's size) and GET /slow (1.5 s).
struct EchoServer {
    explicit EchoServer(HttpServerLimits limits = {}) {
        HttpServerOptions options;
        options.limits = limits;
        options.on_refused = [this](std::string_view reason) {
            std::lock_guard lock(mutex);
            refusals.emplace_back(reason);
        };
        server = make_http_server(std::move(options));
        server->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(std::to_string(req.body.size()), "text/plain");
        });
        server->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
            res.set_content("done", "text/plain");
        });
        auto bound = start_http_server(*server, thread, "127.0.0.1", 0, "echo");
        EXPECT_TRUE(bound.ok());
        port = bound.ok() ? *bound : -1;
    }
    ~EchoServer() { stop_http_server(*server, thread); }
    bool refused(const std::string& reason) {
        std::lock_guard lock(mutex);
        return std::find(refusals.begin(), refusals.end(), reason) != refusals.end();
    }

    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    int port = -1;
    std::mutex mutex;
    std::vector<std::string> refusals;
};

/// The status line of the answer to `head` (plus `body`) on a new connection, within 2 s.
std::string answer_to(int port, const std::string& head, const std::string& body = {}) {
    const int fd = awet::testing::connect_loopback(port);
    if (fd < 0) return "no connection";
    awet::testing::send_all(fd, head + body);
    const std::string in = awet::testing::read_response(fd, std::chrono::seconds(2));
    ::close(fd);
    return in.substr(0, in.find("\r\n"));
}

TEST(HttpHardening, ALargeBodyIsRefusedWith413BeforeItIsRead) {
    EchoServer echo;
    const int fd = awet::testing::connect_loopback(echo.port);
    ASSERT_GE(fd, 0);
    // Only the headers: the answer comes while the 10 MB have not even started.
    ASSERT_TRUE(
        awet::testing::send_all(fd,
                                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                                "Content-Length: 10485760\r\n\r\n"));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string in = awet::testing::read_response(fd, std::chrono::seconds(2));
    EXPECT_LT(seconds_since(t0), 2.0);
    EXPECT_EQ(in.substr(0, 12), "HTTP/1.1 413") << in;
    EXPECT_NE(in.find("10485760"), std::string::npos) << in;  // the JSON error names the size
    ::close(fd);
    EXPECT_TRUE(echo.refused("too_large"));

    // The whole 10 MB sent: the memory does not follow it.
    const std::string big(10 * 1024 * 1024, 'x');
    const long before = awet::testing::resident_kib_resetting_peak();
    const int fd2 = awet::testing::connect_loopback(echo.port);
    ASSERT_GE(fd2, 0);
    std::thread sender([&] {
        // Headers, then the body itself (not a 10 MB copy of it here).
        if (awet::testing::send_all(fd2, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                             std::to_string(big.size()) + "\r\n\r\n")) {
            awet::testing::send_all(fd2, big);
        }
    });
    const std::string in2 = awet::testing::read_response(fd2, std::chrono::seconds(3));
    ::shutdown(fd2, SHUT_RDWR);
    sender.join();
    ::close(fd2);
    EXPECT_EQ(in2.substr(0, 12), "HTTP/1.1 413") << in2;
    EXPECT_LT(awet::testing::peak_resident_kib() - before, 4 * 1024)
        << "KiB more resident at the peak";

    // Bodies of unknown size are refused too; a small one is served.
    EXPECT_EQ(
        answer_to(echo.port, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                  "100000\r\n"),
        "HTTP/1.1 411 Length Required");
    EXPECT_EQ(answer_to(echo.port, "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
              "HTTP/1.1 411 Length Required");
    EXPECT_EQ(answer_to(echo.port,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
                        "Content-Length: 4\r\n\r\n",
                        "abcd"),
              "HTTP/1.1 415 Unsupported Media Type");
    EXPECT_EQ(
        answer_to(echo.port, "GET /" + std::string(4096, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        "HTTP/1.1 414 URI Too Long");
    EXPECT_EQ(answer_to(echo.port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n",
                        std::string(1024, 'y')),
              "HTTP/1.1 200 OK");
}

TEST(HttpHardening, AHeaderThatNeverEndsIsCutAtItsByteLimit) {
    EchoServer echo;
    const int fd = awet::testing::connect_loopback(echo.port);
    ASSERT_GE(fd, 0);
    awet::testing::send_all(fd, "GET /slow HTTP/1.1\r\nX-Big: ");
    // 1 MB of one header line at loopback speed: the server stops reading at 16 KiB.
    bool cut = false;
    for (int i = 0; i < 256 && !cut; ++i)
        cut = !awet::testing::send_all(fd, std::string(4096, 'b'));
    const std::string in = awet::testing::read_response(fd, std::chrono::seconds(3));
    ::close(fd);
    EXPECT_TRUE(cut || in.empty() || in.rfind("HTTP/1.1 400", 0) == 0) << in.substr(0, 40);
    EXPECT_TRUE(echo.refused("header_too_large"));
}

TEST(HttpHardening, AServerWhoseEveryConnectionIsBusyAnswers503) {
    HttpServerLimits limits;
    limits.max_connections = 2;
    EchoServer echo(limits);
    std::vector<std::thread> busy;
    for (int i = 0; i < 2; ++i) {
        busy.emplace_back([&] { EXPECT_EQ(timed_get(echo.port, "/slow") < 3.0, true); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // Two more wait for a worker (the queue is as long as the limit); the next is refused.
    std::vector<int> waiting;
    for (int i = 0; i < 2; ++i) waiting.push_back(awet::testing::connect_loopback(echo.port));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int fd = awet::testing::connect_loopback(echo.port);
    const std::string in = awet::testing::read_response(fd, std::chrono::seconds(1));
    EXPECT_EQ(in.substr(0, 12), "HTTP/1.1 503") << in;
    ::close(fd);
    for (int w : waiting) ::close(w);
    for (auto& t : busy) t.join();
    EXPECT_TRUE(echo.refused("busy"));
}

TEST(HttpHardening, TheAgentEndpointAnswersOnlyGets) {
    auto metrics = std::make_shared<AgentMetrics>("exit");
    AgentHttpEndpoint endpoint(metrics, {});
    ASSERT_TRUE(endpoint.start("127.0.0.1", 0).ok());
    httplib::Client client("127.0.0.1", endpoint.port());
    auto r = client.Post("/health", "{}", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
    EXPECT_NE(metrics->serialize().find(R"(reason="method_not_allowed")"), std::string::npos);
}

TEST(HttpHardening, BearerTokensAndConstantTimeEquality) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer  abc "), "abc");
    EXPECT_EQ(bearer_token("Basic abc"), "");
    EXPECT_EQ(bearer_token("Bearer"), "");
    EXPECT_TRUE(constant_time_equal("secret-token", "secret-token"));
    EXPECT_FALSE(constant_time_equal("secret-token", "secret-tokeN"));
    EXPECT_FALSE(constant_time_equal("secret-token", "secret-token-longer"));
    EXPECT_FALSE(constant_time_equal("", "x"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace awet
