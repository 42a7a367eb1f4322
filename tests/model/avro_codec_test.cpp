// The Avro codec: every event through the Confluent wire format, the wire bytes, bad input as
// named errors, and schema evolution between the repo's schema versions (schemas/avro).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "awet/model/event_codec.hpp"
#include "awet/model_avro/avro_event_codec.hpp"
#include "awet/model_avro/codec_factory.hpp"
#include "awet_test_support.hpp"
#include "event_equality.hpp"

namespace awet {
namespace {

using testing::expect_eq;
using testing::expect_header_eq;
using testing::expect_same_double;

const std::string kSchemaDir = AWET_SCHEMA_DIR;

std::unique_ptr<AvroEventCodec> make_codec(const std::string& dir = kSchemaDir) {
    auto catalog = SchemaCatalog::load(dir);
    EXPECT_TRUE(catalog.ok()) << catalog.error().to_string();
    auto codec = AvroEventCodec::create(std::move(*catalog));
    EXPECT_TRUE(codec.ok()) << codec.error().to_string();
    return std::move(*codec);
}

EventHeader header(Source source) {
    EventHeader h;
    h.event_id = Uuid{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    h.correlation_id = Uuid{42, 43};
    h.idempotency_key = IdempotencyKey("bar:AAPL:1773322200000000000");
    h.symbol = Symbol("BRK.B");
    h.ts = Timestamp::from_ns(1'773'322'260'123'456'789);
    h.ts_init = Timestamp::from_ns(1'773'322'260'123'999'000);
    h.schema_version = 1;
    h.source = source;
    return h;
}

MarketBar market_bar() {
    MarketBar e;
    e.header = header(Source::kIngestion);
    e.bar_start = Timestamp::from_seconds(1'773'322'200);
    e.interval = Duration::minutes(5);
    e.open = Price::from_raw(258'640'015);
    e.high = Price::from_raw(std::numeric_limits<int64_t>::max());
    e.low = Price::from_raw(std::numeric_limits<int64_t>::min());
    e.close = Price::from_raw(-1);
    e.volume = Quantity::from_raw(344'696'000'000);
    return e;
}

FeatureVector feature_vector() {
    FeatureVector e;
    e.header = header(Source::kFeatures);
    e.bar_start = Timestamp::from_seconds(1'773'322'200);
    e.close = Price::from_raw(404'240'000);
    e.volume = Quantity::from_raw(1);
    for (size_t i = 0; i < kNumFeatures; ++i) e.values[i] = 0.1 * static_cast<double>(i) - 0.3;
    e.values[0] = std::numeric_limits<double>::quiet_NaN();  // warm-up
    e.values[3] = std::numeric_limits<double>::infinity();
    e.values[4] = -0.0;
    e.valid_mask = 0xFFE & ~(1U << 3);
    return e;
}

Prediction prediction() {
    Prediction e;
    e.header = header(Source::kPrediction);
    e.bar_start = Timestamp::from_seconds(1'773'322'200);
    e.close = Price::from_raw(404'240'000);
    e.horizons = {{{-0.00988, 0.00385, 0.01284},
                   {-0.02, std::numeric_limits<double>::quiet_NaN(), 0.03},
                   {1e-300, 2.5e-10, 3.0}}};
    e.direction = Direction::kUp;
    e.confidence = 0.127986;
    e.signal = Signal::kBuy;
    e.model_id = ModelId("tft-2026-03-01-seed7");
    return e;
}

RiskDecision risk_decision() {
    RiskDecision e;
    e.header = header(Source::kRisk);
    e.approved = false;
    e.reasons = static_cast<uint32_t>(RiskReason::kCooldownActive) |
                static_cast<uint32_t>(RiskReason::kCvarExceedsLimit) |
                static_cast<uint32_t>(RiskReason::kShortNotAllowed);
    e.intent = OrderIntent::kExit;
    e.exit_reason = ExitReason::kSessionClose;
    e.side = Side::kSell;
    e.qty = Quantity::from_units(2);
    e.ref_price = Price::from_raw(404'240'000);
    e.notional = Money::from_raw(808'480'000);
    e.cvar = 0.0148763;
    e.confidence = 0.5;
    e.prediction_event_id = Uuid{7, 8};
    return e;
}

ExecutionReport execution_report() {
    ExecutionReport e;
    e.header = header(Source::kExecution);
    e.broker_order_id = BrokerOrderId("sim-000004");
    e.intent = OrderIntent::kEntry;
    e.exit_reason = ExitReason::kStopLoss;
    e.side = Side::kBuy;
    e.status = OrderStatus::kPartiallyFilled;
    e.qty = Quantity::from_units(10);
    e.filled_qty = Quantity::from_units(4);
    e.avg_fill_price = Price::from_raw(404'321'000);
    e.fill_qty = Quantity::from_units(2);
    e.fill_price = Price::from_raw(404'322'500);
    e.fees = Money::from_raw(-12);
    e.filled_at = Timestamp::from_ns(1'773'322'261'000'000'001);
    e.dry_run = true;
    e.block_reason = FixedString<63>("approval file missing: ünïcode ok");
    return e;
}

DeadLetter dead_letter() {
    DeadLetter e;
    e.header = header(Source::kWatchtower);
    e.original_topic = FixedString<31>("market.raw");
    const char* text = "features: field 'close': expected a decimal number";
    std::memcpy(e.error.data(), text, std::strlen(text) + 1);
    return e;
}

template <typename E>
void round_trip(AvroEventCodec& codec, Topic topic, const E& event) {
    SCOPED_TRACE(std::string(topic_name(topic)));
    auto bytes = codec.encode(topic, Event(event));
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    auto decoded = codec.decode(topic, *bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    ASSERT_TRUE(std::holds_alternative<E>(*decoded));
    expect_eq(event, std::get<E>(*decoded));
}

TEST(AvroCodec, EveryEventTypeRoundTripsOnEveryTopic) {
    auto codec = make_codec();
    round_trip(*codec, Topic::kMarketRaw, market_bar());
    round_trip(*codec, Topic::kMarketEngineered, feature_vector());
    round_trip(*codec, Topic::kPredictionsTft, prediction());
    round_trip(*codec, Topic::kRiskApproved, risk_decision());
    round_trip(*codec, Topic::kRiskRejected, risk_decision());
    round_trip(*codec, Topic::kExecutionCompleted, execution_report());
    round_trip(*codec, Topic::kExecutionBlocked, execution_report());
    round_trip(*codec, Topic::kDeadLetter, dead_letter());
    // Defaults (empty strings, nil ids, zero everything) survive too.
    round_trip(*codec, Topic::kMarketRaw, MarketBar{});
    round_trip(*codec, Topic::kRiskApproved, RiskDecision{});
    round_trip(*codec, Topic::kDeadLetter, DeadLetter{});
    // The codec is reused: an array-carrying event after another does not accumulate entries.
    round_trip(*codec, Topic::kPredictionsTft, prediction());
}

TEST(AvroCodec, WireFormatIsMagicByteThenBigEndianSchemaIdThenAvro) {
    auto codec = make_codec();
    auto bytes = codec->encode(Topic::kMarketRaw, Event(market_bar()));
    ASSERT_TRUE(bytes.ok());
    const SchemaEntry* schema = codec->catalog().current("awet.events.MarketBar");
    ASSERT_NE(schema, nullptr);
    ASSERT_GT(bytes->size(), 5u);
    EXPECT_EQ(static_cast<uint8_t>((*bytes)[0]), 0x00);
    const auto* p = reinterpret_cast<const uint8_t*>(bytes->data());
    const int32_t id = static_cast<int32_t>((uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) |
                                            (uint32_t{p[3]} << 8) | p[4]);
    EXPECT_EQ(id, schema->id);
    // The Avro body starts with the header's event_id: a string, length 36 zigzag-encoded (72).
    EXPECT_EQ(p[5], 72);
    EXPECT_EQ(std::string(bytes->data() + 6, 36), market_bar().header.event_id.str());
    // Ids are a function of the schema text alone, stable from run to run.
    EXPECT_EQ(schema->id, SchemaCatalog::local_id(schema->json));
    EXPECT_GT(schema->id, 0);
}

TEST(AvroCodec, EveryCurrentSchemaCarriesTheSameHeaderRecord) {
    auto catalog = SchemaCatalog::load(kSchemaDir);
    ASSERT_TRUE(catalog.ok()) << catalog.error().to_string();
    std::string first;
    int current = 0;
    for (const SchemaEntry& e : catalog->entries()) {
        if (!e.current) continue;
        ++current;
        const size_t at = e.json.find("\"name\":\"EventHeader\"");
        ASSERT_NE(at, std::string::npos) << e.file;
        // The header record is the first field's type: compare its normalised text.
        const size_t start = e.json.rfind('{', at);
        const std::string text =
            e.json.substr(start, e.json.find("\"type\":\"record\"", at) - start);
        if (first.empty()) first = text;
        EXPECT_EQ(text, first) << e.file << " has a different EventHeader";
    }
    EXPECT_EQ(current, 6);
}

TEST(AvroCodec, BadInputsAreNamedErrorsNeverCrashes) {
    auto codec = make_codec();
    auto good = codec->encode(Topic::kPredictionsTft, Event(prediction()));
    ASSERT_TRUE(good.ok());
    const auto error_of = [&](Topic t, std::string_view bytes) {
        auto r = codec->decode(t, bytes);
        return r.ok() ? std::string("(decoded)") : r.error().message;
    };
    EXPECT_NE(
        error_of(Topic::kMarketRaw, "").find("avro market.raw: 0 bytes, shorter than the 5-byte"),
        std::string::npos);
    EXPECT_NE(
        error_of(Topic::kMarketRaw, "{\"event_type\":1}").find("magic byte 0x7b, expected 0x00"),
        std::string::npos);
    std::string unknown = *good;
    unknown[1] = 0x7f;  // an id nobody has
    EXPECT_NE(error_of(Topic::kPredictionsTft, unknown).find("unknown schema id"),
              std::string::npos)
        << error_of(Topic::kPredictionsTft, unknown);
    // A Prediction sent on market.raw: the id resolves, to the wrong record.
    EXPECT_NE(error_of(Topic::kMarketRaw, *good)
                  .find("is awet.events.Prediction, the topic carries awet.events.MarketBar"),
              std::string::npos);
    // Truncated at every length: an error each time.
    for (size_t n = 5; n < good->size(); ++n) {
        auto r = codec->decode(Topic::kPredictionsTft, std::string_view(*good).substr(0, n));
        ASSERT_FALSE(r.ok()) << "decoded a payload cut at " << n;
        EXPECT_NE(r.error().message.find("avro predictions.tft (schema id"), std::string::npos)
            << r.error().message;
    }
    EXPECT_NE(error_of(Topic::kPredictionsTft, *good + "xx").find("2 bytes after the record"),
              std::string::npos);
    // Random bodies behind a valid header, and random flips of a valid payload.
    std::mt19937_64 rng(7);
    for (int i = 0; i < 3000; ++i) {
        std::string bytes = *good;
        if (i % 2 == 0) {
            for (size_t k = 5; k < bytes.size(); ++k) bytes[k] = static_cast<char>(rng());
        } else {
            for (int k = 0; k < 3; ++k)
                bytes[5 + rng() % (bytes.size() - 5)] = static_cast<char>(rng());
        }
        (void)codec->decode(Topic::kPredictionsTft, bytes);  // no crash, no hang
    }
    // Field-level errors name the field: a horizon count and an out-of-range mask.
    Prediction p = prediction();
    auto encoded = codec->encode(Topic::kPredictionsTft, Event(p));
    ASSERT_TRUE(encoded.ok());
    FeatureVector fv = feature_vector();
    fv.valid_mask = 1U << 20;
    auto bad_mask = codec->encode(Topic::kMarketEngineered, Event(fv));
    ASSERT_TRUE(bad_mask.ok());
    EXPECT_NE(error_of(Topic::kMarketEngineered, *bad_mask)
                  .find("field 'valid_mask': 1048576 out of range"),
              std::string::npos)
        << error_of(Topic::kMarketEngineered, *bad_mask);
    // Encoding an event on a topic that carries another record is refused, naming both.
    auto wrong = codec->encode(Topic::kMarketRaw, Event(prediction()));
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(
        wrong.error().message.find("a prediction event, the topic carries awet.events.MarketBar"),
        std::string::npos)
        << wrong.error().message;
}

// Found by fuzz/avro_event_fuzz.cpp: avro-c allocated a string's declared length before reading
// it (a 200-byte message asked for 6 GB) and leaked that buffer when the payload was cut short.
TEST(AvroCodec, DeclaredLengthsBeyondThePayloadAreRefusedWithoutAllocatingThem) {
    auto codec = make_codec();
    auto good = codec->encode(Topic::kMarketRaw, Event(market_bar()));
    ASSERT_TRUE(good.ok());
    // The first field is the event id, a string: declare 2^33 bytes (zigzag varint) instead.
    std::string huge = good->substr(0, kAvroWireHeaderSize);
    huge += std::string("\x80\x80\x80\x80\x40", 5);
    huge += good->substr(kAvroWireHeaderSize + 1);
    auto r = codec->decode(Topic::kMarketRaw, huge);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("truncated or malformed payload"), std::string::npos)
        << r.error().message;
    // Cut inside a string, many times (LeakSanitizer in `make test-asan` checks nothing leaks),
    // then the good message still decodes.
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(codec->decode(Topic::kMarketRaw, std::string_view(*good).substr(0, 20)).ok());
    }
    auto again = codec->decode(Topic::kMarketRaw, *good);
    ASSERT_TRUE(again.ok()) << again.error().message;
    expect_header_eq(std::get<MarketBar>(*again).header, market_bar().header);
}

// Found by fuzz/avro_event_fuzz.cpp: an enum index beyond the symbols made avro-c return an
// uninitialised pointer, read as the symbol's name (SEGV). The seed is in the fuzz input format:
// byte 0 = topic | 0x08 (stamp the topic's current schema id), then the wire message.
TEST(AvroCodec, EnumIndexOutOfRangeIsANamedError) {
    auto codec = make_codec();
    const std::string seed = testing::read_text(std::filesystem::path(AWET_SOURCE_DIR) /
                                                "fuzz/seeds/avro_event/"
                                                "regress_enum_index_out_of_range.bin");
    ASSERT_GT(seed.size(), 6U);
    const auto topic = static_cast<Topic>(static_cast<uint8_t>(seed[0]) & 7U);
    std::string message = seed.substr(1);
    const SchemaEntry* entry = codec->catalog().current(record_name_of(topic));
    ASSERT_NE(entry, nullptr);
    const auto id = static_cast<uint32_t>(entry->id);
    for (int k = 0; k < 4; ++k) message[1 + k] = static_cast<char>(id >> (24 - 8 * k));
    auto r = codec->decode(topic, message);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("out of range"), std::string::npos) << r.error().message;
}

// ---- Evolution: schemas/avro/v0/market_bar.avsc is MarketBar before interval_ns was added.

const SchemaEntry* v0_market_bar(const SchemaCatalog& catalog) {
    for (const SchemaEntry& e : catalog.entries()) {
        if (!e.current && e.full_name == "awet.events.MarketBar") return &e;
    }
    return nullptr;
}

TEST(AvroEvolution, CurrentReaderReadsVersion0DataWithTheDefault) {
    auto codec = make_codec();
    const SchemaEntry* v0 = v0_market_bar(codec->catalog());
    ASSERT_NE(v0, nullptr) << "schemas/avro/v0/market_bar.avsc";
    MarketBar bar = market_bar();  // interval 5 minutes, which v0 cannot carry
    auto old_bytes = codec->encode_with(Topic::kMarketRaw, Event(bar), v0->id);
    ASSERT_TRUE(old_bytes.ok()) << old_bytes.error().to_string();
    auto new_bytes = codec->encode(Topic::kMarketRaw, Event(bar));
    ASSERT_TRUE(new_bytes.ok());
    EXPECT_LT(old_bytes->size(), new_bytes->size());
    auto decoded = codec->decode(Topic::kMarketRaw, *old_bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    MarketBar expected = bar;
    expected.interval = Duration::minutes(1);  // the v1 schema's default for interval_ns
    expect_eq(expected, std::get<MarketBar>(*decoded));
}

TEST(AvroEvolution, Version0ReaderReadsCurrentDataSkippingTheNewField) {
    // A consumer still on v0: its catalogue has the v0 MarketBar as current, and knows the v1
    // writer schema by id (as a registry would give it).
    testing::TempDir dir;
    for (const auto& f : std::filesystem::directory_iterator(kSchemaDir)) {
        if (f.path().extension() == ".avsc" && f.path().filename() != "market_bar.avsc") {
            std::filesystem::copy_file(f.path(), dir.path() / f.path().filename());
        }
    }
    std::filesystem::copy_file(std::filesystem::path(kSchemaDir) / "v0" / "market_bar.avsc",
                               dir.path() / "market_bar.avsc");
    std::filesystem::create_directories(dir.path() / "v1");
    std::filesystem::copy_file(std::filesystem::path(kSchemaDir) / "market_bar.avsc",
                               dir.path() / "v1" / "market_bar.avsc");
    auto old_codec = make_codec(dir.path().string());
    auto new_codec = make_codec();
    MarketBar bar = market_bar();
    auto bytes = new_codec->encode(Topic::kMarketRaw, Event(bar));
    ASSERT_TRUE(bytes.ok());
    auto decoded = old_codec->decode(Topic::kMarketRaw, *bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    MarketBar expected = bar;
    expected.interval = MarketBar{}.interval;  // v0 has no interval: the C++ default
    expect_eq(expected, std::get<MarketBar>(*decoded));
}

TEST(AvroEvolution, RulesAreChecked) {
    auto catalog = SchemaCatalog::load(kSchemaDir);
    ASSERT_TRUE(catalog.ok());
    const std::string v1 = catalog->current("awet.events.MarketBar")->json;
    const std::string v0 = v0_market_bar(*catalog)->json;
    EXPECT_TRUE(check_schema_compatible(v0, v1).ok());  // N reads N-1 (default)
    EXPECT_TRUE(check_schema_compatible(v1, v0).ok());  // N-1 reads N (field skipped)
    // A new field without a default cannot be read from old data.
    std::string no_default = v1;
    const std::string with_default = "\"default\":60000000000,";
    ASSERT_NE(no_default.find(with_default), std::string::npos);
    no_default.erase(no_default.find(with_default), with_default.size());
    auto st = check_schema_compatible(v0, no_default);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("field 'interval_ns': not written by the writer schema"),
              std::string::npos)
        << st.error().message;
    // Narrowing a long to an int and dropping an enum symbol are refused.
    const std::string narrowed =
        std::string(v1).replace(v1.find("\"type\":\"long\""), 13, "\"type\":\"int\"");
    EXPECT_TRUE(check_schema_compatible(narrowed, v1).ok());  // int -> long: a promotion
    EXPECT_FALSE(check_schema_compatible(v1, narrowed).ok());
    std::string fewer_sources = v1;
    ASSERT_NE(fewer_sources.find(",\"cli\""), std::string::npos);
    fewer_sources.erase(fewer_sources.find(",\"cli\""), 6);
    auto enums = check_schema_compatible(v1, fewer_sources);
    ASSERT_FALSE(enums.ok());
    EXPECT_NE(enums.error().message.find("enum symbol 'cli' unknown to the reader"),
              std::string::npos)
        << enums.error().message;
}

TEST(AvroCodec, FactoryMakesBothCodecsAndNamesBadSettings) {
    auto json = make_event_codec("json");
    ASSERT_TRUE(json.ok());
    EXPECT_EQ((*json)->name(), "json");
    auto bytes = (*json)->encode(Topic::kMarketRaw, Event(market_bar()));
    ASSERT_TRUE(bytes.ok());
    auto back = (*json)->decode(Topic::kMarketRaw, *bytes);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    expect_eq(market_bar(), std::get<MarketBar>(*back));

    auto avro = make_event_codec("avro", "", kSchemaDir);
    ASSERT_TRUE(avro.ok()) << avro.error().to_string();
    EXPECT_EQ((*avro)->name(), "avro");
    std::string buffer = "prefix";
    ASSERT_TRUE((*avro)->encode_to(Topic::kMarketRaw, Event(market_bar()), buffer).ok());
    EXPECT_EQ(buffer.substr(0, 6), "prefix");
    EXPECT_EQ(buffer[6], '\0');

    auto bad_kind = make_event_codec("protobuf");
    ASSERT_FALSE(bad_kind.ok());
    EXPECT_NE(bad_kind.error().message.find("'protobuf': expected json or avro"),
              std::string::npos);
    auto bad_dir = make_event_codec("avro", "", "/nonexistent/schemas");
    ASSERT_FALSE(bad_dir.ok());
    EXPECT_NE(bad_dir.error().message.find("/nonexistent/schemas does not exist"),
              std::string::npos);
    auto bad_url = make_event_codec("avro", "https://registry:8081", kSchemaDir);
    ASSERT_FALSE(bad_url.ok());
    EXPECT_NE(bad_url.error().message.find("https://registry:8081"), std::string::npos);
}

TEST(AvroCodec, CatalogueRefusesBrokenSchemaFiles) {
    testing::TempDir dir;
    std::ofstream(dir.file("bad.avsc"))
        << "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"nope\"}]}";
    auto catalog = SchemaCatalog::load(dir.path());
    ASSERT_FALSE(catalog.ok());
    EXPECT_NE(catalog.error().message.find("bad.avsc: not an Avro schema"), std::string::npos)
        << catalog.error().message;
}

}  // namespace
}  // namespace awet
