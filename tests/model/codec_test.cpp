#include "awet/model/codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "awet/model/header_factory.hpp"
#include "event_equality.hpp"

namespace awet {
namespace {

EventHeader sample_header(Source source) {
    EventHeader h;
    h.event_id = *Uuid::parse("28efe333-b266-4103-8752-6757130f9f52");
    h.correlation_id = *Uuid::parse("01234567-89ab-4def-8edc-ba9876543210");
    h.idempotency_key = IdempotencyKey("bar:AAPL:1773322200000000000");
    h.symbol = Symbol("AAPL");
    h.ts = *Timestamp::parse("2026-03-12T13:31:00Z");
    h.ts_init = *Timestamp::parse("2026-03-12T13:31:00.000123456Z");
    h.source = source;
    return h;
}

MarketBar sample_bar() {
    MarketBar b;
    b.header = sample_header(Source::kIngestion);
    b.bar_start = *Timestamp::parse("2026-03-12T13:30:00Z");
    b.open = *Price::parse("258.64");
    b.high = *Price::parse("259.000015");
    b.low = *Price::parse("258.1");
    b.close = *Price::parse("258.9");
    b.volume = *Quantity::parse("123456");
    return b;
}

FeatureVector sample_features() {
    FeatureVector f;
    f.header = sample_header(Source::kFeatures);
    f.bar_start = *Timestamp::parse("2026-03-12T13:30:00Z");
    f.close = *Price::parse("258.9");
    f.volume = Quantity::from_units(1000);
    for (size_t i = 0; i < kNumFeatures; ++i)
        f.values[i] = 0.1 * static_cast<double>(i) + 1.0 / 3.0;
    f.values[static_cast<size_t>(Feature::kRsi14)] = std::numeric_limits<double>::quiet_NaN();
    f.values[static_cast<size_t>(Feature::kReturns1)] = -1.2345678901234567e-5;
    f.valid_mask = ((1U << kNumFeatures) - 1) & ~1U;
    return f;
}

Prediction sample_prediction() {
    Prediction p;
    p.header = sample_header(Source::kPrediction);
    p.bar_start = *Timestamp::parse("2026-03-12T13:30:00Z");
    p.close = *Price::parse("258.9");
    p.horizons[0] = {-0.002, 0.0001, 0.0021};
    p.horizons[1] = {-0.003, 0.00015, 0.0031};
    p.horizons[2] = {-0.004, 0.0002, 1e-300};
    p.direction = Direction::kUp;
    p.confidence = 0.731;
    p.signal = Signal::kBuy;
    p.model_id = ModelId("tft-2026-03-11-seed42");
    return p;
}

RiskDecision sample_decision() {
    RiskDecision d;
    d.header = sample_header(Source::kRisk);
    d.approved = false;
    d.reasons = static_cast<uint32_t>(RiskReason::kCooldownActive) |
                static_cast<uint32_t>(RiskReason::kShortNotAllowed);
    d.intent = OrderIntent::kEntry;
    d.exit_reason = ExitReason::kNone;
    d.side = Side::kSell;
    d.qty = Quantity::from_units(3);
    d.ref_price = *Price::parse("258.9");
    d.notional = *Money::parse("776.7");
    d.cvar = 0.0123;
    d.confidence = 0.731;
    d.prediction_event_id = *Uuid::parse("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    return d;
}

ExecutionReport sample_report() {
    ExecutionReport r;
    r.header = sample_header(Source::kExecution);
    r.broker_order_id = BrokerOrderId("sim-000001");
    r.intent = OrderIntent::kExit;
    r.exit_reason = ExitReason::kStopLoss;
    r.side = Side::kSell;
    r.status = OrderStatus::kPartiallyFilled;
    r.qty = Quantity::from_units(3);
    r.filled_qty = Quantity::from_units(2);
    r.avg_fill_price = *Price::parse("257.605");
    r.fill_qty = Quantity::from_units(1);
    r.fill_price = *Price::parse("257.61");
    r.fees = *Money::parse("0.005");
    r.filled_at = *Timestamp::parse("2026-03-12T13:32:00Z");
    r.dry_run = true;
    r.block_reason = FixedString<63>("");
    return r;
}

DeadLetter sample_dead_letter() {
    DeadLetter d;
    d.header = sample_header(Source::kRisk);
    d.original_topic = FixedString<31>("predictions.tft");
    const char* msg = "risk: store: disk full \"quoted\"\nsecond line";
    std::memcpy(d.error.data(), msg, std::strlen(msg) + 1);
    return d;
}

void expect_same_header(const EventHeader& a, const EventHeader& b) {
    testing::expect_header_eq(a, b);
}

bool same_double(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

Event round_trip(const Event& e) {
    std::string json = to_json(e);
    EXPECT_TRUE(nlohmann::json::accept(json)) << json;
    auto back = decode_json(json);
    EXPECT_TRUE(back.ok()) << (back.ok() ? "" : back.error().message) << "\n" << json;
    if (!back.ok()) return e;
    EXPECT_EQ(back->index(), e.index());
    EXPECT_EQ(to_json(*back), json);  // stable re-encoding
    return *back;
}

TEST(Codec, MarketBarRoundTrip) {
    MarketBar a = sample_bar();
    auto b = std::get<MarketBar>(round_trip(a));
    expect_same_header(a.header, b.header);
    EXPECT_EQ(a.bar_start, b.bar_start);
    EXPECT_EQ(a.interval, b.interval);
    EXPECT_EQ(a.open, b.open);
    EXPECT_EQ(a.high, b.high);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.close, b.close);
    EXPECT_EQ(a.volume, b.volume);
}

TEST(Codec, MarketBarJsonShape) {
    std::string json = to_json(sample_bar());
    auto j = nlohmann::json::parse(json);
    EXPECT_EQ(j["event_type"], "market_bar");
    EXPECT_EQ(j["event_id"], "28efe333-b266-4103-8752-6757130f9f52");
    EXPECT_EQ(j["idempotency_key"], "bar:AAPL:1773322200000000000");
    EXPECT_EQ(j["symbol"], "AAPL");
    EXPECT_EQ(j["ts"], "2026-03-12T13:31:00Z");
    EXPECT_EQ(j["ts_init"], "2026-03-12T13:31:00.000123456Z");
    EXPECT_EQ(j["schema_version"], 1);
    EXPECT_EQ(j["source"], "ingestion");
    EXPECT_EQ(j["interval_ns"], 60'000'000'000LL);
    EXPECT_NE(json.find("\"open\":258.64,"), std::string::npos) << json;
    EXPECT_NE(json.find("\"high\":259.000015,"), std::string::npos) << json;
    EXPECT_NE(json.find("\"volume\":123456}"), std::string::npos) << json;
    EXPECT_EQ(json.rfind("{\"event_type\":\"market_bar\",", 0), 0u) << json;
}

TEST(Codec, EncodeAppends) {
    std::string out = "[";
    encode_json(Event(sample_bar()), out);
    out += ",";
    encode_json(Event(sample_dead_letter()), out);
    out += "]";
    auto j = nlohmann::json::parse(out);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[1]["event_type"], "dead_letter");
}

TEST(Codec, FeatureVectorRoundTripWithNaN) {
    FeatureVector a = sample_features();
    std::string json = to_json(a);
    EXPECT_NE(json.find("\"rsi_14\":null"), std::string::npos) << json;
    auto b = std::get<FeatureVector>(round_trip(a));
    expect_same_header(a.header, b.header);
    EXPECT_EQ(a.bar_start, b.bar_start);
    EXPECT_EQ(a.close, b.close);
    EXPECT_EQ(a.volume, b.volume);
    EXPECT_EQ(a.valid_mask, b.valid_mask);
    EXPECT_FALSE(b.valid(Feature::kRsi14));
    for (size_t i = 0; i < kNumFeatures; ++i)
        EXPECT_TRUE(same_double(a.values[i], b.values[i])) << i;
}

TEST(Codec, PredictionRoundTrip) {
    Prediction a = sample_prediction();
    auto b = std::get<Prediction>(round_trip(a));
    expect_same_header(a.header, b.header);
    EXPECT_EQ(a.bar_start, b.bar_start);
    EXPECT_EQ(a.close, b.close);
    for (size_t i = 0; i < kNumHorizons; ++i) {
        EXPECT_TRUE(same_double(a.horizons[i].q10, b.horizons[i].q10));
        EXPECT_TRUE(same_double(a.horizons[i].q50, b.horizons[i].q50));
        EXPECT_TRUE(same_double(a.horizons[i].q90, b.horizons[i].q90));
    }
    EXPECT_EQ(a.direction, b.direction);
    EXPECT_TRUE(same_double(a.confidence, b.confidence));
    EXPECT_EQ(a.signal, b.signal);
    EXPECT_EQ(a.model_id, b.model_id);
    auto j = nlohmann::json::parse(to_json(a));
    EXPECT_EQ(j["horizons"][2]["minutes"], 60);
    EXPECT_EQ(j["direction"], "UP");
    EXPECT_EQ(j["signal"], "BUY");
}

TEST(Codec, RiskDecisionRoundTrip) {
    RiskDecision a = sample_decision();
    testing::expect_eq(a, std::get<RiskDecision>(round_trip(a)));
    auto j = nlohmann::json::parse(to_json(a));
    EXPECT_EQ(j["reasons"], nlohmann::json::array({"COOLDOWN_ACTIVE", "SHORT_NOT_ALLOWED"}));
}

TEST(Codec, ExecutionReportRoundTrip) {
    ExecutionReport a = sample_report();
    testing::expect_eq(a, std::get<ExecutionReport>(round_trip(a)));
}

TEST(Codec, DeadLetterRoundTripWithEscapes) {
    DeadLetter a = sample_dead_letter();
    a.header.idempotency_key = IdempotencyKey("k\"\\\t\x01/é");
    auto b = std::get<DeadLetter>(round_trip(a));
    expect_same_header(a.header, b.header);
    EXPECT_EQ(a.original_topic, b.original_topic);
    EXPECT_STREQ(a.error.data(), b.error.data());
}

TEST(Codec, DefaultEventsRoundTrip) {
    for (const Event& e : {Event(MarketBar{}), Event(FeatureVector{}), Event(Prediction{}),
                           Event(RiskDecision{}), Event(ExecutionReport{}), Event(DeadLetter{})}) {
        (void)round_trip(e);
    }
}

TEST(Codec, ExtremeDecimalsAreExact) {
    // Values a double cannot hold exactly still come back exactly.
    MarketBar a = sample_bar();
    a.open = Price::from_raw(std::numeric_limits<int64_t>::max());
    a.low = Price::from_raw(std::numeric_limits<int64_t>::min());
    a.close = Price::from_raw(9'007'199'254'740'993);  // 2^53 + 1
    a.volume = Quantity::from_raw(-1);
    a.header.ts = Timestamp::from_ns(std::numeric_limits<int64_t>::max());
    auto b = std::get<MarketBar>(round_trip(a));
    EXPECT_EQ(a.open, b.open);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.close, b.close);
    EXPECT_EQ(a.volume, b.volume);
    EXPECT_EQ(a.header.ts, b.header.ts);
}

std::string error_of(const std::string& json) {
    auto r = decode_json(json);
    EXPECT_FALSE(r.ok()) << json;
    return r.ok() ? "" : r.error().message;
}

/// The bar's JSON with one field's value text replaced (or the field removed when value is empty).
std::string bar_with(const std::string& field, const std::string& value) {
    auto j = nlohmann::json::parse(to_json(sample_bar()));
    if (value.empty()) {
        j.erase(field);
    } else {
        j[field] = nlohmann::json::parse(value);
    }
    return j.dump();
}

TEST(Codec, DecodeErrorsNameTheField) {
    EXPECT_EQ(error_of(bar_with("close", "")), "field 'close': missing");
    EXPECT_EQ(error_of(bar_with("close", "\"258.64\"")),
              "field 'close': expected a decimal number");
    EXPECT_EQ(error_of(bar_with("close", "1.0000001")), "field 'close': expected a decimal number");
    std::string exp = to_json(sample_bar());
    const std::string plain = "\"close\":258.9,";
    exp.replace(exp.find(plain), plain.size(), "\"close\":2.589e2,");
    EXPECT_EQ(error_of(exp), "field 'close': expected a decimal number");
    EXPECT_EQ(error_of(bar_with("event_id", "\"not-a-uuid\"")),
              "field 'event_id': expected a UUID string");
    EXPECT_EQ(error_of(bar_with("ts", "\"2026-02-30T00:00:00Z\"")),
              "field 'ts': expected an ISO-8601 timestamp");
    EXPECT_EQ(error_of(bar_with("symbol", "\"ABCDEFGHIJKLMNOPQ\"")),
              "field 'symbol': longer than 15 characters");
    EXPECT_EQ(error_of(bar_with("source", "\"martians\"")),
              "field 'source': unknown value 'martians'");
    EXPECT_EQ(error_of(bar_with("schema_version", "1.5")),
              "field 'schema_version': expected an integer in range");
    EXPECT_EQ(error_of(bar_with("event_type", "\"trade\"")),
              "field 'event_type': unknown value 'trade'");
    EXPECT_EQ(error_of(bar_with("event_type", "")), "field 'event_type': missing");
    EXPECT_NE(error_of("{\"event_type\": \"market_bar\",").find("malformed JSON"),
              std::string::npos);
    EXPECT_NE(error_of("").find("malformed JSON"), std::string::npos);
    EXPECT_EQ(error_of("[1,2]"), "expected a JSON object");
}

TEST(Codec, DecodeErrorsInNestedFields) {
    auto j = nlohmann::json::parse(to_json(sample_features()));
    j["features"]["sma_20"] = "high";
    EXPECT_EQ(error_of(j.dump()), "field 'features.sma_20': expected a number or null");
    j["features"].erase("sma_20");
    EXPECT_EQ(error_of(j.dump()), "field 'features.sma_20': missing");

    auto p = nlohmann::json::parse(to_json(sample_prediction()));
    p["horizons"][1]["q50"] = true;
    EXPECT_EQ(error_of(p.dump()), "field 'horizons[1].q50': expected a number or null");
    p["horizons"].erase(2);
    EXPECT_EQ(error_of(p.dump()), "field 'horizons': expected 3 entries");

    auto r = nlohmann::json::parse(to_json(sample_decision()));
    r["reasons"] = nlohmann::json::array({"TOO_RISKY"});
    EXPECT_EQ(error_of(r.dump()), "field 'reasons': unknown risk reason 'TOO_RISKY'");

    auto x = nlohmann::json::parse(to_json(sample_report()));
    x["dry_run"] = 1;
    EXPECT_EQ(error_of(x.dump()), "field 'dry_run': expected true or false");
}

TEST(Codec, IntegerDecimalsAndUnknownFieldsAccepted) {
    auto j = nlohmann::json::parse(to_json(sample_bar()));
    j["close"] = 259;
    j["extra_field_from_newer_writer"] = {1, 2, 3};
    auto r = decode_json(j.dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(std::get<MarketBar>(*r).close, Price::from_units(259));
}

// Found by fuzz/json_event_fuzz.cpp: a message of a million '[' (a 1 MB Kafka value) crashed the
// consumer with a stack overflow while the decoder freed its tree. Nesting is now capped.
TEST(Codec, DeeplyNestedJsonIsAnErrorNotACrash) {
    auto open_only = decode_json(std::string(1'000'000, '['));
    ASSERT_FALSE(open_only.ok());
    EXPECT_NE(open_only.error().message.find("nested deeper than 64 levels"), std::string::npos)
        << open_only.error().message;

    std::string deep_field = to_json(sample_bar());
    deep_field.pop_back();  // the closing brace
    deep_field += ",\"extra\":" + std::string(200'000, '[') + std::string(200'000, ']') + "}";
    EXPECT_FALSE(decode_json(deep_field).ok());

    // Nesting a newer writer might use (an unknown field a few levels deep) still decodes.
    auto j = nlohmann::json::parse(to_json(sample_bar()));
    j["extra"] = nlohmann::json::parse("[[[[{\"a\":[[1]]}]]]]");
    EXPECT_TRUE(decode_json(j.dump()).ok());
}

// Found by fuzz/json_event_fuzz.cpp (UBSan): a dead letter without "error" copied from a null
// pointer.
TEST(Codec, DeadLetterWithoutErrorFieldIsANamedError) {
    auto j = nlohmann::json::parse(to_json(sample_dead_letter()));
    j.erase("error");
    auto r = decode_json(j.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "field 'error': missing");
}

}  // namespace
}  // namespace awet
