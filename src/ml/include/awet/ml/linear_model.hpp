#pragma once
// The linear quantile baseline forecaster (seed §7.1 outputs without the TFT): for each horizon
// (30/45/60 min) and quantile (0.1/0.5/0.9) a linear model of the standardised inputs of
// input_transform.hpp, fitted by train_linear_model() and stored as a JSON artifact.
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/ml/forecaster.hpp"
#include "awet/ml/input_transform.hpp"

namespace awet {

inline constexpr std::string_view kLinearQuantileModelType = "linear_quantile";
inline constexpr int kLinearModelFormatVersion = 1;
inline constexpr size_t kNumQuantiles = 3;
inline constexpr std::array<double, kNumQuantiles> kQuantileLevels = {0.1, 0.5, 0.9};

/// Everything a LinearQuantileModel needs to forecast; what its file stores.
struct LinearQuantileParams {
    ModelId model_id;
    InputVector mean{};  // of the training inputs
    InputVector std{};   // of the training inputs (population; 1 where an input was constant)
    /// coef[h][q] = {intercept, slope per standardised input}.
    std::array<std::array<std::array<double, kNumInputs + 1>, kNumQuantiles>, kNumHorizons> coef{};
    Timestamp data_from;  // first / last bar start of the training rows
    Timestamp data_to;
};

/// The linear quantile forecaster. Immutable after construction; forecast() allocates nothing and
/// may be called from one thread at a time (the PredictionAgent's).
class LinearQuantileModel final : public Forecaster {
public:
    explicit LinearQuantileModel(LinearQuantileParams params);

    /// Reads a model file. A missing, unreadable, truncated or malformed file, another model type
    /// or format/transform version, wrong array shapes or non-finite numbers give an Error naming
    /// the path and the problem. Never throws.
    static Result<std::unique_ptr<LinearQuantileModel>> load(const std::string& path);
    /// Writes the model file (JSON, see src/ml/README.md); overwrites.
    Status save(const std::string& path) const;

    std::string_view model_id() const override { return params_.model_id.view(); }
    /// nullopt unless fv is complete() (and its inputs finite); quantiles sorted per horizon.
    std::optional<HorizonForecasts> forecast(const FeatureVector& fv) override;
    /// The same on already transformed inputs.
    HorizonForecasts forecast_inputs(const InputVector& inputs) const;

    const LinearQuantileParams& params() const { return params_; }

private:
    static constexpr size_t kNumOutputs = kNumHorizons * kNumQuantiles;
    LinearQuantileParams params_;
    /// params_.coef transposed: by_input_[j][h * kNumQuantiles + q] = coef[h][q][j]. With the
    /// nine outputs side by side for each input, forecast_inputs() updates them in one vectorised
    /// sweep per input instead of nine serial dot products; each output still sums its terms in
    /// the same order, so the results are bit-for-bit the same.
    /// Rows padded to an even width (the extra lane's coefficients are zero and its sum unused)
    /// so that forecast_inputs() can sweep them two doubles at a time.
    static constexpr size_t kPaddedOutputs = (kNumOutputs + 1) / 2 * 2;
    std::array<std::array<double, kPaddedOutputs>, kNumInputs + 1> by_input_{};
};

/// Hyper-parameters and destination of train_linear_model(); filled by the caller (`awet train`).
struct TrainOptions {
    double validation_fraction = 0.2;
    double l2 = 1e-3;    // ridge on the slopes; see QuantileFitOptions
    int max_iter = 300;  // MM iterations per fit (the 0.1 quantile needs ~200-250 on minute data)
    double tol = 1e-6;
    size_t min_rows = 200;  // complete rows with all targets needed before any split
    std::string model_dir;  // created if missing
    std::string model_id;   // e.g. "linear-20260327-001"; at most ModelId::capacity() chars
};

/// Validation metrics of one horizon (part of TrainReport).
struct HorizonMetrics {
    int minutes = 0;
    // Validation mean pinball loss per quantile (0.1, 0.5, 0.9) and their average.
    std::array<double, kNumQuantiles> model_loss{}, baseline_loss{}, zero_loss{};
    double model_mean = 0, baseline_mean = 0, zero_mean = 0;
    double coverage = 0;  // fraction of validation targets in [q10, q90] (ideal 0.8)
    std::array<double, kNumQuantiles> baseline_quantiles{};  // training-set quantiles of the target
};

/// What train_linear_model did: sizes, ranges, validation metrics against the empirical-quantile
/// baseline and the zero forecast.
struct TrainReport {
    std::string model_id;
    std::string path;
    size_t n_train = 0;
    size_t n_val = 0;
    Timestamp data_from, data_to;    // all rows used (train + validation)
    Timestamp train_from, train_to;  // bar starts of the training rows
    Timestamp val_from, val_to;      // bar starts of the validation rows
    std::array<HorizonMetrics, kNumHorizons> horizons{};
    std::array<std::array<int, kNumQuantiles>, kNumHorizons> iterations{};
    bool converged = true;  // every MM fit met the tolerance
    TrainOptions options;

    /// {"n_train":..,"n_val":..,"horizons":[{"minutes":30,"pinball_model":..,...}],...}
    std::string metrics_json() const;
    /// {"model_type":"linear_quantile","feature_transform_version":1,"inputs":[..],"l2":..,...}
    std::string params_json() const;
};

/// Builds the data set (build_dataset), splits it by time, standardises with the training rows'
/// mean/std, fits the 9 quantile models, evaluates on the validation rows and writes
/// `<model_dir>/<model_id>.json`.
Result<TrainReport> train_linear_model(std::span<const FeatureVector> rows,
                                       const TrainOptions& opts);

}  // namespace awet
