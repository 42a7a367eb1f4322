// The indicator kernels against published reference values (TA-Lib via ta-lib-python's tests,
// Tulip Indicators' test vectors incl. Achelis' "Technical Analysis from A to Z", StockCharts'
// RSI example) and against naive recomputation on a long random walk.
#include "awet/features/indicators.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "awet_test_support.hpp"
#include "reference_data.hpp"

namespace awet {
namespace {

using testing::shared_data;
using testing::tulip_case;

template <typename Kernel>
std::vector<double> run(const std::vector<double>& input) {
    Kernel k;
    std::vector<double> out;
    for (double v : input) {
        k.push(v);
        out.push_back(k.value());
    }
    return out;
}

/// Tulip outputs are aligned to the end of the input; the warm-up part must be NaN here.
void expect_tulip(const std::vector<double>& ours, const std::vector<double>& expected,
                  double tolerance, const std::string& what) {
    ASSERT_GE(ours.size(), expected.size()) << what;
    const size_t skip = ours.size() - expected.size();
    for (size_t i = 0; i < skip; ++i) EXPECT_TRUE(std::isnan(ours[i])) << what << " at " << i;
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_NEAR(ours[skip + i], expected[i], tolerance) << what << " at " << skip + i;
    }
}

nlohmann::json talib_expected() {
    std::ifstream in(shared_data() / "reference/ta-lib-python/expected_values.json");
    return nlohmann::json::parse(in);
}

const nlohmann::json& talib_case(const nlohmann::json& all, const std::string& function) {
    for (const auto& c : all["cases"]) {
        if (c["function"] == function) return c;
    }
    static const nlohmann::json none;
    return none;
}

TEST(WilderRsi, MatchesTaLibRsi10OnTinyPrices) {
    const auto all = talib_expected();
    const auto& c = talib_case(all, "RSI");
    ASSERT_FALSE(c.is_null());
    const auto input = c["input"].get<std::vector<double>>();
    const auto& expected = c["expected"];
    ASSERT_EQ(input.size(), expected.size());
    const auto ours = run<WilderRsi<10>>(input);
    std::vector<double> scaled_input;
    for (double v : input) scaled_input.push_back(v * 100000);
    const auto scaled = run<WilderRsi<10>>(scaled_input);
    for (size_t i = 0; i < input.size(); ++i) {
        if (expected[i].is_null()) {
            EXPECT_TRUE(std::isnan(ours[i])) << i;
            continue;
        }
        EXPECT_NEAR(ours[i], expected[i].get<double>(), 1e-9) << i;
        EXPECT_NEAR(scaled[i], expected[i].get<double>(), 1e-9) << i;
    }
    // The first value comes after exactly 10 changes (11th price).
    EXPECT_TRUE(std::isnan(ours[9]));
    EXPECT_FALSE(std::isnan(ours[10]));
}

TEST(WilderRsi, MatchesTulipRsi5) {
    // Tulip's RSI is Wilder's with a simple-average seed, like TA-Lib.
    auto atoz = tulip_case("atoz.txt", "rsi 5");
    ASSERT_EQ(atoz.size(), 2U);
    expect_tulip(run<WilderRsi<5>>(atoz[0]), atoz[1], 5e-4, "atoz rsi 5");
    auto un = tulip_case("untest.txt", "rsi 5");
    ASSERT_EQ(un.size(), 2U);
    expect_tulip(run<WilderRsi<5>>(un[0]), un[1], 5e-4, "untest rsi 5");
}

TEST(WilderRsi, MatchesStockChartsRsi14Example) {
    // StockCharts ChartSchool RSI example (the close column of bukosabino/ta's cs-rsi.csv); the
    // published RSI column of ChartSchool starts 70.53 on 2010-01-05. The `RSI` column of the CSV
    // itself follows the ta library's EWM-from-the-start convention (71.86) and is NOT used.
    const auto close = testing::csv_column(
        (shared_data() / "reference/bukosabino-ta/test/data/cs-rsi.csv").string(), "Close");
    ASSERT_GE(close.size(), 30U);
    const auto ours = run<WilderRsi<14>>(close);
    for (int i = 0; i < 14; ++i) EXPECT_TRUE(std::isnan(ours[i])) << i;
    const std::vector<double> published = {70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26,
                                           56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46};
    for (size_t k = 0; k < published.size(); ++k) {
        EXPECT_NEAR(ours[14 + k], published[k], 0.005) << "row " << 14 + k;
    }
}

TEST(WilderRsi, FlatSeriesIsZeroLikeTaLibAndExtremesAre0And100) {
    const auto flat = run<WilderRsi<3>>({5, 5, 5, 5, 5, 5});
    EXPECT_TRUE(std::isnan(flat[2]));
    EXPECT_EQ(flat[3], 0.0);
    EXPECT_EQ(flat[5], 0.0);
    const auto up = run<WilderRsi<3>>({1, 2, 3, 4, 5});
    EXPECT_EQ(up[3], 100.0);
    EXPECT_EQ(up[4], 100.0);
    const auto down = run<WilderRsi<3>>({5, 4, 3, 2, 1});
    EXPECT_EQ(down[3], 0.0);
}

TEST(WilderRsi, HandComputedWilderStep) {
    // changes +2, -1, +1 -> avg gain 1, avg loss 1/3 -> 75; next change -2: gain (1*2+0)/3 = 2/3,
    // loss (1/3*2+2)/3 = 8/9 -> 100 * (2/3) / (2/3 + 8/9) = 42.857142...
    const auto r = run<WilderRsi<3>>({10, 12, 11, 12, 10});
    EXPECT_NEAR(r[3], 75.0, 1e-12);
    EXPECT_NEAR(r[4], 100.0 * (2.0 / 3.0) / (2.0 / 3.0 + 8.0 / 9.0), 1e-12);
}

TEST(Sma, MatchesTulipSma5) {
    auto atoz = tulip_case("atoz.txt", "sma 5");
    ASSERT_EQ(atoz.size(), 2U);
    expect_tulip(run<Sma<5>>(atoz[0]), atoz[1], 5e-4, "atoz sma 5");
    auto un = tulip_case("untest.txt", "sma 5");
    ASSERT_EQ(un.size(), 2U);
    expect_tulip(run<Sma<5>>(un[0]), un[1], 5e-4, "untest sma 5");
}

TEST(Ema, SeededWithSmaThenAlpha) {
    // EMA(3): k = 0.5; seed at the 3rd value = mean(1,2,3) = 2; then 2 + 0.5*(4-2) = 3, 3 +
    // 0.5*(10-3).
    const auto e = run<Ema<3>>({1, 2, 3, 4, 10});
    EXPECT_TRUE(std::isnan(e[0]));
    EXPECT_TRUE(std::isnan(e[1]));
    EXPECT_DOUBLE_EQ(e[2], 2.0);
    EXPECT_DOUBLE_EQ(e[3], 3.0);
    EXPECT_DOUBLE_EQ(e[4], 6.5);
}

TEST(Ema, MatchesTaLibEma20ViaBbandsMiddle) {
    // ta-lib-python test_BBANDS: BBANDS(series, 20, 2, 2, matype=EMA); middle = EMA(20) seeded with
    // the SMA; upper/lower = middle -/+ 2 * STDDEV(20) (population).
    const auto all = talib_expected();
    const auto series = all["series"]["values"].get<std::vector<double>>();
    const auto& c = talib_case(all, "BBANDS");
    ASSERT_FALSE(c.is_null());
    const auto ema = run<Ema<20>>(series);
    const auto sd = run<RollingStdDev<20>>(series);
    EXPECT_TRUE(std::isnan(ema[18]));
    ASSERT_FALSE(std::isnan(ema[19]));  // first valid index i = 19
    int checked = 0;
    for (const auto& check : c["checks"]) {
        const size_t i = 19 + check["offset"].get<size_t>();
        const double expected = check["expected"].get<double>();
        const double tol = check["tolerance"].get<double>();
        const std::string out = check["output"];
        if (out == "middle") {
            EXPECT_NEAR(ema[i], expected, tol) << "middle at " << i;
            ++checked;
        } else if (out == "lower") {
            EXPECT_NEAR(ema[i] - 2.0 * sd[i], expected, tol) << "lower at " << i;
            ++checked;
        }
        // "upper" is not asserted upstream either (see the JSON's "why").
    }
    EXPECT_EQ(checked, 4);
}

TEST(Ema, MatchesTaLibDema30) {
    // DEMA = 2 EMA - EMA(EMA), each EMA seeded with an SMA: first value at 2 * (30 - 1) = 58.
    const auto all = talib_expected();
    const auto series = all["series"]["values"].get<std::vector<double>>();
    const auto& c = talib_case(all, "DEMA");
    ASSERT_FALSE(c.is_null());
    Ema<30> e1, e2;
    std::vector<double> dema;
    for (double v : series) {
        e1.push(v);
        if (e1.valid()) e2.push(e1.value());
        dema.push_back(e2.valid() ? 2 * e1.value() - e2.value() : kNaN);
    }
    EXPECT_TRUE(std::isnan(dema[57]));
    ASSERT_FALSE(std::isnan(dema[58]));
    for (const auto& check : c["checks"]) {
        const size_t i = 58 + check["offset"].get<size_t>();
        EXPECT_NEAR(dema[i], check["expected"].get<double>(), check["tolerance"].get<double>())
            << i;
    }
}

TEST(RollingStdDev, MatchesTulipPopulationStddev) {
    auto un = tulip_case("untest.txt", "stddev 5");
    ASSERT_EQ(un.size(), 2U);
    expect_tulip(run<RollingStdDev<5>>(un[0]), un[1], 5e-4, "untest stddev 5");
    auto atoz = tulip_case("atoz.txt", "stddev 5");
    ASSERT_EQ(atoz.size(), 2U);
    expect_tulip(run<RollingStdDev<5>>(atoz[0]), atoz[1], 5e-5, "atoz stddev 5");
    auto extra = tulip_case("extra.txt", "stddev 3");
    ASSERT_EQ(extra.size(), 2U);
    expect_tulip(run<RollingStdDev<3>>(extra[0]), extra[1], 1e-8, "extra stddev 3");
}

TEST(RollingStdDev, OfSimpleReturnsMatchesTulipVolatilityTimesSqrt252) {
    // Tulip's volatility = population stddev of the last n simple returns, annualised by sqrt(252):
    // the definition of volatility_20 without the annualisation.
    for (const auto& [file, header, tol] : {std::tuple{"untest.txt", "volatility 5", 5e-4},
                                            std::tuple{"extra.txt", "volatility 3", 1e-8}}) {
        auto c = tulip_case(file, header);
        ASSERT_EQ(c.size(), 2U) << header;
        std::vector<double> returns;
        for (size_t i = 1; i < c[0].size(); ++i) returns.push_back(c[0][i] / c[0][i - 1] - 1.0);
        auto vol = header == std::string("volatility 5") ? run<RollingStdDev<5>>(returns)
                                                         : run<RollingStdDev<3>>(returns);
        for (double& v : vol) v *= std::sqrt(252.0);
        expect_tulip(vol, c[1], tol, header);
    }
}

TEST(History, LaggedRatioMatchesTulipRocAndRocr) {
    auto roc = tulip_case("untest.txt", "roc 5");
    auto rocr = tulip_case("untest.txt", "rocr 5");
    ASSERT_EQ(roc.size(), 2U);
    ASSERT_EQ(rocr.size(), 2U);
    History<16> h;
    std::vector<double> ours;
    for (double v : roc[0]) {
        h.push(v);
        ours.push_back(h.count() > 5 ? v / h.ago(5) - 1.0 : kNaN);
    }
    expect_tulip(ours, roc[1], 5e-4, "roc 5");
    for (double& v : ours) v += 1.0;
    expect_tulip(ours, rocr[1], 5e-4, "rocr 5");
    auto extra = tulip_case("extra.txt", "roc 3");
    ASSERT_EQ(extra.size(), 2U);
    History<4> h3;
    std::vector<double> ours3;
    for (double v : extra[0]) {
        h3.push(v);
        ours3.push_back(h3.count() > 3 ? v / h3.ago(3) - 1.0 : kNaN);
    }
    expect_tulip(ours3, extra[1], 5e-5, "extra roc 3");
}

// --- numerical stability over long series --------------------------------------------------

TEST(Stability, SlidingWindowsMatchNaiveRecomputationOver100kRandomWalkCloses) {
    std::mt19937_64 rng(20260312);
    std::normal_distribution<double> step(0.0, 0.001);
    std::vector<double> closes;
    double c = 250.0;
    for (int i = 0; i < 100'000; ++i) {
        c *= std::exp(step(rng));
        closes.push_back(c);
    }
    Sma<20> sma;
    RollingStdDev<20> sd_close;
    RollingStdDev<20> sd_ret;
    std::vector<double> returns;
    double max_sma_rel = 0, max_sd_close_rel = 0, max_sd_ret_rel = 0;
    for (size_t i = 0; i < closes.size(); ++i) {
        sma.push(closes[i]);
        sd_close.push(closes[i]);
        if (i > 0) {
            returns.push_back(closes[i] / closes[i - 1] - 1.0);
            sd_ret.push(returns.back());
        }
        if (i % 7 != 0 || i < 21) continue;  // check a spread of positions (every wrap phase)
        auto naive = [](const double* first, int n, double& mean, double& sd) {
            double s = 0;
            for (int k = 0; k < n; ++k) s += first[k];
            mean = s / n;
            double q = 0;
            for (int k = 0; k < n; ++k) q += (first[k] - mean) * (first[k] - mean);
            sd = std::sqrt(q / n);
        };
        double m = 0, s = 0;
        naive(&closes[i - 19], 20, m, s);
        max_sma_rel = std::max(max_sma_rel, std::fabs(sma.value() - m) / m);
        max_sd_close_rel = std::max(max_sd_close_rel, std::fabs(sd_close.value() - s) / s);
        naive(&returns[returns.size() - 20], 20, m, s);
        max_sd_ret_rel = std::max(max_sd_ret_rel, std::fabs(sd_ret.value() - s) / s);
    }
    EXPECT_LT(max_sma_rel, 1e-14);
    EXPECT_LT(max_sd_close_rel, 1e-9);
    EXPECT_LT(max_sd_ret_rel, 1e-11);
}

TEST(Stability, LargeLevelSmallMovesKeepStddevAccurate) {
    // Mean 1e6 with unit moves: the sum-of-squares formula would lose ~12 digits here.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    RollingStdDev<20> sd;
    std::vector<double> xs;
    for (int i = 0; i < 50'000; ++i) {
        xs.push_back(1e6 + u(rng));
        sd.push(xs.back());
    }
    double m = 0;
    for (size_t k = xs.size() - 20; k < xs.size(); ++k) m += xs[k];
    m /= 20;
    double q = 0;
    for (size_t k = xs.size() - 20; k < xs.size(); ++k) q += (xs[k] - m) * (xs[k] - m);
    EXPECT_NEAR(sd.value(), std::sqrt(q / 20), 1e-8);
}

}  // namespace
}  // namespace awet
