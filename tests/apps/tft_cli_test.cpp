// The TFT's whole life through the awet binary, as a user runs it: train --model tft -> models
// promote -> replay serves it (batched, latency reported) -> models export-onnx -> predict
// --explain; and a small `awet eval`. Tiny models on two symbols of the real bars.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "awet_test_support.hpp"

namespace {

using Run = awet::testing::CommandResult;

Run run(const std::string& args, const std::string& env = "") {
    return awet::testing::run_command(std::string("AWET_TFT_MODULE=") + AWET_TFT_MODULE_PATH + " " +
                                      env + " " + AWET_CLI + " " + args);
}

const char* kTiny =
    " --epochs 1 --hidden 8 --lookback 16 --batch 32 --max-train-windows 1024 --no-progress ";

class TftCli : public ::testing::Test {
protected:
    void SetUp() override { awet::testing::write_cli_config(dir_); }
    std::string common() const {
        return "--config " + dir_.file("cfg.yaml") + " --db " + dir_.file("t.db");
    }
    std::string bars() const { return (awet::testing::shared_data() / "bars" / "1min").string(); }
    awet::testing::TempDir dir_;
};

TEST_F(TftCli, TrainPromoteReplayExportExplain) {
    auto ingest = run("ingest csv " + bars() + "/AAPL.csv " + bars() + "/MSFT.csv " + common());
    ASSERT_EQ(ingest.code, 0) << ingest.out;

    auto train = run("train --model tft --test-sessions 1" + std::string(kTiny) + common());
    ASSERT_EQ(train.code, 0) << train.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(train.out, m, std::regex("registered (tft-\\S+) as candidate")))
        << train.out;
    const std::string id = m[1];
    for (const char* text :
         {"train_loss", "val_loss", "(best)", "validation (", "test (", "coverage", "windows/s"}) {
        EXPECT_NE(train.out.find(text), std::string::npos) << text << "\n" << train.out;
    }
    EXPECT_TRUE(std::filesystem::exists(dir_.file("models/" + id + ".json")));
    EXPECT_TRUE(std::filesystem::exists(dir_.file("models/" + id + ".pt")));

    auto list = run("models list " + common());
    ASSERT_EQ(list.code, 0) << list.out;
    ASSERT_TRUE(
        std::regex_search(list.out, m, std::regex(id + "\\s+tft\\s+candidate\\s+.*validation")))
        << list.out;

    ASSERT_EQ(run("models promote " + id + " " + common()).code, 0);
    ASSERT_EQ(run("approve " + common()).code, 0);
    auto replay = run("replay --from 2026-03-25 --days 2 " + common());
    ASSERT_EQ(replay.code, 0) << replay.out;
    EXPECT_NE(replay.out.find("model " + id), std::string::npos) << replay.out;
    ASSERT_TRUE(std::regex_search(
        replay.out, m,
        std::regex("model_inference_latency\\s+p50 (\\d+) p99 (\\d+) max (\\d+) us \\((\\d+) "
                   "batches, (\\d+) forecasts\\)")))
        << replay.out;
    const long batches = std::stol(m[4]), forecasts = std::stol(m[5]);
    EXPECT_GT(batches, 0);
    EXPECT_GT(forecasts, batches) << "AAPL and MSFT of one minute were not one forward pass";
    EXPECT_LE(forecasts, 2 * batches);
    EXPECT_LE(std::stol(m[1]), std::stol(m[2]));
    ASSERT_TRUE(std::regex_search(replay.out, m, std::regex("predictions\\s+(\\d+)")));
    EXPECT_EQ(std::stol(m[1]), forecasts);

    auto exported =
        run("models export-onnx " + id + " --out " + dir_.file("out/m.onnx") + " " + common());
    ASSERT_EQ(exported.code, 0) << exported.out;
    ASSERT_TRUE(std::filesystem::exists(dir_.file("out/m.onnx")));
    EXPECT_GT(std::filesystem::file_size(dir_.file("out/m.onnx")), 1000u);
    auto exported_default = run("models export-onnx " + id + " " + common());
    ASSERT_EQ(exported_default.code, 0) << exported_default.out;
    EXPECT_TRUE(std::filesystem::exists(dir_.file("models/" + id + ".onnx")));

    auto explain =
        run("predict --symbol AAPL --at 2026-03-20T15:00:00Z --explain --top 3 " + common(),
            "LD_DEBUG=files");
    ASSERT_EQ(explain.code, 0) << explain.out.substr(
        explain.out.size() > 4000 ? explain.out.size() - 4000 : 0);
    EXPECT_NE(explain.out.find("libawet_tft"), std::string::npos) << "the module was not loaded";
    EXPECT_NE(explain.out.find("after the bar of 2026-03-20T15:00:00Z"), std::string::npos);
    // Every input has a selection weight; the encoder's sum to 1.
    double encoder_sum = 0;
    for (const char* name : {"log_return_1", "log_return_5", "log_return_15", "volatility_20",
                             "rsi_14", "close_sma_5", "close_sma_20", "close_ema_5", "close_ema_20",
                             "volume_z_20", "minute_of_day", "hour_of_day", "day_of_week"}) {
        std::smatch w;
        const std::string text =
            explain.out.substr(explain.out.find("variable selection, encoder"));
        ASSERT_TRUE(std::regex_search(text, w,
                                      std::regex(std::string("\\n  ") + name + "\\s+([0-9.]+)\\n")))
            << name << "\n"
            << text;
        encoder_sum += std::stod(w[1]);
    }
    EXPECT_NEAR(encoder_sum, 1.0, 0.01);
    EXPECT_NE(explain.out.find("variable selection, decoder"), std::string::npos);
    for (const char* horizon : {"  30m: ", "  45m: ", "  60m: "}) {
        const auto at = explain.out.find(horizon, explain.out.find("attention"));
        ASSERT_NE(at, std::string::npos) << horizon;
        const std::string line = explain.out.substr(at, explain.out.find('\n', at) - at);
        // --top 3: three positions with their times; encoder positions (t-k) up to the bar.
        std::regex position("(2026-03-\\d\\dT\\d\\d:\\d\\d:00Z) \\((t-\\d+|t\\+\\d+m)\\)");
        int count = 0;
        for (auto it = std::sregex_iterator(line.begin(), line.end(), position);
             it != std::sregex_iterator(); ++it) {
            if ((*it)[2].str().starts_with("t-")) {
                EXPECT_LE((*it)[1].str(), std::string("2026-03-20T15:00:00Z")) << line;
            }
            ++count;
        }
        EXPECT_EQ(count, 3) << line;
    }

    // The registry alone never loads the module.
    auto traced_list = run("models list " + common(), "LD_DEBUG=files");
    ASSERT_EQ(traced_list.code, 0);
    EXPECT_EQ(traced_list.out.find("libawet_tft"), std::string::npos);

    // A truncated weights file: one line naming the file.
    std::filesystem::resize_file(dir_.file("models/" + id + ".pt"), 100);
    auto broken = run("predict --symbol AAPL " + common());
    EXPECT_NE(broken.code, 0);
    EXPECT_NE(broken.out.find(id + ".pt"), std::string::npos) << broken.out;
    EXPECT_EQ(std::count(broken.out.begin(), broken.out.end(), '\n'), 1) << broken.out;
}

TEST_F(TftCli, SmallEvalPrintsTheTableAndWritesJson) {
    auto eval =
        run("eval --data " + bars() +
            " --symbols AAPL,MSFT --train-sessions 3 "
            "--test-sessions 1 --json " +
            dir_.file("eval.json") + " --model-dir " + dir_.file("evalm") + kTiny + common());
    ASSERT_EQ(eval.code, 0) << eval.out;
    for (const char* text :
         {"2 symbols: AAPL MSFT", "3 to train", "1 to test", "s per epoch", "windows scored"}) {
        EXPECT_NE(eval.out.find(text), std::string::npos) << text << "\n" << eval.out;
    }
    for (const char* model : {"tft", "linear", "empirical", "zero"}) {
        EXPECT_TRUE(std::regex_search(
            eval.out, std::regex(std::string("\\n  ") + model + "\\s+[0-9.]+ \\(\\s*[0-9.]+%\\)")))
            << model << "\n"
            << eval.out;
    }
    for (const char* verdict :
         {"30m: TFT beats linear and empirical: ", "45m: TFT beats linear and empirical: ",
          "60m: TFT beats linear and empirical: "}) {
        EXPECT_NE(eval.out.find(verdict), std::string::npos) << verdict;
    }
    std::ifstream json(dir_.file("eval.json"));
    std::stringstream ss;
    ss << json.rdbuf();
    EXPECT_NE(ss.str().find("\"tft_beats_linear_and_empirical\""), std::string::npos);
    EXPECT_NE(ss.str().find("\"seconds_per_epoch\""), std::string::npos);
}

}  // namespace
