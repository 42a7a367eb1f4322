#pragma once
// Operations on the model registry and the forecasters: list, promote, deprecate, train (every
// model type, one path), evaluate (the TFT against its baselines), predict (one forecast, with
// the TFT's explanation on request).
#include <optional>
#include <string>
#include <vector>

#include "awet/ml/prediction.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/ops/context.hpp"
#include "awet/pipeline/eval.hpp"

namespace awet::ops {

struct ModelsListRequest {};
struct ModelsListResult {
    std::vector<ModelRecord> models;  // models_registry, oldest first
};
Result<ModelsListResult> models_list(Context& ctx, const ModelsListRequest& request);

struct PromoteRequest {
    std::string model_id;
};
struct PromoteResult {
    ModelRecord model;  // as stored after the promotion (status green)
};
/// The prediction agent picks the new green model up without a restart.
Result<PromoteResult> models_promote(Context& ctx, const PromoteRequest& request);

struct DeprecateRequest {
    std::string model_id;
};
struct DeprecateResult {
    ModelRecord model;  // as stored after (status deprecated)
};
Result<DeprecateResult> models_deprecate(Context& ctx, const DeprecateRequest& request);

struct ExportOnnxRequest {
    std::string model_id;  // a tft model
    std::string out_path;  // default: <prediction.model_dir>/<model_id>.onnx
};
struct ExportOnnxResult {
    std::string path;
    uint64_t bytes = 0;
};
/// Writes a TFT model as an ONNX graph (opset 17).
Result<ExportOnnxResult> models_export_onnx(Context& ctx, const ExportOnnxRequest& request);

struct TrainRequest {
    std::string model = "linear";  // "linear" | "tft"
    std::optional<Date> from, to;  // inclusive trading dates; default: every stored feature
    /// The TFT's options (hp, validation/test sessions, windows, threads, progress); model_dir,
    /// model_id and git_revision are filled in by the operation.
    TftTrainOptions tft;
};
struct TrainResult {
    ModelRecord model;  // registered as candidate
    std::string summary;
    std::optional<TftTrainReport> tft;
    size_t features_computed = 0;  // features_tft was empty: computed from this many bars first
};
/// Trains on features_tft (computed from the stored bars and stored, when it is empty).
Result<TrainResult> train(Context& ctx, const TrainRequest& request);

struct EvaluateRequest {
    /// data_dir, symbols, sessions, hp, threads, windows, progress; model_dir defaults to
    /// <prediction.model_dir>/eval, seed to the config's, git_revision to the working tree's.
    TftEvalOptions options;
};
struct EvaluateResult {
    TftEvalReport report;
};
Result<EvaluateResult> evaluate(Context& ctx, const EvaluateRequest& request);

struct PredictRequest {
    std::string symbol;
    std::optional<Timestamp> at;  // default: the latest stored bar of the symbol
    std::string model_id;         // default: the green model
    bool explain = false;         // the TFT's variable selection and attention
};
struct PredictResult {
    ModelRecord model;
    std::string symbol;
    Timestamp bar_start;  // the bar the forecast is made after
    HorizonForecasts q;
    SignalCall call;  // the prediction agent's rule (call_signal)
    double min_confidence = 0;
    std::optional<std::array<float, kNumHorizons>> realised;  // when the data has it (TFT)
    std::optional<TftExplanation> explanation;
};
Result<PredictResult> predict(Context& ctx, const PredictRequest& request);

/// `git rev-parse --short HEAD` of the working directory, or "unknown": the code revision a
/// trained model records.
std::string git_revision();

}  // namespace awet::ops
