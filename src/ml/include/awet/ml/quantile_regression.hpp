#pragma once
// Linear quantile regression with an L2 (ridge) penalty on the slopes, fitted by the Hunter-Lange
// MM algorithm (iteratively reweighted least squares on a perturbed check loss). Offline
// (training); see src/ml/README.md for the derivation.
#include <cstddef>
#include <span>
#include <vector>

namespace awet {

/// Pinball (check) loss of forecasting quantile tau with q when y happened.
inline double pinball_loss(double y, double q, double tau) {
    const double r = y - q;
    return r >= 0 ? tau * r : (tau - 1.0) * r;
}

/// Settings of fit_quantile_regression().
struct QuantileFitOptions {
    double l2 =
        0.0;  // penalty (l2/2)|slopes|^2 added to the MEAN pinball loss of the scaled target
    int max_iter = 200;  // MM iterations at most
    double tol = 1e-6;   // stop when max |coef change| <= tol * (1 + max |coef|) (scaled target)
    double eps = 1e-4;   // perturbation of |r| in the weights 1/(eps + |r|), in scaled-target units
};

/// Result of fit_quantile_regression().
struct QuantileFit {
    std::vector<double> coef;  // intercept first, then one slope per column of x
    int iterations = 0;
    bool converged = false;
    double mean_loss = 0;  // mean pinball loss on the training data at the solution
};

/// Fits q_tau(y | x) = coef[0] + sum_j coef[j+1] x_j. `x` is row-major, y.size() rows of `p`
/// columns. The target is scaled internally by its mean absolute deviation so that `l2`, `eps` and
/// `tol` do not depend on the units of y. Deterministic. Requires y non-empty and x.size() == n*p.
QuantileFit fit_quantile_regression(std::span<const double> x, size_t p, std::span<const double> y,
                                    double tau, const QuantileFitOptions& options);

/// The tau-quantile of values (linear interpolation between order statistics, numpy's default).
/// Requires values non-empty.
double empirical_quantile(std::vector<double> values, double tau);

}  // namespace awet
