// AWET as separate processes on the production backends: a throwaway PostgreSQL 15, a throwaway
// Redis (the risk agent's shared limits), librdkafka's mock Kafka cluster (3 brokers, 4 partitions
// per topic, `awet dev-kafka`; events in Avro), every agent started by
// scripts/awet_start.sh as its own `awet agent` process, the ingestion agent replaying real
// 1-minute bars in lock step. The reconciler, the execution agent and the exit agent are killed
// (SIGKILL) in the middle of the trading and restarted; the run must end with the same trades as
// the embedded run of the same data — nothing lost, nothing doubled — and a real Prometheus
// scrapes every agent's /metrics.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "awet_test_support.hpp"
#include "child_process.hpp"
#include "pg_server.hpp"
#include "redis_server.hpp"

namespace {

using awet::testing::run_command;
using nlohmann::json;

std::string slurp(const std::string& path) { return awet::testing::read_text(path); }

/// Ten consecutive free loopback ports (agents BASE+1..+8, venue +9), starting at a random base.
int free_port_base() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        const int probe = awet::testing::free_tcp_port();
        if (probe <= 0) continue;
        const int base = 20000 + (probe % 30000);
        bool all_free = true;
        for (int i = 1; i <= 9 && all_free; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = htons(static_cast<uint16_t>(base + i));
            all_free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(fd);
        }
        if (all_free) return base;
    }
    return -1;
}

/// Waits until `pred` holds (true) or the timeout passes (false).
template <class Pred>
bool wait_for(Pred pred, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return pred();
}

class MultiProcess : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(pg_.ok()) << pg_.error();
        ASSERT_TRUE(redis_.ok()) << redis_.error();
        for (const char* db : {"embedded", "multi"}) {
            auto r = run_command("psql -h 127.0.0.1 -p " + std::to_string(pg_.port()) +
                                 " -U postgres -c 'CREATE DATABASE " + db + "'");
            ASSERT_EQ(r.code, 0) << r.out;
        }
        std::ofstream(dir_.file("cfg.yaml"))
            << "execution:\n  dry_run: false\n  approval_file: " << dir_.file("APPROVE")
            << "\nprediction:\n  model_dir: " << dir_.file("models")
            << "\nstore:\n  backend: postgres\nlogging:\n  level: info\n  format: text\n";
    }

    std::string env(const std::string& db) const {
        std::string e = "AWET_STORE_POSTGRES_URL=" + pg_.url(db);
        // The agent processes: risk limits shared in Redis, events as Avro (Confluent wire
        // format, local schema catalogue). The embedded reference keeps the in-process defaults.
        if (db == "multi") {
            e += " AWET_RISK_STATE_BACKEND=redis AWET_RISK_REDIS_URL=" + redis_.url() +
                 " AWET_BUS_CODEC=avro";
        }
        return e;
    }
    awet::testing::CommandResult awet(const std::string& db, const std::string& args) const {
        return run_command(env(db) + " " + AWET_CLI + " " + args + " --config " +
                           dir_.file("cfg.yaml"));
    }
    /// Ingest the real bars, train the baseline, promote it, open the approval gate: the same
    /// commands, the same seed, so both databases hold the same model.
    void prepare(const std::string& db) {
        const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
        auto r = awet(db, "ingest csv " + bars + "/AAPL.csv " + bars + "/MSFT.csv");
        ASSERT_EQ(r.code, 0) << r.out;
        r = awet(db, "train --model linear");
        ASSERT_EQ(r.code, 0) << r.out;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(r.out, m, std::regex("registered (\\S+) as candidate")));
        ASSERT_EQ(awet(db, "models promote " + std::string(m[1])).code, 0);
        ASSERT_EQ(awet(db, "approve").code, 0);
    }
    /// symbol|side|qty|status|filled_qty|intent per trade, in key order.
    std::string trades(const std::string& db) const {
        auto r = run_command("psql -At -h 127.0.0.1 -p " + std::to_string(pg_.port()) +
                             " -U postgres -d " + db +
                             " -c \"SELECT idempotency_key, symbol, side, qty, status, filled_qty "
                             "FROM trades ORDER BY idempotency_key\"");
        EXPECT_EQ(r.code, 0) << r.out;
        return r.out;
    }
    std::string script(const std::string& name, const std::string& args) const {
        return "cd " + std::string(AWET_SOURCE_DIR) + " && " + env("multi") +
               " AWET_BIN=" + AWET_CLI + " AWET_PORT_BASE=" + std::to_string(base_) + " scripts/" +
               name + " --run-dir " + run_dir() + " " + args;
    }
    std::string run_dir() const { return dir_.file("run"); }

    awet::testing::PgServer pg_;
    awet::testing::RedisServer redis_;
    awet::testing::TempDir dir_;
    int base_ = -1;
};

TEST_F(MultiProcess, EveryAgentItsOwnProcessSameTradesAsEmbeddedAcrossAgentRestarts) {
    prepare("embedded");
    prepare("multi");
    if (HasFatalFailure()) return;

    // The reference: the embedded pipeline (one process, in-process bus) on the same session.
    auto embedded = awet("embedded", "replay --from 2026-03-20 --days 1");
    ASSERT_EQ(embedded.code, 0) << embedded.out;
    const std::string expected = trades("embedded");
    ASSERT_FALSE(expected.empty());

    // The stack: dev-kafka + eight agent processes on ports BASE+1..+8, venue on BASE+9.
    base_ = free_port_base();
    ASSERT_GT(base_, 0);
    auto started = run_command(
        script("awet_start.sh", "--config " + dir_.file("cfg.yaml") +
                                    " --dev-kafka --replay-from 2026-03-20 --replay-days 1"));
    ASSERT_EQ(started.code, 0) << started.out;
    struct StopAtExit {
        std::string command;
        ~StopAtExit() { run_command(command); }
    } stop_at_exit{script("awet_stop.sh", "")};
    const std::string log = run_dir() + "/ingestion.log";

    // Every agent answers /health (awet health with this run's ports).
    std::string agents;
    int offset = 1;
    for (const char* a : {"ingestion", "features", "prediction", "risk", "execution", "watchtower",
                          "exit", "reconciler"}) {
        agents += std::string(" --agent ") + a + "=" + std::to_string(base_ + offset++);
    }
    ASSERT_TRUE(
        wait_for([&] { return run_command(std::string(AWET_CLI) + " health" + agents).code == 0; },
                 std::chrono::seconds(30)))
        << run_command(std::string(AWET_CLI) + " health" + agents).out;

    // The venue (BASE+9) answers only the execution agent's token, which awet_start.sh made and
    // keeps where only its owner can read it.
    httplib::Client venue("127.0.0.1", base_ + 9);
    int anonymous = 0;
    ASSERT_TRUE(wait_for(
        [&] {
            auto r = venue.Get("/v1/account");
            anonymous = r ? r->status : 0;
            return anonymous != 0;
        },
        std::chrono::seconds(60)));
    EXPECT_EQ(anonymous, 401);
    struct stat token_file {};
    ASSERT_EQ(::stat((run_dir() + "/venue.token").c_str(), &token_file), 0);
    EXPECT_EQ(token_file.st_mode & 0777, 0600);

    // A real Prometheus scrapes the eight /metrics endpoints.
    const int prom_port = awet::testing::free_tcp_port();
    {
        std::ofstream yml(dir_.file("prometheus.yml"));
        yml << "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: awet\n"
            << "    static_configs: [{targets: [";
        for (int i = 1; i <= 8; ++i)
            yml << (i > 1 ? ", " : "") << "'127.0.0.1:" << base_ + i << "'";
        yml << "]}]\n";
    }
    awet::testing::ChildProcess prometheus(
        {"prometheus", "--config.file=" + dir_.file("prometheus.yml"),
         "--storage.tsdb.path=" + dir_.file("tsdb"),
         "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=error"});

    // Kill the reconciler, the execution agent and the exit agent (SIGKILL: no clean shutdown)
    // while the trading goes on, each at its own point, and start each again: the execution
    // agent takes its orders back from the store, the exit agent its open lots.
    for (const auto& [agent, progress] :
         {std::pair<std::string, const char*>{"reconciler", "replayed 400 of"},
          {"execution", "replayed 600 of"},
          {"exit", "replayed 700 of"}}) {  // (the ingestion log says every 100 bars; orders
                                           // start between bars 500 and 600)
        SCOPED_TRACE(agent);
        const std::string at = progress;
        ASSERT_TRUE(wait_for([&] { return slurp(log).find(at) != std::string::npos; },
                             std::chrono::seconds(240)))
            << slurp(log);
        const std::string pid_file = run_dir() + "/" + agent + ".pid";
        const pid_t victim = static_cast<pid_t>(std::stol(slurp(pid_file)));
        ASSERT_EQ(::kill(victim, SIGKILL), 0);
        std::this_thread::sleep_for(std::chrono::seconds(1));
        auto restarted =
            run_command(script("awet_start.sh", "--config " + dir_.file("cfg.yaml") + " " + agent));
        ASSERT_EQ(restarted.code, 0) << restarted.out;
        EXPECT_NE(std::stol(slurp(pid_file)), victim);
    }

    ASSERT_TRUE(wait_for([&] { return slurp(log).find("replay done") != std::string::npos; },
                         std::chrono::seconds(240)))
        << slurp(log);

    // The same trades: count, symbols, sides, quantities, states — by idempotency key.
    EXPECT_EQ(trades("multi"), expected);
    std::smatch m;
    const std::string done = slurp(log);
    ASSERT_TRUE(std::regex_search(done, m, std::regex("replay done: (\\d+) bars, (\\d+) orders")));
    EXPECT_EQ(m[1], "780");
    // Orders at the venue == trade rows that reached it: none sent twice.
    const long trade_rows = std::count(expected.begin(), expected.end(), '\n');
    EXPECT_EQ(std::stol(m[2]), trade_rows);

    // The risk agent kept its limits in Redis.
    auto keys = run_command("redis-cli -p " + std::to_string(redis_.port()) +
                            " --scan --pattern 'awet:risk:awet:*'");
    EXPECT_EQ(keys.code, 0) << keys.out;
    EXPECT_FALSE(keys.out.empty()) << "no awet:risk:awet:* keys in Redis";

    // Prometheus has scraped all eight agents and sees the events the features agent handled.
    httplib::Client api("127.0.0.1", prom_port);
    json up, events;
    ASSERT_TRUE(wait_for(
        [&] {
            auto r = api.Get("/api/v1/query?query=sum(up%7Bjob%3D%22awet%22%7D)");
            auto e = api.Get(
                "/api/v1/query?query=sum(events_processed_total%7Bagent%3D%22features%22%7D)");
            if (!r || r->status != 200 || !e || e->status != 200) return false;
            up = json::parse(r->body)["data"]["result"];
            events = json::parse(e->body)["data"]["result"];
            return !up.empty() && up[0]["value"][1] == "8" && !events.empty() &&
                   events[0]["value"][1] == "780";
        },
        std::chrono::seconds(30)))
        << up.dump() << " " << events.dump();
}

}  // namespace
