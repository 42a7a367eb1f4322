#include "awet/ml/quantile_regression.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "awet/core/result.hpp"

namespace awet {

QuantileFit fit_quantile_regression(std::span<const double> x, size_t p, std::span<const double> y,
                                    double tau, const QuantileFitOptions& options) {
    const auto n = static_cast<Eigen::Index>(y.size());
    AWET_CHECK(n > 0);
    AWET_CHECK(x.size() == y.size() * p);
    const auto k = static_cast<Eigen::Index>(p + 1);

    Eigen::MatrixXd X(n, k);
    X.col(0).setOnes();
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 1; j < k; ++j) X(i, j) = x[static_cast<size_t>(i) * p + (j - 1)];
    }
    // Scale the target so that eps, tol and l2 are unit-free.
    Eigen::VectorXd Y = Eigen::Map<const Eigen::VectorXd>(y.data(), n);
    const double mean_y = Y.mean();
    double scale = (Y.array() - mean_y).abs().mean();
    if (!(scale > 0) || !std::isfinite(scale)) scale = 1.0;
    Y /= scale;

    // Penalty: (X'WX + P) b = X'W y + (2 tau - 1) X'1 with P = 2 n l2 on the slopes (not the
    // intercept), plus a tiny ridge that keeps a constant column from making the system singular.
    const double ridge = 2.0 * static_cast<double>(n) * options.l2;
    Eigen::VectorXd penalty = Eigen::VectorXd::Constant(k, ridge + 1e-12 * static_cast<double>(n));
    penalty(0) = 0.0;
    const Eigen::VectorXd ones_t_x = X.transpose() * Eigen::VectorXd::Ones(n);

    // Start from the ridge least-squares fit.
    Eigen::MatrixXd A = X.transpose() * X;
    A.diagonal() += penalty;
    Eigen::VectorXd b = A.ldlt().solve(X.transpose() * Y);

    QuantileFit fit;
    Eigen::VectorXd w(n);
    Eigen::MatrixXd WX(n, k);
    for (int it = 1; it <= options.max_iter; ++it) {
        const Eigen::VectorXd r = Y - X * b;
        w = (options.eps + r.array().abs()).inverse();
        WX = X.array().colwise() * w.array();
        A.noalias() = X.transpose() * WX;
        A.diagonal() += penalty;
        const Eigen::VectorXd rhs = WX.transpose() * Y + (2.0 * tau - 1.0) * ones_t_x;
        const Eigen::VectorXd next = A.ldlt().solve(rhs);
        if (!next.allFinite()) break;  // keep the last finite iterate
        const double change = (next - b).cwiseAbs().maxCoeff();
        const double size = b.cwiseAbs().maxCoeff();
        b = next;
        fit.iterations = it;
        if (change <= options.tol * (1.0 + size)) {
            fit.converged = true;
            break;
        }
    }

    b *= scale;
    fit.coef.assign(b.data(), b.data() + k);
    double loss = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        loss += pinball_loss(y[static_cast<size_t>(i)], X.row(i).dot(b), tau);
    }
    fit.mean_loss = loss / static_cast<double>(n);
    return fit;
}

double empirical_quantile(std::vector<double> values, double tau) {
    AWET_CHECK(!values.empty());
    std::sort(values.begin(), values.end());
    const double pos = tau * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return values[lo] + frac * (values[hi] - values[lo]);
}

}  // namespace awet
