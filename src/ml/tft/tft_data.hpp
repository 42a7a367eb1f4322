#pragma once
// From the torch-free TFT data (awet/ml/tft_inputs.hpp) to batches of tensors: every row of every
// series normalised once into two flat tensors, windows gathered from them by index.
#include <torch/torch.h>

#include <span>
#include <vector>

#include "awet/ml/tft_inputs.hpp"
#include "tft_model.hpp"

namespace awet::tft {

/// Normalised inputs are clipped to +-kInputClip standard deviations (a bad print cannot blow up
/// the network; the raw values stay in the data).
inline constexpr float kInputClip = 8.0F;

class TftTensors {
public:
    TftTensors(const TftData& data, const TftNormalisation& norm, int64_t lookback);

    /// Only windows of symbols the normalisation knows (the others are dropped).
    std::vector<TftWindow> known_symbols(std::span<const TftWindow> windows) const;
    /// The model inputs of these windows.
    TftInputs inputs(std::span<const TftWindow> windows) const;
    /// Targets [B, H] divided by the window's scale (what the model is trained on).
    torch::Tensor scaled_targets(std::span<const TftWindow> windows) const;
    /// Per-window target scale [B, H] (to turn scaled quantiles into log returns): window_scale().
    torch::Tensor scales(std::span<const TftWindow> windows) const;

private:
    std::array<float, kNumHorizons> scale_of(const TftWindow& w) const;

    const TftData& data_;
    int64_t lookback_;
    torch::Tensor observed_;          // [rows, n_observed], all series concatenated
    torch::Tensor known_;             // [rows, n_known]
    std::vector<int64_t> offset_;     // first row of each series
    std::vector<int64_t> symbol_id_;  // per series; -1 if the normalisation lacks the symbol
    std::vector<std::vector<double>> r2_prefix_;  // per series: prefix sums of log_return_1^2
};

/// The scale of a window's targets: the root mean square of its 1-minute log returns over the
/// lookback, times sqrt(horizon minutes), floored at 1e-5. Scaling by the encoder's own volatility
/// (an "encoder normaliser") makes the scaled targets comparable across symbols and volatility
/// regimes; the model forecasts quantiles of return / scale, and the scale is multiplied back.
/// sum_r2: the sum of squared log_return_1 over the lookback of `lookback` bars.
std::array<float, kNumHorizons> window_scale(double sum_r2, int64_t lookback);

}  // namespace awet::tft
