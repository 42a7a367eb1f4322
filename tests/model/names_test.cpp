#include <gtest/gtest.h>

#include <set>

#include "awet/model/events.hpp"
#include "awet/model/header_factory.hpp"
#include "awet/model/topics.hpp"

namespace awet {
namespace {

TEST(Names, FeatureNamesInColumnOrder) {
    std::vector<std::string> names;
    for (Feature f : kAllFeatures) names.emplace_back(feature_name(f));
    EXPECT_EQ(names,
              (std::vector<std::string>{"rsi_14", "sma_5", "sma_20", "ema_5", "ema_20", "returns_1",
                                        "returns_5", "returns_15", "volatility_20", "minute_of_day",
                                        "hour_of_day", "day_of_week"}));
}

TEST(Names, Topics) {
    EXPECT_EQ(topic_name(Topic::kMarketRaw), "market.raw");
    EXPECT_EQ(topic_name(Topic::kMarketEngineered), "market.engineered");
    EXPECT_EQ(topic_name(Topic::kPredictionsTft), "predictions.tft");
    EXPECT_EQ(topic_name(Topic::kRiskApproved), "risk.approved");
    EXPECT_EQ(topic_name(Topic::kRiskRejected), "risk.rejected");
    EXPECT_EQ(topic_name(Topic::kExecutionCompleted), "execution.completed");
    EXPECT_EQ(topic_name(Topic::kExecutionBlocked), "execution.blocked");
    EXPECT_EQ(topic_name(Topic::kDeadLetter), "dead.letter");
    for (size_t i = 0; i < kNumTopics; ++i) {
        auto t = static_cast<Topic>(i);
        EXPECT_EQ(topic_from_name(topic_name(t)), t);
    }
    EXPECT_FALSE(topic_from_name("market.Raw"));
    EXPECT_FALSE(topic_from_name(""));
}

TEST(Names, Enums) {
    EXPECT_EQ(to_string(Source::kExecution), "execution");
    EXPECT_EQ(to_string(Source::kCli), "cli");
    EXPECT_EQ(to_string(Direction::kUp), "UP");
    EXPECT_EQ(to_string(Direction::kDown), "DOWN");
    EXPECT_EQ(to_string(Signal::kHold), "HOLD");
    EXPECT_EQ(to_string(Signal::kBuy), "BUY");
    EXPECT_EQ(to_string(Side::kBuy), "buy");
    EXPECT_EQ(to_string(Side::kSell), "sell");
    EXPECT_EQ(to_string(OrderIntent::kExit), "exit");
    EXPECT_EQ(to_string(ExitReason::kTakeProfit), "take_profit");
    EXPECT_EQ(to_string(ExitReason::kSessionClose), "session_close");
    EXPECT_EQ(to_string(OrderStatus::kPartiallyFilled), "partially_filled");
    EXPECT_EQ(to_string(OrderStatus::kCanceled), "canceled");
    EXPECT_EQ(to_string(RiskReason::kNotionalExceedsMaxPerOrder), "NOTIONAL_EXCEEDS_MAX_PER_ORDER");
    EXPECT_EQ(to_string(RiskReason::kShortNotAllowed), "SHORT_NOT_ALLOWED");
}

TEST(Names, RiskReasonsJoinedInBitOrder) {
    uint32_t mask = static_cast<uint32_t>(RiskReason::kCvarExceedsLimit) |
                    static_cast<uint32_t>(RiskReason::kCooldownActive);
    EXPECT_EQ(risk_reasons_to_string(mask), "COOLDOWN_ACTIVE,CVAR_EXCEEDS_LIMIT");
    EXPECT_EQ(risk_reasons_to_string(0), "");
    std::set<std::string> all;
    for (uint32_t b = 0; b < kNumRiskReasons; ++b)
        all.insert(std::string(to_string(static_cast<RiskReason>(1U << b))));
    EXPECT_EQ(all.size(), kNumRiskReasons);
    EXPECT_EQ(all.count("UNKNOWN"), 0u);
}

TEST(Names, EventTypes) {
    EXPECT_EQ(event_type_name(Event(MarketBar{})), "market_bar");
    EXPECT_EQ(event_type_name(Event(FeatureVector{})), "features");
    EXPECT_EQ(event_type_name(Event(Prediction{})), "prediction");
    EXPECT_EQ(event_type_name(Event(RiskDecision{})), "risk_decision");
    EXPECT_EQ(event_type_name(Event(ExecutionReport{})), "execution_report");
    EXPECT_EQ(event_type_name(Event(DeadLetter{})), "dead_letter");
}

TEST(HeaderFactory, MakeKey) {
    Timestamp t = Timestamp::from_seconds(1'773'322'200);
    EXPECT_EQ(make_key("bar", Symbol("AAPL"), t).view(), "bar:AAPL:1773322200000000000");
    EXPECT_EQ(make_key("x", Symbol("BRK.B"), Timestamp::from_ns(0)).view(), "x:BRK.B:0");
    EXPECT_EQ(make_key("x", Symbol("A"), Timestamp::from_ns(-5)).view(), "x:A:-5");
    for (int64_t v : {9, 10, 99, 100, 101, 1000, 123456789}) {
        EXPECT_EQ(make_key("k", Symbol("A"), Timestamp::from_ns(v)).view(),
                  "k:A:" + std::to_string(v));
    }
    // Too long for the key: truncated to its capacity, never overflows.
    std::string kind(80, 'k');
    EXPECT_EQ(make_key(kind, Symbol("AAPL"), t).size(), IdempotencyKey::capacity());
}

TEST(HeaderFactory, RootAndDerive) {
    HeaderFactory ingest(Source::kIngestion, 42);
    HeaderFactory again(Source::kIngestion, 42);
    HeaderFactory risk(Source::kRisk, 42);
    Timestamp t = Timestamp::from_seconds(100);
    EventHeader root = ingest.root(Symbol("AAPL"), "bar:AAPL:100", t, t);
    EventHeader same = again.root(Symbol("AAPL"), "bar:AAPL:100", t, t);
    EXPECT_EQ(root.event_id, same.event_id);
    EXPECT_EQ(root.correlation_id, same.correlation_id);
    EXPECT_NE(root.event_id, root.correlation_id);
    EXPECT_EQ(root.source, Source::kIngestion);
    EXPECT_EQ(root.schema_version, kSchemaVersion);
    EventHeader child = risk.derive(root, "risk:AAPL:100", t + Duration::seconds(1), t);
    EXPECT_EQ(child.correlation_id, root.correlation_id);
    EXPECT_EQ(child.symbol, "AAPL");
    EXPECT_EQ(child.source, Source::kRisk);
    EXPECT_NE(child.event_id, root.event_id);
    EXPECT_EQ(child.idempotency_key, "risk:AAPL:100");
}

}  // namespace
}  // namespace awet
