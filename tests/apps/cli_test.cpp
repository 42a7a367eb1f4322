// The awet binary as a user runs it: help, exit codes, one-line errors, and the main flows.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "awet_test_support.hpp"
#include "pg_server.hpp"

namespace {

using Run = awet::testing::CommandResult;

Run run(const std::string& args, const std::string& env = "") {
    return awet::testing::run_command(env + " " + AWET_CLI + " " + args);
}

class Cli : public ::testing::Test {
protected:
    void SetUp() override { awet::testing::write_cli_config(dir_); }
    std::string common() const {
        return "--config " + dir_.file("cfg.yaml") + " --db " + dir_.file("t.db");
    }
    awet::testing::TempDir dir_;
};

TEST_F(Cli, EveryCommandHasHelp) {
    for (const char* cmd :
         {"demo", "ingest csv", "features", "replay", "train", "models list", "models promote",
          "models deprecate", "models export-onnx", "approve", "revoke", "pnl", "eod", "trace",
          "positions", "trades", "eval", "predict"}) {
        auto r = run(std::string(cmd) + " --help");
        EXPECT_EQ(r.code, 0) << cmd << "\n" << r.out;
        EXPECT_NE(r.out.find("--config"), std::string::npos) << cmd;
        EXPECT_NE(r.out.find("--db"), std::string::npos) << cmd;
    }
}

TEST_F(Cli, BadConfigKeyFailsWithOneLineNamingIt) {
    std::ofstream(dir_.file("bad.yaml")) << "risk:\n  max_notional: 5\n";
    auto r = run("positions --config " + dir_.file("bad.yaml") + " --db " + dir_.file("t.db"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("risk.max_notional"), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(Cli, EnvOverrideIsValidated) {
    auto r = run("positions " + common(), "AWET_RISK_COOLDOWN_MINUTES=soon");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("AWET_RISK_COOLDOWN_MINUTES"), std::string::npos) << r.out;
}

TEST_F(Cli, IngestReportsBadRowsByLineAndKeepsGoodOnes) {
    std::ofstream(dir_.file("bars.csv"))
        << "ts,symbol,open,high,low,close,volume\n"
        << "2026-03-12T13:30:00Z,AAPL,258.64,258.95,257.45,257.99,1169548\n"
        << "2026-03-12T13:31:00Z,AAPL,abc,258.2,257.7,257.91,186041\n"
        << "2026-03-12T13:32:00Z,AAPL,257.91,258.22,257.79,258.22,119336\n";
    auto r = run("ingest csv " + dir_.file("bars.csv") + " " + common());
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(":3:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("open"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2 stored"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 rejected"), std::string::npos) << r.out;
    // Ingesting again stores nothing twice.
    auto again = run("ingest csv " + dir_.file("bars.csv") + " " + common());
    EXPECT_NE(again.out.find("0 stored, 2 already present"), std::string::npos) << again.out;
}

TEST_F(Cli, MissingFileIsAOneLineError) {
    auto r = run("ingest csv " + dir_.file("nope.csv") + " " + common());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("nope.csv"), std::string::npos) << r.out;
}

TEST_F(Cli, RealBarsIngestFeaturesTrainPromoteReplayTrace) {
    const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
    auto ingest = run("ingest csv " + bars + "/AAPL.csv " + bars + "/MSFT.csv " + common());
    ASSERT_EQ(ingest.code, 0) << ingest.out;
    EXPECT_NE(ingest.out.find("9356 stored"), std::string::npos) << ingest.out;

    auto features = run("features --out " + dir_.file("f.csv") + " " + common());
    ASSERT_EQ(features.code, 0) << features.out;
    std::ifstream f(dir_.file("f.csv"));
    std::string header;
    std::getline(f, header);
    EXPECT_EQ(
        header,
        "ts,symbol,rsi_14,sma_5,sma_20,ema_5,ema_20,returns_1,returns_5,returns_15,volatility_20,"
        "minute_of_day,hour_of_day,day_of_week");

    auto train = run("train --model linear " + common());
    ASSERT_EQ(train.code, 0) << train.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")))
        << train.out;
    const std::string model_id = m[1];

    auto replay_without_green = run("replay " + common());
    EXPECT_NE(replay_without_green.code, 0);
    EXPECT_NE(replay_without_green.out.find("no green model"), std::string::npos);

    ASSERT_EQ(run("models promote " + model_id + " " + common()).code, 0);
    auto list = run("models list " + common());
    EXPECT_NE(list.out.find(model_id), std::string::npos);
    EXPECT_NE(list.out.find("green"), std::string::npos);
    EXPECT_NE(run("models promote no-such-model " + common()).code, 0);

    ASSERT_EQ(run("approve " + common()).code, 0);
    auto replay = run("replay --from 2026-03-20 --days 3 " + common());
    ASSERT_EQ(replay.code, 0) << replay.out;
    EXPECT_NE(replay.out.find("bars processed"), std::string::npos);
    ASSERT_TRUE(std::regex_search(replay.out, m, std::regex("awet trace ([0-9a-f-]{36})")))
        << replay.out;
    auto trace = run("trace " + std::string(m[1]) + " " + common());
    ASSERT_EQ(trace.code, 0) << trace.out;
    for (const char* topic : {"market.raw", "market.engineered", "predictions.tft", "risk.approved",
                              "execution.completed"}) {
        EXPECT_NE(trace.out.find(topic), std::string::npos) << topic << "\n" << trace.out;
    }

    auto trades = run("trades --fills " + common());
    EXPECT_EQ(trades.code, 0);
    EXPECT_NE(trades.out.find("filled"), std::string::npos) << trades.out;
    auto pnl = run("pnl week --date 2026-03-24 " + common());
    EXPECT_EQ(pnl.code, 0) << pnl.out;
    EXPECT_NE(pnl.out.find("2026-03-24"), std::string::npos) << pnl.out;
    auto eod = run("eod --date 2026-03-23 " + common());
    EXPECT_EQ(eod.code, 0) << eod.out;
    EXPECT_NE(eod.out.find("2026-03-23"), std::string::npos) << eod.out;
    EXPECT_EQ(run("positions " + common()).code, 0);

    ASSERT_EQ(run("revoke " + common()).code, 0);
    EXPECT_NE(run("trace not-a-uuid " + common()).code, 0);
}

TEST_F(Cli, DemoPrintsTheSummary) {
    auto r = run("demo --days 1 --train-days 2 --seed 3 " + common());
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char* line :
         {"bars processed", "predictions", "risk approvals", "risk rejections", "orders", "fills",
          "exits", "realized PnL", "unrealized PnL", "win rate", "store", "awet trace "}) {
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
}

size_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// The TFT's commands where they fail before any model runs: nothing here needs libtorch.
TEST_F(Cli, TftCommandsFailWithOneLineReasons) {
    // train opens (and makes) the store; predict only reads one.
    auto train = run("train --model tft --no-progress " + common());
    EXPECT_NE(train.code, 0);
    EXPECT_NE(train.out.find("no features and no bars"), std::string::npos) << train.out;
    EXPECT_EQ(lines(train.out), 1u) << train.out;

    auto predict = run("predict --symbol AAPL " + common());
    EXPECT_NE(predict.code, 0);
    EXPECT_NE(predict.out.find("no green model"), std::string::npos) << predict.out;
    EXPECT_EQ(lines(predict.out), 1u) << predict.out;

    auto linear_with_tft_option = run("train --model linear --epochs 3 " + common());
    EXPECT_NE(linear_with_tft_option.code, 0);
    EXPECT_NE(linear_with_tft_option.out.find("--epochs applies to --model tft only"),
              std::string::npos)
        << linear_with_tft_option.out;

    auto export_missing = run("models export-onnx no-such-model " + common());
    EXPECT_NE(export_missing.code, 0);
    EXPECT_NE(export_missing.out.find("no-such-model"), std::string::npos) << export_missing.out;
    EXPECT_EQ(lines(export_missing.out), 1u) << export_missing.out;

    auto eval_missing = run("eval --data " + dir_.file("no-bars") + " " + common());
    EXPECT_NE(eval_missing.code, 0);
    EXPECT_NE(eval_missing.out.find(dir_.file("no-bars")), std::string::npos) << eval_missing.out;
    EXPECT_EQ(lines(eval_missing.out), 1u) << eval_missing.out;

    const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
    auto eval_too_many = run("eval --data " + bars +
                             " --symbols AAPL,MSFT --train-sessions 10 "
                             "--test-sessions 4 " +
                             common());
    EXPECT_NE(eval_too_many.code, 0);
    EXPECT_NE(eval_too_many.out.find("10 train + 4 test sessions asked for"), std::string::npos)
        << eval_too_many.out;
    EXPECT_NE(eval_too_many.out.find("has 12"), std::string::npos) << eval_too_many.out;
    auto eval_unknown = run("eval --data " + bars + " --symbols AAPL,NOPE " + common());
    EXPECT_NE(eval_unknown.code, 0);
    EXPECT_NE(eval_unknown.out.find("no bars of NOPE"), std::string::npos) << eval_unknown.out;
}

TEST_F(Cli, JsonPrintsTheOperationsResultsForScripts) {
    auto demo = run("demo --days 1 --train-days 2 --seed 3 " + common());
    ASSERT_EQ(demo.code, 0) << demo.out;
    auto trades = run("trades --json --limit 2 " + common());
    ASSERT_EQ(trades.code, 0) << trades.out;
    const auto t = nlohmann::json::parse(trades.out);
    ASSERT_TRUE(t["trades"].is_array());
    EXPECT_LE(t["trades"].size(), 2U);
    EXPECT_GE(t["total"].get<size_t>(), t["trades"].size());
    if (!t["trades"].empty()) {
        EXPECT_TRUE(t["trades"][0]["avg_fill_price"].is_string());
    }

    auto models = run("models list --json " + common());
    ASSERT_EQ(models.code, 0) << models.out;
    const auto m = nlohmann::json::parse(models.out);
    ASSERT_EQ(m["models"].size(), 1U);
    EXPECT_EQ(m["models"][0]["status"], "green");

    auto predict = run("predict --symbol AAPL --json " + common());
    ASSERT_EQ(predict.code, 0) << predict.out;
    const auto p = nlohmann::json::parse(predict.out);
    EXPECT_EQ(p["model_id"], m["models"][0]["model_id"]);
    EXPECT_EQ(p["horizons"].size(), 3U);
    const std::string signal = p["signal"];
    EXPECT_TRUE(signal == "BUY" || signal == "SELL" || signal == "HOLD") << signal;

    // Ingest: the counts and each finding with its file and line, as JSON.
    // (a day after the demo's market, so no bar conflicts with a stored one)
    std::ofstream(dir_.file("bad.csv")) << "ts,symbol,open,high,low,close,volume\n"
                                           "2026-03-12T14:30:00Z,AAPL,100,101,99,100.5,1000\n"
                                           "2026-03-12T14:31:00Z,AAPL,100.5,100,99,100.2,900\n";
    auto ingest = run("ingest csv --json " + dir_.file("bad.csv") + " " + common());
    ASSERT_EQ(ingest.code, 0) << ingest.out;
    const auto in = nlohmann::json::parse(ingest.out);
    EXPECT_EQ(in["rows"], 2);
    EXPECT_EQ(in["rejected"], 1);
    ASSERT_EQ(in["findings"].size(), 1U);
    EXPECT_NE(in["findings"][0].get<std::string>().find("bad.csv:3: field '"), std::string::npos)
        << in["findings"][0];

    // An error stays one line on stderr, and nothing on stdout parses as a result.
    auto missing = run("trace 00000000-0000-4000-8000-000000000001 --json " + common());
    EXPECT_NE(missing.code, 0);
    EXPECT_NE(missing.out.find("no audit events"), std::string::npos) << missing.out;
    EXPECT_EQ(lines(missing.out), 1u) << missing.out;
}

TEST_F(Cli, LinearModelsPredictButDoNotExportOrExplainAndNeverLoadTheTft) {
    auto demo = run("demo --days 1 --train-days 2 --seed 3 " + common());
    ASSERT_EQ(demo.code, 0) << demo.out;
    EXPECT_EQ(demo.out.find("model_inference_latency"), std::string::npos) << demo.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(demo.out, m, std::regex("(linear-\\S+) promoted to green")))
        << demo.out;
    const std::string model_id = m[1];

    auto exported = run("models export-onnx " + model_id + " " + common());
    EXPECT_NE(exported.code, 0);
    EXPECT_NE(exported.out.find("only tft models export to ONNX"), std::string::npos)
        << exported.out;
    EXPECT_EQ(lines(exported.out), 1u) << exported.out;

    auto explain = run("predict --symbol AAPL --explain " + common());
    EXPECT_NE(explain.code, 0);
    EXPECT_NE(explain.out.find("--explain needs a tft model"), std::string::npos) << explain.out;

    auto predict = run("predict --symbol AAPL " + common());
    ASSERT_EQ(predict.code, 0) << predict.out;
    for (const char* text : {model_id.c_str(), "30m", "45m", "60m", "direction", "confidence"}) {
        EXPECT_NE(predict.out.find(text), std::string::npos) << text << "\n" << predict.out;
    }
    auto bad_time = run("predict --symbol AAPL --at yesterday " + common());
    EXPECT_NE(bad_time.code, 0);
    EXPECT_NE(bad_time.out.find("--at"), std::string::npos) << bad_time.out;

    // Neither the registry nor a linear model's forecast loads the TFT module (nor libtorch).
    for (const std::string& cmd :
         {"models list " + common(), "predict --symbol AAPL " + common()}) {
        auto traced = run(cmd, "LD_DEBUG=files");
        ASSERT_EQ(traced.code, 0) << traced.out.substr(0, 2000);
        EXPECT_NE(traced.out.find("file="), std::string::npos) << "LD_DEBUG printed nothing";
        EXPECT_EQ(traced.out.find("libawet_tft"), std::string::npos) << cmd;
        EXPECT_EQ(traced.out.find("libtorch"), std::string::npos) << cmd;
    }
}

TEST(CliHealth, DownAgentsAndBadArguments) {
    // Nothing listens on port 1 (privileged, never an agent): the agent is down, exit 1.
    auto down = run("health --agent risk=1 --timeout-ms 200");
    EXPECT_EQ(down.code, 1) << down.out;
    EXPECT_NE(down.out.find("risk"), std::string::npos);
    EXPECT_NE(down.out.find("down"), std::string::npos);
    EXPECT_NE(down.out.find("1 of 1 agents not ok"), std::string::npos);
    auto bad = run("health --agent nosuchagent");
    EXPECT_NE(bad.code, 0);
    EXPECT_NE(bad.out.find("nosuchagent"), std::string::npos) << bad.out;
    EXPECT_EQ(run("health --agent risk=99999").code, 1);
}

TEST(CliPostgres, DemoRunsOnAThrowawayPostgresServer) {
    awet::testing::PgServer pg;
    ASSERT_TRUE(pg.ok()) << pg.error();
    awet::testing::TempDir dir;
    // The sandbox's approval file and models go to the test's folder, not the source tree.
    const std::string env = "AWET_HOME=" + dir.path().string() +
                            " AWET_STORE_BACKEND=postgres AWET_STORE_POSTGRES_URL=" + pg.url();
    auto demo =
        run("demo --config " + std::string(AWET_SOURCE_DIR) +
                "/config/sandbox.yaml --days 1 --train-days 2 --db " + dir.file("unused.db"),
            env);
    ASSERT_EQ(demo.code, 0) << demo.out;
    EXPECT_NE(demo.out.find("PostgreSQL postgresql://127.0.0.1:"), std::string::npos) << demo.out;
    EXPECT_FALSE(std::filesystem::exists(dir.file("unused.db")));  // nothing went to SQLite
    // The trades are in PostgreSQL: `awet trades` reads them back through the same backend.
    auto trades = run("trades --fills --limit 3", env);
    EXPECT_EQ(trades.code, 0) << trades.out;
    EXPECT_NE(trades.out.find("filled"), std::string::npos) << trades.out;
    // A wrong URL is a one-line error naming the server, never the password.
    auto bad = run("trades",
                   "AWET_STORE_BACKEND=postgres "
                   "AWET_STORE_POSTGRES_URL=postgresql://u:hunter2@127.0.0.1:1/awet");
    EXPECT_NE(bad.code, 0);
    EXPECT_NE(bad.out.find("127.0.0.1:1"), std::string::npos) << bad.out;
    EXPECT_EQ(bad.out.find("hunter2"), std::string::npos) << bad.out;
}

}  // namespace

namespace {

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Issue 11, defects 8 and 11: impossible values are named, and a second file that disagrees with
// the stored bars is reported bar by bar, counted apart from plain repeats, and never wins.
TEST_F(Cli, IngestNamesImpossibleValuesAndReportsConflictsWithStoredBars) {
    std::ofstream(dir_.file("a.csv")) << "ts,symbol,open,high,low,close,volume\n"
                                      << "2026-03-12T13:30:00Z,AAPL,258.64,258.95,257.45,257.99,1\n"
                                      << "2026-03-12T13:31:00Z,AAPL,257.9,258.2,257.7,257.91,2\n";
    ASSERT_EQ(run("ingest csv " + dir_.file("a.csv") + " " + common()).code, 0);
    std::ofstream(dir_.file("b.csv"))
        << "ts,symbol,open,high,low,close,volume\n"
        << "2026-03-12T13:30:00Z,aapl,258.64,258.95,257.45,257.99,1\n"  // 2 repeat
        << "2026-03-12T13:31:00Z,AAPL,257.9,258.2,257.7,258.00,2\n"     // 3 conflict
        << "2026-03-12T13:32:00Z,AAPL,10,9223372036854.775807,9,9223372036854.775807,1\n"  // 4
        << "2026-03-12T13:33:00Z,AAPL,12.1234567,13,12,12.5,1\n"                           // 5
        << "2026-03-12T13:34:30Z,AAPL,10,11,9,10,1\n"                                      // 6
        << "2026-03-14T14:30:00Z,AAPL,10,11,9,10,1\n"   // 7 Saturday
        << "2026-03-12T13:35:00Z,msft,10,11,9,10,1\n";  // 8 new
    auto r = run("ingest csv " + dir_.file("b.csv") + " " + common());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("b.csv:3: AAPL 2026-03-12T13:31:00Z: conflicts with the stored bar "
                         "(close 257.91 stored, 258 in file); stored bar kept"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("b.csv:4: field 'high': 9223372036854.775807 is above "
                         "data.max_price_usd (1000000)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("b.csv:5: field 'open': 12.1234567 has more than 6 decimals"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("b.csv:6: field 'ts': timestamp '2026-03-12T13:34:30Z' is not on a "
                         "whole minute"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("b.csv:7: field 'ts': 2026-03-14 is a Saturday: no US-equities session"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("b.csv: 2 row(s) with lower-case symbols stored upper-cased (first "
                         "'aapl' on line 2)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("7 rows, 1 stored, 1 already present, 1 conflicting (stored kept), 4 "
                         "rejected"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("not a decimal number"), std::string::npos) << r.out;

    // Three bars in the store: the two of a.csv (their values kept) and MSFT.
    auto features = run("features --out " + dir_.file("f.csv") + " " + common());
    ASSERT_EQ(features.code, 0) << features.out;
    EXPECT_NE(features.out.find("from 3 bars"), std::string::npos) << features.out;

    // The bound is the configuration's.
    std::ofstream(dir_.file("c.csv")) << "ts,symbol,open,high,low,close,volume\n"
                                      << "2026-03-13T13:30:00Z,AAPL,99,101,98,100,5\n";
    auto tight =
        run("ingest csv " + dir_.file("c.csv") + " " + common(), "AWET_DATA_MAX_PRICE_USD=100");
    ASSERT_EQ(tight.code, 0) << tight.out;
    EXPECT_NE(tight.out.find("field 'high': 101 is above data.max_price_usd (100)"),
              std::string::npos)
        << tight.out;
    auto refused = run("positions " + common(), "AWET_DATA_MAX_PRICE_USD=0");
    EXPECT_NE(refused.code, 0);
    EXPECT_NE(refused.out.find("data.max_price_usd"), std::string::npos) << refused.out;
}

// Issue 11, defect 13: a damaged database makes every command stop with one line, before any
// write: the file stays byte for byte as it was.
TEST_F(Cli, DamagedDatabaseIsRefusedWithOneLineAndLeftUntouched) {
    const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
    ASSERT_EQ(run("ingest csv " + bars + "/AAPL.csv " + common()).code, 0);
    ASSERT_EQ(run("eod --date 2026-03-12 " + common()).code, 0);
    const std::string db = dir_.file("t.db");
    ASSERT_FALSE(std::filesystem::exists(db + "-wal"));
    std::string bytes = file_bytes(db);
    ASSERT_GT(bytes.size(), 100'000u);
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 200; ++i) {
        bytes[i] = static_cast<char>(~bytes[i]);
    }
    std::ofstream(db, std::ios::binary | std::ios::trunc) << bytes;
    std::filesystem::remove(db + "-shm");

    const std::vector<std::string> commands = {"positions", "eod --date 2026-03-13",
                                               "ingest csv " + bars + "/MSFT.csv"};
    for (const std::string& cmd : commands) {
        auto r = run(cmd + " " + common());
        EXPECT_NE(r.code, 0) << cmd << "\n" << r.out;
        EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << cmd << "\n" << r.out;
        EXPECT_NE(r.out.find(db), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("damaged"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("from a backup"), std::string::npos) << r.out;
        // Compared by hash: a failure names the command instead of printing the file.
        EXPECT_EQ(std::hash<std::string>{}(file_bytes(db)), std::hash<std::string>{}(bytes))
            << cmd << " wrote into the damaged file";
    }
}

}  // namespace
