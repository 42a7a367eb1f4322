#pragma once
// The forecasting seam (seed §7.1): quantiles q10/q50/q90 of the forward log return for the
// horizons 30/45/60 minutes. The linear quantile baseline implements it now, the TFT later.
#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "awet/model/events.hpp"

namespace awet {

using HorizonForecasts = std::array<QuantileForecast, kNumHorizons>;

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
};

}  // namespace awet
