#include "awet/ml/input_transform.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace awet {

namespace {

/// sin and cos of the session phase of the last minute_of_day seen on this thread. All symbols of
/// a minute share it, so the sincos call (one of the costlier steps per prediction) runs about
/// once per minute instead of once per bar. A pure memo (same input bits, same outputs), so the
/// inputs are bit-for-bit those of computing it every time.
struct PhaseCache {
    double minute = std::numeric_limits<double>::quiet_NaN();  // NaN never compares equal
    double sin = 0;
    double cos = 0;
};

}  // namespace

std::optional<InputVector> transform_inputs(const FeatureVector& fv) {
    if (!fv.complete()) return std::nullopt;
    const double close = fv.close.to_double();
    const double sma5 = fv.get(Feature::kSma5);
    const double sma20 = fv.get(Feature::kSma20);
    const double ema5 = fv.get(Feature::kEma5);
    const double ema20 = fv.get(Feature::kEma20);
    if (!(close > 0 && sma5 > 0 && sma20 > 0 && ema5 > 0 && ema20 > 0)) return std::nullopt;
    thread_local PhaseCache phase_cache;
    const double minute = fv.get(Feature::kMinuteOfDay);
    if (!(minute == phase_cache.minute)) {
        const double phase =
            2.0 * std::numbers::pi * (minute - kSessionOpenMinute) / kSessionMinutes;
        phase_cache = PhaseCache{minute, std::sin(phase), std::cos(phase)};
    }
    const InputVector x = {
        fv.get(Feature::kRsi14) / 100.0 - 0.5,
        close / sma5 - 1.0,
        close / sma20 - 1.0,
        close / ema5 - 1.0,
        close / ema20 - 1.0,
        fv.get(Feature::kReturns1),
        fv.get(Feature::kReturns5),
        fv.get(Feature::kReturns15),
        fv.get(Feature::kVolatility20),
        phase_cache.sin,
        phase_cache.cos,
    };
    for (double v : x) {
        if (!std::isfinite(v)) return std::nullopt;
    }
    return x;
}

}  // namespace awet
