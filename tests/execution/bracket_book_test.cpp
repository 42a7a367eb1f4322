// The execution engine's pieces on their own: order tracking (restore from trades, the one place
// a stored id is read as a leg) and bracket coordination (leg ids, broker ids, parked exits).
#include "awet/execution/bracket_book.hpp"

#include <gtest/gtest.h>

#include "awet/execution/order_tracker.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet {
namespace {

TradeRow row_of(const char* key, OrderStatus status) {
    TradeRow t;
    t.ts = Timestamp::from_seconds(1'772'460'000);
    t.symbol = Symbol("AAPL");
    t.qty = Quantity::from_units(5);
    t.status = status;
    t.idempotency_key = IdempotencyKey(key);
    t.correlation_id = Uuid{7, 9};
    t.alpaca_order_id = std::string("broker-") + key;
    return t;
}

TEST(OrderTracker, RestoresFromTradesOnceAndReadsALegOnlyFromItsKey) {
    auto store = SqliteStore::open(":memory:", 1);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->migrate().ok());
    ASSERT_TRUE((*store)->insert_trade(row_of("entry:AAPL:1", OrderStatus::kFilled)).ok());
    ASSERT_TRUE((*store)->insert_trade(row_of("entry:AAPL:1:tp", OrderStatus::kPending)).ok());
    ASSERT_TRUE((*store)->flush().ok());
    int64_t store_errors = 0;
    OrderTracker tracker(store->get(), store_errors);
    std::vector<std::string> restored;
    tracker.set_restore_hook(
        [&](const TrackedOrder& o) { restored.push_back(o.row.idempotency_key.str()); });

    EXPECT_EQ(tracker.find(IdempotencyKey("entry:AAPL:1")), nullptr);  // memory only
    TrackedOrder* entry = tracker.find_or_restore(IdempotencyKey("entry:AAPL:1"));
    ASSERT_NE(entry, nullptr);
    EXPECT_TRUE(entry->terminal);  // filled
    EXPECT_FALSE(entry->leg.has_value());
    EXPECT_TRUE(tracker.seen(IdempotencyKey("entry:AAPL:1")));
    TrackedOrder* leg = tracker.find_or_restore(IdempotencyKey("entry:AAPL:1:tp"));
    ASSERT_NE(leg, nullptr);
    EXPECT_FALSE(leg->terminal);
    ASSERT_TRUE(leg->leg.has_value());
    EXPECT_EQ(leg->leg->parent.str(), "entry:AAPL:1");
    EXPECT_EQ(leg->leg->leg, BracketLeg::kTakeProfit);
    EXPECT_EQ(tracker.find_or_restore(IdempotencyKey("entry:AAPL:1")), entry);  // not again
    EXPECT_EQ(restored, (std::vector<std::string>{"entry:AAPL:1", "entry:AAPL:1:tp"}));
    EXPECT_EQ(tracker.find_or_restore(IdempotencyKey("nowhere")), nullptr);
    EXPECT_EQ(store_errors, 0);

    EXPECT_TRUE(tracker.first_fill("f-1"));
    EXPECT_FALSE(tracker.first_fill("f-1"));
    leg->row.filled_qty = Quantity::from_units(2);
    TradeRow stale = row_of("entry:AAPL:1:tp", OrderStatus::kPending);
    EXPECT_EQ(tracker.freshest(stale).filled_qty, Quantity::from_units(2));
}

TEST(BracketBook, LegKeysBrokerIdsAndParkedExits) {
    const auto keys = BracketBook::leg_keys(IdempotencyKey("entry:MSFT:42"));
    EXPECT_EQ(keys[0].str(), "entry:MSFT:42:tp");
    EXPECT_EQ(keys[1].str(), "entry:MSFT:42:sl");
    // An entry id with no room for the suffix has no legs.
    const std::string longest(IdempotencyKey::capacity(), 'k');
    EXPECT_TRUE(BracketBook::leg_keys(IdempotencyKey(longest))[0].empty());

    BracketBook book(std::nullopt);
    EXPECT_FALSE(book.enabled());
    EXPECT_FALSE(
        book.legs_for(Side::kBuy, Price::from_double(100), IdempotencyKey("e")).has_value());

    ExitConfig exits;
    exits.take_profit_pct = 1.0;
    exits.stop_loss_pct = 0.5;
    BracketBook with(exits);
    auto legs = with.legs_for(Side::kBuy, Price::from_double(100), IdempotencyKey("entry:X:1"));
    ASSERT_TRUE(legs.has_value());
    EXPECT_EQ(legs->take_profit_limit, Price::from_double(101));
    EXPECT_EQ(legs->stop_loss_stop, Price::from_double(99.5));
    EXPECT_FALSE(with.legs_for(Side::kBuy, Price::from_double(100), IdempotencyKey(longest)));

    with.map_broker_id("alpaca-leg-7", keys[1]);
    EXPECT_EQ(with.our_key(IdempotencyKey("their-id"), "alpaca-leg-7"), keys[1]);
    EXPECT_EQ(with.our_key(IdempotencyKey("exit:MSFT:1"), "other"), IdempotencyKey("exit:MSFT:1"));

    TrackedOrder restored;
    restored.row = row_of("entry:MSFT:42:sl", OrderStatus::kPending);
    restored.leg = BracketLegRef{IdempotencyKey("entry:MSFT:42"), BracketLeg::kStopLoss};
    with.learn(restored);
    ASSERT_TRUE(with.entry_of(Uuid{7, 9}).has_value());
    EXPECT_EQ(with.entry_of(Uuid{7, 9})->str(), "entry:MSFT:42");
    EXPECT_EQ(with.our_key(IdempotencyKey("x"), "broker-entry:MSFT:42:sl"), keys[1]);

    const IdempotencyKey entry("entry:MSFT:42");
    EXPECT_FALSE(with.unpark(entry));
    with.park(entry, IdempotencyKey("exit:MSFT:9"));
    EXPECT_EQ(with.parked_exit(entry)->str(), "exit:MSFT:9");
    EXPECT_TRUE(with.unpark(entry));
    EXPECT_FALSE(with.parked_exit(entry).has_value());
}

}  // namespace
}  // namespace awet
