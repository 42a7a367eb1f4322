#pragma once
// The flows behind the CLI commands, as library functions so tests run exactly what users run:
// feature computation over stored bars, training + registration of the baseline model, and the
// end-to-end replay (demo, replay).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awet/config/config.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/data/market_data_source.hpp"
#include "awet/execution/broker.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/pipeline/pipeline.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// Features of bars (any symbol mix, time-ordered), as the feature agent computes them.
std::vector<FeatureVector> compute_features(const std::vector<MarketBar>& bars, uint64_t seed);

/// Loads a models_registry row as a Forecaster: "linear_quantile" directly, "tft" through the TFT
/// module (load_tft_module(): dlopened on the first TFT model, never before).
ModelLoader default_model_loader();

/// What to train: the linear quantile baseline, or the TFT (through its module).
struct TrainSpec {
    enum class Model : uint8_t { kLinear, kTft } model = Model::kLinear;
    /// The TFT's options; model_dir and model_id are filled in by train_and_register.
    TftTrainOptions tft;
};

struct TrainOutcome {
    ModelRecord record;
    /// Rows or windows, then one line per horizon: validation losses (against the baselines for
    /// the linear model) and coverage.
    std::string summary;
    std::optional<TftTrainReport> tft;  // the TFT's full report (epochs, splits, timings)
};

/// The one train-and-register of every model type: trains on the features, writes the artifact
/// under config.prediction.model_dir, registers it as `candidate` with the next id
/// ("<linear|tft>-<last feature date>-<n>").
Result<TrainOutcome> train_and_register(Store& store, const Config& config,
                                        const std::vector<FeatureVector>& features, Timestamp now,
                                        const TrainSpec& spec = {});

/// "validation (N windows): 30m pinball x1e4 ... coverage ..%; ..." of a TFT split.
std::string tft_split_line(const char* name, const TftSplitMetrics& m);

/// Bars of CSV files (files or directories of *.csv), ordered by (bar start, symbol).
struct CsvBars {
    std::vector<MarketBar> bars;
    int64_t rejected = 0;  // rows skipped (each logged with file:line, field and reason)
};
/// Only the rows of `symbols` when it is not empty; a symbol with no rows is an error.
/// Values outside `limits` (prices, volumes) are rejected rows, as in `awet ingest csv`.
Result<CsvBars> load_csv_bars(const std::vector<std::string>& paths,
                              const std::vector<std::string>& symbols = {},
                              const BarLimits& limits = {});

/// Keeps the bars of `symbols` (data.symbols: the symbols traded), in order; returns how many
/// bars of each other symbol were dropped.
std::map<std::string, int64_t> keep_symbols(std::vector<MarketBar>& bars,
                                            const std::vector<std::string>& symbols);

/// The bars grouped by trading session (local date), in order.
std::vector<std::vector<MarketBar>> split_sessions(const std::vector<MarketBar>& bars);

/// Where a long run stands: bars done of the total (0: unknown), the last bar's start.
struct ReplayProgress {
    int64_t bars = 0, total = 0;
    Timestamp bar;
};
using ReplayProgressFn = std::function<void(const ReplayProgress&)>;

struct ReplayOptions {
    bool persist = true;
    ReplayProgressFn progress;  // called every kReplayProgressBars bars and after the last
};
inline constexpr int64_t kReplayProgressBars = 1000;

/// A run of the same range that was interrupted (killed, crashed) and that this run redid: its
/// mark, and the rows of its partial results discarded before the redo (kRunResultTables order).
struct RedoneRun {
    RunRecord interrupted;
    std::vector<std::pair<std::string, int64_t>> discarded;
};

/// Whether a replay whose first bar starts at `first_bar_start` may run on `store`: refused
/// (kAlreadyExists, one line saying how to proceed) when the range starts before what an earlier
/// run recorded, or when a run of another range was interrupted. An interrupted run of the same
/// range is not in the way: replay_source redoes it.
Status check_replay_range(Store& store, Timestamp first_bar_start);

/// What a replay did: the counts, the money, the checks.
struct ReplayResult {
    PipelineCounters counters;
    std::vector<DailyPnlRow> daily;
    Money realized;
    Money unrealized;
    int round_trips = 0;
    int wins = 0;
    int losses = 0;
    std::string best_symbol, worst_symbol;
    Money best_pnl, worst_pnl;
    std::map<std::string, Money> pnl_by_symbol;
    BrokerAccount broker_account;
    Money broker_pnl;  // broker equity now - broker equity at the start of this run
    std::optional<ReconcileReport> reconcile;
    std::vector<ExecutionReport> fills;   // every fill, in order (for determinism checks)
    int64_t duplicate_orders = 0;         // approved decisions whose key was already in `trades`
    RiskEngine::Ignored ignored_signals;  // BUY/SELL predictions that carried no order intent
    int sessions = 0;
    InferenceStats inference;  // model_inference_latency of the served model (TFT only)
    RestoredState restored;    // what the run took over from the store (earlier runs' trades)
    std::optional<RedoneRun> redone;  // an interrupted run of this range, redone
};

/// Runs a market data source (bars in time order) through the whole pipeline with a simulated
/// paper broker: the ingestion agent stamps each bar and every agent handles it. On a store with
/// earlier trades the broker, the book, the exit lots and the exposure start from what they
/// explain (open positions keep their exits); a range that starts before the store's latest
/// trade or daily PnL report is refused (kAlreadyExists). Realized PnL, round trips, wins and
/// losses are this run's; unrealized PnL is that of every position open at the end.
/// On a store, the run is marked in `runs` before its first result and finished after its last;
/// a run of the same range left unfinished (the process was killed) is redone: its partial
/// results are discarded first, so the store ends as if it had never been interrupted.
Result<ReplayResult> replay_source(const Config& config, Store* store, MarketDataSource& source,
                                   const ReplayOptions& options = {});
/// replay_source one bar at a time, for a caller that does other work between bars (the
/// scheduler's simulation runs its jobs between them): begin (with the first bar's start, which
/// names the run's range; nullopt: no bars), feed every bar in time order, finish once.
class ReplayRun {
public:
    ReplayRun(const Config& config, Store* store, ReplayOptions options = {});
    ~ReplayRun();
    ReplayRun(const ReplayRun&) = delete;
    ReplayRun& operator=(const ReplayRun&) = delete;

    Status begin(std::optional<Timestamp> first_bar_start);
    Status feed(const MarketBar& bar);
    Result<ReplayResult> finish();

private:
    struct State;
    std::unique_ptr<State> s_;
};

/// replay_source over a vector of bars.
Result<ReplayResult> replay_bars(const Config& config, Store* store,
                                 const std::vector<MarketBar>& bars,
                                 const ReplayOptions& options = {});

struct DemoOptions {
    uint64_t seed = 42;
    int train_days = 3;         // sessions used to train the baseline before trading
    int days = 5;               // sessions traded
    std::string data_dir;       // empty: seeded synthetic market; else CSV bars
    ReplayProgressFn progress;  // of the traded sessions' replay
};

struct DemoResult {
    std::string data_description;
    int64_t training_bars = 0;
    int train_sessions = 0;
    int trade_sessions = 0;
    Date train_from, trade_from, trade_to;  // local trading dates
    int64_t csv_rejected = 0;
    std::map<std::string, int64_t> skipped_symbols;  // CSV bars not of data.symbols, per symbol
    TrainOutcome model;
    ReplayResult replay;
};

/// `awet demo`: market (synthetic or CSV) -> store -> train + promote the baseline on the first
/// sessions -> replay the following sessions through every agent with EOD at each close.
Result<DemoResult> run_demo(const Config& config, Store& store, const DemoOptions& options);

}  // namespace awet
