#pragma once
// How well a forecaster did on a span of stored feature rows, against the realised log returns
// (build_dataset's targets): mean pinball loss over q10/q50/q90 and q10-q90 coverage, per
// horizon. The one score of the promotion gate (every model type, through Forecaster).
#include <array>
#include <span>

#include "awet/ml/forecaster.hpp"

namespace awet {

struct ForecastScore {
    int64_t rows = 0;  // rows scored: in the span, with a forecast and every horizon's target
    std::array<double, kNumHorizons> pinball{};   // mean over the rows and the three quantiles
    std::array<double, kNumHorizons> coverage{};  // share of targets inside [q10, q90]
};

/// Feeds every row of `rows` (time order; the rows before `from` warm a forecaster with memory
/// up) to `model` and scores the forecasts of the rows whose bar start is in [from, to).
ForecastScore score_forecaster(Forecaster& model, std::span<const FeatureVector> rows,
                               Timestamp from, Timestamp to);

}  // namespace awet
