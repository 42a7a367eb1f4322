#pragma once
// The forecasting seam (seed §7.1): quantiles q10/q50/q90 of the forward log return for the
// horizons 30/45/60 minutes. The linear quantile baseline implements it now, the TFT later.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "awet/model/events.hpp"

namespace awet {

using HorizonForecasts = std::array<QuantileForecast, kNumHorizons>;

/// model_inference_latency of a forecaster: one sample per forward pass (a batch).
struct InferenceStats {
    int64_t batches = 0;
    int64_t rows = 0;
    double p50_us = 0, p99_us = 0, max_us = 0;
};

class Forecaster {
public:
    virtual ~Forecaster() = default;
    virtual std::string_view model_id() const = 0;
    /// Forecast after this bar's features; nullopt while the inputs are still warming up.
    /// Quantiles come out sorted (q10 <= q50 <= q90).
    virtual std::optional<HorizonForecasts> forecast(const FeatureVector& features) = 0;
    /// Batched form (all symbols of one timestamp); default loops over forecast().
    virtual void forecast_batch(std::span<const FeatureVector> features,
                                std::span<std::optional<HorizonForecasts>> out) {
        for (size_t i = 0; i < features.size(); ++i) out[i] = forecast(features[i]);
    }
    /// True when forecast_batch() of all the symbols of one bar start is much cheaper than one
    /// forecast() each (the TFT: one forward pass); the prediction agent then groups them.
    virtual bool batches_by_timestamp() const { return false; }
    virtual InferenceStats inference_stats() const { return {}; }
};

}  // namespace awet
