#pragma once
// Tail-loss estimates used by the CVaR gate (formulas in src/risk/README.md).
#include <cstddef>
#include <span>

#include "awet/model/events.hpp"

namespace awet {

/// Returns needed before the historical estimate is used at all.
inline constexpr size_t kMinReturnsForHistoricalCvar = 30;
/// Horizon of the gate, in 1-minute bars (the forecast's longest horizon).
inline constexpr int kCvarHorizonMinutes = 60;

/// Number of observations in the alpha tail of n: ceil(alpha * n) (alpha * n within 1e-9 of an
/// integer counts as that integer), at least 1, at most n. 0 when n == 0.
size_t cvar_tail_count(double alpha, size_t n);

/// Historical 1-bar CVaR of `returns` (log returns) for a position on `side`, as a positive loss
/// fraction: the mean of the worst cvar_tail_count(alpha, n) losses, where a long's loss is -r and
/// a short's is +r; clamped at 0. `scratch` must hold at least returns.size() values (it is
/// overwritten; no allocation happens here).
/// historical_cvar over values already sorted ascending (same result, O(k) instead of O(n log k)).
double historical_cvar_sorted(std::span<const double> sorted, Side side, double alpha);

double historical_cvar(std::span<const double> returns, Side side, double alpha,
                       std::span<double> scratch);

/// Forecast tail proxy over the 60-minute horizon: max(0, -q10_60) for a long,
/// max(0, q90_60) for a short; a NaN quantile gives 1.0 (treated as a total loss).
double forecast_tail_loss(const Prediction& p, Side side);

}  // namespace awet
