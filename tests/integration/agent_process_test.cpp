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
    // The ingestion agent has no live connectors yet: it says so instead of idling.
    auto live = run_command("AWET_BUS_BACKEND=kafka AWET_BUS_KAFKA_BROKERS=127.0.0.1:1 " +
                            std::string(AWET_CLI) + " agent ingestion --port 0 --db " +
                            dir.file("a.db"));
    EXPECT_NE(live.code, 0);
    EXPECT_NE(live.out.find("--replay"), std::string::npos) << live.out;
}

TEST(AgentProcess, HealthIsDegradedWhileKafkaIsUnreachableAndSigtermStopsIt) {
    awet::testing::TempDir dir;
    const int port = awet::testing::free_tcp_port();
    ::setenv("AWET_BUS_BACKEND", "kafka", 1);
    ::setenv("AWET_BUS_KAFKA_BROKERS", "127.0.0.1:1", 1);  // nothing listens there
    ::setenv("AWET_LOGGING_LEVEL", "error", 1);
    awet::testing::ChildProcess agent({AWET_CLI, "agent", "features", "--port",
                                       std::to_string(port), "--db", dir.file("a.db")});
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
    auto checked = run_command(std::string(AWET_CLI) + " health --agent features=" +
                               std::to_string(port));
    EXPECT_NE(checked.code, 0);
    EXPECT_NE(checked.out.find("degraded"), std::string::npos) << checked.out;

    // SIGTERM: the loop ends, offsets are committed (none here), the process exits 0.
    ASSERT_EQ(::kill(agent.pid(), SIGTERM), 0);
    int wstatus = 0;
    pid_t done = 0;
    for (int i = 0; i < 100 && done == 0; ++i) {
        done = ::waitpid(agent.pid(), &wstatus, WNOHANG);
        if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(done, agent.pid()) << "still running 10 s after SIGTERM";
    EXPECT_TRUE(WIFEXITED(wstatus));
    EXPECT_EQ(WEXITSTATUS(wstatus), 0);
}

}  // namespace
