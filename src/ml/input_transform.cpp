#include "awet/ml/input_transform.hpp"

#include <cmath>
#include <numbers>

namespace awet {

std::optional<InputVector> transform_inputs(const FeatureVector& fv) {
    if (!fv.complete()) return std::nullopt;
    const double close = fv.close.to_double();
    const double sma5 = fv.get(Feature::kSma5);
    const double sma20 = fv.get(Feature::kSma20);
    const double ema5 = fv.get(Feature::kEma5);
    const double ema20 = fv.get(Feature::kEma20);
    if (!(close > 0 && sma5 > 0 && sma20 > 0 && ema5 > 0 && ema20 > 0)) return std::nullopt;
    const double phase = 2.0 * std::numbers::pi *
                         (fv.get(Feature::kMinuteOfDay) - kSessionOpenMinute) / kSessionMinutes;
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
        std::sin(phase),
        std::cos(phase),
    };
    for (double v : x) {
        if (!std::isfinite(v)) return std::nullopt;
    }
    return x;
}

}  // namespace awet
