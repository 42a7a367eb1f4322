#include "awet/portfolio/portfolio.hpp"

#include <gtest/gtest.h>

namespace awet {
namespace {

Price px(const char* s) { return *Price::parse(s); }
Money usd(const char* s) { return *Money::parse(s); }
Quantity sh(const char* s) { return *Quantity::parse(s); }
Timestamp at(int minute) { return Timestamp::from_seconds(1'773'322'200 + 60 * minute); }

TEST(Portfolio, FifoAcrossTwoLotsWithFees) {
    Portfolio p;
    EXPECT_EQ(p.apply_fill("AAPL", Side::kBuy, sh("10"), px("100"), usd("1"), at(0)), usd("-1"));
    EXPECT_EQ(p.apply_fill("AAPL", Side::kBuy, sh("10"), px("110"), usd("1"), at(1)), usd("-1"));
    // (120-100)*10 + (120-110)*5 = 250 gross, minus this fill's 1.50 fee.
    EXPECT_EQ(p.apply_fill("AAPL", Side::kSell, sh("15"), px("120"), usd("1.5"), at(2)),
              usd("248.5"));
    EXPECT_EQ(p.realized_pnl(), usd("246.5"));  // 250 - 3.50 fees in all
    EXPECT_EQ(p.fees(), usd("3.5"));

    PositionRow row = p.position("AAPL");
    EXPECT_EQ(row.qty, sh("5"));
    EXPECT_EQ(row.avg_entry_price, px("110"));
    EXPECT_EQ(row.cost_basis, usd("550"));
    EXPECT_EQ(row.realized_pl, usd("246.5"));
    EXPECT_EQ(row.opened_at, at(0));
    EXPECT_EQ(row.updated_at, at(2));
    // Marked at the last fill price until a mark arrives.
    EXPECT_EQ(row.market_value, usd("600"));
    EXPECT_EQ(row.unrealized_pl, usd("50"));

    ASSERT_EQ(p.closed_trades().size(), 1U);
    const ClosedTrade& t = p.closed_trades()[0];
    EXPECT_EQ(t.symbol, "AAPL");
    EXPECT_EQ(t.side, PositionSide::kLong);
    EXPECT_EQ(t.qty, sh("15"));
    EXPECT_EQ(t.avg_entry_price, px("103.333333"));  // 1550 / 15
    EXPECT_EQ(t.exit_price, px("120"));
    EXPECT_EQ(t.opened_at, at(0));
    EXPECT_EQ(t.closed_at, at(2));
    EXPECT_EQ(t.gross_pnl, usd("250"));
    EXPECT_EQ(t.fees, usd("3"));  // exit 1.50 + lot 1's 1.00 + half of lot 2's 1.00
    EXPECT_EQ(t.net_pnl, usd("247"));

    std::vector<Lot> lots = p.lots("AAPL");
    ASSERT_EQ(lots.size(), 1U);
    EXPECT_EQ(lots[0].qty, sh("5"));
    EXPECT_EQ(lots[0].cost, usd("550"));
    EXPECT_EQ(lots[0].entry_fees, usd("0.5"));
    EXPECT_EQ(lots[0].opened_at, at(1));
}

TEST(Portfolio, UnrealizedAtMark) {
    Portfolio p;
    (void)p.apply_fill("AAPL", Side::kBuy, sh("10"), px("100"), usd("0"), at(0));
    (void)p.apply_fill("AAPL", Side::kBuy, sh("10"), px("110"), usd("0"), at(1));
    p.mark("AAPL", px("107.25"), at(5));
    PositionRow row = p.position("AAPL");
    EXPECT_EQ(row.qty, sh("20"));
    EXPECT_EQ(row.avg_entry_price, px("105"));
    EXPECT_EQ(row.cost_basis, usd("2100"));
    EXPECT_EQ(row.market_value, usd("2145"));
    EXPECT_EQ(row.unrealized_pl, usd("45"));
    EXPECT_EQ(row.updated_at, at(5));
    EXPECT_EQ(p.unrealized_pnl(), usd("45"));
    EXPECT_EQ(p.realized_pnl(), usd("0"));
}

TEST(Portfolio, PartialClosesThenFlat) {
    Portfolio p;
    (void)p.apply_fill("MSFT", Side::kBuy, sh("10"), px("50"), usd("0"), at(0));
    EXPECT_EQ(p.apply_fill("MSFT", Side::kSell, sh("4"), px("55"), usd("0"), at(1)), usd("20"));
    EXPECT_EQ(p.position("MSFT").qty, sh("6"));
    EXPECT_EQ(p.position("MSFT").cost_basis, usd("300"));
    EXPECT_EQ(p.apply_fill("MSFT", Side::kSell, sh("6"), px("45"), usd("0"), at(2)), usd("-30"));
    PositionRow row = p.position("MSFT");
    EXPECT_EQ(row.qty, sh("0"));
    EXPECT_EQ(row.cost_basis, usd("0"));
    EXPECT_EQ(row.avg_entry_price, px("0"));
    EXPECT_EQ(row.market_value, usd("0"));
    EXPECT_EQ(row.unrealized_pl, usd("0"));
    EXPECT_EQ(row.realized_pl, usd("-10"));
    EXPECT_FALSE(row.opened_at.is_set());
    ASSERT_EQ(p.closed_trades().size(), 2U);
    EXPECT_EQ(p.closed_trades()[0].net_pnl, usd("20"));
    EXPECT_EQ(p.closed_trades()[1].net_pnl, usd("-30"));
    EXPECT_EQ(p.closed_trades()[1].opened_at, at(0));
    EXPECT_TRUE(p.lots("MSFT").empty());
}

TEST(Portfolio, ShortOpenMarkAndCover) {
    Portfolio p;
    EXPECT_EQ(p.apply_fill("TSLA", Side::kSell, sh("10"), px("200"), usd("0.2"), at(0)),
              usd("-0.2"));
    PositionRow row = p.position("TSLA");
    EXPECT_EQ(row.qty, sh("-10"));
    EXPECT_EQ(row.avg_entry_price, px("200"));
    EXPECT_EQ(row.cost_basis, usd("-2000"));
    p.mark("TSLA", px("190"), at(3));
    row = p.position("TSLA");
    EXPECT_EQ(row.market_value, usd("-1900"));
    EXPECT_EQ(row.unrealized_pl, usd("100"));  // short gains when the price falls
    p.mark("TSLA", px("203"), at(4));
    EXPECT_EQ(p.position("TSLA").unrealized_pl, usd("-30"));

    // Adding to the short, then covering part of it FIFO.
    (void)p.apply_fill("TSLA", Side::kSell, sh("10"), px("210"), usd("0"), at(5));
    EXPECT_EQ(p.position("TSLA").qty, sh("-20"));
    EXPECT_EQ(p.position("TSLA").avg_entry_price, px("205"));
    // Cover 15 at 195: (200-195)*10 + (210-195)*5 = 125.
    EXPECT_EQ(p.apply_fill("TSLA", Side::kBuy, sh("15"), px("195"), usd("0.3"), at(6)),
              usd("124.7"));
    ASSERT_EQ(p.closed_trades().size(), 1U);
    const ClosedTrade& t = p.closed_trades()[0];
    EXPECT_EQ(t.side, PositionSide::kShort);
    EXPECT_EQ(t.gross_pnl, usd("125"));
    EXPECT_EQ(t.fees, usd("0.5"));  // 0.30 exit + 0.20 entry of the first lot
    EXPECT_EQ(t.net_pnl, usd("124.5"));
    EXPECT_EQ(p.position("TSLA").qty, sh("-5"));
    EXPECT_EQ(p.position("TSLA").cost_basis, usd("-1050"));
    EXPECT_EQ(p.realized_pnl(), usd("124.5"));
}

TEST(Portfolio, FlipLongToShortInOneFill) {
    Portfolio p;
    (void)p.apply_fill("NVDA", Side::kBuy, sh("10"), px("100"), usd("0"), at(0));
    // Sells 15: closes 10 (+50 gross), opens a 5-share short at 105. Fee 3 split 2 / 1 by qty.
    EXPECT_EQ(p.apply_fill("NVDA", Side::kSell, sh("15"), px("105"), usd("3"), at(1)), usd("47"));
    ASSERT_EQ(p.closed_trades().size(), 1U);
    EXPECT_EQ(p.closed_trades()[0].qty, sh("10"));
    EXPECT_EQ(p.closed_trades()[0].gross_pnl, usd("50"));
    EXPECT_EQ(p.closed_trades()[0].fees, usd("2"));
    EXPECT_EQ(p.closed_trades()[0].net_pnl, usd("48"));

    PositionRow row = p.position("NVDA");
    EXPECT_EQ(row.qty, sh("-5"));
    EXPECT_EQ(row.avg_entry_price, px("105"));
    EXPECT_EQ(row.cost_basis, usd("-525"));
    EXPECT_EQ(row.opened_at, at(1));  // the short started with the flip
    std::vector<Lot> lots = p.lots("NVDA");
    ASSERT_EQ(lots.size(), 1U);
    EXPECT_EQ(lots[0].entry_fees, usd("1"));

    // Cover at 100: +25 gross; fees attributed 0.50 exit + 1.00 entry share.
    EXPECT_EQ(p.apply_fill("NVDA", Side::kBuy, sh("5"), px("100"), usd("0.5"), at(2)), usd("24.5"));
    ASSERT_EQ(p.closed_trades().size(), 2U);
    const ClosedTrade& t = p.closed_trades()[1];
    EXPECT_EQ(t.side, PositionSide::kShort);
    EXPECT_EQ(t.fees, usd("1.5"));
    EXPECT_EQ(t.net_pnl, usd("23.5"));
    EXPECT_EQ(t.opened_at, at(1));
    EXPECT_EQ(p.realized_pnl(), usd("71.5"));  // 75 gross - 3.50 fees
    // Over a whole round trip the two fee views agree.
    Money net_sum = p.closed_trades()[0].net_pnl + p.closed_trades()[1].net_pnl;
    EXPECT_EQ(net_sum, p.realized_pnl());
}

TEST(Portfolio, FlipShortToLong) {
    Portfolio p;
    (void)p.apply_fill("META", Side::kSell, sh("3"), px("500"), usd("0"), at(0));
    EXPECT_EQ(p.apply_fill("META", Side::kBuy, sh("5"), px("490"), usd("0"), at(1)), usd("30"));
    EXPECT_EQ(p.position("META").qty, sh("2"));
    EXPECT_EQ(p.position("META").cost_basis, usd("980"));
    EXPECT_EQ(p.closed_trades()[0].side, PositionSide::kShort);
}

TEST(Portfolio, ExactWithSixDecimalPrices) {
    Portfolio p;
    (void)p.apply_fill("AAPL", Side::kBuy, sh("3"), px("258.640015"), usd("0"), at(0));
    (void)p.apply_fill("AAPL", Side::kBuy, sh("7"), px("258.650001"), usd("0"), at(1));
    // cost 775.920045 + 1810.550007 = 2586.470052; proceeds 2590.00001.
    EXPECT_EQ(p.position("AAPL").cost_basis, usd("2586.470052"));
    EXPECT_EQ(p.position("AAPL").avg_entry_price, px("258.647005"));  // 258.6470052 rounded
    EXPECT_EQ(p.apply_fill("AAPL", Side::kSell, sh("10"), px("259.000001"), usd("0"), at(2)),
              usd("3.529958"));
    EXPECT_EQ(p.closed_trades()[0].avg_entry_price, px("258.647005"));
}

TEST(Portfolio, FractionalPartialClosesConserveCostAndFees) {
    Portfolio p;
    // 1.5 * 258.640015 = 387.9600225 -> 387.960023 (half away from zero).
    (void)p.apply_fill("AAPL", Side::kBuy, sh("1.5"), px("258.640015"), usd("0.01"), at(0));
    EXPECT_EQ(p.position("AAPL").cost_basis, usd("387.960023"));
    // Three closes of 0.5: the cost and entry fee are split exactly (no micro-dollar lost).
    Money gross_sum;
    Money fee_sum;
    for (int i = 0; i < 3; ++i) {
        (void)p.apply_fill("AAPL", Side::kSell, sh("0.5"), px("258.640015"), usd("0"), at(1 + i));
        gross_sum += p.closed_trades().back().gross_pnl;
        fee_sum += p.closed_trades().back().fees;
    }
    EXPECT_EQ(p.closed_trades()[0].fees, usd("0.003333"));
    EXPECT_EQ(p.closed_trades()[1].fees, usd("0.003334"));
    EXPECT_EQ(p.closed_trades()[2].fees, usd("0.003333"));
    EXPECT_EQ(fee_sum, usd("0.01"));
    // Proceeds 129.320008 + 129.320008 + 129.320008 = 387.960024 vs cost 387.960023.
    EXPECT_EQ(gross_sum, usd("0.000001"));
    EXPECT_EQ(p.realized_pnl(), usd("-0.009999"));
    EXPECT_EQ(p.position("AAPL").cost_basis, usd("0"));
    EXPECT_EQ(p.position("AAPL").qty, sh("0"));
}

TEST(Portfolio, PositionsSortedAndUnknownIsFlat) {
    Portfolio p;
    (void)p.apply_fill("TSLA", Side::kBuy, sh("1"), px("10"), usd("0"), at(0));
    (void)p.apply_fill("AAPL", Side::kBuy, sh("2"), px("10"), usd("0"), at(0));
    p.mark("MSFT", px("300"), at(1));
    std::vector<PositionRow> rows = p.positions();
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[0].symbol, "AAPL");
    EXPECT_EQ(rows[1].symbol, "MSFT");
    EXPECT_EQ(rows[1].qty, sh("0"));
    EXPECT_EQ(rows[1].unrealized_pl, usd("0"));
    EXPECT_EQ(rows[2].symbol, "TSLA");
    PositionRow none = p.position("GOOG");
    EXPECT_EQ(none.symbol, "GOOG");
    EXPECT_EQ(none.qty, sh("0"));
}

TEST(Portfolio, NonPositiveQuantityIgnored) {
    Portfolio p;
    EXPECT_EQ(p.apply_fill("AAPL", Side::kBuy, sh("0"), px("10"), usd("1"), at(0)), usd("0"));
    EXPECT_EQ(p.apply_fill("AAPL", Side::kBuy, sh("-3"), px("10"), usd("1"), at(0)), usd("0"));
    EXPECT_TRUE(p.positions().empty());
    EXPECT_EQ(p.fees(), usd("0"));
}

}  // namespace
}  // namespace awet
