#include "awet/audit/recorder.hpp"

#include <gtest/gtest.h>

#include "awet/bus/inproc_bus.hpp"
#include "awet/model/codec.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet {
namespace {

class RecorderTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto s = SqliteStore::open(":memory:");
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        store_ = std::move(*s);
        ASSERT_TRUE(store_->migrate().ok());
    }

    static EventHeader header(const char* key, Timestamp ts, const Uuid& correlation) {
        EventHeader h;
        h.event_id = IdGenerator(std::hash<std::string_view>{}(key)).next();
        h.correlation_id = correlation;
        h.idempotency_key = IdempotencyKey(key);
        h.symbol = Symbol("AAPL");
        h.ts = ts;
        h.ts_init = ts;
        return h;
    }
    static MarketBar bar(Timestamp end, const Uuid& correlation) {
        MarketBar b;
        b.header = header("bar:AAPL:1", end, correlation);
        b.bar_start = end - Duration::minutes(1);
        b.open = Price::from_double(255.10);
        b.high = Price::from_double(255.50);
        b.low = Price::from_double(254.90);
        b.close = Price::from_double(255.20);
        b.volume = Quantity::from_double(1200);
        return b;
    }

    std::unique_ptr<SqliteStore> store_;
    const Uuid correlation_ = *Uuid::parse("01234567-89ab-4def-8edc-ba9876543210");
    const Timestamp t0_ = *Timestamp::parse("2026-03-12T13:31:00Z");
};

TEST_F(RecorderTest, AnEventGoesToItsTableAndToTheAuditTrailOnce) {
    Recorder recorder(*store_);
    const MarketBar b = bar(t0_, correlation_);
    ASSERT_TRUE(recorder.record(Topic::kMarketRaw, Event(b)).ok());
    // Redelivered: the bar and its audit row are each stored once.
    ASSERT_TRUE(recorder.record(Topic::kMarketRaw, Event(b)).ok());
    ASSERT_TRUE(store_->flush().ok());
    EXPECT_EQ(store_->count_rows("market_raw_minute").value(), 1);
    auto audit = store_->load_audit(correlation_);
    ASSERT_TRUE(audit.ok());
    ASSERT_EQ(audit->size(), 1u);
    EXPECT_EQ((*audit)[0].event_type, "market.raw");
    EXPECT_EQ((*audit)[0].source, "ingestion");
    EXPECT_EQ((*audit)[0].payload, to_json(Event(b)));
    EXPECT_EQ(recorder.recorded(), 2u);
}

TEST_F(RecorderTest, AttachedItRecordsWhatTheBusCarriesUnderItsCorrelationId) {
    Recorder recorder(*store_);
    InProcBus bus;
    recorder.attach(bus);
    ExecutionReport r;
    r.header = header("entry:AAPL:1", t0_ + Duration::seconds(1), correlation_);
    r.header.source = Source::kExecution;
    r.status = OrderStatus::kBlocked;
    r.block_reason = "DRY_RUN";
    ASSERT_TRUE(bus.publish(Topic::kMarketRaw, bar(t0_, correlation_)).ok());
    ASSERT_TRUE(bus.publish(Topic::kExecutionBlocked, r).ok());
    bus.poll();
    auto audit = store_->load_audit(correlation_);
    ASSERT_TRUE(audit.ok());
    ASSERT_EQ(audit->size(), 2u);
    EXPECT_EQ((*audit)[0].event_type, "market.raw");
    EXPECT_EQ((*audit)[1].event_type, "execution.blocked");
    EXPECT_EQ((*audit)[1].source, "execution");
    // An execution report has no table of its own here: its trades row is the engine's.
    EXPECT_EQ(store_->count_rows("trades").value(), 0);
}

TEST_F(RecorderTest, ABarTheStoreRefusesIsAnErrorAndNotAudited) {
    Recorder recorder(*store_);
    MarketBar b = bar(t0_, correlation_);
    b.interval = Duration::minutes(5);  // the store keeps 1-minute and 1-day bars only
    Status s = recorder.record(Topic::kMarketRaw, Event(b));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("unsupported bar interval"), std::string::npos)
        << s.error().message;
    EXPECT_TRUE(store_->load_audit(correlation_).value().empty());
    EXPECT_EQ(recorder.recorded(), 0u);
}

}  // namespace
}  // namespace awet
