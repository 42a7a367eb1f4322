#pragma once
// `awet eval` / `make eval`: the Temporal Fusion Transformer against its baselines on sessions it
// never saw. Torch-free: the TFT is reached through the TftModule (load_tft_module()).
//
// The CSV bars are split by trading session: the first `train_sessions` train every model (the
// TFT keeps its last one for early stopping), the last `test_sessions` are only forecast. On
// exactly the test windows the TFT forecasts (those with realised targets), four forecasters are
// scored per horizon: the TFT, the linear quantile baseline (trained on the same sessions), the
// empirical quantiles of the training targets, and the zero-return forecast.
#include <array>
#include <string>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/ml/tft_module.hpp"

namespace awet {

struct TftEvalOptions {
    std::string data_dir;              // CSV bars (files or directories)
    std::vector<std::string> symbols;  // only these (empty: every symbol in the files)
    int train_sessions = 8;            // the first sessions: training (and validation)
    int test_sessions = 4;             // the last sessions: never seen in training
    TftHyperParams hp;
    int threads = 1;
    int64_t max_train_windows = 3000;  // TftTrainOptions::max_train_windows
    bool progress = false;
    std::string model_dir;  // where the evaluated models are written (created)
    uint64_t seed = 42;     // event-id seed of the feature computation (the model's is hp.seed)
    std::string git_revision;
};

/// One forecaster on the test windows.
struct EvalScores {
    std::string name;                             // "tft", "linear", "empirical", "zero"
    std::array<double, kNumHorizons> pinball{};   // mean pinball loss over q10/q50/q90
    std::array<double, kNumHorizons> coverage{};  // fraction of targets within [q10, q90]
};

struct TftEvalReport {
    std::string data;  // what was read
    std::vector<std::string> symbols;
    int sessions_total = 0, train_sessions = 0, test_sessions = 0;
    Date train_from, train_to, test_from, test_to;  // local trading dates
    int64_t bars = 0;
    int64_t test_windows = 0;      // windows scored
    int64_t without_target = 0;    // test windows whose horizons run past the session's end
    int64_t without_linear = 0;    // test windows the linear baseline cannot forecast
    TftTrainReport tft;            // the TFT's training
    double tft_train_seconds = 0;  // wall clock of the whole training call
    double tft_forecast_windows_per_second = 0;
    int64_t linear_train_rows = 0;
    std::array<std::array<double, 3>, kNumHorizons> empirical_quantiles{};  // q10/q50/q90
    std::vector<EvalScores> scores;  // tft, linear, empirical, zero

    const EvalScores& score(const std::string& name) const;
    /// The TFT's mean pinball loss is below both the linear and the empirical baseline's.
    bool tft_beats_baselines(size_t horizon) const;
    /// The table `awet eval` prints (training figures, losses x1e4 with coverage, verdicts).
    std::string table() const;
    std::string json() const;
};

Result<TftEvalReport> run_tft_eval(const TftEvalOptions& options);

}  // namespace awet
