#include "awet/execution/sim_broker.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace awet {
namespace {

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }
const Timestamp kT0 = at("2026-03-12T14:00:00Z");
Price P(const char* s) { return *Price::parse(s); }
Money M(const char* s) { return *Money::parse(s); }
Quantity Q(int64_t n) { return Quantity::from_units(n); }

MarketBar bar(const char* symbol, Timestamp start, const char* open, const char* close,
              int64_t volume = 10000) {
    MarketBar b;
    b.header.symbol = Symbol(symbol);
    b.header.ts = start + Duration::minutes(1);
    b.bar_start = start;
    b.open = P(open);
    b.close = P(close);
    b.high = std::max(b.open, b.close);
    b.low = std::min(b.open, b.close);
    b.volume = Q(volume);
    return b;
}

OrderRequest order(const char* id, const char* symbol, Side side, int64_t qty, Timestamp ts) {
    OrderRequest r;
    r.client_order_id = IdempotencyKey(id);
    r.symbol = Symbol(symbol);
    r.side = side;
    r.qty = Q(qty);
    r.ts = ts;
    return r;
}

struct Recorder : BrokerListener {
    void on_fill(const Fill& f) override { fills.push_back(f); }
    void on_order_update(const BrokerOrder& o) override { updates.push_back(o); }
    std::vector<Fill> fills;
    std::vector<BrokerOrder> updates;
};

SimBrokerConfig no_costs() {
    SimBrokerConfig c;
    c.slippage_bps = 0;
    return c;
}

TEST(SimBroker, IsPaperAndNamed) {
    SimBroker b;
    EXPECT_TRUE(b.is_paper());
    EXPECT_EQ(b.name(), "sim");
}

TEST(SimBroker, SubmitIsIdempotentByClientOrderId) {
    SimBroker b;
    auto o1 = b.submit(order("entry:AAPL:1", "AAPL", Side::kBuy, 5, kT0));
    ASSERT_TRUE(o1.ok());
    EXPECT_EQ(o1->broker_order_id, "sim-000001");
    EXPECT_EQ(o1->status, OrderStatus::kPending);
    EXPECT_EQ(o1->broker_status, "new");
    auto again = b.submit(order("entry:AAPL:1", "AAPL", Side::kBuy, 7, kT0 + Duration::seconds(5)));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->broker_order_id, "sim-000001");
    EXPECT_EQ(again->qty, Q(5));  // the original order, not a new one
    EXPECT_EQ(b.order_count(), 1U);
    auto o2 = b.submit(order("entry:MSFT:1", "MSFT", Side::kBuy, 3, kT0));
    EXPECT_EQ(o2->broker_order_id, "sim-000002");
    EXPECT_EQ(b.open_orders()->size(), 2U);
    EXPECT_EQ(b.get_order("entry:AAPL:1")->broker_order_id, "sim-000001");
    EXPECT_EQ(b.get_order("nope").error().code, ErrorCode::kNotFound);
}

TEST(SimBroker, InvalidOrdersAreRefused) {
    SimBroker b;
    EXPECT_FALSE(b.submit(order("k", "AAPL", Side::kBuy, 0, kT0)).ok());
    EXPECT_FALSE(b.submit(order("", "AAPL", Side::kBuy, 1, kT0)).ok());
    EXPECT_FALSE(b.submit(order("k", "", Side::kBuy, 1, kT0)).ok());
    EXPECT_EQ(b.order_count(), 0U);
}

TEST(SimBroker, FillsOnFirstBarStartingAtOrAfterSubmitAtOpenWithSlippage) {
    SimBroker b;  // 2 bps
    Recorder rec;
    b.set_listener(&rec);
    const Timestamp t = kT0 + Duration::minutes(1);  // decided at the end of the 14:00 bar
    ASSERT_TRUE(b.submit(order("buy", "AAPL", Side::kBuy, 5, t)).ok());
    ASSERT_TRUE(b.submit(order("sell", "MSFT", Side::kSell, 4, t)).ok());
    b.on_bar(bar("AAPL", kT0, "99", "99.5"));  // started before the decision: no fill
    b.on_bar(bar("MSFT", t, "400", "401"));    // other symbol: only the MSFT order
    ASSERT_EQ(rec.fills.size(), 1U);
    EXPECT_EQ(rec.fills[0].client_order_id, IdempotencyKey("sell"));
    EXPECT_EQ(rec.fills[0].price, P("399.92"));  // 400 * (1 - 0.0002)
    b.on_bar(bar("AAPL", t, "100", "101"));
    ASSERT_EQ(rec.fills.size(), 2U);
    const Fill& f = rec.fills[1];
    EXPECT_EQ(f.fill_id, "sim-000001-1");
    EXPECT_EQ(f.broker_order_id, "sim-000001");
    EXPECT_EQ(f.symbol, Symbol("AAPL"));
    EXPECT_EQ(f.side, Side::kBuy);
    EXPECT_EQ(f.qty, Q(5));
    EXPECT_EQ(f.price, P("100.02"));  // 100 * (1 + 0.0002)
    EXPECT_EQ(f.fees, Money{});
    EXPECT_EQ(f.ts, t);
    EXPECT_TRUE(f.order_done);
    auto o = b.get_order("buy");
    EXPECT_EQ(o->status, OrderStatus::kFilled);
    EXPECT_EQ(o->broker_status, "filled");
    EXPECT_EQ(o->filled_qty, Q(5));
    EXPECT_EQ(o->avg_fill_price, P("100.02"));
    EXPECT_TRUE(b.open_orders()->empty());
    ASSERT_EQ(rec.updates.size(), 2U);
    EXPECT_EQ(rec.updates[1].status, OrderStatus::kFilled);
    // Filled orders never fill again.
    b.on_bar(bar("AAPL", t + Duration::minutes(1), "102", "102"));
    EXPECT_EQ(rec.fills.size(), 2U);
}

TEST(SimBroker, ParticipationSplitsFillsAcrossBars) {
    SimBrokerConfig c = no_costs();
    c.participation_rate = 0.1;
    SimBroker b(c);
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(order("a", "AAPL", Side::kBuy, 25, kT0)).ok());
    ASSERT_TRUE(b.submit(order("b", "AAPL", Side::kBuy, 4, kT0)).ok());
    b.on_bar(bar("AAPL", kT0, "100", "100", 100));                         // 10 shares
    b.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "101", "101", 0));    // no volume: nothing
    b.on_bar(bar("AAPL", kT0 + Duration::minutes(2), "102", "102", 109));  // floor(10.9) = 10
    b.on_bar(bar("AAPL", kT0 + Duration::minutes(3), "103", "103", 90));   // 9: 5 to a, 4 to b
    ASSERT_EQ(rec.fills.size(), 4U);
    EXPECT_EQ(rec.fills[0].qty, Q(10));
    EXPECT_FALSE(rec.fills[0].order_done);
    EXPECT_EQ(rec.fills[1].qty, Q(10));
    EXPECT_EQ(rec.fills[1].price, P("102"));
    EXPECT_EQ(rec.fills[1].fill_id, "sim-000001-2");
    EXPECT_EQ(rec.fills[2].qty, Q(5));
    EXPECT_TRUE(rec.fills[2].order_done);
    EXPECT_EQ(rec.fills[3].client_order_id, IdempotencyKey("b"));
    EXPECT_EQ(rec.fills[3].qty, Q(4));
    auto a = b.get_order("a");
    EXPECT_EQ(a->status, OrderStatus::kFilled);
    // (10 * 100 + 10 * 102 + 5 * 103) / 25 = 2535 / 25 = 101.4
    EXPECT_EQ(a->avg_fill_price, P("101.4"));
    auto pos = b.positions();
    ASSERT_EQ(pos->size(), 1U);
    EXPECT_EQ((*pos)[0].qty, Q(29));
}

TEST(SimBroker, PartialOrderStaysOpenAndCanBeCanceled) {
    SimBrokerConfig c = no_costs();
    c.participation_rate = 0.5;
    SimBroker b(c);
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(order("a", "AAPL", Side::kBuy, 10, kT0)).ok());
    b.on_bar(bar("AAPL", kT0, "100", "100", 8));  // 4 shares
    auto o = b.get_order("a");
    EXPECT_EQ(o->status, OrderStatus::kPartiallyFilled);
    EXPECT_EQ(o->broker_status, "partially_filled");
    ASSERT_EQ(b.open_orders()->size(), 1U);
    ASSERT_TRUE(b.cancel("a").ok());
    EXPECT_EQ(rec.updates.back().status, OrderStatus::kCanceled);
    EXPECT_EQ(b.get_order("a")->filled_qty, Q(4));
    EXPECT_TRUE(b.open_orders()->empty());
    b.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "100", "100", 100));
    EXPECT_EQ(rec.fills.size(), 1U);
    EXPECT_EQ(b.cancel("a").error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(b.cancel("zzz").error().code, ErrorCode::kNotFound);
}

TEST(SimBroker, FullFillModeSkipsZeroVolumeBars) {
    SimBroker b(no_costs());
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(order("a", "AAPL", Side::kBuy, 10, kT0)).ok());
    b.on_bar(bar("AAPL", kT0, "100", "100", 0));
    EXPECT_TRUE(rec.fills.empty());
    b.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "101", "101", 1));  // any volume: all of it
    ASSERT_EQ(rec.fills.size(), 1U);
    EXPECT_EQ(rec.fills[0].qty, Q(10));
}

TEST(SimBroker, FeesPerShareWithMinimum) {
    SimBrokerConfig c = no_costs();
    c.fee_per_share = M("0.005");
    c.min_fee = M("1");
    SimBroker b(c);
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(order("small", "AAPL", Side::kBuy, 100, kT0)).ok());
    ASSERT_TRUE(b.submit(order("large", "MSFT", Side::kBuy, 300, kT0)).ok());
    b.on_bar(bar("AAPL", kT0, "10", "10"));
    b.on_bar(bar("MSFT", kT0, "10", "10"));
    ASSERT_EQ(rec.fills.size(), 2U);
    EXPECT_EQ(rec.fills[0].fees, M("1"));    // 0.50 -> minimum 1.00
    EXPECT_EQ(rec.fills[1].fees, M("1.5"));  // 300 * 0.005
    auto acct = b.account();
    EXPECT_EQ(acct->fees, M("2.5"));
    EXPECT_EQ(acct->cash, M("100000") - M("1000") - M("3000") - M("2.5"));
    EXPECT_EQ(acct->realized_pnl, -M("2.5"));

    // Only a minimum configured: every fill pays it.
    SimBrokerConfig m = no_costs();
    m.min_fee = M("0.35");
    SimBroker b2(m);
    ASSERT_TRUE(b2.submit(order("x", "AAPL", Side::kBuy, 1, kT0)).ok());
    b2.on_bar(bar("AAPL", kT0, "10", "10"));
    EXPECT_EQ(b2.account()->fees, M("0.35"));
}

TEST(SimBroker, FifoLedgerOnHandComputedSequence) {
    SimBrokerConfig c = no_costs();
    c.fee_per_share = M("0.01");
    SimBroker b(c);
    auto step = [&](const char* id, Side side, int64_t qty, int minute, const char* open,
                    const char* close) {
        const Timestamp t = kT0 + Duration::minutes(minute);
        ASSERT_TRUE(b.submit(order(id, "AAPL", side, qty, t)).ok());
        b.on_bar(bar("AAPL", t, open, close));
    };
    // Buy 10 @ 100, close 101.
    step("o1", Side::kBuy, 10, 0, "100", "101");
    auto a = b.account();
    EXPECT_EQ(a->cash, M("98999.9"));
    EXPECT_EQ(a->equity, M("100009.9"));
    EXPECT_EQ(a->realized_pnl, M("-0.1"));
    // Buy 10 @ 102, close 103: lots [10@100, 10@102].
    step("o2", Side::kBuy, 10, 1, "102", "103");
    a = b.account();
    EXPECT_EQ(a->cash, M("97979.8"));
    EXPECT_EQ(a->equity, M("100039.8"));
    auto pos = b.positions();
    ASSERT_EQ(pos->size(), 1U);
    EXPECT_EQ((*pos)[0].qty, Q(20));
    EXPECT_EQ((*pos)[0].avg_entry_price, P("101"));
    // Sell 15 @ 104: FIFO closes 10@100 (+40) and 5@102 (+10): realized 50 - fees 0.35.
    step("o3", Side::kSell, 15, 2, "104", "104");
    a = b.account();
    EXPECT_EQ(a->cash, M("99539.65"));
    EXPECT_EQ(a->realized_pnl, M("49.65"));
    EXPECT_EQ(a->fees, M("0.35"));
    EXPECT_EQ(a->equity, M("100059.65"));  // 5 @ 104 left (bought at 102)
    pos = b.positions();
    EXPECT_EQ((*pos)[0].qty, Q(5));
    EXPECT_EQ((*pos)[0].avg_entry_price, P("102"));
    // Sell 10 @ 105: closes 5@102 (+15), opens a 5-share short at 105; close 106.
    step("o4", Side::kSell, 10, 3, "105", "106");
    a = b.account();
    EXPECT_EQ(a->cash, M("100589.55"));
    EXPECT_EQ(a->realized_pnl, M("64.55"));
    EXPECT_EQ(a->fees, M("0.45"));
    EXPECT_EQ(a->equity, M("100059.55"));  // 100589.55 - 5 * 106
    pos = b.positions();
    EXPECT_EQ((*pos)[0].qty, Q(-5));
    EXPECT_EQ((*pos)[0].avg_entry_price, P("105"));
    // equity - start == realized + unrealized: 59.55 == 64.55 + 5 * (105 - 106).
    EXPECT_EQ(a->equity - M("100000"), a->realized_pnl + M("-5"));
    // Buy 5 @ 101 covers the short: +20, flat.
    step("o5", Side::kBuy, 5, 4, "101", "101");
    a = b.account();
    EXPECT_EQ(a->realized_pnl, M("84.5"));
    EXPECT_EQ(a->equity, a->cash);
    EXPECT_EQ(a->equity - M("100000"), a->realized_pnl);
    EXPECT_TRUE(b.positions()->empty());
}

TEST(SimBroker, FailNextSubmit) {
    SimBroker b;
    b.fail_next_submit(ErrorCode::kBroker);
    auto r = b.submit(order("a", "AAPL", Side::kBuy, 1, kT0));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kBroker);
    EXPECT_EQ(b.order_count(), 0U);
    EXPECT_TRUE(b.submit(order("a", "AAPL", Side::kBuy, 1, kT0)).ok());  // one-shot

    b.fail_next_submit(ErrorCode::kOutcomeUnknown, /*accept_anyway=*/true);
    auto u = b.submit(order("u", "AAPL", Side::kBuy, 2, kT0));
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.error().code, ErrorCode::kOutcomeUnknown);
    EXPECT_EQ(b.order_count(), 2U);  // the venue has it after all
    EXPECT_EQ(b.get_order("u")->status, OrderStatus::kPending);
}

TEST(SimBroker, ConfigFromExecutionConfig) {
    ExecutionConfig e;
    e.slippage_bps = 7;
    e.fee_per_share_usd = M("0.004");
    e.min_fee_usd = M("1");
    e.participation_rate = 0.25;
    SimBrokerConfig c = SimBrokerConfig::from(e);
    EXPECT_EQ(c.slippage_bps, 7);
    EXPECT_EQ(c.fee_per_share, M("0.004"));
    EXPECT_EQ(c.min_fee, M("1"));
    EXPECT_EQ(c.participation_rate, 0.25);
    EXPECT_EQ(c.starting_cash, M("100000"));
}

// ---------------------------------------------------------------- bracket orders
MarketBar ohlc(const char* symbol, Timestamp start, const char* open, const char* high,
               const char* low, const char* close) {
    MarketBar b = bar(symbol, start, open, close);
    b.high = P(high);
    b.low = P(low);
    return b;
}

OrderRequest bracket(const char* id, Side side, int64_t qty, const char* tp, const char* sl) {
    OrderRequest r = order(id, "AAPL", side, qty, kT0);
    r.bracket = BracketLegs{P(tp), P(sl)};
    return r;
}

TEST(SimBrokerBracket, LegsRestUntilTheEntryFillsThenTakeProfitFillsAtItsLimit) {
    SimBroker b(no_costs());
    Recorder rec;
    b.set_listener(&rec);
    auto o = b.submit(bracket("entry:AAPL:1", Side::kBuy, 10, "101", "99.5"));
    ASSERT_TRUE(o.ok()) << o.error().to_string();
    ASSERT_EQ(o->legs.size(), 2U);
    EXPECT_EQ(o->legs[0].client_order_id, "entry:AAPL:1:tp");
    EXPECT_EQ(o->legs[0].side, Side::kSell);
    EXPECT_EQ(o->legs[0].limit_price, P("101"));
    EXPECT_EQ(o->legs[0].broker_status, "held");
    EXPECT_EQ(o->legs[1].client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(o->legs[1].stop_price, P("99.5"));
    EXPECT_EQ(b.order_count(), 3U);
    // A bar before the entry's time touches both levels: nothing happens.
    b.on_bar(ohlc("AAPL", kT0 - Duration::minutes(1), "100", "102", "99", "100"));
    EXPECT_TRUE(rec.fills.empty());
    // The entry fills at the open; the range stays inside both levels.
    b.on_bar(ohlc("AAPL", kT0, "100", "100.9", "99.6", "100.5"));
    ASSERT_EQ(rec.fills.size(), 1U);
    EXPECT_EQ(rec.fills[0].client_order_id, "entry:AAPL:1");
    EXPECT_EQ(b.get_order("entry:AAPL:1:tp")->broker_status, "new");  // armed
    EXPECT_EQ(b.get_order("entry:AAPL:1:tp")->qty, Q(10));
    // High reaches the limit: sold at the limit (no price improvement), the stop is canceled.
    rec.updates.clear();
    b.on_bar(ohlc("AAPL", kT0 + Duration::minutes(1), "100.5", "101.7", "100.4", "101.2"));
    ASSERT_EQ(rec.fills.size(), 2U);
    const Fill& f = rec.fills[1];
    EXPECT_EQ(f.client_order_id, "entry:AAPL:1:tp");
    EXPECT_EQ(f.side, Side::kSell);
    EXPECT_EQ(f.qty, Q(10));
    EXPECT_EQ(f.price, P("101"));
    EXPECT_TRUE(f.order_done);
    ASSERT_EQ(rec.updates.size(), 2U);  // the leg filled, its sibling canceled
    EXPECT_EQ(rec.updates[1].client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(rec.updates[1].status, OrderStatus::kCanceled);
    EXPECT_TRUE(b.positions()->empty());
    EXPECT_EQ(b.account()->realized_pnl, M("10"));  // (101 - 100) * 10
    EXPECT_TRUE(b.open_orders()->empty());
}

/// A long bracket of 10 AAPL (take-profit 101, stop 99.5) filled at 100, then `next`.
struct LongBracket {
    explicit LongBracket(const MarketBar& next) : b(no_costs()) {
        b.set_listener(&rec);
        EXPECT_TRUE(b.submit(bracket("entry:AAPL:1", Side::kBuy, 10, "101", "99.5")).ok());
        b.on_bar(ohlc("AAPL", kT0, "100", "100", "100", "100"));
        b.on_bar(next);
    }
    SimBroker b;
    Recorder rec;
};

TEST(SimBrokerBracket, BothLevelsInOneBarAssumeTheStopFirst) {
    LongBracket t(ohlc("AAPL", kT0 + Duration::minutes(1), "100", "101.5", "99.4", "100.2"));
    ASSERT_EQ(t.rec.fills.size(), 2U);
    EXPECT_EQ(t.rec.fills[1].client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(t.rec.fills[1].price, P("99.5"));
    EXPECT_EQ(t.b.get_order("entry:AAPL:1:tp")->status, OrderStatus::kCanceled);
    EXPECT_EQ(t.b.account()->realized_pnl, M("-5"));
}

TEST(SimBrokerBracket, StopGappedThroughFillsAtTheOpen) {
    LongBracket t(ohlc("AAPL", kT0 + Duration::minutes(1), "98", "98.5", "97.9", "98.2"));
    ASSERT_EQ(t.rec.fills.size(), 2U);
    EXPECT_EQ(t.rec.fills[1].client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(t.rec.fills[1].price, P("98"));  // the open, worse than the stop
    EXPECT_EQ(t.b.account()->realized_pnl, M("-20"));
}

TEST(SimBrokerBracket, TheEntrysOwnBarCanTriggerALegAfterTheOpen) {
    SimBroker b(no_costs());
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(bracket("entry:AAPL:1", Side::kBuy, 10, "101", "99.5")).ok());
    // Filled at the open (100); the bar then trades down to 99.4, after the fill.
    b.on_bar(ohlc("AAPL", kT0, "100", "100", "99.4", "99.6"));
    ASSERT_EQ(rec.fills.size(), 2U);
    EXPECT_EQ(rec.fills[1].client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(rec.fills[1].price, P("99.5"));
    EXPECT_EQ(rec.fills[1].ts, kT0);
}

TEST(SimBrokerBracket, ShortEntryLegsAreMirrored) {
    SimBroker b(no_costs());
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(bracket("entry:AAPL:1", Side::kSell, 4, "99", "100.5")).ok());
    b.on_bar(ohlc("AAPL", kT0, "100", "100.2", "99.8", "100"));
    // Gap up through the stop: bought back at the open.
    b.on_bar(ohlc("AAPL", kT0 + Duration::minutes(1), "101", "101.2", "98.5", "100"));
    ASSERT_EQ(rec.fills.size(), 2U);
    EXPECT_EQ(rec.fills[1].client_order_id, "entry:AAPL:1:sl");
    EXPECT_EQ(rec.fills[1].side, Side::kBuy);
    EXPECT_EQ(rec.fills[1].price, P("101"));
    EXPECT_EQ(b.get_order("entry:AAPL:1:tp")->status, OrderStatus::kCanceled);
    EXPECT_TRUE(b.positions()->empty());
}

TEST(SimBrokerBracket, LegsOutOfOrderOrUnnamableAreRefused) {
    SimBroker b(no_costs());
    EXPECT_EQ(b.submit(bracket("entry:AAPL:1", Side::kBuy, 10, "99", "99.5")).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(b.submit(bracket("entry:AAPL:2", Side::kSell, 10, "101", "100")).error().code,
              ErrorCode::kInvalidArgument);
    const std::string long_id(62, 'k');
    OrderRequest r = bracket("x", Side::kBuy, 1, "101", "99");
    r.client_order_id = IdempotencyKey(std::string_view(long_id));
    EXPECT_EQ(b.submit(r).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(b.order_count(), 0U);
}

TEST(SimBrokerBracket, CancelingAnOpenEntryCancelsItsLegsAndLegsCancelAlone) {
    SimBroker b(no_costs());
    Recorder rec;
    b.set_listener(&rec);
    ASSERT_TRUE(b.submit(bracket("entry:AAPL:1", Side::kBuy, 10, "101", "99.5")).ok());
    ASSERT_TRUE(b.cancel("entry:AAPL:1").ok());
    EXPECT_EQ(b.get_order("entry:AAPL:1:tp")->status, OrderStatus::kCanceled);
    EXPECT_EQ(b.get_order("entry:AAPL:1:sl")->status, OrderStatus::kCanceled);
    EXPECT_EQ(rec.updates.size(), 3U);

    ASSERT_TRUE(b.submit(bracket("entry:AAPL:2", Side::kBuy, 10, "101", "99.5")).ok());
    b.on_bar(ohlc("AAPL", kT0, "100", "100", "100", "100"));
    ASSERT_TRUE(b.cancel("entry:AAPL:2:tp").ok());
    EXPECT_EQ(b.get_order("entry:AAPL:2:sl")->status, OrderStatus::kPending);
    EXPECT_EQ(b.cancel("entry:AAPL:2:tp").error().code, ErrorCode::kInvalidArgument);
    b.on_bar(ohlc("AAPL", kT0 + Duration::minutes(1), "100", "102", "99.5", "100"));
    EXPECT_EQ(b.get_order("entry:AAPL:2:sl")->status, OrderStatus::kFilled);
}

// ---------------------------------------------------------------- issue 11, defect 4

TEST(SimBrokerLimits, QuantitiesPricesAndNotionalsOutOfRangeAreRefused) {
    SimBroker b;
    OrderRequest r = order("entry:AAPL:1", "AAPL", Side::kBuy, 1, kT0);
    r.qty = Quantity::from_raw(INT64_MAX);  // 9.2e12 shares: its notional would saturate
    auto huge = b.submit(r);
    ASSERT_FALSE(huge.ok());
    EXPECT_EQ(huge.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(huge.error().message.find("qty"), std::string::npos) << huge.error().message;
    r.qty = kMaxOrderQty + Q(1);
    EXPECT_EQ(b.submit(r).error().code, ErrorCode::kInvalidArgument);
    // A sell at the limit of shares, on a price where the notional would pass 1e12 USD.
    SimBrokerConfig rich;
    rich.starting_cash = Money::from_units(1'000'000'000'000);
    SimBroker big(rich);
    big.on_bar(bar("BRK", kT0, "750000", "750000"));
    OrderRequest buy = order("entry:BRK:1", "BRK", Side::kBuy, 1, kT0);
    buy.qty = kMaxOrderQty;
    auto notional = big.submit(buy);
    ASSERT_FALSE(notional.ok());
    EXPECT_EQ(notional.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(notional.error().message.find("notional"), std::string::npos);
    OrderRequest legs = order("entry:AAPL:2", "AAPL", Side::kBuy, 1, kT0);
    legs.bracket = BracketLegs{kMaxOrderPrice + P("1"), P("1")};
    EXPECT_EQ(b.submit(legs).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(b.order_count(), 0U);
    EXPECT_EQ(big.order_count(), 0U);
}

TEST(SimBrokerLimits, ABuyBeyondTheBuyingPowerIsRefusedAtSubmit) {
    SimBroker b(no_costs());  // 100,000 of cash
    Recorder rec;
    b.set_listener(&rec);
    b.on_bar(bar("AAPL", kT0, "155.33", "155.33"));
    // 1000 AAPL at the last close 155.33 = 155,330.
    auto big = b.submit(order("entry:AAPL:1", "AAPL", Side::kBuy, 1000, kT0));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, ErrorCode::kBroker);
    EXPECT_NE(big.error().message.find("insufficient buying power"), std::string::npos)
        << big.error().message;
    EXPECT_NE(big.error().message.find("cash 100000"), std::string::npos) << big.error().message;
    EXPECT_EQ(b.order_count(), 0U);
    // The open buys count: 600 fit, 100 more on top of them do not.
    ASSERT_TRUE(b.submit(order("entry:AAPL:2", "AAPL", Side::kBuy, 600, kT0)).ok());
    auto more = b.submit(order("entry:AAPL:3", "AAPL", Side::kBuy, 100, kT0));
    ASSERT_FALSE(more.ok());
    EXPECT_NE(more.error().message.find("open buys about 93198"), std::string::npos)
        << more.error().message;
    // Sells need none; once filled the cash is what is left.
    ASSERT_TRUE(b.submit(order("exit:AAPL:1", "AAPL", Side::kSell, 5, kT0)).ok());
    b.on_bar(bar("AAPL", kT0 + Duration::minutes(1), "155.33", "155.33"));
    EXPECT_EQ(b.account()->cash, M("100000") - M("93198") + M("776.65"));
    EXPECT_FALSE(b.submit(order("entry:AAPL:4", "AAPL", Side::kBuy, 50, kT0)).ok());
    ASSERT_TRUE(b.submit(order("entry:AAPL:5", "AAPL", Side::kBuy, 40, kT0)).ok());
}

TEST(SimBrokerLimits, CoveringAShortNeedsNoBuyingPower) {
    SimBroker b(no_costs());
    b.on_bar(bar("TSLA", kT0, "400", "400"));
    ASSERT_TRUE(b.submit(order("short", "TSLA", Side::kSell, 200, kT0)).ok());
    b.on_bar(bar("TSLA", kT0 + Duration::minutes(1), "400", "600"));  // cash 180,000, short 200
    // Covering at 600 costs 120,000; only the 100 beyond the short (60,000) is new exposure.
    ASSERT_TRUE(b.submit(order("cover", "TSLA", Side::kBuy, 300, kT0)).ok());
    b.on_bar(bar("TSLA", kT0 + Duration::minutes(2), "600", "600"));
    EXPECT_EQ(b.account()->cash, M("0"));
    EXPECT_EQ((*b.positions())[0].qty, Q(100));
}

TEST(SimBrokerLimits, ABuyThatCannotBePaidAtItsFillIsRejectedThere) {
    SimBroker b(no_costs());
    Recorder rec;
    b.set_listener(&rec);
    // No bar of AAPL yet: nothing to price it at, so submit takes it ...
    ASSERT_TRUE(b.submit(order("entry:AAPL:1", "AAPL", Side::kBuy, 1000, kT0)).ok());
    ASSERT_TRUE(b.submit(order("entry:AAPL:2", "AAPL", Side::kBuy, 10, kT0)).ok());
    b.on_bar(bar("AAPL", kT0, "155.33", "155.33"));
    // ... and its fill refuses it: the cash never goes negative; the next order still fills.
    ASSERT_EQ(rec.fills.size(), 1U);
    EXPECT_EQ(rec.fills[0].client_order_id, IdempotencyKey("entry:AAPL:2"));
    auto rejected = b.get_order("entry:AAPL:1");
    EXPECT_EQ(rejected->status, OrderStatus::kRejected);
    EXPECT_EQ(rejected->broker_status, "rejected");
    EXPECT_TRUE(rejected->filled_qty.is_zero());
    ASSERT_GE(rec.updates.size(), 1U);
    EXPECT_EQ(rec.updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(b.account()->cash, M("100000") - M("1553.3"));
    EXPECT_EQ(b.open_orders()->size(), 0U);
}

}  // namespace
}  // namespace awet
