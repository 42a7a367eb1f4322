// The awet binary as a demanding user meets it: what it says about itself, usage errors, a demo
// that trades out of the box and says why when it cannot, reads that never create a database,
// and counts that say where every signal went.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cli_support.hpp"

namespace {

using Run = awet::testing::CommandResult;

Run run(const std::string& args, const std::string& env = "") {
    return awet::testing::run_awet(args, env);
}
using awet::testing::json_of;

class UsabilityCli : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_.file("work"));
        awet::testing::write_cli_config(dir_);
    }
    std::string common() const {
        return "--config " + dir_.file("cfg.yaml") + " --db " + dir_.file("t.db");
    }
    /// A command run from an empty working directory (no config/awet.yaml there).
    std::string in_work(const std::string& args) const {
        return "cd " + dir_.file("work") + " && " + AWET_CLI + " " + args;
    }
    awet::testing::TempDir dir_;
};

TEST_F(UsabilityCli, VersionSaysTheRevisionBuildAndBackends) {
    auto r = run("--version");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("awet 0."), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("revision "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" build"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sqlite"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("kafka"), std::string::npos) << r.out;
}

TEST_F(UsabilityCli, AnUnknownCommandIsNamedWithTheCommandsThereAre) {
    auto r = run("bogus");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("unknown command 'bogus'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("replay"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << r.out;
}

TEST_F(UsabilityCli, NegativeCountsAndReversedRangesAreRefused) {
    for (const std::string args : {"trades --limit -1", "trades --limit 0", "replay --days -3",
                                   "demo --days 0", "demo --train-days -1"}) {
        auto r = run(args + " " + common());
        EXPECT_NE(r.code, 0) << args << ": " << r.out;
        EXPECT_NE(r.out.find("--help"), std::string::npos) << args << ": " << r.out;
    }
    auto reversed = run("replay --from 2026-03-20 --to 2026-03-18 " + common());
    EXPECT_NE(reversed.code, 0);
    EXPECT_NE(reversed.out.find("the range is reversed: --to 2026-03-18 is before --from "
                                "2026-03-20"),
              std::string::npos)
        << reversed.out;
}

TEST_F(UsabilityCli, ReadsOnADatabaseThatDoesNotExistCreateNothing) {
    const std::string missing = dir_.file("nope.db");
    for (const std::string cmd : {"trades", "positions", "pnl today", "models list",
                                  "trace 00000000-0000-4000-8000-000000000000"}) {
        auto r = run(cmd + " --config " + dir_.file("cfg.yaml") + " --db " + missing);
        EXPECT_NE(r.code, 0) << cmd << ": " << r.out;
        EXPECT_NE(r.out.find("no database at " + missing), std::string::npos)
            << cmd << ": " << r.out;
        EXPECT_FALSE(std::filesystem::exists(missing)) << cmd << " created " << missing;
    }
}

TEST_F(UsabilityCli, AnAgentOrVenueThatDoesNotAnswerIsSaidSoWithHowToStartIt) {
    const int port = awet::testing::free_tcp_port();
    auto health = run("health --agent risk=" + std::to_string(port) + " --timeout-ms 300");
    EXPECT_NE(health.code, 0);
    EXPECT_NE(health.out.find("nothing listens on 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << health.out;
    EXPECT_NE(health.out.find("awet agent risk"), std::string::npos) << health.out;

    auto demo = awet::testing::run_command(in_work("demo --days 1 --train-days 1 2>&1"));
    ASSERT_EQ(demo.code, 0) << demo.out;
    const std::string venue = "http://127.0.0.1:" + std::to_string(port);
    auto reconcile = awet::testing::run_command(
        in_work("reconcile --db var/demo.db --venue " + venue + " 2>&1"));
    EXPECT_EQ(reconcile.code, 2) << reconcile.out;
    EXPECT_NE(reconcile.out.find("no simulated venue answers at " + venue), std::string::npos)
        << reconcile.out;
    EXPECT_NE(reconcile.out.find("awet agent ingestion --replay"), std::string::npos)
        << reconcile.out;
}

TEST_F(UsabilityCli, AFractionalShareCapIsRefused) {
    std::ofstream(dir_.file("frac.yaml")) << "risk:\n  max_qty_per_trade: 2.5\n";
    auto r = run("positions --config " + dir_.file("frac.yaml") + " --db " + dir_.file("t.db"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("config key 'risk.max_qty_per_trade': must be a whole number of shares"),
              std::string::npos)
        << r.out;
}

TEST_F(UsabilityCli, TheDemoTradesInItsSandboxOutOfTheBoxAndSaysSo) {
    auto r = awet::testing::run_command(in_work("demo --days 1 --train-days 1 2>&1"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("the demo sandbox: simulated market and broker"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("0 submitted"), std::string::npos) << r.out;
    EXPECT_TRUE(std::filesystem::exists(dir_.file("work/var/demo.db")));

    // Its model, as a person reads the registry: a date, a status, the headline figure.
    auto list = awet::testing::run_command(in_work("models list --db var/demo.db 2>&1"));
    ASSERT_EQ(list.code, 0) << list.out;
    EXPECT_TRUE(std::regex_search(
        list.out,
        std::regex("\\s+green\\s+\\d{4}-\\d\\d-\\d\\d\\s+\\d{4}-\\d\\d-\\d\\d\\.\\.\\d{4}-"
                   "\\d\\d-\\d\\d\\s+validation pinball x1e4: model [0-9.]+, "
                   "empirical [0-9.]+")))
        << list.out;
    EXPECT_EQ(list.out.find("{\""), std::string::npos) << "raw JSON in the table:\n" << list.out;
}

TEST_F(UsabilityCli, TradesAreRoundTripsWithPnlAndHoldingTimeAndTheRowsOnRequest) {
    auto demo = awet::testing::run_command(in_work("demo --days 2 --train-days 1 2>&1"));
    ASSERT_EQ(demo.code, 0) << demo.out;
    auto trips = awet::testing::run_command(in_work("trades --limit 5 --db var/demo.db 2>&1"));
    ASSERT_EQ(trips.code, 0) << trips.out;
    // A row: closed at, symbol, long, qty, entry and exit as money, net PnL signed, time held.
    EXPECT_TRUE(std::regex_search(
        trips.out,
        std::regex("\\S+Z\\s+[A-Z]+\\s+long\\s+\\d+\\s+\\$[0-9,]+\\.\\d\\d\\s+\\$[0-9,]+\\."
                   "\\d\\d\\s+[+-]\\$[0-9,]+\\.\\d\\d\\s+\\d+(m|h\\d\\dm|d\\d\\dh)\\n")))
        << trips.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        trips.out, m,
        std::regex(
            "(\\d+) round trips, net [+-]\\$[0-9,]+\\.\\d\\d after fees \\(the newest 5 shown\\)")))
        << trips.out;
    const auto j = json_of("cd " + dir_.file("work") + " && " + AWET_CLI +
                           " trades --limit 5 --json --db var/demo.db");
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["round_trips_total"].get<size_t>(), std::stoul(m[1]));
    ASSERT_EQ(j["round_trips"].size(), 5U);
    EXPECT_TRUE(j["round_trips"][0].contains("holding_seconds"));
    auto rows =
        awet::testing::run_command(in_work("trades --fills --limit 5 --db var/demo.db 2>&1"));
    ASSERT_EQ(rows.code, 0) << rows.out;
    EXPECT_NE(rows.out.find("CORRELATION_ID"), std::string::npos) << rows.out;
    EXPECT_NE(rows.out.find("filled"), std::string::npos) << rows.out;
}

TEST_F(UsabilityCli, ADemoWhoseConfigBlocksEveryOrderSaysWhyAndWhatToDo) {
    std::ofstream(dir_.file("dry.yaml"))
        << "execution:\n  dry_run: true\n  approval_file: " << dir_.file("APPROVE")
        << "\nprediction:\n  model_dir: " << dir_.file("models") << "\nlogging:\n  level: error\n";
    auto r = run("demo --days 1 --train-days 1 --config " + dir_.file("dry.yaml") + " --db " +
                 dir_.file("dry.db"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("every order is blocked by execution.dry_run=true"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("without --config for the demo sandbox"), std::string::npos) << r.out;
}

TEST_F(UsabilityCli, StartingCashIsAKeyTheSimulatedAccountOpensWith) {
    const auto j =
        json_of("cd " + dir_.file("work") + " && AWET_EXECUTION_STARTING_CASH_USD=50000 " +
                AWET_CLI + " demo --days 1 --train-days 1 --json --db " + dir_.file("cash.db"));
    ASSERT_TRUE(j.is_object());
    const double equity = std::stod(j["broker_equity"].get<std::string>());
    EXPECT_GT(equity, 45'000) << j["broker_equity"];
    EXPECT_LT(equity, 55'000) << j["broker_equity"];
    EXPECT_EQ(j["sandbox"], true);
}

TEST_F(UsabilityCli, SellSignalsIgnoredInLongOnlyModeAreCounted) {
    const std::string demo = "cd " + dir_.file("work") + " && ";
    const auto long_only = json_of(demo + AWET_CLI + " demo --days 2 --train-days 1 --json --db " +
                                   dir_.file("long.db"));
    ASSERT_TRUE(long_only.is_object());
    const auto sells = long_only["signals_ignored"]["sells_long_only"].get<uint64_t>();
    EXPECT_GT(sells, 0U) << "no SELL signal in the run: the test proves nothing";
    auto text = awet::testing::run_command(demo + AWET_CLI + " demo --days 2 --train-days 1 --db " +
                                           dir_.file("long.db") + " 2>&1");
    ASSERT_EQ(text.code, 0) << text.out;
    EXPECT_NE(text.out.find("SELL signals ignored     " + std::to_string(sells) +
                            ": long-only (risk.allow_short=false)"),
              std::string::npos)
        << text.out;
    const auto shorts =
        json_of(demo + "AWET_RISK_ALLOW_SHORT=true " + AWET_CLI +
                " demo --days 2 --train-days 1 --json --db " + dir_.file("short.db"));
    ASSERT_TRUE(shorts.is_object());
    EXPECT_EQ(shorts["signals_ignored"]["sells_long_only"], 0);
}

}  // namespace

namespace {

// `make help` names every target it lists, and the operations targets bring the CLI up to date
// without running the install again (awet-bin, not cli -> configure -> deps).
TEST(UsabilityMake, HelpListsRealTargetsAndOperationsDoNotReinstall) {
    const std::string source = AWET_SOURCE_DIR;
    auto help = awet::testing::run_command("make -s -C " + source + " help 2>&1");
    ASSERT_EQ(help.code, 0) << help.out;
    const std::string makefile = awet::testing::read_text(source + "/Makefile");
    for (const char* target : {"demo", "test", "bench", "trades", "positions", "pnl-today",
                               "list-models", "train", "replay", "reconcile", "backfill"}) {
        EXPECT_NE(help.out.find(target), std::string::npos) << target << "\n" << help.out;
        EXPECT_NE(makefile.find("\n" + std::string(target) + ":"), std::string::npos) << target;
    }
    for (const char* op : {"trades", "positions", "pnl-today", "list-models", "replay"}) {
        EXPECT_NE(makefile.find("\n" + std::string(op) + ": awet-bin"), std::string::npos) << op;
    }
    // make demo, then make trades: the same database.
    EXPECT_NE(help.out.find("DB=var/"), std::string::npos) << help.out;
    EXPECT_NE(makefile.find("$(if $(wildcard var/awet.db),var/awet.db,var/demo.db)"),
              std::string::npos);
}

}  // namespace

namespace {

// The bash completion is generated from the command line itself: every command and option.
TEST(UsabilityCompletion, BashCompletesCommandsSubCommandsAndOptions) {
    awet::testing::TempDir dir;
    auto gen = awet::testing::run_command(std::string(AWET_CLI) + " completion bash > " +
                                          dir.file("awet.bash") + " 2>&1");
    ASSERT_EQ(gen.code, 0) << gen.out;
    auto complete = [&dir](const std::string& words, int cword) {
        const std::string script = "source " + dir.file("awet.bash") + "; COMP_WORDS=(" + words +
                                   "); COMP_CWORD=" + std::to_string(cword) +
                                   "; _awet; echo \"${COMPREPLY[*]}\"";
        std::ofstream(dir.file("t.sh")) << script << "\n";
        return awet::testing::run_command("bash " + dir.file("t.sh")).out;
    };
    EXPECT_EQ(complete("awet rep", 1), "replay\n");
    EXPECT_EQ(complete("awet trades --li", 2), "--limit\n");
    EXPECT_EQ(complete("awet models pro", 2), "promote\n");
    EXPECT_EQ(complete("awet ingest yahoo --sym", 3), "--symbols\n");
    EXPECT_EQ(complete("awet --vers", 1), "--version\n");
    auto syntax = awet::testing::run_command("bash -n " + dir.file("awet.bash") + " 2>&1");
    EXPECT_EQ(syntax.code, 0) << syntax.out;
}

}  // namespace

namespace {

// Logs: text lines for a person at a terminal, JSON lines for a pipe or a file (logging.format
// auto, the default); -v adds the debug lines, -q leaves the errors only.
TEST(UsabilityLogs, TextOnATerminalJsonOtherwiseAndQuietOrVerbose) {
    awet::testing::TempDir dir;
    std::ofstream(dir.file("cfg.yaml"))
        << "execution:\n  dry_run: false\n  approval_file: " << dir.file("APPROVE")
        << "\nprediction:\n  model_dir: " << dir.file("models") << "\nlogging:\n  level: info\n";
    const std::string demo = std::string(AWET_CLI) + " demo --days 1 --train-days 1 --config " +
                             dir.file("cfg.yaml") + " --db " + dir.file("d.db");
    // A pipe: JSON lines on stderr (stdout dropped).
    auto piped = awet::testing::run_command("(" + demo + " -v 2>&1 >/dev/null)");
    ASSERT_EQ(piped.code, 0) << piped.out;
    EXPECT_NE(piped.out.find("{\"ts\":"), std::string::npos) << piped.out;
    EXPECT_NE(piped.out.find("\"level\":\"debug\""), std::string::npos) << piped.out;
    // A terminal (a pseudo-terminal from script(1)): text lines.
    auto tty = awet::testing::run_command("script -qec '" + demo + " -v' /dev/null");
    ASSERT_EQ(tty.code, 0) << tty.out;
    EXPECT_TRUE(std::regex_search(tty.out, std::regex("\\d{4}-\\d\\d-\\d\\dT\\S+Z debug \\[")))
        << tty.out;
    EXPECT_EQ(tty.out.find("{\"ts\":"), std::string::npos) << tty.out;
    // -q: nothing below an error.
    auto quiet = awet::testing::run_command("(" + demo + " -q 2>&1 >/dev/null)");
    ASSERT_EQ(quiet.code, 0) << quiet.out;
    EXPECT_EQ(quiet.out.find("\"level\":\"info\""), std::string::npos) << quiet.out;
    EXPECT_EQ(quiet.out.find("\"level\":\"debug\""), std::string::npos) << quiet.out;
}

}  // namespace
