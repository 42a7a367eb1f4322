#include "awet/core/fixed.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace awet {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

int64_t raw_of(std::string_view text) {
    auto p = Price::parse(text);
    EXPECT_TRUE(p.has_value()) << text;
    return p ? p->raw() : -999;
}

TEST(FixedParse, AcceptsExactDecimals) {
    EXPECT_EQ(raw_of("258.640015"), 258'640'015);
    EXPECT_EQ(raw_of("-1.5"), -1'500'000);
    EXPECT_EQ(raw_of("+2"), 2'000'000);
    EXPECT_EQ(raw_of("100"), 100'000'000);
    EXPECT_EQ(raw_of("0.000001"), 1);
    EXPECT_EQ(raw_of("-0.000001"), -1);
    EXPECT_EQ(raw_of("0"), 0);
    EXPECT_EQ(raw_of("-0"), 0);
    EXPECT_EQ(raw_of(".5"), 500'000);
    EXPECT_EQ(raw_of("5."), 5'000'000);
    EXPECT_EQ(raw_of("007.25"), 7'250'000);
}

TEST(FixedParse, ExtraDecimalsOnlyIfZero) {
    EXPECT_EQ(raw_of("1.2345670"), 1'234'567);
    EXPECT_EQ(raw_of("1.500000000000"), 1'500'000);
    EXPECT_FALSE(Price::parse("1.2345671"));
    EXPECT_FALSE(Price::parse("0.0000005"));
}

TEST(FixedParse, RejectsGarbage) {
    for (const char* bad : {"", "-", "+", ".", "-.", "abc", "1.2.3", " 1", "1 ", "1e3", "1,5",
                            "--1", "0x10", "1-", "nan", "inf", "$5"}) {
        EXPECT_FALSE(Price::parse(bad)) << "'" << bad << "'";
    }
}

TEST(FixedParse, OverflowBoundaries) {
    EXPECT_EQ(raw_of("9223372036854.775807"), kMax);
    EXPECT_EQ(raw_of("-9223372036854.775808"), kMin);
    EXPECT_FALSE(Price::parse("9223372036854.775808"));
    EXPECT_FALSE(Price::parse("-9223372036854.775809"));
    EXPECT_FALSE(Price::parse("9223372036855"));
    EXPECT_FALSE(Price::parse("99999999999999999999999999999"));
}

TEST(FixedFormat, ShortestExactDecimal) {
    EXPECT_EQ(Price::from_raw(258'640'000).to_string(), "258.64");
    EXPECT_EQ(Price::from_raw(258'640'015).to_string(), "258.640015");
    EXPECT_EQ(Price::from_raw(-500'000).to_string(), "-0.5");
    EXPECT_EQ(Price::from_raw(100'000'000).to_string(), "100");
    EXPECT_EQ(Price::from_raw(1).to_string(), "0.000001");
    EXPECT_EQ(Price::from_raw(-1).to_string(), "-0.000001");
    EXPECT_EQ(Price::from_raw(0).to_string(), "0");
    EXPECT_EQ(Money::from_units(-42).to_string(), "-42");
    EXPECT_EQ(Price::from_raw(kMax).to_string(), "9223372036854.775807");
    EXPECT_EQ(Price::from_raw(kMin).to_string(), "-9223372036854.775808");
}

TEST(FixedFormat, RoundTripsThroughParse) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; ++i) {
        int64_t raw = static_cast<int64_t>(rng());
        if (i % 2 == 0) raw %= 1'000'000'000'000;  // also many realistic magnitudes
        auto back = Quantity::parse(Quantity::from_raw(raw).to_string());
        ASSERT_TRUE(back.has_value()) << raw;
        ASSERT_EQ(back->raw(), raw);
    }
}

TEST(FixedFormat, FromDoubleRoundsHalfAwayFromZero) {
    EXPECT_EQ(Price::from_double(258.64).raw(), 258'640'000);
    EXPECT_EQ(Price::from_double(-0.0000015).raw(), -2);
    EXPECT_DOUBLE_EQ(Price::from_raw(1'500'000).to_double(), 1.5);
    EXPECT_EQ(Price::from_raw(-2'500'000).units(), -2);
}

TEST(FixedArithmetic, Notional) {
    EXPECT_EQ(notional(*Price::parse("258.64"), Quantity::from_units(10)), *Money::parse("2586.4"));
    // 123456.789012 * 7654.321 = 944977892.727120852 -> .727121
    EXPECT_EQ(notional(*Price::parse("123456.789012"), *Quantity::parse("7654.321")),
              *Money::parse("944977892.727121"));
    // Half away from zero: 0.000001 * 0.5 = 0.0000005 -> 0.000001, and its negative.
    EXPECT_EQ(notional(Price::from_raw(1), *Quantity::parse("0.5")).raw(), 1);
    EXPECT_EQ(notional(Price::from_raw(1), *Quantity::parse("-0.5")).raw(), -1);
    EXPECT_EQ(notional(Price::from_raw(1), *Quantity::parse("0.4")).raw(), 0);
    EXPECT_EQ(notional(*Price::parse("-10.5"), Quantity::from_units(3)), *Money::parse("-31.5"));
}

TEST(FixedArithmetic, NotionalNeeds128BitIntermediate) {
    // 1,000,000 USD/share * 1,000,000 shares: raw product 1e24 overflows int64, result 1e12 USD
    // fits.
    Money m = notional(Price::from_units(1'000'000), Quantity::from_units(1'000'000));
    EXPECT_EQ(m, Money::from_units(1'000'000'000'000));
    EXPECT_EQ(m.raw(), 1'000'000'000'000'000'000);
    // Results beyond int64 saturate instead of wrapping.
    EXPECT_EQ(notional(Price::from_units(10'000'000), Quantity::from_units(10'000'000)).raw(),
              kMax);
    EXPECT_EQ(notional(Price::from_units(-10'000'000), Quantity::from_units(10'000'000)).raw(),
              kMin);
}

__extension__ typedef __int128 i128;

TEST(FixedArithmetic, NotionalFastPathAgreesWith128BitReference) {
    std::mt19937_64 rng(5);
    for (int i = 0; i < 200000; ++i) {
        // Magnitudes spread over the range where the product does and does not fit in 64 bits.
        const int shift_p = static_cast<int>(rng() % 40), shift_q = static_cast<int>(rng() % 40);
        int64_t p = static_cast<int64_t>(rng() >> (24 + shift_p % 24)) * ((rng() & 1) ? 1 : -1);
        int64_t q = static_cast<int64_t>(rng() >> (24 + shift_q % 24)) * ((rng() & 1) ? 1 : -1);
        const i128 prod = static_cast<i128>(p) * q;
        i128 ref = prod / kFixedScale;
        const i128 rem = prod % kFixedScale;
        if (2 * (rem < 0 ? -rem : rem) >= kFixedScale) ref += prod < 0 ? -1 : 1;
        if (ref > INT64_MAX || ref < INT64_MIN) continue;  // saturation is tested above
        ASSERT_EQ(notional(Price::from_raw(p), Quantity::from_raw(q)).raw(),
                  static_cast<int64_t>(ref))
            << p << " * " << q;
    }
}

TEST(FixedArithmetic, AveragePrice) {
    EXPECT_EQ(average_price(Money::from_units(100), Quantity::from_units(3)),
              *Price::parse("33.333333"));
    EXPECT_EQ(average_price(Money::from_units(200), Quantity::from_units(3)),
              *Price::parse("66.666667"));
    EXPECT_EQ(average_price(Money::from_units(-200), Quantity::from_units(3)),
              *Price::parse("-66.666667"));
    EXPECT_EQ(average_price(*Money::parse("2586.4"), Quantity::from_units(10)),
              *Price::parse("258.64"));
    EXPECT_EQ(average_price(Money::from_units(10), Quantity{}), Price{});
    // Large totals: 5e12 USD / 1e6 shares (the *1e6 scaling overflows int64 without 128 bits).
    EXPECT_EQ(average_price(Money::from_units(5'000'000'000'000), Quantity::from_units(1'000'000)),
              Price::from_units(5'000'000));
}

TEST(FixedArithmetic, WholeSharesAffordable) {
    EXPECT_EQ(whole_shares_affordable(Money::from_units(1000), *Price::parse("258.64")),
              Quantity::from_units(3));
    EXPECT_EQ(whole_shares_affordable(Money::from_units(1000), Price::from_units(250)),
              Quantity::from_units(4));
    EXPECT_EQ(whole_shares_affordable(*Money::parse("999.999999"), Price::from_units(250)),
              Quantity::from_units(3));
    EXPECT_EQ(whole_shares_affordable(Money::from_units(1000), Price{}), Quantity{});
    EXPECT_EQ(whole_shares_affordable(Money::from_units(1000), Price::from_units(-5)), Quantity{});
    EXPECT_EQ(whole_shares_affordable(Money::from_units(-1000), Price::from_units(5)), Quantity{});
}

TEST(FixedArithmetic, AdjustByBps) {
    EXPECT_EQ(adjust_by_bps(Price::from_units(100), 2), *Price::parse("100.02"));
    EXPECT_EQ(adjust_by_bps(*Price::parse("258.64"), -2), *Price::parse("258.588272"));
    EXPECT_EQ(adjust_by_bps(Price::from_units(100), 0), Price::from_units(100));
    EXPECT_EQ(adjust_by_bps(Price::from_raw(5), 1000).raw(), 6);    // 5.5 -> 6
    EXPECT_EQ(adjust_by_bps(Price::from_raw(-5), 1000).raw(), -6);  // -5.5 -> -6
    EXPECT_EQ(adjust_by_bps(Price::from_raw(5), 900).raw(), 5);     // 5.45 -> 5
}

TEST(FixedArithmetic, Scale) {
    EXPECT_EQ(scale(Money::from_units(10), 1, 3), *Money::parse("3.333333"));
    EXPECT_EQ(scale(Money::from_units(10), 2, 3), *Money::parse("6.666667"));
    EXPECT_EQ(scale(Money::from_units(10), 2, -3), *Money::parse("-6.666667"));
    EXPECT_EQ(scale(Money::from_raw(1), 1, 2).raw(), 1);
    EXPECT_EQ(scale(Money::from_raw(-1), 1, 2).raw(), -1);
    EXPECT_EQ(scale(Money::from_units(10), 1, 0), Money{});
    EXPECT_EQ(scale(Money::from_raw(kMax), kMax, kMax).raw(), kMax);
}

TEST(FixedArithmetic, OperatorsAndComparison) {
    Money a = *Money::parse("1.25");
    Money b = *Money::parse("0.75");
    EXPECT_EQ((a + b).to_string(), "2");
    EXPECT_EQ((b - a).to_string(), "-0.5");
    EXPECT_EQ((-a).abs(), a);
    EXPECT_LT(b, a);
}

}  // namespace
}  // namespace awet
