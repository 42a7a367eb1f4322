#pragma once
// ONNX export of the TFT (opset 17, IR version 8), built with Debian's ONNX protobuf library.
#include <string>

#include "awet/core/result.hpp"
#include "tft_model.hpp"

namespace awet::tft {

/// Writes `model` as an ONNX graph equal to model.forward() in eval mode (no dropout, whatever
/// the model's mode), the weights as float32 initializers named after model.named_parameters().
/// Batch dimension "batch" (symbolic), L = config.lookback, H = config.n_horizons.
///   inputs:  static_symbol [B] int64, encoder_observed [B, L, n_observed],
///            encoder_known [B, L, n_known], decoder_known [B, H, n_known] (float32, normalised)
///   outputs: quantiles [B, H, 3], attention [B, H, L + H], encoder_weights
///            [B, L, n_observed + n_known], decoder_weights [B, H, n_known]
/// Checked against ONNX Runtime by tests/ml/tft/onnx_export_test.cpp (tools/onnx/run_onnx.mjs).
/// An unwritable path gives a kIo error naming it.
Status export_tft_onnx(TemporalFusionTransformerImpl& model, const std::string& path);

}  // namespace awet::tft
