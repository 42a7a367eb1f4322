// Writes the seeds of the event codecs' fuzz targets: fuzz/seeds/json_event/<type>.json and
// fuzz/seeds/avro_event/<topic>.bin, one sample event of every type on every topic it travels on.
// Not part of the build's default targets; rerun after an event or schema change:
//   cmake --build build --target fuzz_make_seeds && build/fuzz/fuzz_make_seeds fuzz/seeds
// An Avro seed is the fuzz input format of avro_event_fuzz.cpp: one control byte (topic | 0x08,
// "stamp the current schema id"), then the Confluent wire message.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "awet/model/codec.hpp"
#include "awet/model_avro/avro_event_codec.hpp"
#include "awet/model_avro/schema_catalog.hpp"

using namespace awet;

namespace {

EventHeader header(Source source) {
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

MarketBar bar() {
    MarketBar b;
    b.header = header(Source::kIngestion);
    b.bar_start = *Timestamp::parse("2026-03-12T13:30:00Z");
    b.open = *Price::parse("258.64");
    b.high = *Price::parse("259.000015");
    b.low = *Price::parse("258.1");
    b.close = *Price::parse("258.9");
    b.volume = *Quantity::parse("123456");
    return b;
}

FeatureVector features() {
    FeatureVector f;
    f.header = header(Source::kFeatures);
    f.bar_start = *Timestamp::parse("2026-03-12T13:30:00Z");
    f.close = *Price::parse("258.9");
    f.volume = Quantity::from_units(1000);
    for (size_t i = 0; i < kNumFeatures; ++i) f.values[i] = 0.1 * static_cast<double>(i) + 1.0 / 3;
    f.values[0] = std::numeric_limits<double>::quiet_NaN();
    f.valid_mask = ((1U << kNumFeatures) - 1) & ~1U;
    return f;
}

Prediction prediction() {
    Prediction p;
    p.header = header(Source::kPrediction);
    p.bar_start = *Timestamp::parse("2026-03-12T13:30:00Z");
    p.close = *Price::parse("258.9");
    p.horizons[0] = {-0.002, 0.0001, 0.0021};
    p.horizons[1] = {-0.003, 0.00015, 0.0031};
    p.horizons[2] = {-0.004, 0.0002, 0.0041};
    p.direction = Direction::kUp;
    p.confidence = 0.731;
    p.signal = Signal::kBuy;
    p.model_id = ModelId("tft-2026-03-11-seed42");
    return p;
}

RiskDecision decision(bool approved) {
    RiskDecision d;
    d.header = header(Source::kRisk);
    d.approved = approved;
    d.reasons = approved ? 0U : static_cast<uint32_t>(RiskReason::kCooldownActive);
    d.side = Side::kSell;
    d.qty = Quantity::from_units(3);
    d.ref_price = *Price::parse("258.9");
    d.notional = *Money::parse("776.7");
    d.cvar = 0.0123;
    d.confidence = 0.731;
    d.prediction_event_id = *Uuid::parse("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    return d;
}

ExecutionReport report(bool blocked) {
    ExecutionReport r;
    r.header = header(Source::kExecution);
    r.broker_order_id = BrokerOrderId("sim-000001");
    r.intent = OrderIntent::kExit;
    r.exit_reason = ExitReason::kStopLoss;
    r.side = Side::kSell;
    r.status = blocked ? OrderStatus::kBlocked : OrderStatus::kPartiallyFilled;
    r.qty = Quantity::from_units(3);
    r.filled_qty = Quantity::from_units(2);
    r.avg_fill_price = *Price::parse("257.605");
    r.fill_qty = Quantity::from_units(1);
    r.fill_price = *Price::parse("257.61");
    r.fees = *Money::parse("0.005");
    r.filled_at = *Timestamp::parse("2026-03-12T13:32:00Z");
    r.dry_run = blocked;
    r.block_reason = FixedString<63>(blocked ? "dry_run" : "");
    return r;
}

DeadLetter dead_letter() {
    DeadLetter d;
    d.header = header(Source::kRisk);
    d.original_topic = FixedString<31>("predictions.tft");
    const char* msg = "risk: store: disk full \"quoted\"\nsecond line";
    std::memcpy(d.error.data(), msg, std::strlen(msg) + 1);
    return d;
}

void write(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
    std::printf("%s (%zu bytes)\n", p.c_str(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_make_seeds SEEDS_DIR\n");
        return 2;
    }
    const std::filesystem::path out = argv[1];
    const std::pair<Topic, Event> samples[] = {
        {Topic::kMarketRaw, bar()},
        {Topic::kMarketEngineered, features()},
        {Topic::kPredictionsTft, prediction()},
        {Topic::kRiskApproved, decision(true)},
        {Topic::kRiskRejected, decision(false)},
        {Topic::kExecutionCompleted, report(false)},
        {Topic::kExecutionBlocked, report(true)},
        {Topic::kDeadLetter, dead_letter()},
    };
    std::filesystem::create_directories(out / "json_event");
    std::filesystem::create_directories(out / "avro_event");
    auto catalog = SchemaCatalog::load(default_schema_dir());
    if (!catalog.ok()) {
        std::fprintf(stderr, "%s\n", catalog.error().message.c_str());
        return 1;
    }
    auto codec = AvroEventCodec::create(std::move(*catalog));
    if (!codec.ok()) {
        std::fprintf(stderr, "%s\n", codec.error().message.c_str());
        return 1;
    }
    for (const auto& [topic, event] : samples) {
        const std::string name(topic_name(topic));
        write(out / "json_event" / (name + ".json"), to_json(event));
        auto bytes = (*codec)->encode(topic, event);
        if (!bytes.ok()) {
            std::fprintf(stderr, "%s: %s\n", name.c_str(), bytes.error().message.c_str());
            return 1;
        }
        std::string seed(1, static_cast<char>(static_cast<uint8_t>(topic) | 0x08U));
        write(out / "avro_event" / (name + ".bin"), seed + *bytes);
    }
    return 0;
}
