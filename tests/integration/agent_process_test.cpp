// One `awet agent` process on its own: refusals with one-line reasons, /health that reports what
// its loop really sees (a Kafka that does not answer makes it "degraded", HTTP 503, named), and a
// clean exit on SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "awet_test_support.hpp"
#include "child_process.hpp"

namespace {

using awet::testing::run_command;

TEST(AgentProcess, RefusesWithoutAKafkaBusAndNamesUnknownAgents) {
    awet::testing::TempDir dir;
    auto inproc = run_command(std::string(AWET_CLI) + " agent features --db " + dir.file("a.db"));
    EXPECT_NE(inproc.code, 0);
    EXPECT_NE(inproc.out.find("bus.backend: kafka"), std::string::npos) << inproc.out;
    auto unknown = run_command(std::string(AWET_CLI) + " agent trader --db " + dir.file("a.db"));
    EXPECT_NE(unknown.code, 0);
    EXPECT_NE(unknown.out.find("trader"), std::string::npos) << unknown.out;
    // The ingestion agent needs a source (--replay or --live alpaca): it says so instead of idling.
    auto live =
        run_command("AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:1 " +
                    std::string(AWET_CLI) + " agent ingestion --port 0 --db " + dir.file("a.db"));
    EXPECT_NE(live.code, 0);
    EXPECT_NE(live.out.find("--replay"), std::string::npos) << live.out;
    EXPECT_NE(live.out.find("--live alpaca"), std::string::npos) << live.out;
    // Paper only: an execution agent pointed at Alpaca's live host refuses to start, and never
    // prints the keys.
    auto live_host = run_command(
        "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:1 AWET_EXECUTION_BROKER=alpaca "
        "AWET_EXECUTION_ALPACA_BASE_URL=https://api.alpaca.markets ALPACA_API_KEY=PKSECRETID "
        "ALPACA_API_SECRET=hunter2 " +
        std::string(AWET_CLI) + " agent execution --port 0 --db " + dir.file("a.db"));
    EXPECT_NE(live_host.code, 0);
    EXPECT_NE(live_host.out.find("paper"), std::string::npos) << live_host.out;
    EXPECT_EQ(live_host.out.find("hunter2"), std::string::npos) << live_host.out;
    EXPECT_EQ(live_host.out.find("PKSECRETID"), std::string::npos) << live_host.out;
    // Without keys it says which variable is missing.
    auto no_keys = run_command(
        "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:1 AWET_EXECUTION_BROKER=alpaca "
        "ALPACA_API_KEY= ALPACA_API_SECRET= " +
        std::string(AWET_CLI) + " agent execution --port 0 --db " + dir.file("a.db"));
    EXPECT_NE(no_keys.code, 0);
    EXPECT_NE(no_keys.out.find("ALPACA_API_KEY"), std::string::npos) << no_keys.out;
    // The simulated venue and its client share AWET_VENUE_TOKEN: neither starts without it, and
    // each says in one line how to set it.
    for (const char* agent : {"ingestion --replay", "execution"}) {
        auto no_token = run_command(
            "AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:1 AWET_VENUE_TOKEN= " +
            std::string(AWET_CLI) + " agent " + agent + " --port 0 --db " + dir.file("a.db"));
        EXPECT_NE(no_token.code, 0) << agent;
        EXPECT_NE(no_token.out.find("AWET_VENUE_TOKEN is not set"), std::string::npos)
            << agent << ": " << no_token.out;
        EXPECT_NE(no_token.out.find("export AWET_VENUE_TOKEN="), std::string::npos) << no_token.out;
    }
}

TEST(AgentProcess, HealthIsDegradedWhileKafkaIsUnreachableAndSigtermStopsIt) {
    awet::testing::TempDir dir;
    const int port = awet::testing::free_tcp_port();
    ::setenv("AWET_BUS_BACKEND", "kafka", 1);
    ::setenv("AWET_BUS_KAFKA_BROKERS", "127.0.0.1:1", 1);  // nothing listens there
    ::setenv("AWET_LOGGING_LEVEL", "error", 1);
    awet::testing::ChildProcess agent(
        {AWET_CLI, "agent", "features", "--port", std::to_string(port), "--db", dir.file("a.db")});
    ::unsetenv("AWET_BUS_BACKEND");
    ::unsetenv("AWET_BUS_KAFKA_BROKERS");
    ::unsetenv("AWET_LOGGING_LEVEL");

    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(std::chrono::seconds(1));
    nlohmann::json health;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(agent.running()) << "the agent exited";
        auto r = client.Get("/health");
        if (r) {
            status = r->status;
            health = nlohmann::json::parse(r->body, nullptr, false);
            if (status == 503) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_EQ(status, 503) << health.dump();
    EXPECT_EQ(health["status"], "degraded");
    EXPECT_EQ(health["agent"], "features");
    EXPECT_FALSE(health["bus"]["ok"].get<bool>());
    EXPECT_NE(health["bus"]["detail"].get<std::string>().find("127.0.0.1:1"), std::string::npos)
        << health.dump();
    EXPECT_TRUE(health["store"]["ok"].get<bool>()) << health.dump();
    auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);

    // awet health names it.
    auto checked =
        run_command(std::string(AWET_CLI) + " health --agent features=" + std::to_string(port));
    EXPECT_NE(checked.code, 0);
    EXPECT_NE(checked.out.find("degraded"), std::string::npos) << checked.out;

    // SIGTERM: the loop ends, offsets are committed (none here), the process exits 0.
    EXPECT_EQ(agent.terminate(), 0) << "still running 10 s after SIGTERM, or a non-zero exit";
}

}  // namespace
