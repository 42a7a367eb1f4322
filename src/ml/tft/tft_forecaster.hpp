#pragma once
// Serving the TFT behind the Forecaster seam: per symbol, the inputs of the last `lookback` bars;
// all symbols of one bar start in one forward pass. The encoder's variable selection of a bar
// depends only on that bar and the symbol, so it is computed once, when the bar arrives, and kept
// in a ring: each forecast runs the selection of one position and the rest of the network.
#include <torch/torch.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "awet/ml/forecaster.hpp"
#include "model_io.hpp"
#include "tft_data.hpp"

namespace awet::tft {

class TftForecaster final : public Forecaster {
public:
    explicit TftForecaster(LoadedTft loaded);

    std::string_view model_id() const override { return model_id_; }
    std::optional<HorizonForecasts> forecast(const FeatureVector& fv) override;
    /// Every feature vector must be of a different symbol (one bar start).
    void forecast_batch(std::span<const FeatureVector> features,
                        std::span<std::optional<HorizonForecasts>> out) override;
    bool batches_by_timestamp() const override { return true; }
    InferenceStats inference_stats() const override;

private:
    struct SymbolState {
        int id = -1;  // embedding index; -1: a symbol the model was not trained on
        TftInputBuilder builder;
        int64_t next = 0;        // ring slot of the next bar
        int64_t count = 0;       // bars in the ring (<= L)
        std::vector<double> r2;  // ring of squared raw log_return_1 (the target scale)
    };
    SymbolState& state(const FeatureVector& fv);

    std::string model_id_;
    TftArtifact artifact_;
    TemporalFusionTransformer model_{nullptr};
    int64_t lookback_;
    StaticContexts contexts_;       // of every known symbol, [symbols, d] each (computed once)
    torch::Tensor ring_embedding_;  // [symbols * L, d]: selected encoder inputs, ring per symbol
    torch::Tensor ring_weights_;    // [symbols * L, n]: their selection weights
    std::unordered_map<std::string, SymbolState> symbols_;
    std::vector<float> latencies_us_;  // capped sample of model_inference_latency
    int64_t batches_ = 0, rows_ = 0;
};

}  // namespace awet::tft
