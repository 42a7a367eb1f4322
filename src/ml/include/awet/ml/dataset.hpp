#pragma once
// Training data for the forecasters: complete feature rows with forward log-return targets over the
// horizons of kHorizonsMinutes, and the time-ordered train/validation split.
#include <array>
#include <span>
#include <vector>

#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"
#include "awet/ml/input_transform.hpp"
#include "awet/model/events.hpp"

namespace awet {

using TargetVector = std::array<double, kNumHorizons>;

/// Rows ordered by (bar_start, symbol). Built by build_dataset; owned by the caller.
struct Dataset {
    std::vector<InputVector> x;   // transform_inputs() of the row (not standardised)
    std::vector<TargetVector> y;  // ln(close[t + h] / close[t]) per horizon
    std::vector<Timestamp> ts;    // bar start t
    std::vector<Symbol> symbol;

    size_t size() const { return ts.size(); }
};

/// Rows of any number of symbols, in any order. A row enters the data set if it is complete() and
/// transformable, its bar start lies in a regular session, and for EVERY horizon h the same symbol
/// has a bar starting exactly h minutes later in the same session (no overnight targets; a missing
/// future bar drops the row). Duplicate (symbol, bar_start) rows: the first one counts.
Dataset build_dataset(std::span<const FeatureVector> rows);

/// Split by time with a purge: the first (1 - validation_fraction) of the distinct bar starts make
/// the training period, the rest the validation period starting at `split_at`. Validation rows have
/// ts >= split_at; training rows additionally need their longest-horizon target bar to start before
/// split_at (ts + 60 min < split_at), so no training target looks into the validation period.
struct DatasetSplit {
    std::vector<size_t> train;       // indices into the Dataset, ascending
    std::vector<size_t> validation;  // indices into the Dataset, ascending
    Timestamp split_at;
};
DatasetSplit split_by_time(const Dataset& data, double validation_fraction);

}  // namespace awet
