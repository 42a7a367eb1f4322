#pragma once
// What the engine scenarios in this folder share: a store in a temporary directory, an execution
// config with the gates open (dry_run off, approval file written), entry decisions at minute N of
// a fixed session, and the stored trade row of a decision.
#include <gtest/gtest.h>

#include <memory>

#include "awet/execution/safety_gate.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet::testing {

inline const Timestamp kScenarioT0 = *Timestamp::parse("2026-03-12T14:00:00Z");

/// An approved buy of `qty` decided on the bar of minute `minute` (reference price 100).
inline RiskDecision entry_decision(const char* symbol, int minute, int64_t qty) {
    RiskDecision d;
    const Timestamp bar = kScenarioT0 + Duration::minutes(minute);
    d.header.event_id = Uuid{0xD, static_cast<uint64_t>(minute) + 1};
    d.header.correlation_id = Uuid{0xC, static_cast<uint64_t>(minute) + 1};
    d.header.symbol = Symbol(symbol);
    d.header.idempotency_key = make_key("entry", Symbol(symbol), bar);
    d.header.ts = bar + Duration::minutes(1);
    d.approved = true;
    d.side = Side::kBuy;
    d.qty = Quantity::from_units(qty);
    d.ref_price = Price::from_units(100);
    d.notional = notional(d.ref_price, d.qty);
    return d;
}

class EngineScenario : public ::testing::Test {
protected:
    void SetUp() override {
        config_.dry_run = false;
        config_.approval_file = dir_.file("APPROVE");
        ASSERT_TRUE(SafetyGate::approve(config_.approval_file, "test", kScenarioT0).ok());
        auto store = SqliteStore::open(dir_.file("a.db"));
        ASSERT_TRUE(store.ok());
        store_ = std::move(*store);
        ASSERT_TRUE(store_->migrate().ok());
    }
    /// The stored row of `d` (the store flushed first).
    TradeRow row(const RiskDecision& d) {
        EXPECT_TRUE(store_->flush().ok());
        auto r = store_->find_trade(d.header.idempotency_key.view());
        EXPECT_TRUE(r.ok() && r->has_value());
        return r->value_or(TradeRow{});
    }

    TempDir dir_;
    ExecutionConfig config_;
    std::unique_ptr<SqliteStore> store_;
};

}  // namespace awet::testing
