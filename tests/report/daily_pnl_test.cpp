#include "awet/report/daily_pnl.hpp"

#include <gtest/gtest.h>

#include <string>

#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet {
namespace {

Price px(const char* s) { return *Price::parse(s); }
Money usd(const char* s) { return *Money::parse(s); }
Quantity sh(const char* s) { return *Quantity::parse(s); }
Timestamp utc(const char* iso) { return *Timestamp::parse(iso); }
Date day(const char* s) { return *Date::parse(s); }

ClosedTrade closed(const char* symbol, const char* net) {
    ClosedTrade t;
    t.symbol = Symbol(symbol);
    t.qty = sh("1");
    t.net_pnl = usd(net);
    t.gross_pnl = usd(net);
    return t;
}

PositionRow open_position(const char* symbol, const char* qty, const char* unrealized) {
    PositionRow p;
    p.symbol = Symbol(symbol);
    p.qty = sh(qty);
    p.unrealized_pl = usd(unrealized);
    return p;
}

TEST(DailyPnl, HandComputedDay) {
    std::vector<ClosedTrade> trades = {closed("AAPL", "100"), closed("AAPL", "-30"),
                                       closed("MSFT", "0"), closed("GOOG", "-50")};
    std::vector<PositionRow> open = {open_position("MSFT", "5", "20"),
                                     open_position("NVDA", "-3", "-80"),
                                     open_position("TSLA", "0", "999")};  // flat: ignored
    const Timestamp now = utc("2026-03-12T20:30:00Z");
    DailyPnlRow row = compute_daily_pnl(day("2026-03-12"), trades, open, now);
    EXPECT_EQ(row.report_date, day("2026-03-12"));
    EXPECT_EQ(row.realized_pnl_usd, usd("20"));
    EXPECT_EQ(row.unrealized_pnl_usd, usd("-60"));
    EXPECT_EQ(row.total_pnl_usd, usd("-40"));
    EXPECT_EQ(row.num_trades, 4);
    EXPECT_EQ(row.num_wins, 1);
    EXPECT_EQ(row.num_losses, 2);  // a zero trade is neither
    EXPECT_DOUBLE_EQ(row.win_rate, 25.0);
    // Per symbol: AAPL +70, GOOG -50, MSFT +20, NVDA -80.
    EXPECT_EQ(row.best_symbol, "AAPL");
    EXPECT_EQ(row.worst_symbol, "NVDA");
    EXPECT_EQ(row.created_at, now);
}

TEST(DailyPnl, EmptyDay) {
    DailyPnlRow row = compute_daily_pnl(day("2026-03-14"), {}, {}, Timestamp{});
    EXPECT_EQ(row.num_trades, 0);
    EXPECT_EQ(row.win_rate, 0.0);
    EXPECT_EQ(row.total_pnl_usd, usd("0"));
    EXPECT_EQ(row.best_symbol, "");
    EXPECT_EQ(row.worst_symbol, "");
}

TEST(DailyPnl, FormatMoney) {
    EXPECT_EQ(format_money(usd("250")), "+250.00");
    EXPECT_EQ(format_money(usd("-3.1")), "-3.10");
    EXPECT_EQ(format_money(usd("0")), "0.00");
    EXPECT_EQ(format_money(usd("0.004999")), "0.00");
    EXPECT_EQ(format_money(usd("0.005")), "+0.01");
    EXPECT_EQ(format_money(usd("-0.005")), "-0.01");
    EXPECT_EQ(format_money(usd("1234567.891")), "+1234567.89");
}

TEST(DailyPnl, TableSnapshot) {
    DailyPnlRow a;
    a.report_date = day("2026-03-12");
    a.realized_pnl_usd = usd("14");
    a.unrealized_pnl_usd = usd("30");
    a.total_pnl_usd = usd("44");
    a.num_trades = 2;
    a.num_wins = 1;
    a.num_losses = 1;
    a.win_rate = 50.0;
    a.best_symbol = "MSFT";
    a.worst_symbol = "GOOG";
    DailyPnlRow b;
    b.report_date = day("2026-03-13");
    b.realized_pnl_usd = usd("-1049.005");
    b.unrealized_pnl_usd = usd("10");
    b.total_pnl_usd = usd("-1039.005");
    b.num_trades = 3;
    b.num_wins = 2;
    b.num_losses = 1;
    b.win_rate = 200.0 / 3.0;
    b.best_symbol = "TSLA";
    b.worst_symbol = "NVDA";
    std::vector<DailyPnlRow> rows = {a, b};
    // clang-format off
    const std::string expected =
        "Date           Realized   Unrealized        Total Trades  Wins Losses WinRate  Best     Worst\n"
        "---------------------------------------------------------------------------------------------\n"
        "2026-03-12       +14.00       +30.00       +44.00      2     1      1   50.0%  MSFT     GOOG\n"
        "2026-03-13     -1049.01       +10.00     -1039.01      3     2      1   66.7%  TSLA     NVDA\n"
        "---------------------------------------------------------------------------------------------\n"
        "TOTAL          -1035.01       +40.00      -995.01      5     3      2   60.0%\n";
    const std::string empty =
        "Date           Realized   Unrealized        Total Trades  Wins Losses WinRate  Best     Worst\n"
        "---------------------------------------------------------------------------------------------\n"
        "---------------------------------------------------------------------------------------------\n"
        "TOTAL              0.00         0.00         0.00      0     0      0    0.0%\n";
    // clang-format on
    EXPECT_EQ(format_pnl_table(rows), expected);
    EXPECT_EQ(format_pnl_table({}), empty);
}

// ---- eod_from_store on SQLite ----

class EodFromStore : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = SqliteStore::open(":memory:");
        ASSERT_TRUE(opened.ok()) << opened.error().to_string();
        store_ = std::move(*opened);
        ASSERT_TRUE(store_->migrate().ok());
    }

    void trade(const char* key, const char* symbol, Side side, const char* qty,
               const char* filled_qty, const char* price, const char* fees, const char* filled_at,
               OrderStatus status = OrderStatus::kFilled) {
        TradeRow t;
        t.ts = utc(filled_at) - Duration::minutes(1);
        t.symbol = Symbol(symbol);
        t.side = side;
        t.qty = sh(qty);
        t.filled_qty = sh(filled_qty);
        t.avg_fill_price = px(price);
        t.status = status;
        t.filled_at = filled_qty == std::string("0") ? Timestamp{} : utc(filled_at);
        t.idempotency_key = IdempotencyKey(key);
        t.fees = usd(fees);
        t.correlation_id = Uuid{1, static_cast<uint64_t>(++seq_)};
        auto r = store_->insert_trade(t);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        ASSERT_TRUE(*r);
    }

    void minute_bar(const char* symbol, const char* start, const char* close) {
        MarketBar b;
        b.header.symbol = Symbol(symbol);
        b.header.event_id = Uuid{2, static_cast<uint64_t>(++seq_)};
        b.header.correlation_id = b.header.event_id;
        const std::string key = "bar:" + std::string(symbol) + ":" + start;
        b.header.idempotency_key = IdempotencyKey(std::string_view(key));
        b.bar_start = utc(start);
        b.header.ts = b.bar_start + Duration::minutes(1);
        b.open = b.high = b.low = b.close = px(close);
        b.volume = sh("100");
        auto r = store_->put_bar(b);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }

    void load_two_days() {
        // Thursday 2026-03-12 (EDT, close 20:00Z).
        trade("t1", "AAPL", Side::kBuy, "10", "10", "100", "1", "2026-03-12T14:00:00Z");
        trade("t2", "AAPL", Side::kSell, "10", "10", "102", "1", "2026-03-12T14:30:00Z");
        trade("t3", "MSFT", Side::kBuy, "5", "5", "300", "0.5", "2026-03-12T15:00:00Z");
        trade("t4", "GOOG", Side::kBuy, "4", "4", "150", "0", "2026-03-12T16:00:00Z");
        trade("t5", "GOOG", Side::kSell, "4", "4", "149", "0", "2026-03-12T16:30:00Z");
        trade("t6", "META", Side::kBuy, "4", "0", "0", "0", "2026-03-12T17:00:00Z",
              OrderStatus::kBlocked);
        // Friday 2026-03-13: the overnight MSFT closes, a short stays open, a partial fill.
        trade("t7", "MSFT", Side::kSell, "5", "5", "310", "0.5", "2026-03-13T14:00:00Z");
        trade("t8", "TSLA", Side::kSell, "2", "2", "200", "0", "2026-03-13T15:00:00Z");
        trade("t9", "NVDA", Side::kBuy, "10", "3", "50", "0", "2026-03-13T19:00:00Z",
              OrderStatus::kPartiallyFilled);
        // After Friday's close: not part of Friday.
        trade("t10", "AAPL", Side::kBuy, "1", "1", "100", "0", "2026-03-13T21:00:00Z");

        minute_bar("MSFT", "2026-03-12T19:58:00Z", "305");
        minute_bar("MSFT", "2026-03-12T19:59:00Z", "306");  // ends at the close
        minute_bar("MSFT", "2026-03-12T20:00:00Z", "999");  // after the close
        minute_bar("TSLA", "2026-03-13T19:59:00Z", "195");
        minute_bar("TSLA", "2026-03-13T20:00:00Z", "1");
        ASSERT_TRUE(store_->flush().ok());
    }

    std::unique_ptr<SqliteStore> store_;
    int seq_ = 0;
};

TEST_F(EodFromStore, TwoDaysWithAnOvernightPosition) {
    load_two_days();
    const Timestamp now = utc("2026-03-13T21:30:00Z");

    auto d1 = eod_from_store(*store_, day("2026-03-12"), now);
    ASSERT_TRUE(d1.ok()) << d1.error().to_string();
    // AAPL +20 gross - 2 fees = +18; GOOG -4. MSFT open 5 @ 300 marked 306: +30.
    EXPECT_EQ(d1->realized_pnl_usd, usd("14"));
    EXPECT_EQ(d1->unrealized_pnl_usd, usd("30"));
    EXPECT_EQ(d1->total_pnl_usd, usd("44"));
    EXPECT_EQ(d1->num_trades, 2);
    EXPECT_EQ(d1->num_wins, 1);
    EXPECT_EQ(d1->num_losses, 1);
    EXPECT_DOUBLE_EQ(d1->win_rate, 50.0);
    EXPECT_EQ(d1->best_symbol, "MSFT");
    EXPECT_EQ(d1->worst_symbol, "GOOG");

    auto d2 = eod_from_store(*store_, day("2026-03-13"), now);
    ASSERT_TRUE(d2.ok()) << d2.error().to_string();
    // MSFT: +50 gross - 0.50 exit fee - 0.50 entry fee (Thursday) = +49.
    // TSLA short 2 @ 200 marked 195: +10. NVDA 3 @ 50, no bars: marked at its fill, 0.
    EXPECT_EQ(d2->realized_pnl_usd, usd("49"));
    EXPECT_EQ(d2->unrealized_pnl_usd, usd("10"));
    EXPECT_EQ(d2->total_pnl_usd, usd("59"));
    EXPECT_EQ(d2->num_trades, 1);
    EXPECT_EQ(d2->num_wins, 1);
    EXPECT_EQ(d2->num_losses, 0);
    EXPECT_DOUBLE_EQ(d2->win_rate, 100.0);
    EXPECT_EQ(d2->best_symbol, "MSFT");
    EXPECT_EQ(d2->worst_symbol, "NVDA");

    auto saved = store_->load_daily_pnl(day("2026-03-12"), day("2026-03-13"));
    ASSERT_TRUE(saved.ok()) << saved.error().to_string();
    ASSERT_EQ(saved->size(), 2U);
    EXPECT_EQ((*saved)[0].report_date, day("2026-03-12"));
    EXPECT_EQ((*saved)[0].total_pnl_usd, usd("44"));
    EXPECT_EQ((*saved)[0].best_symbol, "MSFT");
    EXPECT_EQ((*saved)[1].realized_pnl_usd, usd("49"));
    EXPECT_EQ((*saved)[1].num_wins, 1);

    // A re-run replaces the day.
    auto again = eod_from_store(*store_, day("2026-03-12"), now);
    ASSERT_TRUE(again.ok());
    auto count = store_->count_rows("daily_pnl_summary");
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 2);
}

TEST_F(EodFromStore, NonTradingDayCountsEverythingUntilItsEnd) {
    load_two_days();
    auto sat = eod_from_store(*store_, day("2026-03-14"), utc("2026-03-14T12:00:00Z"));
    ASSERT_TRUE(sat.ok()) << sat.error().to_string();
    // Nothing closes on Saturday. Open at the end of Saturday: TSLA marked by its last bar (the
    // after-hours one, close 1), NVDA and AAPL (bought after Friday's close) at their fills.
    EXPECT_EQ(sat->num_trades, 0);
    EXPECT_EQ(sat->realized_pnl_usd, usd("0"));
    EXPECT_EQ(sat->unrealized_pnl_usd, usd("398"));  // short 2 @ 200 marked at 1
    EXPECT_EQ(sat->best_symbol, "TSLA");
    EXPECT_EQ(sat->worst_symbol, "AAPL");  // AAPL and NVDA tie at 0: alphabetical first
}

}  // namespace
}  // namespace awet
