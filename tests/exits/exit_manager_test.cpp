#include "awet/exits/exit_manager.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace awet {
namespace {

Price px(const char* s) { return *Price::parse(s); }
Quantity sh(const char* s) { return *Quantity::parse(s); }
Timestamp utc(const char* iso) { return *Timestamp::parse(iso); }

const Uuid kCorrelation{0x1111, 0x2222};

/// An entry execution report for the order "ord:<symbol>:1".
ExecutionReport entry(const char* symbol, Side side, OrderStatus status, const char* filled_qty,
                      const char* avg_price, Timestamp filled_at, const char* key = nullptr) {
    ExecutionReport r;
    r.header.correlation_id = kCorrelation;
    r.header.event_id = Uuid{7, 7};
    r.header.symbol = Symbol(symbol);
    const std::string k = key != nullptr ? std::string(key) : "ord:" + std::string(symbol) + ":1";
    r.header.idempotency_key = IdempotencyKey(std::string_view(k));
    r.header.ts = filled_at;
    r.header.source = Source::kExecution;
    r.intent = OrderIntent::kEntry;
    r.side = side;
    r.status = status;
    r.qty = sh("10");
    r.filled_qty = sh(filled_qty);
    r.avg_fill_price = px(avg_price);
    r.fill_qty = sh(filled_qty);
    r.fill_price = px(avg_price);
    r.filled_at = filled_at;
    return r;
}

/// The report on an exit decision.
ExecutionReport exit_report(const RiskDecision& d, OrderStatus status, const char* filled_qty) {
    ExecutionReport r;
    r.header = d.header;
    r.header.source = Source::kExecution;
    r.intent = OrderIntent::kExit;
    r.exit_reason = d.exit_reason;
    r.side = d.side;
    r.status = status;
    r.qty = d.qty;
    r.filled_qty = sh(filled_qty);
    r.avg_fill_price = d.ref_price;
    return r;
}

/// A 1-minute bar starting at `start`; header.ts is its end.
MarketBar bar(const char* symbol, Timestamp start, const char* close) {
    MarketBar b;
    b.header.symbol = Symbol(symbol);
    b.header.ts = start + Duration::minutes(1);
    b.bar_start = start;
    b.open = b.high = b.low = b.close = px(close);
    b.volume = sh("1000");
    return b;
}

ExitConfig defaults() {
    ExitConfig c;  // tp 1%, sl 0.5%, 60 min, flat at close 5 min before
    return c;
}

// 2026-03-12 is a Thursday in EDT (UTC-4): 10:00 local = 14:00Z, session close 20:00Z.
const Timestamp kFill = utc("2026-03-12T14:00:00Z");

std::vector<RiskDecision> step(ExitManager& m, const MarketBar& b) {
    std::vector<RiskDecision> out;
    m.on_bar(b, b.header.ts, out);
    return out;
}

TEST(ExitManager, TakeProfitLongFiresAtThresholdNotBefore) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    ASSERT_EQ(m.open_lots(), 1U);
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(1), "100.999999")).empty());
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(2), "101"));
    ASSERT_EQ(out.size(), 1U);
    const RiskDecision& d = out[0];
    EXPECT_TRUE(d.approved);
    EXPECT_EQ(d.reasons, 0U);
    EXPECT_EQ(d.intent, OrderIntent::kExit);
    EXPECT_EQ(d.exit_reason, ExitReason::kTakeProfit);
    EXPECT_EQ(d.side, Side::kSell);
    EXPECT_EQ(d.qty, sh("10"));
    EXPECT_EQ(d.ref_price, px("101"));
    EXPECT_EQ(d.notional, *Money::parse("1010"));
    EXPECT_EQ(d.header.correlation_id, kCorrelation);
    EXPECT_EQ(d.header.idempotency_key, "exit:ord:AAPL:1");
    EXPECT_EQ(d.header.symbol, "AAPL");
    EXPECT_EQ(d.header.source, Source::kExit);
    EXPECT_EQ(d.header.ts, kFill + Duration::minutes(3));
    EXPECT_EQ(d.header.ts_init, kFill + Duration::minutes(3));
    EXPECT_FALSE(d.header.event_id.is_nil());
    EXPECT_NE(d.header.event_id, (Uuid{7, 7}));
}

TEST(ExitManager, StopLossLongFiresAtThresholdNotBefore) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    EXPECT_TRUE(step(m, bar("AAPL", kFill, "99.500001")).empty());
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(1), "99.5"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(out[0].side, Side::kSell);
}

TEST(ExitManager, ShortMirror) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("TSLA", Side::kSell, OrderStatus::kFilled, "10", "200", kFill, "ord:T:1"));
    m.on_execution(entry("TSLA", Side::kSell, OrderStatus::kFilled, "5", "200", kFill, "ord:T:2"));
    ASSERT_EQ(m.open_lots(), 2U);
    // Stop loss of a short is above: 200 * 1.005 = 201.
    EXPECT_TRUE(step(m, bar("TSLA", kFill, "200.999999")).empty());
    // A close that would be a long's take profit is a short's stop loss; both lots exit.
    auto out = step(m, bar("TSLA", kFill + Duration::minutes(1), "202"));
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(out[0].side, Side::kBuy);
    EXPECT_EQ(out[0].qty, sh("10"));
    EXPECT_EQ(out[0].header.idempotency_key, "exit:ord:T:1");
    EXPECT_EQ(out[1].qty, sh("5"));
    EXPECT_EQ(out[1].header.idempotency_key, "exit:ord:T:2");

    // Take profit of a short is below: 200 * 0.99 = 198.
    ExitManager m2(defaults(), 42);
    m2.on_execution(entry("TSLA", Side::kSell, OrderStatus::kFilled, "10", "200", kFill));
    EXPECT_TRUE(step(m2, bar("TSLA", kFill, "198.000001")).empty());
    auto tp = step(m2, bar("TSLA", kFill + Duration::minutes(1), "198"));
    ASSERT_EQ(tp.size(), 1U);
    EXPECT_EQ(tp[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_EQ(tp[0].side, Side::kBuy);
}

TEST(ExitManager, ThresholdsAreExactForOddPrices) {
    ExitManager m(defaults(), 42);
    // 258.640015 * 1.01 = 261.22641515: 261.226415 is below, 261.226416 is above.
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "1", "258.640015", kFill));
    EXPECT_TRUE(step(m, bar("AAPL", kFill, "261.226415")).empty());
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(1), "261.226416"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kTakeProfit);
}

TEST(ExitManager, MaxHolding59Versus60Minutes) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    // Bar [10:58, 10:59) ends 59 minutes after the fill.
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(58), "100")).empty());
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(59), "100"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kMaxHolding);
}

// Issue 11 defect 6: max_holding_minutes above 153,722,867 used to overflow into a negative
// duration, and every position exited on its first bar. The longest holding the config allows,
// and longer ones built in code, never exit a fresh position.
TEST(ExitManager, LongestMaxHoldingNeverExitsAFreshPosition) {
    for (int minutes : {525'600, 153'722'868, 999'999'999, std::numeric_limits<int>::max()}) {
        ExitConfig c = defaults();
        c.max_holding_minutes = minutes;
        c.flat_at_close = false;
        ExitManager m(c, 42);
        m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
        for (Duration later :
             {Duration{}, Duration::minutes(1), Duration::minutes(61), Duration::days(30)}) {
            EXPECT_TRUE(step(m, bar("AAPL", kFill + later, "100")).empty())
                << "max holding " << minutes << " min, bar " << later.to_minutes()
                << " min after the fill";
        }
        EXPECT_EQ(m.open_lots(), 1U);
    }
    // A year is a year: the position exits on the bar that ends 525600 minutes after the fill.
    ExitConfig c = defaults();
    c.max_holding_minutes = 525'600;
    c.flat_at_close = false;
    ExitManager m(c, 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(525'598), "100")).empty());
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(525'599), "100"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kMaxHolding);
}

// The session-close offset is range-checked to a day; past that (in code) it still means "flat
// long before the close", never a wrapped offset after it.
TEST(ExitManager, HugeFlatBeforeCloseDoesNotWrap) {
    ExitConfig c = defaults();
    c.flat_before_close_minutes = std::numeric_limits<int>::max();
    c.max_holding_minutes = 525'600;
    ExitManager m(c, 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto out = step(m, bar("AAPL", kFill, "100"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kSessionClose);
}

TEST(ExitManager, StopLossWinsOverMaxHoldingAndSessionClose) {
    ExitConfig c = defaults();
    c.max_holding_minutes = 1;
    c.flat_before_close_minutes = 390;  // every bar of the session is "near the close"
    ExitManager m(c, 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(5), "99"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kStopLoss);

    ExitManager m2(c, 42);
    m2.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto out2 = step(m2, bar("AAPL", kFill + Duration::minutes(5), "101.5"));
    ASSERT_EQ(out2.size(), 1U);
    EXPECT_EQ(out2[0].exit_reason, ExitReason::kTakeProfit);

    ExitManager m3(c, 42);
    m3.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto out3 = step(m3, bar("AAPL", kFill + Duration::minutes(5), "100"));
    ASSERT_EQ(out3.size(), 1U);
    EXPECT_EQ(out3[0].exit_reason, ExitReason::kMaxHolding);  // before session close
}

TEST(ExitManager, SessionCloseRegularDay) {
    ExitManager m(defaults(), 42);
    const Timestamp fill = utc("2026-03-12T19:30:00Z");  // 15:30 EDT
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", fill));
    // Close 16:00 EDT = 20:00Z; 5 minutes before: a bar ending 15:55 triggers, 15:54 does not.
    EXPECT_TRUE(step(m, bar("AAPL", utc("2026-03-12T19:53:00Z"), "100")).empty());
    auto out = step(m, bar("AAPL", utc("2026-03-12T19:54:00Z"), "100"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kSessionClose);
}

TEST(ExitManager, SessionCloseEarlyCloseDay) {
    ExitManager m(defaults(), 42);
    // 2025-11-28, day after Thanksgiving: closes 13:00 EST = 18:00Z.
    const Timestamp fill = utc("2025-11-28T17:30:00Z");
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", fill));
    EXPECT_TRUE(step(m, bar("AAPL", utc("2025-11-28T17:53:00Z"), "100")).empty());  // ends 12:54
    auto out = step(m, bar("AAPL", utc("2025-11-28T17:54:00Z"), "100"));            // ends 12:55
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kSessionClose);
}

TEST(ExitManager, FlatAtCloseOffAndDisabledRules) {
    ExitConfig c = defaults();
    c.flat_at_close = false;
    c.max_holding_minutes = 0;
    c.take_profit_pct = 0;
    ExitManager m(c, 42);
    const Timestamp fill = utc("2026-03-12T19:30:00Z");
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", fill));
    EXPECT_TRUE(step(m, bar("AAPL", utc("2026-03-12T19:59:00Z"), "150")).empty());
    EXPECT_TRUE(step(m, bar("AAPL", utc("2026-03-13T19:59:00Z"), "100")).empty());
    auto out = step(m, bar("AAPL", utc("2026-03-13T20:00:00Z"), "99.5"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kStopLoss);
}

TEST(ExitManager, PartialEntryFillsUseCumulativeQtyAndPrice) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kPartiallyFilled, "4", "100", kFill));
    ASSERT_NE(m.find("ord:AAPL:1"), nullptr);
    EXPECT_EQ(m.find("ord:AAPL:1")->open_qty(), sh("4"));
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100.5",
                         kFill + Duration::minutes(1)));
    // The same report again changes nothing.
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100.5",
                         kFill + Duration::minutes(1)));
    ASSERT_EQ(m.open_lots(), 1U);
    const ExitLot* lot = m.find("ord:AAPL:1");
    EXPECT_EQ(lot->open_qty(), sh("10"));
    EXPECT_EQ(lot->entry_price, px("100.5"));
    EXPECT_EQ(lot->filled_at, kFill);  // holding time runs from the first fill
    // TP threshold 100.5 * 1.01 = 101.505.
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(2), "101.504999")).empty());
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(3), "101.505"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].qty, sh("10"));
}

TEST(ExitManager, UnfilledEntriesOpenNothing) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kBlocked, "0", "0", kFill));
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kPending, "0", "0", kFill));
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kRejected, "0", "0", kFill));
    EXPECT_EQ(m.open_lots(), 0U);
}

TEST(ExitManager, NoDuplicateWhileInFlightThenClosed) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto out = step(m, bar("AAPL", kFill, "102"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_TRUE(m.find("ord:AAPL:1")->exit_in_flight);
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(1), "103")).empty());
    m.on_execution(exit_report(out[0], OrderStatus::kPending, "0"));
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(2), "103")).empty());
    m.on_execution(exit_report(out[0], OrderStatus::kFilled, "10"));
    EXPECT_EQ(m.open_lots(), 0U);
    // A late duplicate of the entry report does not resurrect the lot.
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    EXPECT_EQ(m.open_lots(), 0U);
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(3), "103")).empty());
}

TEST(ExitManager, BlockedExitIsRearmedWithANewKey) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto first = step(m, bar("AAPL", kFill, "99"));
    ASSERT_EQ(first.size(), 1U);
    m.on_execution(exit_report(first[0], OrderStatus::kBlocked, "0"));
    ASSERT_EQ(m.open_lots(), 1U);
    EXPECT_FALSE(m.find("ord:AAPL:1")->exit_in_flight);
    auto second = step(m, bar("AAPL", kFill + Duration::minutes(1), "99.2"));
    ASSERT_EQ(second.size(), 1U);
    EXPECT_EQ(second[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(second[0].qty, sh("10"));
    EXPECT_EQ(second[0].header.idempotency_key, "exit2:ord:AAPL:1");
    EXPECT_EQ(second[0].header.correlation_id, kCorrelation);
    // A late report about the first attempt is ignored.
    m.on_execution(exit_report(first[0], OrderStatus::kRejected, "0"));
    EXPECT_TRUE(m.find("ord:AAPL:1")->exit_in_flight);
    m.on_execution(exit_report(second[0], OrderStatus::kFilled, "10"));
    EXPECT_EQ(m.open_lots(), 0U);
}

TEST(ExitManager, PartialExitThenCanceledRetriesTheRemainder) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    auto first = step(m, bar("AAPL", kFill, "102"));
    ASSERT_EQ(first.size(), 1U);
    m.on_execution(exit_report(first[0], OrderStatus::kPartiallyFilled, "4"));
    EXPECT_EQ(m.find("ord:AAPL:1")->open_qty(), sh("6"));
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(1), "102")).empty());
    m.on_execution(exit_report(first[0], OrderStatus::kCanceled, "4"));
    auto second = step(m, bar("AAPL", kFill + Duration::minutes(2), "102"));
    ASSERT_EQ(second.size(), 1U);
    EXPECT_EQ(second[0].qty, sh("6"));
    m.on_execution(exit_report(second[0], OrderStatus::kFilled, "6"));
    EXPECT_EQ(m.open_lots(), 0U);
}

TEST(ExitManager, OtherSymbolsBarsAreIgnored) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    EXPECT_TRUE(step(m, bar("MSFT", kFill, "50")).empty());
    EXPECT_EQ(m.open_lots(), 1U);
}

TEST(ExitManager, ExitKeysFitIdempotencyKey) {
    EXPECT_EQ(ExitManager::exit_key("ord:AAPL:1", 1), "exit:ord:AAPL:1");
    EXPECT_EQ(ExitManager::exit_key("ord:AAPL:1", 3), "exit3:ord:AAPL:1");
    // A 58-char entry key + "exit:" is exactly 63.
    std::string k58(58, 'k');
    EXPECT_EQ(ExitManager::exit_key(IdempotencyKey(k58), 1).str(), "exit:" + k58);
    std::string k63(63, 'k');
    IdempotencyKey hashed = ExitManager::exit_key(IdempotencyKey(k63), 1);
    EXPECT_EQ(hashed.size(), 22U);  // "exit:h" + 16 hex digits
    EXPECT_EQ(hashed.view().substr(0, 6), "exit:h");
    // Deterministic and distinct per attempt and per entry key.
    EXPECT_EQ(hashed, ExitManager::exit_key(IdempotencyKey(k63), 1));
    EXPECT_NE(hashed, ExitManager::exit_key(IdempotencyKey(std::string(62, 'k') + "j"), 1));
    EXPECT_EQ(ExitManager::exit_key(IdempotencyKey(k63), 2).view().substr(0, 7), "exit2:h");
}

TEST(ExitManager, SameSeedSameEventIds) {
    auto run = [](uint64_t seed) {
        ExitManager m(defaults(), seed);
        m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
        return step(m, bar("AAPL", kFill, "102"))[0].header.event_id;
    };
    EXPECT_EQ(run(7), run(7));
    EXPECT_NE(run(7), run(8));
}

// ---------------------------------------------------------------- bracket entries
/// The report of a bracket leg of entry "ord:AAPL:1" ("ord:AAPL:1:tp" / ":sl").
ExecutionReport leg_report(const char* suffix, OrderStatus status, const char* filled_qty) {
    ExecutionReport r = entry("AAPL", Side::kSell, status, filled_qty, "0", kFill);
    const std::string k = std::string("ord:AAPL:1") + suffix;
    r.header.idempotency_key = IdempotencyKey(std::string_view(k));
    r.intent = OrderIntent::kExit;
    r.exit_reason = std::string(suffix) == ":tp" ? ExitReason::kTakeProfit : ExitReason::kStopLoss;
    return r;
}

/// A long lot of 10 at 100 whose legs are live; the legs are reported pending before the entry's
/// first fill, as execution sends them.
void open_bracketed_lot(ExitManager& m) {
    m.on_execution(leg_report(":tp", OrderStatus::kPending, "0"));
    m.on_execution(leg_report(":sl", OrderStatus::kPending, "0"));
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
}

TEST(ExitManager, LiveBracketLegsSuppressTakeProfitAndStopLoss) {
    ExitManager m(defaults(), 42);
    open_bracketed_lot(m);
    ASSERT_EQ(m.open_lots(), 1U);
    EXPECT_TRUE(m.lots()[0].broker_legs);
    // Far beyond both thresholds: the broker's legs own them.
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(1), "90")).empty());
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(2), "120")).empty());
    // The time exit is still ours.
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(59), "100"));
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].exit_reason, ExitReason::kMaxHolding);
    EXPECT_EQ(out[0].qty, sh("10"));
    EXPECT_EQ(out[0].header.correlation_id, kCorrelation);
}

TEST(ExitManager, LegFillClosesTheLotAndNoTimeExitFollows) {
    ExitManager m(defaults(), 42);
    open_bracketed_lot(m);
    m.on_execution(leg_report(":sl", OrderStatus::kPartiallyFilled, "4"));
    ASSERT_EQ(m.open_lots(), 1U);
    EXPECT_EQ(m.lots()[0].open_qty(), sh("6"));
    m.on_execution(leg_report(":sl", OrderStatus::kFilled, "10"));
    m.on_execution(leg_report(":tp", OrderStatus::kCanceled, "0"));  // OCO
    EXPECT_EQ(m.open_lots(), 0U);
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(61), "100")).empty());
    // A late copy of the entry report does not reopen it.
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    EXPECT_EQ(m.open_lots(), 0U);
}

TEST(ExitManager, TimeExitAfterPartialLegFillSellsTheRest) {
    ExitManager m(defaults(), 42);
    open_bracketed_lot(m);
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(60), "100"));
    ASSERT_EQ(out.size(), 1U);
    // Execution cancels the legs: the take-profit filled 3 before its cancel took, so the exit
    // sells 7.
    m.on_execution(leg_report(":tp", OrderStatus::kCanceled, "3"));
    m.on_execution(leg_report(":sl", OrderStatus::kCanceled, "0"));
    ASSERT_EQ(m.open_lots(), 1U);
    EXPECT_EQ(m.lots()[0].open_qty(), sh("7"));
    EXPECT_FALSE(m.lots()[0].broker_legs);
    m.on_execution(exit_report(out[0], OrderStatus::kFilled, "7"));
    EXPECT_EQ(m.open_lots(), 0U);
}

TEST(ExitManager, LegsEndedWithoutClosingHandTakeProfitAndStopLossBack) {
    ExitManager m(defaults(), 42);
    open_bracketed_lot(m);
    auto out = step(m, bar("AAPL", kFill + Duration::minutes(60), "100"));
    ASSERT_EQ(out.size(), 1U);
    m.on_execution(leg_report(":tp", OrderStatus::kCanceled, "0"));
    m.on_execution(leg_report(":sl", OrderStatus::kCanceled, "0"));
    // The time exit's sell was then blocked: the lot is unprotected at the broker, so the
    // manager's own stop-loss applies again.
    m.on_execution(exit_report(out[0], OrderStatus::kBlocked, "0"));
    ASSERT_EQ(m.open_lots(), 1U);
    auto again = step(m, bar("AAPL", kFill + Duration::minutes(61), "99.5"));
    ASSERT_EQ(again.size(), 1U);
    EXPECT_EQ(again[0].exit_reason, ExitReason::kStopLoss);
}

TEST(ExitManager, RestoredLegRowsKeepTheBrokerOwningTpSl) {
    ExitManager m(defaults(), 42);
    m.on_execution(entry("AAPL", Side::kBuy, OrderStatus::kFilled, "10", "100", kFill));
    m.restore_leg(IdempotencyKey("ord:AAPL:1:tp"), OrderStatus::kPending, sh("0"));
    m.restore_leg(IdempotencyKey("ord:AAPL:1:sl"), OrderStatus::kPartiallyFilled, sh("2"));
    ASSERT_EQ(m.open_lots(), 1U);
    EXPECT_TRUE(m.lots()[0].broker_legs);
    EXPECT_EQ(m.lots()[0].open_qty(), sh("8"));
    EXPECT_TRUE(step(m, bar("AAPL", kFill + Duration::minutes(1), "90")).empty());
}

}  // namespace
}  // namespace awet
