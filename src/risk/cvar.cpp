#include "awet/risk/cvar.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace awet {

size_t cvar_tail_count(double alpha, size_t n) {
    if (n == 0) return 0;
    if (!(alpha > 0)) return 1;
    double x = alpha * static_cast<double>(n);
    double nearest = std::round(x);
    double k = std::abs(x - nearest) < 1e-9 ? nearest : std::ceil(x);
    if (k < 1) return 1;
    if (k > static_cast<double>(n)) return n;
    return static_cast<size_t>(k);
}

double historical_cvar(std::span<const double> returns, Side side, double alpha,
                       std::span<double> scratch) {
    const size_t n = returns.size();
    if (n == 0 || scratch.size() < n) return 0.0;
    const double sign = side == Side::kBuy ? -1.0 : 1.0;
    for (size_t i = 0; i < n; ++i) scratch[i] = sign * returns[i];
    const size_t k = cvar_tail_count(alpha, n);
    auto first = scratch.begin();
    std::partial_sort(first, first + static_cast<std::ptrdiff_t>(k),
                      first + static_cast<std::ptrdiff_t>(n), std::greater<double>());
    double sum = 0;
    for (size_t i = 0; i < k; ++i) sum += scratch[i];
    double cvar = sum / static_cast<double>(k);
    return cvar > 0 ? cvar : 0.0;
}

double historical_cvar_sorted(std::span<const double> sorted, Side side, double alpha) {
    const size_t n = sorted.size();
    if (n == 0) return 0.0;
    const size_t k = cvar_tail_count(alpha, n);
    double sum = 0;
    if (side == Side::kBuy) {
        for (size_t i = 0; i < k; ++i)
            sum -= sorted[i];  // the k lowest returns are a long's losses
    } else {
        for (size_t i = n - k; i < n; ++i) sum += sorted[i];  // the k highest are a short's
    }
    const double cvar = sum / static_cast<double>(k);
    return cvar > 0 ? cvar : 0.0;
}

double forecast_tail_loss(const Prediction& p, Side side) {
    const QuantileForecast& h = p.horizons[kNumHorizons - 1];  // 60 minutes
    double tail = side == Side::kBuy ? -h.q10 : h.q90;
    if (std::isnan(tail)) return 1.0;  // an unusable forecast counts as a total loss
    return tail > 0 ? tail : 0.0;
}

}  // namespace awet
