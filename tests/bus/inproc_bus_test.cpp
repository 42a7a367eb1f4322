#include "awet/bus/inproc_bus.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "awet/core/log.hpp"

namespace awet {
namespace {

/// A market bar whose idempotency key identifies it in the assertions.
Event bar(const std::string& key) {
    MarketBar b;
    b.header.idempotency_key = IdempotencyKey(key);
    b.header.symbol = Symbol("AAPL");
    b.header.event_id = Uuid{1, static_cast<uint64_t>(key.size())};
    return b;
}

std::string key_of(const Event& e) { return header_of(e).idempotency_key.str(); }

class InProcBusTest : public ::testing::Test {
protected:
    void SetUp() override { init_logging("off", "text"); }  // dead-letter warnings stay quiet
    void TearDown() override { init_logging("info", "json"); }
    InProcBus bus;
    std::vector<std::string> log;  // "<handler>:<topic>:<key>:<offset>"

    Handler recorder(const std::string& name) {
        return [this, name](const Delivery& d) {
            log.push_back(name + ":" + std::string(topic_name(d.topic)) + ":" + key_of(d.event) +
                          ":" + std::to_string(d.offset));
            return Status::Ok();
        };
    }
};

TEST_F(InProcBusTest, FifoAcrossTopicsWithPerTopicOffsets) {
    bus.subscribe(Topic::kMarketRaw, "a", recorder("a"));
    bus.subscribe(Topic::kPredictionsTft, "a", recorder("a"));
    ASSERT_TRUE(bus.publish(Topic::kMarketRaw, bar("b1")).ok());
    ASSERT_TRUE(bus.publish(Topic::kPredictionsTft, bar("p1")).ok());
    ASSERT_TRUE(bus.publish(Topic::kMarketRaw, bar("b2")).ok());
    EXPECT_EQ(bus.queued(), 3u);
    EXPECT_EQ(bus.poll(), 3u);
    EXPECT_EQ(log, (std::vector<std::string>{"a:market.raw:b1:0", "a:predictions.tft:p1:0",
                                             "a:market.raw:b2:1"}));
    EXPECT_EQ(bus.queued(), 0u);
    EXPECT_EQ(bus.poll(), 0u);
}

TEST_F(InProcBusTest, FanOutInSubscriptionOrder) {
    bus.subscribe(Topic::kMarketRaw, "first", recorder("first"));
    bus.subscribe(Topic::kMarketRaw, "second", recorder("second"));
    bus.subscribe(Topic::kMarketEngineered, "other", recorder("other"));
    (void)bus.publish(Topic::kMarketRaw, bar("x"));
    (void)bus.publish(Topic::kMarketRaw, bar("y"));
    bus.poll();
    EXPECT_EQ(log, (std::vector<std::string>{"first:market.raw:x:0", "second:market.raw:x:0",
                                             "first:market.raw:y:1", "second:market.raw:y:1"}));
    BusStats s = bus.stats();
    EXPECT_EQ(s.published, 2u);
    EXPECT_EQ(s.delivered, 4u);
    EXPECT_EQ(s.acked, 4u);
    EXPECT_EQ(s.dead_lettered, 0u);
}

TEST_F(InProcBusTest, PublishWithoutSubscribersCountsAndIsConsumed) {
    (void)bus.publish(Topic::kRiskRejected, bar("r"));
    EXPECT_EQ(bus.stats().published, 1u);
    EXPECT_EQ(bus.poll(), 1u);
    EXPECT_EQ(bus.stats().delivered, 0u);
    EXPECT_EQ(bus.queued(), 0u);
}

TEST_F(InProcBusTest, PollRespectsMaxEvents) {
    bus.subscribe(Topic::kMarketRaw, "a", recorder("a"));
    for (const char* k : {"1", "2", "3"}) (void)bus.publish(Topic::kMarketRaw, bar(k));
    EXPECT_EQ(bus.poll(2), 2u);
    EXPECT_EQ(log.size(), 2u);
    EXPECT_EQ(bus.queued(), 1u);
    EXPECT_EQ(bus.poll(5), 1u);
    EXPECT_EQ(log.back(), "a:market.raw:3:2");
}

TEST_F(InProcBusTest, ReentrantPublishIsDeliveredAfterCurrentEventInPublishOrder) {
    // Handler on market.raw publishes a feature vector; a second market.raw handler still runs
    // first, and an event published before the poll stays ahead of the re-entrant one.
    bus.subscribe(Topic::kMarketRaw, "features", [this](const Delivery& d) {
        log.push_back("features:" + key_of(d.event));
        return bus.publish(Topic::kMarketEngineered, bar("f-" + key_of(d.event)));
    });
    bus.subscribe(Topic::kMarketRaw, "audit", recorder("audit"));
    bus.subscribe(Topic::kMarketEngineered, "model", recorder("model"));
    (void)bus.publish(Topic::kMarketRaw, bar("b1"));
    (void)bus.publish(Topic::kMarketRaw, bar("b2"));
    EXPECT_EQ(bus.poll(), 4u);
    EXPECT_EQ(log,
              (std::vector<std::string>{"features:b1", "audit:market.raw:b1:0", "features:b2",
                                        "audit:market.raw:b2:1", "model:market.engineered:f-b1:0",
                                        "model:market.engineered:f-b2:1"}));
}

TEST_F(InProcBusTest, TypedPublishDeliversTheSameEventWhateverTheSlotHeldBefore) {
    // Slots are reused after a drain; a slot that held a bar must deliver a prediction (and the
    // other way round) with every byte of the event, through the typed and the Event overloads.
    std::vector<Event> seen;
    auto keep = [&seen](const Delivery& d) {
        seen.push_back(d.event);
        return Status::Ok();
    };
    bus.subscribe(Topic::kMarketRaw, "keep", keep);
    bus.subscribe(Topic::kPredictionsTft, "keep", keep);
    MarketBar b = std::get<MarketBar>(bar("bar-1"));
    b.close = Price::from_double(101.25);
    Prediction p;
    p.header.idempotency_key = IdempotencyKey("pred-1");
    p.horizons[2].q50 = 0.004;
    p.confidence = 0.75;
    p.signal = Signal::kBuy;
    p.model_id = ModelId("m1");

    ASSERT_TRUE(bus.publish(Topic::kMarketRaw, b).ok());  // slot 0 holds a bar
    ASSERT_TRUE(bus.publish(Topic::kPredictionsTft, p).ok());
    EXPECT_EQ(bus.poll(), 2u);
    ASSERT_TRUE(bus.publish(Topic::kPredictionsTft, p).ok());  // slot 0 switches to a prediction
    ASSERT_TRUE(bus.publish(Topic::kMarketRaw, Event(b)).ok());
    EXPECT_EQ(bus.poll(), 2u);

    ASSERT_EQ(seen.size(), 4u);
    for (size_t i : {0, 3}) {
        ASSERT_TRUE(std::holds_alternative<MarketBar>(seen[i])) << i;
        EXPECT_EQ(std::memcmp(&std::get<MarketBar>(seen[i]), &b, sizeof(MarketBar)), 0) << i;
    }
    for (size_t i : {1, 2}) {
        ASSERT_TRUE(std::holds_alternative<Prediction>(seen[i])) << i;
        const auto& got = std::get<Prediction>(seen[i]);
        EXPECT_EQ(got.header.idempotency_key, "pred-1");
        EXPECT_EQ(got.horizons[2].q50, 0.004);
        EXPECT_EQ(got.confidence, 0.75);
        EXPECT_EQ(got.signal, Signal::kBuy);
        EXPECT_EQ(got.model_id, "m1");
    }
    EXPECT_EQ(bus.stats().published, 4u);
}

TEST_F(InProcBusTest, EventBeingDeliveredSurvivesManyReentrantPublishes) {
    // One handler publishes 300 events (several queue chunks) while the event it was given is
    // still being delivered to the next handler: that event must not move or change.
    bus.subscribe(Topic::kMarketRaw, "flood", [this](const Delivery& d) {
        for (int i = 0; i < 300; ++i) {
            (void)bus.publish(Topic::kMarketEngineered,
                              bar(std::string("f").append(std::to_string(i))));
        }
        log.push_back("flood:" + key_of(d.event));
        return Status::Ok();
    });
    bus.subscribe(Topic::kMarketRaw, "after", recorder("after"));
    int engineered = 0;
    bus.subscribe(Topic::kMarketEngineered, "count", [&engineered](const Delivery& d) {
        EXPECT_EQ(key_of(d.event), std::string("f").append(std::to_string(engineered)));
        ++engineered;
        return Status::Ok();
    });
    (void)bus.publish(Topic::kMarketRaw, bar("origin"));
    EXPECT_EQ(bus.poll(), 301u);
    EXPECT_EQ(log, (std::vector<std::string>{"flood:origin", "after:market.raw:origin:0"}));
    EXPECT_EQ(engineered, 300);
    EXPECT_EQ(bus.queued(), 0u);
}

TEST_F(InProcBusTest, HandlerErrorGoesToDeadLetter) {
    bus.subscribe(Topic::kPredictionsTft, "risk", [](const Delivery&) {
        return Status(make_error(ErrorCode::kStore, "disk full"));
    });
    bus.subscribe(Topic::kPredictionsTft, "audit", recorder("audit"));
    std::vector<DeadLetter> dead;
    bus.subscribe(Topic::kDeadLetter, "dlq", [&](const Delivery& d) {
        dead.push_back(std::get<DeadLetter>(d.event));
        return Status::Ok();
    });
    Event e = bar("p1");
    (void)bus.publish(Topic::kPredictionsTft, e);
    EXPECT_EQ(bus.poll(), 2u);
    // The other subscriber still got the event.
    EXPECT_EQ(log, (std::vector<std::string>{"audit:predictions.tft:p1:0"}));
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].original_topic, "predictions.tft");
    EXPECT_EQ(dead[0].header.event_id, header_of(e).event_id);
    EXPECT_EQ(dead[0].header.idempotency_key, "p1");
    EXPECT_STREQ(dead[0].error.data(), "risk: store: disk full");
    BusStats s = bus.stats();
    EXPECT_EQ(s.published, 2u);  // the original and the dead letter
    EXPECT_EQ(s.dead_lettered, 1u);
    EXPECT_EQ(s.acked, 3u);
}

TEST_F(InProcBusTest, ThrownExceptionIsCaughtAndDeadLettered) {
    bus.subscribe(Topic::kMarketRaw, "bad",
                  [](const Delivery&) -> Status { throw std::runtime_error("boom"); });
    bus.subscribe(Topic::kMarketRaw, "worse", [](const Delivery&) -> Status { throw 42; });
    std::vector<std::string> errors;
    bus.subscribe(Topic::kDeadLetter, "dlq", [&](const Delivery& d) {
        errors.emplace_back(std::get<DeadLetter>(d.event).error.data());
        return Status::Ok();
    });
    (void)bus.publish(Topic::kMarketRaw, bar("b"));
    EXPECT_EQ(bus.poll(), 3u);
    EXPECT_EQ(errors,
              (std::vector<std::string>{"bad: exception: boom", "worse: unknown exception"}));
    EXPECT_EQ(bus.stats().dead_lettered, 2u);
}

TEST_F(InProcBusTest, FailingDeadLetterHandlerDoesNotLoop) {
    bus.subscribe(Topic::kMarketRaw, "bad", [](const Delivery&) {
        return Status(make_error(ErrorCode::kInternal, "first"));
    });
    int dlq_calls = 0;
    bus.subscribe(Topic::kDeadLetter, "dlq", [&](const Delivery&) -> Status {
        ++dlq_calls;
        throw std::runtime_error("dlq broken");
    });
    (void)bus.publish(Topic::kMarketRaw, bar("b"));
    EXPECT_EQ(bus.poll(), 2u);  // the bar and its dead letter, then nothing more
    EXPECT_EQ(dlq_calls, 1);
    EXPECT_EQ(bus.queued(), 0u);
    EXPECT_EQ(bus.stats().dead_lettered, 2u);  // counted, then dropped
}

TEST_F(InProcBusTest, LongErrorIsTruncatedAndTerminated) {
    // The dead-letter text is "g: internal: " (13 bytes) + this; it holds 199 bytes + NUL. Put a
    // two-byte UTF-8 sequence at bytes 198..199 of the full text, straddling the cut.
    std::string long_error(500, 'e');
    long_error[185] = '\xC3';
    long_error[186] = '\xA9';
    bus.subscribe(Topic::kMarketRaw, "g", [&](const Delivery&) {
        return Status(make_error(ErrorCode::kInternal, long_error));
    });
    std::vector<DeadLetter> dead;
    bus.subscribe(Topic::kDeadLetter, "dlq", [&](const Delivery& d) {
        dead.push_back(std::get<DeadLetter>(d.event));
        return Status::Ok();
    });
    (void)bus.publish(Topic::kMarketRaw, bar("b"));
    bus.poll();
    ASSERT_EQ(dead.size(), 1u);
    size_t len = std::strlen(dead[0].error.data());
    EXPECT_EQ(len, 198u);  // backed off to before the split sequence
    EXPECT_EQ(std::string(dead[0].error.data(), 13), "g: internal: ");
}

TEST_F(InProcBusTest, SubscribeDuringDispatchSeesOnlyLaterEvents) {
    bool added = false;
    bus.subscribe(Topic::kMarketRaw, "a", [&](const Delivery& d) {
        log.push_back("a:" + key_of(d.event));
        if (!added) {
            added = true;
            bus.subscribe(Topic::kMarketRaw, "late", recorder("late"));
        }
        return Status::Ok();
    });
    (void)bus.publish(Topic::kMarketRaw, bar("1"));
    (void)bus.publish(Topic::kMarketRaw, bar("2"));
    bus.poll();
    EXPECT_EQ(log, (std::vector<std::string>{"a:1", "a:2", "late:market.raw:2:1"}));
}

TEST_F(InProcBusTest, InvalidTopicIsRejected) {
    Status s = bus.publish(Topic::kCount, bar("x"));
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(bus.stats().published, 0u);
}

}  // namespace
}  // namespace awet
