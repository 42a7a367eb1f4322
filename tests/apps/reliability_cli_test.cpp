// The awet binary against what a user's data must survive: a demo never replaces a file it did
// not make, a replay never overwrites results it did not produce, one writer per store, an
// approval gate that only AWET's own file opens, positions that carry over between runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace {

using Run = awet::testing::CommandResult;
using awet::testing::read_text;

Run run(const std::string& args, const std::string& env = "") {
    return awet::testing::run_command(env + " " + AWET_CLI + " " + args);
}

size_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class ReliabilityCli : public ::testing::Test {
protected:
    void SetUp() override { awet::testing::write_cli_config(dir_); }
    std::string config() const { return "--config " + dir_.file("cfg.yaml"); }
    std::string common() const { return config() + " --db " + dir_.file("t.db"); }
    awet::testing::TempDir dir_;
};

TEST_F(ReliabilityCli, DemoNeverReplacesAFileItDidNotMake) {
    // A text file and a database of real bars at the path the demo is told to use.
    std::ofstream(dir_.file("precious.txt")) << "not a database\n";
    auto text =
        run("demo --days 1 --train-days 1 " + config() + " --db " + dir_.file("precious.txt"));
    EXPECT_NE(text.code, 0);
    EXPECT_NE(text.out.find("precious.txt"), std::string::npos) << text.out;
    EXPECT_EQ(lines(text.out), 1u) << text.out;
    EXPECT_EQ(read_text(dir_.file("precious.txt")), "not a database\n");

    const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
    ASSERT_EQ(run("ingest csv " + bars + "/AAPL.csv " + common()).code, 0);
    const std::string before = read_text(dir_.file("t.db"));
    auto real = run("demo --days 1 --train-days 1 " + common());
    EXPECT_NE(real.code, 0);
    EXPECT_NE(real.out.find("not a database an earlier `awet demo` made"), std::string::npos)
        << real.out;
    EXPECT_EQ(read_text(dir_.file("t.db")), before);
    auto positions = run("ingest csv " + bars + "/AAPL.csv " + common());
    EXPECT_NE(positions.out.find("0 stored"), std::string::npos) << positions.out;

    // Its own database: made, then replaced by the next demo.
    const std::string demo_db = dir_.file("mine.db");
    auto first = run("demo --days 1 --train-days 1 --seed 3 " + config() + " --db " + demo_db);
    ASSERT_EQ(first.code, 0) << first.out;
    auto second = run("demo --days 1 --train-days 1 --seed 3 " + config() + " --db " + demo_db);
    ASSERT_EQ(second.code, 0) << second.out;
    // Same seed, fresh database: the same summary.
    EXPECT_EQ(first.out, second.out);
}

TEST_F(ReliabilityCli, DemoDefaultsToItsOwnDatabaseNotTheConfiguredStore) {
    // A folder with config/awet.yaml whose store holds a user's data.
    std::filesystem::create_directories(dir_.file("work/config"));
    std::filesystem::copy_file(dir_.file("cfg.yaml"), dir_.file("work/config/awet.yaml"));
    std::ofstream(dir_.file("work/config/awet.yaml"), std::ios::app) << "home: ..\n";
    const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
    const std::string cd = "cd " + dir_.file("work") + " && ";
    auto ingest =
        awet::testing::run_command(cd + AWET_CLI + " ingest csv " + bars + "/AAPL.csv 2>&1");
    ASSERT_EQ(ingest.code, 0) << ingest.out;
    const std::string before = read_text(dir_.file("work/var/awet.db"));
    ASSERT_FALSE(before.empty());
    auto demo = awet::testing::run_command(cd + AWET_CLI + " demo --days 1 --train-days 1 2>&1");
    ASSERT_EQ(demo.code, 0) << demo.out;
    EXPECT_NE(demo.out.find("var/demo.db"), std::string::npos) << demo.out;
    EXPECT_TRUE(std::filesystem::exists(dir_.file("work/var/demo.db")));
    EXPECT_EQ(read_text(dir_.file("work/var/awet.db")), before);
}

/// Real bars, a trained and promoted baseline, the gate open: a store ready to replay.
class ReplayCli : public ReliabilityCli {
protected:
    void SetUp() override {
        ReliabilityCli::SetUp();
        const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
        std::ofstream(dir_.file("cfg.yaml"), std::ios::app) << "exits:\n  flat_at_close: false\n";
        ASSERT_EQ(run("ingest csv " + bars + "/AAPL.csv " + bars + "/NVDA.csv " + common()).code,
                  0);
        auto train = run("train --model linear " + common());
        ASSERT_EQ(train.code, 0) << train.out;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")));
        ASSERT_EQ(run("models promote " + std::string(m[1]) + " " + common()).code, 0);
        ASSERT_EQ(run("approve " + common()).code, 0);
    }
};

TEST_F(ReplayCli, ASecondRunCarriesThePositionsAndARerunIsRefused) {
    auto first = run("replay --from 2026-03-20 --days 1 " + common());
    ASSERT_EQ(first.code, 0) << first.out;
    auto pnl_first = run("pnl today --date 2026-03-20 " + common());
    ASSERT_EQ(pnl_first.code, 0);

    // The same range again: refused in one line, nothing changed.
    auto again = run("replay --from 2026-03-20 --days 1 " + common());
    EXPECT_NE(again.code, 0);
    EXPECT_NE(again.out.find("--fresh"), std::string::npos) << again.out;
    EXPECT_EQ(lines(again.out), 1u) << again.out;
    EXPECT_EQ(run("pnl today --date 2026-03-20 " + common()).out, pnl_first.out);

    // The next session: the positions left open are carried over and managed.
    auto second = run("replay --from 2026-03-23 --days 1 " + common());
    ASSERT_EQ(second.code, 0) << second.out;
    EXPECT_NE(second.out.find("carried over"), std::string::npos) << second.out;
    EXPECT_NE(second.out.find("book matches broker"), std::string::npos) << second.out;
    // `pnl today` (the run's own row) and `eod` (recomputed from the store) agree.
    auto today = run("pnl today --date 2026-03-23 " + common());
    auto eod = run("eod --date 2026-03-23 " + common());
    ASSERT_EQ(today.code, 0);
    ASSERT_EQ(eod.code, 0);
    auto total_line = [](const std::string& table) {
        const auto at = table.find("TOTAL");
        return at == std::string::npos ? std::string() : table.substr(at);
    };
    EXPECT_FALSE(total_line(today.out).empty()) << today.out;
    EXPECT_EQ(total_line(today.out), total_line(eod.out)) << today.out << eod.out;

    // --fresh starts over, keeping the bars and the model.
    auto fresh = run("replay --from 2026-03-20 --days 1 --fresh " + common());
    ASSERT_EQ(fresh.code, 0) << fresh.out;
    EXPECT_NE(fresh.out.find("earlier results removed"), std::string::npos) << fresh.out;
    EXPECT_EQ(run("pnl today --date 2026-03-20 " + common()).out, pnl_first.out);
}

TEST_F(ReplayCli, OneWriterPerStoreAtATimeReadersUnaffected) {
    const std::string me = "PID " + std::to_string(::getpid());
    {
        // This process holds the store as a run does: every other writer is refused, naming it.
        auto store = awet::SqliteStore::open(dir_.file("t.db"));
        ASSERT_TRUE(store.ok());
        auto lease = (*store)->acquire_writer(awet::WriterMode::kExclusive, "", "a test run");
        ASSERT_TRUE(lease.ok()) << lease.error().message;
        for (const char* writer : {"replay --from 2026-03-20", "eod --date 2026-03-20",
                                   "ingest csv " AWET_SHARED_DATA "/bars/1min/MSFT.csv"}) {
            auto r = run(std::string(writer) + " " + common());
            EXPECT_NE(r.code, 0) << writer;
            EXPECT_NE(r.out.find("in use by " + me), std::string::npos) << writer << ": " << r.out;
            EXPECT_EQ(lines(r.out), 1u) << r.out;
        }
        // Readers never wait for it.
        EXPECT_EQ(run("trades --limit 1 " + common()).code, 0);
        EXPECT_EQ(run("positions " + common()).code, 0);
    }
    {
        // Shared (as the agents of a stack hold it): other additive writers go on, a run does not.
        auto store = awet::SqliteStore::open(dir_.file("t.db"));
        ASSERT_TRUE(store.ok());
        auto lease = (*store)->acquire_writer(awet::WriterMode::kShared, "", "a test agent");
        ASSERT_TRUE(lease.ok()) << lease.error().message;
        auto replay = run("replay --from 2026-03-20 " + common());
        EXPECT_NE(replay.code, 0);
        EXPECT_NE(replay.out.find("in use by " + me), std::string::npos) << replay.out;
        EXPECT_EQ(run("eod --date 2026-03-20 " + common()).code, 0);
    }
    // Released with the lease: the replay runs.
    auto replay = run("replay --from 2026-03-20 --days 1 " + common());
    EXPECT_EQ(replay.code, 0) << replay.out;
}

TEST_F(ReplayCli, ConcurrentReplaysOnOneStoreLeaveOneConsistentResult) {
    // Three replays at once: one runs, the others are refused (busy, or the range already run);
    // the store ends with one run's results, whatever the timing.
    std::vector<pid_t> children;
    for (int i = 0; i < 3; ++i) {
        const std::string cmd = std::string("exec ") + AWET_CLI + " replay --from 2026-03-20 " +
                                common() + " > " + dir_.file("r" + std::to_string(i) + ".log") +
                                " 2>&1";
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        children.push_back(child);
    }
    int succeeded = 0;
    for (size_t i = 0; i < children.size(); ++i) {
        int status = 0;
        ASSERT_EQ(::waitpid(children[i], &status, 0), children[i]);
        const std::string out = read_text(dir_.file("r" + std::to_string(i) + ".log"));
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ++succeeded;
        } else {
            EXPECT_TRUE(out.find("in use by PID") != std::string::npos ||
                        out.find("already holds the results") != std::string::npos)
                << out;
        }
    }
    EXPECT_EQ(succeeded, 1);
    // The result is one run's: a replay on a fresh copy of the store gives the same PnL table.
    auto table = run("pnl week --date 2026-03-27 " + common());
    ASSERT_EQ(table.code, 0);
    EXPECT_NE(table.out.find("2026-03-2"), std::string::npos) << table.out;
    auto fresh = run("replay --from 2026-03-20 --fresh " + common());
    ASSERT_EQ(fresh.code, 0) << fresh.out;
    EXPECT_EQ(run("pnl week --date 2026-03-27 " + common()).out, table.out);
}

TEST_F(ReliabilityCli, ApprovalGateOpensOnlyForAwetsOwnFile) {
    // A directory at the approval path: approve refuses, nothing is opened, revoke leaves it.
    std::filesystem::create_directories(dir_.file("APPROVE"));
    auto approve = run("approve " + common());
    EXPECT_NE(approve.code, 0);
    EXPECT_NE(approve.out.find("not replaced"), std::string::npos) << approve.out;
    EXPECT_NE(run("revoke " + common()).code, 0);
    EXPECT_TRUE(std::filesystem::is_directory(dir_.file("APPROVE")));
    std::filesystem::remove(dir_.file("APPROVE"));

    // Someone's file: never truncated, never deleted.
    std::ofstream(dir_.file("APPROVE")) << "keep me\n";
    EXPECT_NE(run("approve " + common()).code, 0);
    EXPECT_NE(run("revoke " + common()).code, 0);
    EXPECT_EQ(read_text(dir_.file("APPROVE")), "keep me\n");
    std::filesystem::remove(dir_.file("APPROVE"));

    // AWET's own file: approve, approve again, revoke.
    EXPECT_EQ(run("approve " + common()).code, 0);
    EXPECT_EQ(run("approve " + common()).code, 0);
    EXPECT_EQ(run("revoke " + common()).code, 0);
    EXPECT_FALSE(std::filesystem::exists(dir_.file("APPROVE")));
}

}  // namespace
