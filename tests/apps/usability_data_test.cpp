// The awet binary and the data a user points it at: relative paths that do not move with `cd`,
// the symbols traded (data.symbols) and nothing else, a training range that a replay is checked
// against, daily bars refused with the reason, and keys that do what they say.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "awet/core/ids.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "cli_support.hpp"

namespace {

using Run = awet::testing::CommandResult;
namespace fs = std::filesystem;

Run run(const std::string& args, const std::string& env = "") {
    return awet::testing::run_awet(args, env);
}
using awet::testing::json_of;

std::string bars_dir() { return (awet::testing::shared_data() / "bars" / "1min").string(); }

class UsabilityData : public ::testing::Test {
protected:
    void SetUp() override { awet::testing::write_cli_config(dir_); }
    std::string common() const {
        return "--config " + dir_.file("cfg.yaml") + " --db " + dir_.file("t.db");
    }
    /// A config that trades `symbols` only, else as write_cli_config's.
    std::string trading(const std::string& symbols) const {
        std::ofstream(dir_.file("cfg.yaml"), std::ios::app)
            << "data:\n  symbols: " << symbols << "\n";
        return common();
    }
    awet::testing::TempDir dir_;
};

TEST_F(UsabilityData, RelativePathsResolveAgainstTheConfigNotTheCurrentDirectory) {
    fs::create_directories(dir_.file("project/config"));
    fs::create_directories(dir_.file("elsewhere/deeper"));
    std::ofstream(dir_.file("project/config/plain.yaml"))
        << "execution:\n  approval_file: gate/APPROVE\n";
    std::ofstream(dir_.file("project/config/homed.yaml"))
        << "home: ..\nexecution:\n  approval_file: gate/APPROVE\n";
    const std::string plain = dir_.file("project/config/plain.yaml");
    const std::string homed = dir_.file("project/config/homed.yaml");

    // Without home: the config file's folder, from wherever awet starts.
    for (const std::string& cwd : {dir_.file("elsewhere"), dir_.file("elsewhere/deeper")}) {
        auto r = awet::testing::run_command("cd " + cwd + " && " + AWET_CLI + " approve --config " +
                                            plain);
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_NE(r.out.find(dir_.file("project/config/gate/APPROVE")), std::string::npos) << r.out;
        EXPECT_FALSE(fs::exists(cwd + "/gate")) << "the gate moved with cd to " << cwd;
    }
    // Revoked from another folder: the same file goes.
    auto revoke = awet::testing::run_command("cd " + dir_.file("elsewhere/deeper") + " && " +
                                             AWET_CLI + " revoke --config " + plain);
    ASSERT_EQ(revoke.code, 0) << revoke.out;
    EXPECT_FALSE(fs::exists(dir_.file("project/config/gate/APPROVE")));

    // home: .. in the file is the project folder.
    auto r = awet::testing::run_command("cd " + dir_.file("elsewhere") + " && " + AWET_CLI +
                                        " approve --config " + homed);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_TRUE(fs::exists(dir_.file("project/gate/APPROVE"))) << r.out;

    // AWET_HOME overrides it (relative to the current directory).
    auto env = awet::testing::run_command("cd " + dir_.file("elsewhere") + " && AWET_HOME=deeper " +
                                          AWET_CLI + " approve --config " + homed);
    ASSERT_EQ(env.code, 0) << env.out;
    EXPECT_TRUE(fs::exists(dir_.file("elsewhere/deeper/gate/APPROVE"))) << env.out;
}

TEST_F(UsabilityData, ARemovedKeySaysSoAndWhatBecameOfIt) {
    std::ofstream(dir_.file("old.yaml")) << "data:\n  symbols: [AAPL]\n  source: synthetic\n";
    auto r = run("positions --config " + dir_.file("old.yaml") + " --db " + dir_.file("t.db"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("config key 'data.source'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(line 3) was removed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("awet demo --data"), std::string::npos) << r.out;
}

TEST_F(UsabilityData, AReplayTradesOnlyTheConfiguredSymbols) {
    const std::string args = trading("[AAPL]");
    ASSERT_EQ(run("ingest csv " + bars_dir() + "/AAPL.csv " + bars_dir() + "/SPY.csv " + args).code,
              0);
    auto train = run("train --model linear " + args);
    ASSERT_EQ(train.code, 0) << train.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")));
    ASSERT_EQ(run("models promote " + std::string(m[1]) + " " + args).code, 0);
    ASSERT_EQ(run("approve " + args).code, 0);

    const auto replay = json_of(std::string(AWET_CLI) + " replay --days 2 --json " + args);
    ASSERT_TRUE(replay.is_object());
    ASSERT_TRUE(replay["skipped_symbols"].contains("SPY")) << replay.dump();
    EXPECT_GT(replay["skipped_symbols"]["SPY"].get<int64_t>(), 0);
    EXPECT_FALSE(replay["skipped_symbols"].contains("AAPL"));
    EXPECT_GT(replay["counters"]["signals"].get<int64_t>(), 0) << "nothing traded: proves nothing";
    const auto fills = json_of(std::string(AWET_CLI) + " trades --fills --json " + args);
    ASSERT_TRUE(fills.is_object()) << fills.dump();
    std::set<std::string> symbols;
    for (const auto& row : fills["trades"]) symbols.insert(row["symbol"].get<std::string>());
    for (const auto& trip : fills["round_trips"]) symbols.insert(trip["symbol"].get<std::string>());
    EXPECT_EQ(symbols, std::set<std::string>{"AAPL"}) << fills.dump();
}

TEST_F(UsabilityData, ADemoOnCsvBarsTradesOnlyTheConfiguredSymbols) {
    fs::create_directories(dir_.file("bars"));
    for (const char* s : {"AAPL", "SPY"}) {
        fs::create_symlink(bars_dir() + "/" + s + ".csv",
                           dir_.file(std::string("bars/") + s + ".csv"));
    }
    // The sandbox's data.symbols (the defaults) lack SPY.
    fs::create_directories(dir_.file("work"));
    const std::string demo = "cd " + dir_.file("work") + " && " + AWET_CLI +
                             " demo --days 1 --train-days 1 --data " + dir_.file("bars");
    const auto j = json_of(demo + " --json");
    ASSERT_TRUE(j.is_object());
    EXPECT_GT(j["skipped_symbols"]["SPY"].get<int64_t>(), 0) << j.dump();
    EXPECT_FALSE(j["skipped_symbols"].contains("AAPL")) << j.dump();
    auto text = awet::testing::run_command(demo + " 2>&1");
    ASSERT_EQ(text.code, 0) << text.out;
    EXPECT_TRUE(std::regex_search(text.out, std::regex("not traded\\s+SPY \\(\\d+ bars\\): not in "
                                                       "data.symbols")))
        << text.out;
    // None of them listed: refused, naming what the folder holds.
    auto refused = awet::testing::run_command(
        "cd " + dir_.file("work") + " && AWET_DATA_SYMBOLS=MSFT " + AWET_CLI +
        " demo --days 1 --train-days 1 --data " + dir_.file("bars") + " 2>&1");
    EXPECT_NE(refused.code, 0);
    EXPECT_NE(refused.out.find("none of data.symbols is in " + dir_.file("bars") +
                               " (it holds AAPL SPY)"),
              std::string::npos)
        << refused.out;
}

TEST_F(UsabilityData, TrainingHasARangeAndAReplayInsideItIsWarnedAbout) {
    const std::string args = common();
    ASSERT_EQ(
        run("ingest csv " + bars_dir() + "/AAPL.csv " + bars_dir() + "/NVDA.csv " + args).code, 0);
    auto reversed = run("train --model linear --from 2026-03-20 --to 2026-03-18 " + args);
    EXPECT_NE(reversed.code, 0);
    EXPECT_NE(reversed.out.find("the range is reversed"), std::string::npos) << reversed.out;

    // Trained up to 2026-03-18: the registry holds the range.
    const auto trained =
        json_of(std::string(AWET_CLI) + " train --model linear --to 2026-03-18 --json " + args);
    ASSERT_TRUE(trained.is_object());
    const std::string id = trained["model"]["model_id"];
    const std::string to = trained["model"]["trained_to"];
    EXPECT_EQ(to.substr(0, 10), "2026-03-18") << to;
    EXPECT_FALSE(trained["model"]["trained_from"].is_null());
    ASSERT_EQ(run("models promote " + id + " " + args).code, 0);
    ASSERT_EQ(run("approve " + args).code, 0);
    auto list = run("models list " + args);
    EXPECT_TRUE(std::regex_search(list.out, std::regex("\\d{4}-\\d\\d-\\d\\d\\.\\.2026-03-18")))
        << list.out;

    // A replay over its training days: warned, in text and in JSON.
    auto inside = run("replay --from 2026-03-18 --days 1 " + args);
    ASSERT_EQ(inside.code, 0) << inside.out;
    EXPECT_NE(inside.out.find("warning: in-sample"), std::string::npos) << inside.out;
    EXPECT_NE(inside.out.find("in the training range of " + id), std::string::npos) << inside.out;

    // After it: no warning.
    const auto after = json_of(std::string(AWET_CLI) + " replay --from 2026-03-19 --json " + args);
    ASSERT_TRUE(after.is_object());
    EXPECT_TRUE(after["in_sample"].is_null()) << after["in_sample"].dump();
    ASSERT_FALSE(after["sessions"].get<int64_t>() == 0);
}

TEST_F(UsabilityData, LongRunsShowProgressOnATerminalOnly) {
    fs::create_directories(dir_.file("work"));
    const std::string demo =
        "cd " + dir_.file("work") + " && " + AWET_CLI + " demo --days 2 --train-days 1";
    // A terminal (a pseudo-terminal from script(1)): one line, rewritten, with the share done.
    auto tty = awet::testing::run_command("script -qec '" + demo + "' /dev/null");
    ASSERT_EQ(tty.code, 0) << tty.out;
    EXPECT_TRUE(std::regex_search(tty.out, std::regex("demo: trading \\[ *\\d+%\\] \\d+ of \\d+ "
                                                      "bars, \\d{4}-\\d\\d-\\d\\d")))
        << tty.out;
    EXPECT_NE(tty.out.find("[100%]"), std::string::npos) << tty.out;
    // A pipe, and -q on a terminal: none.
    auto piped = awet::testing::run_command(demo + " 2>&1");
    ASSERT_EQ(piped.code, 0) << piped.out;
    EXPECT_EQ(piped.out.find("demo: trading ["), std::string::npos) << piped.out;
    auto quiet = awet::testing::run_command("script -qec '" + demo + " -q' /dev/null");
    ASSERT_EQ(quiet.code, 0) << quiet.out;
    EXPECT_EQ(quiet.out.find("demo: trading ["), std::string::npos) << quiet.out;
}

TEST_F(UsabilityData, DailyBarsAloneAreRefusedWithTheReason) {
    {
        auto store = awet::SqliteStore::open(dir_.file("t.db"));
        ASSERT_TRUE(store.ok()) << store.error().message;
        ASSERT_TRUE((*store)->migrate().ok());
        awet::IdGenerator ids(7);
        for (int d = 0; d < 3; ++d) {
            awet::MarketBar bar;
            bar.bar_start =
                *awet::Timestamp::parse("2026-03-16T00:00:00Z") + awet::Duration::days(d);
            bar.interval = awet::Duration::days(1);
            bar.header.event_id = ids.next();
            bar.header.correlation_id = ids.next();
            bar.header.idempotency_key =
                awet::IdempotencyKey("bar:AAPL:1d:" + std::to_string(bar.bar_start.ns()));
            bar.header.symbol = awet::Symbol("AAPL");
            bar.header.ts = bar.bar_start + bar.interval;
            bar.header.ts_init = bar.header.ts;
            bar.header.source = awet::Source::kIngestion;
            bar.open = bar.high = bar.low = bar.close = *awet::Price::parse("250");
            bar.volume = *awet::Quantity::parse("1000");
            ASSERT_TRUE((*store)->put_bar(bar).ok());
        }
        ASSERT_TRUE((*store)->flush().ok());
    }
    for (const std::string& cmd :
         {std::string("replay --days 1"), "features --out " + dir_.file("f.csv"),
          std::string("train --model linear")}) {
        auto r = run(cmd + " " + common());
        EXPECT_NE(r.code, 0) << cmd;
        EXPECT_NE(r.out.find(dir_.file("t.db") + ", only 3 daily bars (market_raw_day)"),
                  std::string::npos)
            << cmd << ": " << r.out;
        EXPECT_NE(r.out.find("--interval 1m"), std::string::npos) << cmd << ": " << r.out;
    }
}

}  // namespace
