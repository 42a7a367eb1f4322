#pragma once
// The Temporal Fusion Transformer as a loadable module. Everything that needs libtorch lives in
// one shared module (libawet_tft.so, built from src/ml/tft/); this header is torch-free, and
// load_tft_module() dlopens the module on first use. A command or test that never runs a TFT
// never loads torch (~1.1 s and ~290 shared libraries saved per process).
#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/ml/forecaster.hpp"
#include "awet/ml/tft_inputs.hpp"

namespace awet {

inline constexpr std::string_view kTftModelType = "tft";
inline constexpr int kTftFormatVersion = 1;

/// Hyper-parameters (seed §7.2) and the data split of a TFT training run.
struct TftHyperParams {
    int lookback = 120;  // encoder length (bars)
    int hidden = 16;     // d_model: every embedding, GRN and LSTM state
    int heads = 4;       // interpretable attention heads (shared values)
    double dropout = 0.2;
    double learning_rate = 5e-4;  // Adam(W)
    double weight_decay = 0.05;   // decoupled (AdamW); 0: plain Adam
    double grad_clip = 1.0;       // max global L2 norm of the gradients
    int batch_size = 64;
    int max_epochs = 20;
    int patience = 6;  // early stopping: epochs without a better validation loss
    uint64_t seed = 7;
};

struct TftTrainOptions {
    TftHyperParams hp;
    int validation_sessions = 1;  // the last sessions of the data, before the test sessions
    int test_sessions = 1;        // the very last sessions (0: no test split)
    /// > 0: an epoch is a seeded sample of this many training windows (0: all of them). Small
    /// epochs mean frequent validation checks: on the shared minute bars the TFT overfits within
    /// one pass over all ~15k (highly overlapping) windows.
    int64_t max_train_windows = 3000;
    int threads = 1;           // torch intra-op threads
    bool progress = false;     // progress bar on stderr (epoch, loss, ETA)
    std::string model_dir;     // created if missing
    std::string model_id;      // file stem: <model_dir>/<model_id>.pt + .json
    std::string git_revision;  // recorded in the metadata
};

/// Mean pinball loss over q10/q50/q90 and q10-q90 coverage, per horizon.
struct TftSplitMetrics {
    int64_t windows = 0;
    std::array<double, kNumHorizons> pinball{};
    std::array<double, kNumHorizons> coverage{};
};

struct TftTrainReport {
    std::string model_id;
    std::string weights_path;   // <model_dir>/<model_id>.pt
    std::string metadata_path;  // <model_dir>/<model_id>.json (the path registered)
    int64_t n_train = 0, n_val = 0, n_test = 0;                            // windows
    Timestamp train_from, train_to, val_from, val_to, test_from, test_to;  // bar starts
    int epochs_run = 0;
    int best_epoch = 0;
    std::vector<double> train_loss, val_loss;  // per epoch (mean pinball, scaled targets)
    double seconds_per_epoch = 0;
    double train_windows_per_second = 0;
    TftSplitMetrics validation, test;  // of the best epoch's weights, in log-return units
    int64_t parameters = 0;
    std::string metrics_json;  // what goes to models_registry.metrics_json
    std::string params_json;   // what goes to models_registry.params_json
    /// What makes the split's metrics weaker than they look: sessions left out because not every
    /// symbol has them, a split with fewer symbols than training, or few windows.
    std::vector<std::string> warnings;
};

/// One window's forecast (evaluation / explain).
struct TftWindowForecast {
    std::string symbol;
    Timestamp bar_start;
    HorizonForecasts q;
    std::array<float, kNumHorizons> target{};  // realised, when the data has it
    bool has_target = false;
};

/// What the model looked at for one forecast (the paper's interpretability outputs).
struct TftExplanation {
    TftWindowForecast forecast;
    std::vector<std::string> encoder_variables;  // observed + known names
    std::vector<float> encoder_weights;          // variable selection, mean over the lookback
    std::vector<std::string> decoder_variables;  // known names
    std::vector<float> decoder_weights;          // variable selection, mean over the horizons
    /// attention[h][p]: weight of position p (0 = oldest encoder bar .. lookback-1 = the bar
    /// itself, then the decoder steps) for horizon h, averaged over heads. Causal: zero beyond.
    std::vector<std::vector<float>> attention;
    std::vector<Timestamp> positions;  // bar start (encoder) or target time (decoder) of each p
};

class TftModule {
public:
    virtual ~TftModule() = default;
    /// Trains on the rows (built with build_tft_data), writes weights + metadata, returns the
    /// report. Deterministic for a seed and thread count.
    virtual Result<TftTrainReport> train(std::span<const FeatureVector> rows,
                                         const TftTrainOptions& options) = 0;
    /// Loads a model (metadata path) as a Forecaster: keeps the last `lookback` observed rows per
    /// symbol, forecasts once a symbol has them, batches the symbols of one timestamp.
    virtual Result<std::unique_ptr<Forecaster>> load(const std::string& metadata_path) = 0;
    /// Forecasts every window of `rows` whose last bar start lies in [from, to), in batches.
    virtual Result<std::vector<TftWindowForecast>> forecast_windows(
        const std::string& metadata_path, std::span<const FeatureVector> rows, Timestamp from,
        Timestamp to) = 0;
    /// The forecast for `symbol` at its last row at or before `at`, with the explanation.
    virtual Result<TftExplanation> explain(const std::string& metadata_path,
                                           std::span<const FeatureVector> rows,
                                           const std::string& symbol, Timestamp at) = 0;
    /// Writes the model as an ONNX graph (opset 17) with inputs
    /// static_symbol [B] int64, encoder_observed [B, L, 10], encoder_known [B, L, 3],
    /// decoder_known [B, 3, 3] (normalised float32) and output quantiles [B, 3, 3] (scaled).
    virtual Status export_onnx(const std::string& metadata_path, const std::string& onnx_path) = 0;
};

/// The module, loaded once per process: $AWET_TFT_MODULE if set, else libawet_tft.so next to the
/// executable, then in ../lib, then the build tree's. The error says where it looked.
Result<TftModule*> load_tft_module();
/// `error` with its line breaks as spaces (load_tft_module lists the places it looked, one per
/// line): for a face that says one line.
Error on_one_line(Error error);

}  // namespace awet
