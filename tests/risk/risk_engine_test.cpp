#include "awet/risk/risk_engine.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "awet/risk/cvar.hpp"
#include "risk_fixtures.hpp"

namespace awet {
namespace {

using namespace risk_test;

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }

Prediction pred(const char* symbol, Price close, Timestamp now, Signal signal = Signal::kBuy,
                double q10 = -0.001, double q90 = 0.002, double confidence = 0.6) {
    static uint64_t n = 0;
    ++n;
    Prediction p;
    p.header.event_id = Uuid{0xA0, n};
    p.header.correlation_id = Uuid{0xC0, n};
    p.header.symbol = Symbol(symbol);
    p.header.ts = now;
    p.header.source = Source::kPrediction;
    p.bar_start = now - Duration::minutes(1);
    p.close = close;
    for (auto& h : p.horizons) h = {q10, (q10 + q90) / 2, q90};
    p.direction = signal == Signal::kSell ? Direction::kDown : Direction::kUp;
    p.confidence = confidence;
    p.signal = signal;
    return p;
}

/// Approves an entry (asserting it) of `qty` shares at $100.
RiskDecision approve(RiskEngine& e, const char* symbol, Timestamp now, int64_t qty = 5) {
    auto d = e.evaluate_with_qty(pred(symbol, P("100"), now), Q(qty), now);
    EXPECT_TRUE(d.has_value());
    EXPECT_TRUE(d->approved) << symbol << " at " << now.iso() << ": "
                             << risk_reasons_to_string(d->reasons);
    return *d;
}

// ---------------------------------------------------------------------------------------------
// Every gate below, at and above its limit (table-driven).

struct GateCase {
    std::string name;
    std::function<void(RiskConfig&)> configure;  // may be empty
    std::function<void(RiskEngine&)> setup;      // prior state; may be empty
    const char* symbol = "AAPL";
    const char* price = "100";
    std::optional<int64_t> qty;  // nullopt: the sizing rule
    Timestamp now = kT0;
    double q10 = -0.001;
    uint32_t expected = 0;
};

void no_cooldown(RiskConfig& c) {
    c.cooldown_minutes = 0;
    c.max_orders_per_symbol_per_day = 1000;
}

std::vector<GateCase> gate_cases() {
    std::vector<GateCase> v;
    const uint32_t kNotional = bit(RiskReason::kNotionalExceedsMaxPerOrder);
    const uint32_t kQtyMax = bit(RiskReason::kQtyExceedsMaxPerOrder);
    const uint32_t kQtyMin = bit(RiskReason::kQtyBelowMinimum);
    const uint32_t kRate = bit(RiskReason::kOrdersPerMinuteExceeded);
    const uint32_t kDay = bit(RiskReason::kOrdersPerSymbolDayExceeded);
    const uint32_t kCool = bit(RiskReason::kCooldownActive);
    const uint32_t kTotal = bit(RiskReason::kTotalExposureExceeded);
    const uint32_t kSym = bit(RiskReason::kSymbolExposureExceeded);
    const uint32_t kCvar = bit(RiskReason::kCvarExceedsLimit);
    const uint32_t kClosed = bit(RiskReason::kMarketClosed);
    const uint32_t kClosing = bit(RiskReason::kSessionClosing);

    // Per-trade notional, max $1000.
    v.push_back({.name = "notional_below", .qty = 9});
    v.push_back({.name = "notional_at", .qty = 10});
    v.push_back({.name = "notional_above", .price = "100.001", .qty = 10, .expected = kNotional});

    // Per-trade quantity, max 100 (notional cap lifted so only the quantity gate can bite).
    auto big = [](RiskConfig& c) { c.max_trade_notional_usd = Money::from_units(1'000'000); };
    v.push_back({.name = "qty_below", .configure = big, .price = "1", .qty = 99});
    v.push_back({.name = "qty_at", .configure = big, .price = "1", .qty = 100});
    v.push_back(
        {.name = "qty_above", .configure = big, .price = "1", .qty = 101, .expected = kQtyMax});

    // Minimum quantity: the sizing rule gives 2, 1 and 0 shares.
    v.push_back({.name = "qty_min_above", .price = "500"});
    v.push_back({.name = "qty_min_at", .price = "1000"});
    v.push_back({.name = "qty_min_below", .price = "1000.01", .expected = kQtyMin});
    v.push_back({.name = "qty_zero_explicit", .qty = 0, .expected = kQtyMin});

    // Orders per minute, max 5, window (now - 60 s, now].
    auto prior = [](int n, Duration first_age) {
        return [n, first_age](RiskEngine& e) {
            static const char* kSyms[] = {"S1", "S2", "S3", "S4", "S5", "S6"};
            for (int i = 0; i < n; ++i) {
                approve(e, kSyms[i], kT0 - first_age + Duration::seconds(i));
            }
        };
    };
    v.push_back({.name = "rate_below", .setup = prior(3, Duration::seconds(50))});
    v.push_back({.name = "rate_at", .setup = prior(4, Duration::seconds(50))});  // 5th allowed
    v.push_back(
        {.name = "rate_above", .setup = prior(5, Duration::seconds(50)), .expected = kRate});
    v.push_back({.name = "rate_oldest_exactly_60s_ago", .setup = prior(5, Duration::seconds(60))});
    v.push_back({.name = "rate_oldest_just_inside",
                 .setup = prior(5, Duration::seconds(60) - Duration::nanos(1)),
                 .expected = kRate});

    // Orders per symbol per day, max 3 (cooldown off).
    auto same_symbol = [](int n) {
        return [n](RiskEngine& e) {
            for (int i = 0; i < n; ++i) approve(e, "AAPL", kT0 - Duration::minutes(10 * (n - i)));
        };
    };
    v.push_back({.name = "day_below",
                 .configure = [](RiskConfig& c) { c.cooldown_minutes = 0; },
                 .setup = same_symbol(1)});
    v.push_back({.name = "day_at",
                 .configure = [](RiskConfig& c) { c.cooldown_minutes = 0; },
                 .setup = same_symbol(2)});
    v.push_back({.name = "day_above",
                 .configure = [](RiskConfig& c) { c.cooldown_minutes = 0; },
                 .setup = same_symbol(3),
                 .expected = kDay});

    // Cooldown, 15 minutes since the last approved entry of the symbol.
    auto last_entry = [](Duration age) {
        return [age](RiskEngine& e) { approve(e, "AAPL", kT0 - age); };
    };
    v.push_back({.name = "cooldown_elapsed", .setup = last_entry(Duration::minutes(16))});
    v.push_back({.name = "cooldown_exactly", .setup = last_entry(Duration::minutes(15))});
    v.push_back({.name = "cooldown_active",
                 .setup = last_entry(Duration::minutes(15) - Duration::nanos(1)),
                 .expected = kCool});
    v.push_back({.name = "cooldown_other_symbol",
                 .setup = [](RiskEngine& e) { approve(e, "MSFT", kT0 - Duration::minutes(1)); }});

    // Total exposure, max $50,000: positions elsewhere + this $1000 order.
    auto held = [](int64_t qty, bool extra_cent) {
        return [qty, extra_cent](RiskEngine& e) {
            e.set_position(Symbol("X"), Q(qty), P("100"));
            if (extra_cent) e.set_position(Symbol("Z"), Q(1), P("0.01"));
        };
    };
    v.push_back({.name = "total_below", .setup = held(489, false), .qty = 10});
    v.push_back({.name = "total_at", .setup = held(490, false), .qty = 10});
    v.push_back({.name = "total_above", .setup = held(490, true), .qty = 10, .expected = kTotal});
    // A short counts by its absolute value.
    v.push_back(
        {.name = "total_short_counts", .setup = held(-491, false), .qty = 10, .expected = kTotal});

    // Symbol exposure, max $10,000: the symbol's position + this $1000 order.
    auto own = [](const char* price, int64_t qty) {
        return [price, qty](RiskEngine& e) { e.set_position(Symbol("AAPL"), Q(qty), P(price)); };
    };
    v.push_back({.name = "symbol_below", .setup = own("100", 89), .qty = 10});
    v.push_back({.name = "symbol_at", .setup = own("100", 90), .qty = 10});
    v.push_back(
        {.name = "symbol_above", .setup = own("100.000112", 90), .qty = 10, .expected = kSym});

    // CVaR from the forecast, max 0.02.
    v.push_back({.name = "cvar_below", .q10 = -0.019});
    v.push_back({.name = "cvar_at", .q10 = -0.02});
    v.push_back({.name = "cvar_above", .q10 = -0.0201, .expected = kCvar});
    v.push_back({.name = "cvar_disabled",
                 .configure = [](RiskConfig& c) { c.cvar_enabled = false; },
                 .q10 = -0.5});

    // Market hours: open 09:30 inclusive, close 16:00 exclusive (New York).
    v.push_back(
        {.name = "closed_before_open", .now = at("2026-03-12T13:29:59Z"), .expected = kClosed});
    v.push_back({.name = "open_at_0930", .now = at("2026-03-12T13:30:00Z")});
    v.push_back({.name = "closed_at_1600", .now = at("2026-03-12T20:00:00Z"), .expected = kClosed});
    v.push_back(
        {.name = "closed_saturday", .now = at("2026-03-14T15:00:00Z"), .expected = kClosed});

    // No entries in the last 15 minutes: exactly 15 minutes left is still allowed.
    v.push_back({.name = "closing_before", .now = at("2026-03-12T19:44:59Z")});
    v.push_back({.name = "closing_at", .now = at("2026-03-12T19:45:00Z")});
    v.push_back({.name = "closing_above",
                 .now = at("2026-03-12T19:45:00Z") + Duration::nanos(1),
                 .expected = kClosing});
    v.push_back(
        {.name = "closing_last_second", .now = at("2026-03-12T19:59:59Z"), .expected = kClosing});
    return v;
}

// gtest prints the case by name.
void PrintTo(const GateCase& c, std::ostream* os) { *os << c.name; }

class GateTest : public ::testing::TestWithParam<GateCase> {};

TEST_P(GateTest, ReportsExactlyTheExpectedReasons) {
    const GateCase& c = GetParam();
    RiskConfig config;
    if (c.configure) c.configure(config);
    RiskEngine engine(config, 7);
    if (c.setup) c.setup(engine);
    Prediction p = pred(c.symbol, P(c.price), c.now, Signal::kBuy, c.q10, 0.002);
    auto d = c.qty ? engine.evaluate_with_qty(p, Q(*c.qty), c.now) : engine.evaluate(p, c.now);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(risk_reasons_to_string(d->reasons), risk_reasons_to_string(c.expected));
    EXPECT_EQ(d->reasons, c.expected);
    EXPECT_EQ(d->approved, c.expected == 0);
}

INSTANTIATE_TEST_SUITE_P(AllGates, GateTest, ::testing::ValuesIn(gate_cases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------

TEST(RiskEngine, DecisionFieldsForSeedExample) {
    RiskEngine engine(RiskConfig{}, 42);
    Prediction p = pred("AAPL", P("175"), kT0, Signal::kBuy, -0.004, 0.006, 0.72);
    auto d = engine.evaluate(p, kT0);
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(d->approved);
    EXPECT_EQ(d->reasons, 0U);
    EXPECT_EQ(d->qty, Q(5));
    EXPECT_EQ(d->side, Side::kBuy);
    EXPECT_EQ(d->intent, OrderIntent::kEntry);
    EXPECT_EQ(d->exit_reason, ExitReason::kNone);
    EXPECT_EQ(d->ref_price, P("175"));
    EXPECT_EQ(d->notional, M("875"));
    EXPECT_DOUBLE_EQ(d->confidence, 0.72);
    EXPECT_DOUBLE_EQ(d->cvar, 0.004);
    EXPECT_EQ(d->prediction_event_id, p.header.event_id);
    EXPECT_EQ(d->header.correlation_id, p.header.correlation_id);
    EXPECT_NE(d->header.event_id, p.header.event_id);
    EXPECT_EQ(d->header.symbol, Symbol("AAPL"));
    EXPECT_EQ(d->header.source, Source::kRisk);
    EXPECT_EQ(d->header.ts, kT0);
    EXPECT_EQ(d->header.idempotency_key.view(), "entry:AAPL:" + std::to_string(p.bar_start.ns()));
    EXPECT_EQ(d->header.idempotency_key, make_key("entry", Symbol("AAPL"), p.bar_start));
}

TEST(RiskEngine, SeveralFailingGatesAreAllReported) {
    RiskEngine engine(RiskConfig{}, 1);
    // $2000 per share (0 shares), a 5% forecast tail, on a Saturday.
    const Timestamp sat = at("2026-03-14T15:00:00Z");
    auto d = engine.evaluate(pred("AAPL", P("2000"), sat, Signal::kBuy, -0.05, 0.01), sat);
    ASSERT_TRUE(d.has_value());
    EXPECT_FALSE(d->approved);
    EXPECT_EQ(d->reasons, bit(RiskReason::kQtyBelowMinimum) | bit(RiskReason::kCvarExceedsLimit) |
                              bit(RiskReason::kMarketClosed));
    EXPECT_EQ(risk_reasons_to_string(d->reasons),
              "QTY_BELOW_MINIMUM,CVAR_EXCEEDS_LIMIT,MARKET_CLOSED");

    // 101 shares at $100: notional, quantity and symbol exposure all fail at once.
    auto e = engine.evaluate_with_qty(pred("MSFT", P("100"), kT0), Q(101), kT0);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->reasons, bit(RiskReason::kNotionalExceedsMaxPerOrder) |
                              bit(RiskReason::kQtyExceedsMaxPerOrder) |
                              bit(RiskReason::kSymbolExposureExceeded));
}

TEST(RiskEngine, RejectedDecisionsDoNotCountTowardLimits) {
    RiskEngine engine(RiskConfig{}, 1);
    auto r = engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.5), kT0);  // CVaR
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->approved);
    EXPECT_EQ(engine.total_exposure(), Money{});
    EXPECT_EQ(engine.open_reservations(), 0U);
    // No cooldown started by the rejected one.
    auto a = engine.evaluate(pred("AAPL", P("100"), kT0), kT0);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(a->approved);
}

TEST(RiskEngine, CooldownBoundary) {
    RiskEngine engine(RiskConfig{}, 3);
    approve(engine, "AAPL", kT0);
    const Timestamp almost = kT0 + Duration::minutes(15) - Duration::nanos(1);
    auto d1 = engine.evaluate(pred("AAPL", P("100"), almost), almost);
    EXPECT_EQ(d1->reasons, bit(RiskReason::kCooldownActive));
    const Timestamp exactly = kT0 + Duration::minutes(15);
    auto d2 = engine.evaluate(pred("AAPL", P("100"), exactly), exactly);
    EXPECT_TRUE(d2->approved);
    // The approved one restarts the cooldown.
    const Timestamp later = exactly + Duration::minutes(5);
    auto d3 = engine.evaluate(pred("AAPL", P("100"), later), later);
    EXPECT_EQ(d3->reasons, bit(RiskReason::kCooldownActive));
}

// Issue 11 defect 6: a cooldown of more than 153,722,867 minutes used to overflow int64
// nanoseconds into a negative duration, and the cooldown stopped blocking anything. The longest
// cooldown the config allows, and (built in code, past validation) longer ones, still block.
TEST(RiskEngine, LongestCooldownStillBlocksASecondEntry) {
    for (int minutes : {525'600, 153'722'868, 999'999'999, std::numeric_limits<int>::max()}) {
        RiskConfig c;
        c.cooldown_minutes = minutes;
        c.max_orders_per_symbol_per_day = 1000;
        RiskEngine engine(c, 3);
        approve(engine, "AAPL", kT0);
        for (Duration later : {Duration::minutes(16), Duration::days(1), Duration::days(7)}) {
            const Timestamp t = kT0 + later;
            auto d = engine.evaluate(pred("AAPL", P("100"), t), t);
            ASSERT_TRUE(d.has_value());
            EXPECT_EQ(d->reasons, bit(RiskReason::kCooldownActive))
                << "cooldown " << minutes << " min, " << later.to_minutes()
                << " min later: " << risk_reasons_to_string(d->reasons);
        }
        // Other symbols are not affected.
        approve(engine, "MSFT", kT0 + Duration::minutes(16));
    }
}

TEST(RiskEngine, OrdersPerMinuteSlidingWindow) {
    RiskEngine engine(RiskConfig{}, 3);
    const char* syms[] = {"A", "B", "C", "D", "E", "F", "G"};
    for (int i = 0; i < 5; ++i) approve(engine, syms[i], kT0 + Duration::seconds(10 * i));
    // Sixth within 60 s of the first: refused.
    const Timestamp t1 = kT0 + Duration::seconds(60) - Duration::nanos(1);
    auto d6 = engine.evaluate(pred("F", P("100"), t1), t1);
    EXPECT_EQ(d6->reasons, bit(RiskReason::kOrdersPerMinuteExceeded));
    // Exactly 60 s after the first, the first has left the window.
    const Timestamp t2 = kT0 + Duration::seconds(60);
    auto d7 = engine.evaluate(pred("F", P("100"), t2), t2);
    EXPECT_TRUE(d7->approved);
    // Now B..F are in the window: G refused until 60 s after B.
    const Timestamp t3 = kT0 + Duration::seconds(69);
    EXPECT_EQ(engine.evaluate(pred("G", P("100"), t3), t3)->reasons,
              bit(RiskReason::kOrdersPerMinuteExceeded));
    const Timestamp t4 = kT0 + Duration::seconds(70);
    EXPECT_TRUE(engine.evaluate(pred("G", P("100"), t4), t4)->approved);
}

TEST(RiskEngine, PerSymbolDayCounterResetsOnNextTradingDate) {
    RiskConfig c;
    c.cooldown_minutes = 0;
    RiskEngine engine(c, 5);
    for (int i = 0; i < 3; ++i) approve(engine, "AAPL", kT0 + Duration::minutes(i));
    const Timestamp t = kT0 + Duration::minutes(3);
    EXPECT_EQ(engine.evaluate(pred("AAPL", P("100"), t), t)->reasons,
              bit(RiskReason::kOrdersPerSymbolDayExceeded));
    // Other symbols have their own counter.
    EXPECT_TRUE(engine.evaluate(pred("MSFT", P("100"), t), t)->approved);
    // 20:30 New York is already Friday in UTC but still Thursday locally.
    const Timestamp evening = at("2026-03-13T00:30:00Z");
    EXPECT_EQ(engine.evaluate(pred("AAPL", P("100"), evening), evening)->reasons,
              bit(RiskReason::kOrdersPerSymbolDayExceeded) | bit(RiskReason::kMarketClosed));
    // Friday 10:00 New York: a fresh day.
    const Timestamp friday = at("2026-03-13T14:00:00Z");
    auto d = engine.evaluate(pred("AAPL", P("100"), friday), friday);
    EXPECT_TRUE(d->approved);
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->entries_today, 1);
}

TEST(RiskEngine, ReservationReleasedWhenBlocked) {
    RiskConfig c;
    no_cooldown(c);
    c.max_symbol_exposure_usd = M("2000");
    RiskEngine engine(c, 9);
    RiskDecision d1 = approve(engine, "AAPL", kT0, 10);  // $1000 reserved
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->reserved, M("1000"));
    EXPECT_EQ(engine.total_exposure(), M("1000"));
    EXPECT_EQ(engine.open_reservations(), 1U);
    approve(engine, "AAPL", kT0 + Duration::minutes(1), 10);  // $2000: at the limit
    const Timestamp t = kT0 + Duration::minutes(2);
    EXPECT_EQ(engine.evaluate_with_qty(pred("AAPL", P("100"), t), Q(10), t)->reasons,
              bit(RiskReason::kSymbolExposureExceeded));
    // Execution blocked the first one: its reservation is released.
    engine.on_execution(report(d1, OrderStatus::kBlocked, Q(0), Price{}));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->reserved, M("1000"));
    EXPECT_EQ(engine.open_reservations(), 1U);
    const Timestamp t2 = kT0 + Duration::minutes(3);
    EXPECT_TRUE(engine.evaluate_with_qty(pred("AAPL", P("100"), t2), Q(10), t2)->approved);
}

TEST(RiskEngine, ReservationReleasedOnRejectAndCancel) {
    RiskConfig c;
    no_cooldown(c);
    RiskEngine engine(c, 9);
    RiskDecision d1 = approve(engine, "AAPL", kT0, 10);
    RiskDecision d2 = approve(engine, "MSFT", kT0, 10);
    engine.on_execution(report(d1, OrderStatus::kPending, Q(0), Price{}));
    EXPECT_EQ(engine.total_exposure(), M("2000"));  // pending keeps the reservation
    engine.on_execution(report(d1, OrderStatus::kRejected, Q(0), Price{}));
    engine.on_execution(report(d2, OrderStatus::kCanceled, Q(0), Price{}));
    EXPECT_EQ(engine.total_exposure(), Money{});
    EXPECT_EQ(engine.open_reservations(), 0U);
}

TEST(RiskEngine, ReservationConvertedIntoPositionWhenFilled) {
    RiskConfig c;
    no_cooldown(c);
    RiskEngine engine(c, 9);
    RiskDecision d = approve(engine, "AAPL", kT0, 10);  // 10 @ $100 reserved
    // Partial fill of 4: 6 shares stay reserved at the decision price.
    engine.on_execution(report(d, OrderStatus::kPartiallyFilled, Q(4), P("100.02")));
    auto v = engine.symbol_view(Symbol("AAPL"));
    EXPECT_EQ(v->position, Q(4));
    EXPECT_EQ(v->reserved, M("600"));
    // No bar seen yet: the position is valued at the fill price.
    EXPECT_EQ(v->exposure, M("400.08") + M("600"));
    engine.on_execution(report(d, OrderStatus::kFilled, Q(10), P("100.02")));
    v = engine.symbol_view(Symbol("AAPL"));
    EXPECT_EQ(v->position, Q(10));
    EXPECT_EQ(v->reserved, Money{});
    EXPECT_EQ(engine.open_reservations(), 0U);
    // A bar re-marks the position.
    engine.on_bar(bar("AAPL", kT0, P("101")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->exposure, M("1010"));
    // A redelivered fill report changes nothing.
    engine.on_execution(report(d, OrderStatus::kFilled, Q(10), P("100.02")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->position, Q(10));
    EXPECT_EQ(engine.total_exposure(), M("1010"));
}

TEST(RiskEngine, ExitFillsReducePositions) {
    RiskConfig c;
    no_cooldown(c);
    RiskEngine engine(c, 9);
    RiskDecision d = approve(engine, "AAPL", kT0, 10);
    engine.on_execution(report(d, OrderStatus::kFilled, Q(10), P("100")));
    // An exit decision from the exit manager, never seen by evaluate().
    RiskDecision exit = d;
    exit.header.idempotency_key = IdempotencyKey("exit:AAPL:1");
    exit.intent = OrderIntent::kExit;
    exit.side = Side::kSell;
    exit.qty = Q(10);
    engine.on_execution(report(exit, OrderStatus::kPartiallyFilled, Q(3), P("101")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->position, Q(7));
    engine.on_execution(report(exit, OrderStatus::kFilled, Q(10), P("101")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->position, Q(0));
    EXPECT_EQ(engine.total_exposure(), Money{});
    // Late duplicate of the finished exit: ignored.
    engine.on_execution(report(exit, OrderStatus::kFilled, Q(10), P("101")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->position, Q(0));
}

TEST(RiskEngine, ExposureFromPositionsUsesLastBarClose) {
    RiskConfig c;
    c.max_total_exposure_usd = M("3000");
    RiskEngine engine(c, 9);
    engine.set_position(Symbol("MSFT"), Q(20), P("100"));                 // $2000
    engine.on_bar(bar("MSFT", kT0 - Duration::minutes(2), P("100.05")));  // $2001
    auto d = engine.evaluate_with_qty(pred("AAPL", P("100"), kT0), Q(10), kT0);
    EXPECT_EQ(d->reasons, bit(RiskReason::kTotalExposureExceeded));
    engine.on_bar(bar("MSFT", kT0 - Duration::minutes(1), P("100")));  // back to $2000
    EXPECT_TRUE(engine.evaluate_with_qty(pred("AAPL", P("100"), kT0), Q(10), kT0)->approved);
}

/// Feeds 1-minute bars whose closes are `closes` ending just before kT0.
void feed(RiskEngine& e, const char* symbol, const std::vector<Price>& closes) {
    Timestamp t = kT0 - Duration::minutes(static_cast<int64_t>(closes.size()));
    for (Price c : closes) {
        e.on_bar(bar(symbol, t, c));
        t = t + Duration::minutes(1);
    }
}

/// 31 closes at $100 with `dips` one-bar dips to `low` (30 returns; each dip gives one loss
/// log(low/100) and one gain log(100/low)).
std::vector<Price> dips_series(int dips, Price low, int n = 31) {
    std::vector<Price> v(static_cast<size_t>(n), P("100"));
    for (int i = 0; i < dips; ++i) v[static_cast<size_t>(2 + 3 * i)] = low;
    return v;
}

TEST(RiskEngine, HistoricalCvarOnHandComputedReturns) {
    RiskEngine engine(RiskConfig{}, 11);
    // 30 returns, alpha 0.10 -> the worst 3; 4 dips to $99.80 -> the 3 worst losses are all
    // -log(0.998); x sqrt(60) = 0.0155 <= 0.02.
    feed(engine, "AAPL", dips_series(4, P("99.8")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->returns_known, 30U);
    const double expected = -std::log(0.998) * std::sqrt(60.0);
    auto d = engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002), kT0);
    EXPECT_NEAR(d->cvar, expected, 1e-12);
    EXPECT_NEAR(d->cvar, 0.015508, 1e-6);
    EXPECT_TRUE(d->approved);

    // Dips to $99.70: -log(0.997) * sqrt(60) = 0.02327 > 0.02.
    RiskEngine engine2(RiskConfig{}, 11);
    feed(engine2, "AAPL", dips_series(4, P("99.7")));
    auto d2 = engine2.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002), kT0);
    EXPECT_NEAR(d2->cvar, -std::log(0.997) * std::sqrt(60.0), 1e-12);
    EXPECT_EQ(d2->reasons, bit(RiskReason::kCvarExceedsLimit));

    // Only 2 dips: the 3-worst mean is (2 * -log(0.997) + 0) / 3.
    RiskEngine engine3(RiskConfig{}, 11);
    feed(engine3, "AAPL", dips_series(2, P("99.7")));
    auto d3 = engine3.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002), kT0);
    EXPECT_NEAR(d3->cvar, 2.0 / 3.0 * -std::log(0.997) * std::sqrt(60.0), 1e-12);
    EXPECT_TRUE(d3->approved);  // 0.01551
}

TEST(RiskEngine, HistoricalCvarNeedsThirtyReturns) {
    RiskEngine engine(RiskConfig{}, 11);
    feed(engine, "AAPL", dips_series(4, P("99.7"), 30));  // 29 returns
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->returns_known, 29U);
    auto d = engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002), kT0);
    EXPECT_DOUBLE_EQ(d->cvar, 0.001);  // forecast only
    EXPECT_TRUE(d->approved);
    // A repeated bar (same bar_start) adds no return.
    engine.on_bar(bar("AAPL", kT0 - Duration::minutes(1), P("50")));
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->returns_known, 29U);
}

TEST(RiskEngine, CvarIsTheLargerOfForecastAndHistory) {
    RiskEngine engine(RiskConfig{}, 11);
    feed(engine, "AAPL", dips_series(4, P("99.8")));  // historical 0.0155
    auto d = engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.018, 0.002), kT0);
    EXPECT_DOUBLE_EQ(d->cvar, 0.018);
    EXPECT_TRUE(d->approved);
}

TEST(RiskEngine, LookbackRingKeepsOnlyTheLastBars) {
    RiskConfig c;
    c.cvar_lookback_bars = 40;
    RiskEngine engine(c, 11);
    // A big dip early, then 45 flat bars: the dip's returns fall out of the 40-return ring.
    std::vector<Price> closes = {P("100"), P("90"), P("100")};
    for (int i = 0; i < 45; ++i) closes.push_back(P("100"));
    feed(engine, "AAPL", closes);
    EXPECT_EQ(engine.symbol_view(Symbol("AAPL"))->returns_known, 40U);
    auto d = engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002), kT0);
    EXPECT_DOUBLE_EQ(d->cvar, 0.001);
}

TEST(RiskEngine, HoldAndLowConfidenceHaveNoIntent) {
    RiskEngine engine(RiskConfig{}, 1);
    EXPECT_FALSE(engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kHold), kT0).has_value());
    EXPECT_FALSE(
        engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002, 0.09), kT0)
            .has_value());
    EXPECT_TRUE(engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kBuy, -0.001, 0.002, 0.10), kT0)
                    .has_value());
}

TEST(RiskEngine, SellIsIgnoredUnlessShortsAllowed) {
    RiskEngine longs_only(RiskConfig{}, 1);
    EXPECT_FALSE(longs_only.evaluate(pred("AAPL", P("100"), kT0, Signal::kSell), kT0).has_value());

    RiskConfig c;
    c.allow_short = true;
    RiskEngine shorts(c, 1);
    // A short's tail is the forecast's upper quantile.
    auto d = shorts.evaluate(pred("AAPL", P("100"), kT0, Signal::kSell, -0.05, 0.015), kT0);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->side, Side::kSell);
    EXPECT_EQ(d->qty, Q(10));
    EXPECT_DOUBLE_EQ(d->cvar, 0.015);
    EXPECT_TRUE(d->approved);
    auto d2 = shorts.evaluate(pred("MSFT", P("100"), kT0, Signal::kSell, -0.001, 0.03), kT0);
    EXPECT_EQ(d2->reasons, bit(RiskReason::kCvarExceedsLimit));
}

TEST(RiskEngine, EntryAgainstAnOpenPositionIsRefused) {
    RiskConfig c;
    c.allow_short = true;
    RiskEngine engine(c, 1);
    engine.set_position(Symbol("AAPL"), Q(5), P("100"));
    auto d = engine.evaluate(pred("AAPL", P("100"), kT0, Signal::kSell), kT0);
    EXPECT_EQ(d->reasons, bit(RiskReason::kPositionAlreadyOpen));
    engine.set_position(Symbol("MSFT"), Q(-5), P("100"));
    EXPECT_EQ(engine.evaluate(pred("MSFT", P("100"), kT0, Signal::kBuy), kT0)->reasons,
              bit(RiskReason::kPositionAlreadyOpen));
}

TEST(RiskEngine, DeterministicForTheSameInputsAndSeed) {
    auto run = [](uint64_t seed) {
        RiskConfig c;
        c.max_orders_per_minute = 2;
        RiskEngine e(c, seed);
        std::vector<RiskDecision> out;
        feed(e, "AAPL", dips_series(4, P("99.8")));
        const char* syms[] = {"AAPL", "MSFT", "AAPL", "NVDA", "TSLA"};
        for (int i = 0; i < 5; ++i) {
            Timestamp t = kT0 + Duration::seconds(10 * i);
            Prediction p = pred(syms[i], P("150"), t);
            p.header.event_id = Uuid{1, static_cast<uint64_t>(i)};
            p.header.correlation_id = Uuid{2, static_cast<uint64_t>(i)};
            out.push_back(*e.evaluate(p, t));
        }
        return out;
    };
    auto a = run(42);
    auto b = run(42);
    auto c = run(43);
    ASSERT_EQ(a.size(), b.size());
    int rejected = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].header.event_id, b[i].header.event_id);
        EXPECT_EQ(a[i].header.idempotency_key, b[i].header.idempotency_key);
        EXPECT_EQ(a[i].approved, b[i].approved);
        EXPECT_EQ(a[i].reasons, b[i].reasons);
        EXPECT_EQ(a[i].cvar, b[i].cvar);
        EXPECT_NE(a[i].header.event_id, c[i].header.event_id);
        rejected += a[i].approved ? 0 : 1;
    }
    // AAPL again within cooldown (and the rate limit of 2/min) gives real rejections.
    EXPECT_EQ(rejected, 3);
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

// The engine keeps the CVaR window sorted incrementally; after many evictions it must still equal
// the historical CVaR of exactly the last `cvar_lookback_bars` returns.
TEST(RiskEngineCvarWindow, IncrementalWindowEqualsRecomputation) {
    RiskConfig config;
    config.cvar_lookback_bars = 50;
    RiskEngine engine(config, 1);
    std::mt19937_64 rng(17);
    std::normal_distribution<double> step(0.0, 0.002);
    std::vector<double> closes{100.0};
    std::vector<double> returns;
    for (int i = 0; i < 400; ++i) {
        const double next = closes.back() * std::exp(step(rng));
        const Price close = Price::from_double(next);
        engine.on_bar(bar("AAPL", kT0 + Duration::minutes(i), close));
        if (i > 0)
            returns.push_back(
                std::log(static_cast<double>(close.raw()) /
                         static_cast<double>(Price::from_double(closes.back()).raw())));
        closes.push_back(close.to_double());
        if (returns.size() < kMinReturnsForHistoricalCvar) continue;
        const size_t n = std::min<size_t>(returns.size(), 50);
        std::vector<double> window(returns.end() - static_cast<std::ptrdiff_t>(n), returns.end());
        std::vector<double> scratch(n);
        Prediction p = pred("AAPL", close, kT0 + Duration::minutes(i));
        p.horizons[kNumHorizons - 1] = QuantileForecast{0.0, 0.0, 0.0};  // forecast part 0
        for (Side side : {Side::kBuy, Side::kSell}) {
            const double expected = historical_cvar(window, side, config.cvar_alpha, scratch) *
                                    std::sqrt(static_cast<double>(kCvarHorizonMinutes));
            ASSERT_NEAR(engine.estimate_cvar(p, side), expected, 1e-12) << "bar " << i;
        }
    }
}

}  // namespace
}  // namespace awet
