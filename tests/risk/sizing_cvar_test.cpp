#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "awet/risk/cvar.hpp"
#include "awet/risk/sizing.hpp"

namespace awet {
namespace {

Price P(const char* s) { return *Price::parse(s); }
Money M(const char* s) { return *Money::parse(s); }
Quantity Q(int64_t n) { return Quantity::from_units(n); }

TEST(SizeOrder, SeedExample) {
    // Seed §6.3: qty = min($1000 / $175, 100) = 5.
    EXPECT_EQ(size_order(M("1000"), P("175"), Q(100)), Q(5));
}

TEST(SizeOrder, CappedByMaxQty) {
    EXPECT_EQ(size_order(M("1000"), P("5"), Q(100)), Q(100));   // 200 affordable
    EXPECT_EQ(size_order(M("1000"), P("10"), Q(100)), Q(100));  // exactly 100
    EXPECT_EQ(size_order(M("1000"), P("10.01"), Q(100)), Q(99));
}

TEST(SizeOrder, FloorsToWholeShares) {
    EXPECT_EQ(size_order(M("1000"), P("333.34"), Q(100)), Q(2));
    EXPECT_EQ(size_order(M("1000"), P("333.333333"), Q(100)), Q(3));
    EXPECT_EQ(size_order(M("1000"), P("1000"), Q(100)), Q(1));
}

TEST(SizeOrder, PriceAboveBudgetOrInvalidGivesZero) {
    EXPECT_EQ(size_order(M("1000"), P("1000.01"), Q(100)), Q(0));
    EXPECT_EQ(size_order(M("1000"), P("0"), Q(100)), Q(0));
    EXPECT_EQ(size_order(M("1000"), P("-5"), Q(100)), Q(0));
    EXPECT_EQ(size_order(M("0"), P("5"), Q(100)), Q(0));
}

TEST(Cvar, TailCount) {
    EXPECT_EQ(cvar_tail_count(0.10, 0), 0U);
    EXPECT_EQ(cvar_tail_count(0.10, 30), 3U);  // 0.1 * 30 = 3.0000000000000004 in doubles
    EXPECT_EQ(cvar_tail_count(0.10, 390), 39U);
    EXPECT_EQ(cvar_tail_count(0.10, 31), 4U);  // ceil(3.1)
    EXPECT_EQ(cvar_tail_count(0.10, 5), 1U);   // ceil(0.5)
    EXPECT_EQ(cvar_tail_count(0.01, 10), 1U);  // at least one
    EXPECT_EQ(cvar_tail_count(1.0, 10), 10U);
    EXPECT_EQ(cvar_tail_count(2.0, 10), 10U);  // at most n
}

TEST(Cvar, HistoricalMeanOfWorstTail) {
    const std::vector<double> r = {0.01, -0.03, 0.0, 0.02, -0.01, 0.005, -0.02, 0.03, 0.0, 0.001};
    std::vector<double> scratch(r.size());
    // Long: losses are -r -> worst: 0.03, 0.02, 0.01, ...
    EXPECT_DOUBLE_EQ(historical_cvar(r, Side::kBuy, 0.10, scratch), 0.03);   // k = 1
    EXPECT_DOUBLE_EQ(historical_cvar(r, Side::kBuy, 0.20, scratch), 0.025);  // k = 2
    EXPECT_DOUBLE_EQ(historical_cvar(r, Side::kBuy, 0.25, scratch), 0.02);   // k = ceil(2.5) = 3
    // Short: losses are +r -> worst: 0.03, 0.02, 0.01.
    EXPECT_DOUBLE_EQ(historical_cvar(r, Side::kSell, 0.20, scratch), 0.025);
    EXPECT_DOUBLE_EQ(historical_cvar(r, Side::kSell, 0.30, scratch), 0.02);
}

TEST(Cvar, SortedFormEqualsTheSelectionForm) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> normal(0.0, 0.001);
    for (size_t n : {1u, 7u, 30u, 390u}) {
        std::vector<double> r(n);
        for (auto& x : r) x = normal(rng);
        std::vector<double> sorted = r, scratch(n);
        std::sort(sorted.begin(), sorted.end());
        for (Side side : {Side::kBuy, Side::kSell}) {
            EXPECT_NEAR(historical_cvar_sorted(sorted, side, 0.1),
                        historical_cvar(r, side, 0.1, scratch), 1e-15)
                << n;
        }
    }
}

TEST(Cvar, HistoricalClampedAtZeroWhenTailIsAGain) {
    const std::vector<double> r = {0.01, 0.02, 0.03};
    std::vector<double> scratch(r.size());
    EXPECT_EQ(historical_cvar(r, Side::kBuy, 0.34, scratch), 0.0);
    EXPECT_DOUBLE_EQ(historical_cvar(r, Side::kSell, 0.34, scratch), 0.025);  // k = 2
    EXPECT_EQ(historical_cvar({}, Side::kBuy, 0.1, scratch), 0.0);
}

TEST(Cvar, ForecastTailUsesSixtyMinuteQuantiles) {
    Prediction p;
    p.horizons[0] = {-0.5, 0.0, 0.5};  // 30 min: ignored
    p.horizons[2] = {-0.012, 0.001, 0.015};
    EXPECT_DOUBLE_EQ(forecast_tail_loss(p, Side::kBuy), 0.012);
    EXPECT_DOUBLE_EQ(forecast_tail_loss(p, Side::kSell), 0.015);
    p.horizons[2] = {0.002, 0.004, -0.001};  // lower quantile already a gain for a long
    EXPECT_EQ(forecast_tail_loss(p, Side::kBuy), 0.0);
    EXPECT_EQ(forecast_tail_loss(p, Side::kSell), 0.0);
    p.horizons[2].q10 = std::nan("");
    EXPECT_EQ(forecast_tail_loss(p, Side::kBuy), 1.0);
}

}  // namespace
}  // namespace awet
