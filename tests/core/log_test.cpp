#include "awet/core/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace awet {
namespace {

TEST(Log, JsonLinesOnStderr) {
    init_logging("info", "json");
    auto log = logger("logtest");
    ::testing::internal::CaptureStderr();
    log->info("order {} said \"hi\"\\ok", 7);
    log->debug("hidden at info level");
    log->flush();
    std::string out = ::testing::internal::GetCapturedStderr();
    ASSERT_FALSE(out.empty());
    ASSERT_EQ(out.back(), '\n');
    ASSERT_EQ(out.find('\n'), out.size() - 1) << out;  // exactly one line
    auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["level"], "info");
    EXPECT_EQ(j["logger"], "logtest");
    EXPECT_EQ(j["msg"], "order 7 said \"hi\"\\ok");
    std::string ts = j["ts"];
    ASSERT_EQ(ts.size(), 27u) << ts;  // 2026-03-12T13:30:00.123456Z
    EXPECT_EQ(ts.back(), 'Z');
    EXPECT_EQ(ts[10], 'T');
}

TEST(Log, TextFormatAndLevels) {
    init_logging("warn", "text");
    auto log = logger("logtest2");
    ::testing::internal::CaptureStderr();
    log->info("not shown");
    log->warn("shown");
    log->flush();
    std::string out = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(out.find("not shown"), std::string::npos) << out;
    EXPECT_NE(out.find("[logtest2] shown"), std::string::npos) << out;
    EXPECT_EQ(logger("logtest2").get(), log.get());
    init_logging("info", "json");
}

TEST(Log, StructuredEventsCarryTheirFieldsAsJsonMembers) {
    init_logging("info", "json");
    auto log = logger("logtest3");
    ::testing::internal::CaptureStderr();
    log_event(*log, spdlog::level::info, "trade_executed",
              {{"correlation_id", "abc-123"},
               {"symbol", "AAPL"},
               {"qty", "5", false},
               {"note", "a \"quoted\" word"}});
    log_event(*log, spdlog::level::debug, "hidden", {{"x", "1"}});
    log->flush();
    std::string out = ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(out.find('\n'), out.size() - 1) << out;
    auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["msg"], "trade_executed");
    EXPECT_EQ(j["correlation_id"], "abc-123");
    EXPECT_EQ(j["symbol"], "AAPL");
    EXPECT_EQ(j["qty"], 5);
    EXPECT_EQ(j["note"], "a \"quoted\" word");

    init_logging("info", "text");
    ::testing::internal::CaptureStderr();
    log_event(*log, spdlog::level::info, "order_blocked", {{"reason", "DRY_RUN"}});
    log->flush();
    out = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("[logtest3] order_blocked {\"reason\":\"DRY_RUN\"}"), std::string::npos)
        << out;
    init_logging("info", "json");
}

}  // namespace
}  // namespace awet
