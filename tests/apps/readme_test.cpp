// README.md stays true: every config key with its default, every CLI command.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "awet/config/config.hpp"

namespace {

std::string readme() {
    std::ifstream in(std::string(AWET_SOURCE_DIR) + "/README.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Readme, ListsEveryConfigKeyWithItsDefault) {
    const std::string text = readme();
    ASSERT_FALSE(text.empty());
    for (const auto& key : awet::config_keys()) {
        const std::string row = "| `" + key.key + "` | `" + key.default_value + "` |";
        EXPECT_NE(text.find(row), std::string::npos) << "README lacks the row for " << key.key;
    }
}

TEST(Readme, ListsEveryCommand) {
    const std::string text = readme();
    const char* const commands[] = {"awet demo",
                                    "awet ingest csv",
                                    "awet features",
                                    "awet replay",
                                    "awet train",
                                    "awet train --model tft",
                                    "awet eval",
                                    "awet models list",
                                    "awet models promote",
                                    "awet models deprecate",
                                    "awet models export-onnx",
                                    "awet predict",
                                    "awet approve",
                                    "awet revoke",
                                    "awet pnl",
                                    "awet eod",
                                    "awet trace",
                                    "awet positions",
                                    "awet trades",
                                    "awet scheduler --simulate",
                                    "awet jobs",
                                    "make demo",
                                    "make test",
                                    "make eval",
                                    "make train",
                                    "make export-onnx"};
    for (const char* cmd : commands) {
        EXPECT_NE(text.find(cmd), std::string::npos) << cmd;
    }
}

TEST(Readme, ShippedConfigLoadsAndHasTheDefaults) {
    auto config = awet::load_config(std::string(AWET_SOURCE_DIR) + "/config/awet.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    awet::Config defaults;
    EXPECT_EQ(config->risk.max_trade_notional_usd, defaults.risk.max_trade_notional_usd);
    EXPECT_EQ(config->execution.dry_run, true);
    auto sandbox = awet::load_config(std::string(AWET_SOURCE_DIR) + "/config/sandbox.yaml");
    ASSERT_TRUE(sandbox.ok()) << sandbox.error().message;
    EXPECT_FALSE(sandbox->execution.dry_run);
    EXPECT_EQ(sandbox->execution.broker, "sim");
}

}  // namespace
