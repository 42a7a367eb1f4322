#pragma once
// Training the TFT (seed §7.2): time-ordered train/validation/test split by session, per-symbol
// normalisation fitted on the training period only, Adam with gradient clipping, early stopping on
// the validation loss (the best epoch's weights are kept), seeded and reproducible.
#include <torch/torch.h>

#include <span>

#include "awet/ml/tft_module.hpp"
#include "tft_data.hpp"
#include "tft_model.hpp"

namespace awet::tft {

/// Trains, saves the artifact (model_io.hpp) and reports. Errors: too few sessions for the split,
/// no training or validation windows, an unwritable model_dir.
Result<TftTrainReport> train_tft(std::span<const FeatureVector> rows,
                                 const TftTrainOptions& options);

/// Forecasts of the windows in log-return units [N, H, 3] (eval mode, batches of `batch`).
torch::Tensor predict_log_returns(TemporalFusionTransformer& model, const TftTensors& tensors,
                                  std::span<const TftWindow> windows, int64_t batch = 512);

/// Mean pinball loss over q10/q50/q90 and q10-q90 coverage per horizon: q [N, H, 3] and the
/// realised log returns [N, H].
TftSplitMetrics score_forecasts(const torch::Tensor& q, const torch::Tensor& y);

/// Realised log returns [N, H] of the windows.
torch::Tensor log_return_targets(const TftData& data, std::span<const TftWindow> windows);

}  // namespace awet::tft
