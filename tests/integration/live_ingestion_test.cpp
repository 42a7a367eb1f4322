// `awet agent ingestion --live alpaca` as a real process, against a loopback server speaking
// Alpaca's market-data v2 protocol (FakeMarketData, tests/alpaca/fake_market_data.hpp), with
// librdkafka's mock cluster (`awet dev-kafka`) as the bus and the watchtower agent recording
// every market.raw event into a SQLite store shared by both agents. The server sends 5 bars per
// symbol once the ingestion agent's /health is ok, then drops the connection in the middle of a
// frame; the agent reconnects and subscribes again, and the server repeats the last 2 bars and
// sends 2 new ones. The store must hold each of the 12 distinct bars exactly once, the repeats
// must be counted as duplicates and not published again, and SIGTERM must stop both agents with
// exit code 0. Every wait is bounded (30 s at most).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "awet_test_support.hpp"
#include "child_process.hpp"
#include "fake_market_data.hpp"

namespace {

using awet::testing::run_command;
using nlohmann::json;

/// Waits until `pred` holds (true) or `timeout` passes (false), polling every 100 ms.
template <class Pred>
bool eventually(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return pred();
}

/// `env... exec awet args... >log 2>&1` through the shell: the pid is awet's own.
awet::testing::ChildProcess spawn(const std::string& env, const std::string& args,
                                  const std::string& log) {
    return awet::testing::ChildProcess(
        {"/bin/sh", "-c",
         env + " exec " + std::string(AWET_CLI) + " " + args + " >" + log + " 2>&1"});
}

std::string sql(const std::string& db, const std::string& query) {
    auto r = run_command("sqlite3 -batch " + db + " \"" + query + "\"");
    return r.code == 0 ? r.out : "error: " + r.out;
}

/// The sum of the samples of metric `name` whose labels include every one of `labels`
/// (each written as in the exposition format, e.g. kind="duplicate").
double metric_sum(const std::string& metrics, const std::string& name,
                  const std::vector<std::string>& labels) {
    double sum = 0;
    const std::regex line("^" + name + "\\{([^}]*)\\} (\\S+)$");
    size_t pos = 0;
    while (pos < metrics.size()) {
        size_t end = metrics.find('\n', pos);
        if (end == std::string::npos) end = metrics.size();
        const std::string l = metrics.substr(pos, end - pos);
        pos = end + 1;
        std::smatch m;
        if (!std::regex_match(l, m, line)) continue;
        const std::string found = m[1];
        bool all = true;
        for (const std::string& label : labels) all = all && found.find(label) != std::string::npos;
        if (all) sum += std::stod(m[2]);
    }
    return sum;
}

/// awet_data_quality_issues_total of this kind and symbol.
double issues(const std::string& metrics, const std::string& kind, const std::string& symbol) {
    return metric_sum(metrics, "awet_data_quality_issues_total",
                      {"kind=\"" + kind + "\"", "symbol=\"" + symbol + "\""});
}

/// A bar of `symbol` at 2026-03-12 14:MM with its own open and close (so every row is told apart).
json bar(const std::string& symbol, int minute) {
    json b = awet::testing::bar_object(symbol, minute);
    const double base = symbol == "AAPL" ? 200.0 : 400.0;
    b["o"] = base + minute * 0.25;          // e.g. AAPL 14:31 -> 207.75
    b["c"] = base + minute * 0.25 + 0.125;  // e.g. AAPL 14:31 -> 207.875
    b["h"] = base + minute * 0.25 + 0.5;
    b["l"] = base + minute * 0.25 - 0.5;
    b["v"] = 1000 + minute;
    return b;
}

TEST(LiveIngestionProcess, AlpacaBarsReachTheStoreOnceAcrossADroppedConnection) {
    awet::testing::TempDir dir;
    const std::string db = dir.file("awet.db");

    // The market-data server: connection 0 waits for the go, sends minutes 31..35 of both symbols
    // (one message per minute) and drops mid-frame; connection 1 repeats minute 35 and sends 36.
    std::atomic<bool> go{false};
    awet::testing::MdScript first;
    for (int minute = 31; minute <= 35; ++minute) {
        first.send.push_back(json::array({bar("AAPL", minute), bar("MSFT", minute)}).dump());
    }
    first.go = &go;
    first.drop_mid_frame = true;
    awet::testing::MdScript second;
    second.send = {json::array({bar("AAPL", 35), bar("MSFT", 35)}).dump(),
                   json::array({bar("AAPL", 36), bar("MSFT", 36)}).dump()};
    awet::testing::FakeMarketData server({first, second});

    // The bus: librdkafka's mock cluster.
    const std::string brokers_file = dir.file("kafka.brokers");
    auto kafka = spawn("", "dev-kafka --out " + brokers_file, dir.file("dev-kafka.log"));
    ASSERT_TRUE(eventually([&] { return !awet::testing::read_text(brokers_file).empty(); }))
        << awet::testing::read_text(dir.file("dev-kafka.log"));
    std::string brokers = awet::testing::read_text(brokers_file);
    while (!brokers.empty() && std::isspace(static_cast<unsigned char>(brokers.back())))
        brokers.pop_back();

    const std::string env = "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=" + brokers +
                            " AWET_LOGGING_LEVEL=info AWET_DATA_ALPACA_STREAM_URL=" + server.url() +
                            " ALPACA_API_KEY=" + awet::testing::kMarketDataKey +
                            " ALPACA_API_SECRET=" + awet::testing::kMarketDataSecret;
    auto logs = [&] {
        return "--- watchtower.log\n" + awet::testing::read_text(dir.file("watchtower.log")) +
               "--- ingestion.log\n" + awet::testing::read_text(dir.file("ingestion.log"));
    };
    auto health_ok = [](int port) {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(std::chrono::seconds(1));
        c.set_read_timeout(std::chrono::seconds(2));
        auto r = c.Get("/health");
        return r && r->status == 200;
    };

    // The watchtower first (it creates the store's tables), then the ingestion agent.
    const int watch_port = awet::testing::free_tcp_port();
    auto watchtower =
        spawn(env, "agent watchtower --port " + std::to_string(watch_port) + " --db " + db,
              dir.file("watchtower.log"));
    ASSERT_TRUE(eventually([&] { return health_ok(watch_port); })) << logs();
    const int ingest_port = awet::testing::free_tcp_port();
    auto ingestion = spawn(env,
                           "agent ingestion --live alpaca --symbols AAPL,MSFT --port " +
                               std::to_string(ingest_port) + " --db " + db,
                           dir.file("ingestion.log"));
    // ok = the stream is authorized (and subscribed: the server got the subscribe message).
    ASSERT_TRUE(eventually([&] { return health_ok(ingest_port); })) << logs();
    EXPECT_EQ(server.connections(), 1);
    go = true;

    // The agent reconnects after the drop and subscribes again to the same symbols.
    ASSERT_TRUE(eventually([&] { return server.connections() >= 2; })) << logs();
    ASSERT_TRUE(eventually([&] { return server.received().size() >= 4; })) << logs();

    // The 12 distinct bars reach the store; the 2 repeats are counted as duplicates.
    httplib::Client metrics_client("127.0.0.1", ingest_port);
    metrics_client.set_connection_timeout(std::chrono::seconds(1));
    std::string metrics;
    ASSERT_TRUE(eventually([&] {
        auto r = metrics_client.Get("/metrics");
        if (r && r->status == 200) metrics = r->body;
        return issues(metrics, "duplicate", "AAPL") >= 1 &&
               issues(metrics, "duplicate", "MSFT") >= 1;
    })) << metrics
        << logs();
    const std::string count_query = "SELECT COUNT(*) FROM market_raw_minute";
    ASSERT_TRUE(eventually([&] { return sql(db, count_query) == "12\n"; }))
        << sql(db, count_query) << logs();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // anything late would show now

    // Exactly once each: 6 minutes per symbol, distinct, with the values sent.
    EXPECT_EQ(sql(db, count_query), "12\n");
    EXPECT_EQ(sql(db,
                  "SELECT symbol, COUNT(*), COUNT(DISTINCT ts_ns) FROM market_raw_minute "
                  "GROUP BY symbol ORDER BY symbol"),
              "AAPL|6|6\nMSFT|6|6\n");
    EXPECT_EQ(sql(db,
                  "SELECT symbol, ts, open, close FROM market_raw_minute "
                  "WHERE ts LIKE '%14:31%' OR ts LIKE '%14:35%' OR ts LIKE '%14:36%' "
                  "ORDER BY symbol, ts_ns"),
              "AAPL|2026-03-12T14:31:00Z|207.75|207.875\n"
              "AAPL|2026-03-12T14:35:00Z|208.75|208.875\n"
              "AAPL|2026-03-12T14:36:00Z|209.0|209.125\n"
              "MSFT|2026-03-12T14:31:00Z|407.75|407.875\n"
              "MSFT|2026-03-12T14:35:00Z|408.75|408.875\n"
              "MSFT|2026-03-12T14:36:00Z|409.0|409.125\n")
        << logs();
    // Published once: every market.raw event the watchtower saw is in the audit trail once.
    EXPECT_EQ(sql(db,
                  "SELECT event_type, COUNT(*), COUNT(DISTINCT idempotency_key) "
                  "FROM audit_events GROUP BY event_type"),
              "market.raw|12|12\n");
    // ... and the watchtower consumed 12 market.raw events from Kafka, no more: 24 deliveries, as
    // it subscribes twice (the audit Recorder's group "audit" and its own group "watchtower").
    httplib::Client watch_client("127.0.0.1", watch_port);
    watch_client.set_connection_timeout(std::chrono::seconds(1));
    auto watched = watch_client.Get("/metrics");
    ASSERT_TRUE(watched);
    EXPECT_EQ(metric_sum(watched->body, "events_processed_total", {"topic=\"market.raw\""}), 24.0)
        << watched->body;

    // The ingestion agent counted the 2 repeats as duplicates, nothing else.
    auto r = metrics_client.Get("/metrics");
    ASSERT_TRUE(r);
    metrics = r->body;
    EXPECT_EQ(issues(metrics, "duplicate", "AAPL"), 1.0) << metrics;
    EXPECT_EQ(issues(metrics, "duplicate", "MSFT"), 1.0) << metrics;
    for (const char* kind : {"gap", "out_of_order", "zero_volume", "outside_session"}) {
        EXPECT_EQ(issues(metrics, kind, "AAPL") + issues(metrics, kind, "MSFT"), 0.0)
            << kind << "\n"
            << metrics;
    }

    // The server saw auth + subscribe on each connection, the same symbols both times.
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
    const auto received = server.received();
    ASSERT_EQ(received.size(), 4u);
    EXPECT_EQ(received[0], awet::testing::expected_auth());
    EXPECT_EQ(received[1], awet::testing::expected_subscribe());
    EXPECT_EQ(received[2], awet::testing::expected_auth());
    EXPECT_EQ(received[3], awet::testing::expected_subscribe());
    EXPECT_EQ(server.connections(), 2);

    // SIGTERM stops both agents cleanly.
    EXPECT_EQ(ingestion.terminate(), 0) << logs();
    EXPECT_EQ(watchtower.terminate(), 0) << logs();
    // The keys never reach a log.
    EXPECT_EQ(logs().find(awet::testing::kMarketDataSecret), std::string::npos);
}

}  // namespace
