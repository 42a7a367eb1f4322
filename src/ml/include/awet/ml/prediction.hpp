#pragma once
// Turning quantile forecasts into the predictions.tft event: direction, confidence and signal rules
// shared by every forecaster (linear baseline now, TFT later). See src/ml/README.md.
#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"
#include "awet/ml/forecaster.hpp"
#include "awet/model/events.hpp"
#include "awet/model/header_factory.hpp"

namespace awet {

/// min(1, |q50| / ((q90 - q10) / 2 + 1e-12)) of one horizon; 0 if that is not finite.
double confidence_from_quantiles(const QuantileForecast& q);

/// What a forecast says: direction UP iff q50 of the longest horizon (60 min) > 0; confidence from
/// that horizon's quantiles; signal BUY (UP) / SELL (DOWN) when confidence >= min_confidence, else
/// HOLD (always HOLD when that q50 is exactly 0: flat). The one rule, for the prediction agent and
/// for every face that shows a forecast.
struct SignalCall {
    Direction direction = Direction::kDown;
    double confidence = 0;
    Signal signal = Signal::kHold;
};
SignalCall call_signal(const HorizonForecasts& q, double min_confidence);

/// The prediction for fv: horizons copied, direction, confidence and signal by call_signal().
/// Header derived from fv's (key "pred:<symbol>:<bar_start ns>", ts = fv.header.ts, ts_init =
/// now).
Prediction make_prediction(const FeatureVector& fv, const HorizonForecasts& q,
                           const ModelId& model_id, double min_confidence, HeaderFactory& headers,
                           Timestamp now);

}  // namespace awet
