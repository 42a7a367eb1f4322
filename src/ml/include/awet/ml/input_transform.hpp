#pragma once
// The fixed input transform of the linear quantile model (version kFeatureTransformVersion): a
// complete FeatureVector -> kNumInputs dimensionless numbers. Changing it means bumping the
// version; model files record the version they were trained with and refuse any other.
#include <array>
#include <optional>
#include <string_view>

#include "awet/model/events.hpp"

namespace awet {

inline constexpr int kFeatureTransformVersion = 1;
inline constexpr size_t kNumInputs = 11;
using InputVector = std::array<double, kNumInputs>;

/// Names of the inputs, in order (also written to model files and params_json).
inline constexpr std::array<std::string_view, kNumInputs> kInputNames = {
    "rsi_14/100-0.5", "close/sma_5-1", "close/sma_20-1", "close/ema_5-1",
    "close/ema_20-1", "returns_1",     "returns_5",      "returns_15",
    "volatility_20",  "sin_session",   "cos_session"};

/// Session phase: (minute_of_day - 570) / 390, i.e. 0 at 09:30 local and 1 at 16:00.
inline constexpr double kSessionOpenMinute = 570.0;
inline constexpr double kSessionMinutes = 390.0;

/// The inputs of a complete FeatureVector; nullopt if any feature is missing, or the close or an
/// average is not positive, or a result is not finite.
std::optional<InputVector> transform_inputs(const FeatureVector& fv);

}  // namespace awet
