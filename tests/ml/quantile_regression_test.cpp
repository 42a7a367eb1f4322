// The Hunter-Lange MM quantile regression recovers known conditional quantiles and is optimal.
#include "awet/ml/quantile_regression.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace awet {
namespace {

constexpr double kZ90 = 1.2815515655446004;  // standard normal 0.9 quantile

double mean_pinball(const std::vector<double>& x, size_t p, const std::vector<double>& y,
                    const std::vector<double>& coef, double tau) {
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        double q = coef[0];
        for (size_t j = 0; j < p; ++j) q += coef[j + 1] * x[i * p + j];
        s += pinball_loss(y[i], q, tau);
    }
    return s / static_cast<double>(y.size());
}

TEST(PinballLoss, HandValues) {
    EXPECT_DOUBLE_EQ(pinball_loss(1.0, 0.0, 0.1), 0.1);
    EXPECT_DOUBLE_EQ(pinball_loss(-1.0, 0.0, 0.1), 0.9);
    EXPECT_DOUBLE_EQ(pinball_loss(2.0, 0.5, 0.9), 0.9 * 1.5);
    EXPECT_DOUBLE_EQ(pinball_loss(0.5, 0.5, 0.5), 0.0);
}

TEST(EmpiricalQuantile, MatchesNumpyLinearInterpolation) {
    const std::vector<double> v = {5, 1, 4, 2, 3};
    EXPECT_DOUBLE_EQ(empirical_quantile(v, 0.1), 1.4);
    EXPECT_DOUBLE_EQ(empirical_quantile(v, 0.5), 3.0);
    EXPECT_DOUBLE_EQ(empirical_quantile(v, 0.9), 4.6);
    EXPECT_DOUBLE_EQ(empirical_quantile({7.0}, 0.9), 7.0);
}

TEST(QuantileRegression, RecoversLineWithNormalNoise) {
    // y = 1 + 2 x + N(0, 1): q_tau(y|x) = 1 + z_tau + 2 x.
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> ux(0.0, 10.0);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<double> x, y;
    for (int i = 0; i < 20000; ++i) {
        x.push_back(ux(rng));
        y.push_back(1.0 + 2.0 * x.back() + noise(rng));
    }
    QuantileFitOptions o;
    const auto q50 = fit_quantile_regression(x, 1, y, 0.5, o);
    const auto q10 = fit_quantile_regression(x, 1, y, 0.1, o);
    const auto q90 = fit_quantile_regression(x, 1, y, 0.9, o);
    EXPECT_TRUE(q50.converged && q10.converged && q90.converged);
    EXPECT_NEAR(q50.coef[1], 2.0, 0.02);
    EXPECT_NEAR(q50.coef[0], 1.0, 0.08);
    EXPECT_NEAR(q10.coef[1], 2.0, 0.03);
    EXPECT_NEAR(q10.coef[0], 1.0 - kZ90, 0.1);
    EXPECT_NEAR(q90.coef[1], 2.0, 0.03);
    EXPECT_NEAR(q90.coef[0], 1.0 + kZ90, 0.1);
}

TEST(QuantileRegression, RecoversQuantileSpecificSlopesWithHeteroscedasticUniformNoise) {
    // y = 1 + 2 x + (0.5 + 0.5 x) u, u ~ U(-1, 1): q_tau = (1 + 0.5 (2tau-1)) + (2 + 0.5 (2tau-1))
    // x, i.e. q10 = 0.6 + 1.6 x, q50 = 1 + 2 x, q90 = 1.4 + 2.4 x. Least squares could not tell
    // these apart.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> ux(0.0, 4.0), uu(-1.0, 1.0);
    std::vector<double> x, y;
    for (int i = 0; i < 20000; ++i) {
        x.push_back(ux(rng));
        y.push_back(1.0 + 2.0 * x.back() + (0.5 + 0.5 * x.back()) * uu(rng));
    }
    QuantileFitOptions o;
    const struct {
        double tau, a, b;
    } cases[] = {{0.1, 0.6, 1.6}, {0.5, 1.0, 2.0}, {0.9, 1.4, 2.4}};
    for (const auto& c : cases) {
        const auto fit = fit_quantile_regression(x, 1, y, c.tau, o);
        EXPECT_TRUE(fit.converged) << c.tau;
        EXPECT_NEAR(fit.coef[0], c.a, 0.03) << c.tau;
        EXPECT_NEAR(fit.coef[1], c.b, 0.02) << c.tau;
    }
}

TEST(QuantileRegression, SolutionIsAMinimumOfThePinballLoss) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> n01(0.0, 1.0);
    std::exponential_distribution<double> expo(1.0);
    const size_t p = 3;
    std::vector<double> x, y;
    for (int i = 0; i < 500; ++i) {
        const double a = n01(rng), b = n01(rng), c = n01(rng);
        x.insert(x.end(), {a, b, c});
        y.push_back(0.5 - a + 0.3 * b + expo(rng));
    }
    for (double tau : {0.1, 0.5, 0.9}) {
        QuantileFitOptions o;
        o.eps = 1e-8;
        o.tol = 1e-10;
        o.max_iter = 2000;
        const auto fit = fit_quantile_regression(x, p, y, tau, o);
        const double best = mean_pinball(x, p, y, fit.coef, tau);
        EXPECT_NEAR(fit.mean_loss, best, 1e-12);
        for (size_t j = 0; j <= p; ++j) {
            for (double d : {-1e-3, 1e-3}) {
                auto c = fit.coef;
                c[j] += d;
                EXPECT_GE(mean_pinball(x, p, y, c, tau), best - 1e-9)
                    << "tau " << tau << " coef " << j;
            }
        }
    }
}

TEST(QuantileRegression, InterceptOnlyFitIsTheSampleQuantile) {
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> d(0.0, 1.0);
    std::vector<double> y;
    for (int i = 0; i < 1001; ++i) y.push_back(d(rng));
    for (double tau : {0.1, 0.5, 0.9}) {
        QuantileFitOptions o;
        o.eps = 1e-9;
        o.tol = 1e-12;
        o.max_iter = 5000;
        const auto fit = fit_quantile_regression({}, 0, y, tau, o);
        // With n = 1001 the tau-quantile is the order statistic at tau * 1000 exactly.
        EXPECT_NEAR(fit.coef[0], empirical_quantile(y, tau), 1e-4) << tau;
    }
}

TEST(QuantileRegression, ScaleEquivariantDeterministicAndShrunkByL2) {
    std::mt19937_64 rng(5);
    std::normal_distribution<double> n01(0.0, 1.0);
    std::vector<double> x, y, y1000;
    for (int i = 0; i < 3000; ++i) {
        x.push_back(n01(rng));
        y.push_back(0.001 * (0.2 + 0.5 * x.back() + n01(rng)));
        y1000.push_back(y.back() * 1000);
    }
    QuantileFitOptions o;
    const auto a = fit_quantile_regression(x, 1, y, 0.9, o);
    const auto b = fit_quantile_regression(x, 1, y1000, 0.9, o);
    EXPECT_NEAR(b.coef[0], a.coef[0] * 1000, 1e-6);
    EXPECT_NEAR(b.coef[1], a.coef[1] * 1000, 1e-6);
    const auto again = fit_quantile_regression(x, 1, y, 0.9, o);
    EXPECT_EQ(again.coef, a.coef);
    EXPECT_EQ(again.iterations, a.iterations);
    o.l2 = 1.0;
    const auto shrunk = fit_quantile_regression(x, 1, y, 0.9, o);
    EXPECT_LT(std::fabs(shrunk.coef[1]), 0.5 * std::fabs(a.coef[1]));
    EXPECT_GT(shrunk.coef[1], 0.0);
}

}  // namespace
}  // namespace awet
