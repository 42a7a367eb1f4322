#pragma once
// `awet` subcommands. Each returns the process exit code; errors print one line "awet: <reason>".
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awet/config/config.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/store/store.hpp"
#include "backends.hpp"

namespace awet::ops {
class Context;
}

namespace awet::cli {

/// Options every command takes.
struct Common {
    std::string config_path;  // --config (default: config/awet.yaml when it exists)
    std::string db_path;      // --db (overrides store.path)
    bool json = false;        // --json: print the operation's result in its JSON form
    bool quiet = false;       // -q: errors only in the log (logging.level error)
    bool verbose = false;     // -v: debug lines too (logging.level debug)
};

/// Loads and validates the config; prints the error and returns nullopt on failure.
std::optional<Config> load(const Common& common);

/// The operations' context (src/ops) on `config`, with this root's backends and progress notes
/// on stdout (stderr with --json, so that stdout is the JSON alone).
std::unique_ptr<ops::Context> ops_context_for(Config config, bool json = false);
/// ops_context_for the command's config; nullptr after printing why not.
std::unique_ptr<ops::Context> ops_context(const Common& common);

/// Whether progress goes to stderr: a terminal, and neither --json nor -q.
bool progress_on_tty(const Common& common);

/// While it lives, the context's progress lines on stderr, each replacing the last (only when
/// progress_on_tty); the last one is cleared at the end.
class TtyProgress {
public:
    TtyProgress(ops::Context& ctx, const Common& common);
    ~TtyProgress();
    TtyProgress(const TtyProgress&) = delete;
    TtyProgress& operator=(const TtyProgress&) = delete;

private:
    ops::Context& ctx_;
    bool shown_ = false;
};

struct DemoArgs {
    uint64_t seed = 42;
    int days = 5;
    int train_days = 3;
    std::string data_dir;
};
int demo(const Common& common, const DemoArgs& args, bool seed_given);

int ingest_csv(const Common& common, const std::vector<std::string>& paths);
int features(const Common& common, const std::string& out_path);

struct ReplayArgs {
    std::string from, to;  // dates (inclusive); empty: all stored bars
    uint64_t seed = 42;
    int days = 0;  // 0: every session in the range
    bool seed_given = false;
    bool fresh = false;  // discard the results of earlier runs first (bars and models are kept)
};
int replay(const Common& common, const ReplayArgs& args);

/// Options of a TFT training run (`train --model tft`, `eval`); defaults from TftHyperParams.
struct TftArgs {
    TftHyperParams hp;
    int threads = 1;
    int64_t max_train_windows = 3000;  // TftTrainOptions::max_train_windows
    bool no_progress = false;
};

struct TrainArgs {
    std::string model = "linear";
    std::string from, to;  // YYYY-MM-DD, inclusive; empty: every stored feature
    TftArgs tft;
    int validation_sessions = 1;
    int test_sessions = 1;
    std::string tft_option_given;  // name of a TFT-only option given (refused for linear)
};
int train(const Common& common, const TrainArgs& args);

struct EvalArgs {
    std::string data_dir;
    std::vector<std::string> symbols;
    int train_sessions = 8;
    int test_sessions = 4;
    TftArgs tft;
    std::string json_path;
    std::string model_dir;  // empty: <prediction.model_dir>/eval
};
int eval(const Common& common, const EvalArgs& args);

int models_list(const Common& common);
int models_promote(const Common& common, const std::string& model_id);
int models_deprecate(const Common& common, const std::string& model_id);
int models_export_onnx(const Common& common, const std::string& model_id,
                       const std::string& out_path);

struct PredictArgs {
    std::string symbol;
    std::string at;        // ISO time; empty: the latest stored bar of the symbol
    std::string model_id;  // empty: the green model
    bool explain = false;
    int top = 5;  // attention positions shown per horizon
};
int predict(const Common& common, const PredictArgs& args);

int approve(const Common& common);
int revoke(const Common& common);

int pnl(const Common& common, const std::string& period, const std::string& date);
int eod(const Common& common, const std::string& date);
int trace(const Common& common, const std::string& correlation_id);
int positions(const Common& common);

struct HealthArgs {
    std::string host = "127.0.0.1";
    std::vector<std::string> agents;  // NAME=PORT overrides / selection; empty: all eight
    int timeout_ms = 1000;
};
/// `awet health`: GET /health of every agent; 0 when all are ok.
int health(const Common& common, const HealthArgs& args);
/// `fills`: the trades rows instead of the round trips.
int trades(const Common& common, const std::string& symbol, size_t limit, bool fills);

struct ReconcileArgs {
    std::string venue_url = "http://127.0.0.1:8009";  // execution.broker: sim
};
/// `awet reconcile`: exit 0 in sync, 1 differ, 2 unreadable.
int reconcile(const Common& common, const ReconcileArgs& args);

}  // namespace awet::cli
