#include "awet/pipeline/runner.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "awet/calendar/calendar.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/log.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet/data/market_data_source.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/features/feature_engine.hpp"
#include "awet/ml/linear_model.hpp"
#include "awet/ml/tft_module.hpp"

namespace awet {

std::vector<FeatureVector> compute_features(const std::vector<MarketBar>& bars, uint64_t seed) {
    FeatureEngine engine;
    HeaderFactory headers(Source::kFeatures, seed);
    HeaderFactory bar_headers(Source::kIngestion, seed);
    std::vector<FeatureVector> out;
    out.reserve(bars.size());
    for (const auto& bar : bars) {
        MarketBar stamped = bar;
        if (stamped.header.event_id.is_nil()) {
            stamped.header = bar_header(bar_headers, bar, bar.bar_start + bar.interval);
        }
        out.push_back(engine.update(stamped, headers, stamped.header.ts));
    }
    return out;
}

ModelLoader default_model_loader() {
    return [](const ModelRecord& record) -> Result<std::unique_ptr<Forecaster>> {
        if (record.model_type == kTftModelType) {
            auto module = load_tft_module();
            if (!module.ok()) return module.error();
            return (*module)->load(record.path);
        }
        if (record.model_type != kLinearQuantileModelType) {
            return make_error(ErrorCode::kInvalidArgument, "model " + record.model_id +
                                                               " has type '" + record.model_type +
                                                               "', which this build cannot serve");
        }
        auto model = LinearQuantileModel::load(record.path);
        if (!model.ok()) return model.error();
        return std::unique_ptr<Forecaster>(std::move(*model));
    };
}

std::string tft_split_line(const char* name, const TftSplitMetrics& m) {
    std::string out = fmt::format("{} ({} windows):", name, m.windows);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        out += fmt::format(" {}m pinball x1e4 {:.3f} coverage {:.0f}%;", kHorizonsMinutes[h],
                           m.pinball[h] * 1e4, m.coverage[h] * 100);
    }
    out.pop_back();
    return out;
}

namespace {

Result<TrainOutcome> train_linear(const std::vector<FeatureVector>& features,
                                  const std::string& model_dir, const std::string& model_id) {
    TrainOptions options;
    options.model_dir = model_dir;
    options.model_id = model_id;
    auto report = train_linear_model(features, options);
    if (!report.ok()) return report.error();
    TrainOutcome out;
    out.record.model_type = std::string(kLinearQuantileModelType);
    out.record.path = report->path;
    out.record.metrics_json = report->metrics_json();
    out.record.params_json = report->params_json();
    out.summary = fmt::format(
        "{} training / {} validation rows; validation pinball loss x1e4 (model / empirical "
        "quantiles / zero) and q10-q90 coverage:",
        report->n_train, report->n_val);
    for (const auto& h : report->horizons) {
        out.summary += fmt::format("\n  {}m: {:.3f} / {:.3f} / {:.3f}, coverage {:.0f}%", h.minutes,
                                   h.model_mean * 1e4, h.baseline_mean * 1e4, h.zero_mean * 1e4,
                                   h.coverage * 100);
    }
    return out;
}

Result<TrainOutcome> train_tft(const std::vector<FeatureVector>& features, TftTrainOptions options,
                               const std::string& model_dir, const std::string& model_id) {
    options.model_dir = model_dir;
    options.model_id = model_id;
    auto module = load_tft_module();
    if (!module.ok()) return on_one_line(module.error());
    auto report = (*module)->train(features, options);
    if (!report.ok()) return report.error();
    TrainOutcome out;
    out.record.model_type = std::string(kTftModelType);
    out.record.path = report->metadata_path;
    out.record.metrics_json = report->metrics_json;
    out.record.params_json = report->params_json;
    out.summary = fmt::format("{} train / {} validation / {} test windows; {}", report->n_train,
                              report->n_val, report->n_test,
                              tft_split_line("validation", report->validation));
    if (report->n_test > 0) out.summary += "; " + tft_split_line("test", report->test);
    out.tft = std::move(*report);
    return out;
}

}  // namespace

Result<TrainOutcome> train_and_register(Store& store, const Config& config,
                                        const std::vector<FeatureVector>& features, Timestamp now,
                                        const TrainSpec& spec) {
    auto existing = store.list_models();
    if (!existing.ok()) return existing.error();
    const bool tft = spec.model == TrainSpec::Model::kTft;
    const std::string data_to =
        features.empty() ? now.date_utc() : features.back().bar_start.date_utc();
    const std::string model_id = std::string(tft ? "tft-" : "linear-") + data_to + "-" +
                                 std::to_string(existing->size() + 1);
    auto outcome = tft ? train_tft(features, spec.tft, config.prediction.model_dir, model_id)
                       : train_linear(features, config.prediction.model_dir, model_id);
    if (!outcome.ok()) return outcome.error();
    outcome->record.model_id = model_id;
    outcome->record.status = ModelStatus::kCandidate;
    outcome->record.created_at = now;
    if (!features.empty()) {
        outcome->record.trained_from = features.front().bar_start;
        outcome->record.trained_to = features.back().bar_start;
    }
    AWET_TRY(store.register_model(outcome->record));
    AWET_TRY(store.flush());
    return outcome;
}

std::map<std::string, int64_t> keep_symbols(std::vector<MarketBar>& bars,
                                            const std::vector<std::string>& symbols) {
    std::map<std::string, int64_t> skipped;
    std::erase_if(bars, [&](const MarketBar& bar) {
        const std::string symbol = bar.header.symbol.str();
        if (std::find(symbols.begin(), symbols.end(), symbol) != symbols.end()) return false;
        ++skipped[symbol];
        return true;
    });
    return skipped;
}

std::vector<std::vector<MarketBar>> split_sessions(const std::vector<MarketBar>& bars) {
    std::vector<std::vector<MarketBar>> sessions;
    std::optional<Date> current;
    for (const auto& bar : bars) {
        Date d = SessionCalendar::to_local(bar.bar_start).date;
        if (!current || d != *current) {
            sessions.emplace_back();
            current = d;
        }
        sessions.back().push_back(bar);
    }
    return sessions;
}

Result<ReplayResult> replay_bars(const Config& config, Store* store,
                                 const std::vector<MarketBar>& bars, const ReplayOptions& options) {
    VectorSource source(bars, "replay");
    ReplayOptions with_total = options;
    if (options.progress) {
        const auto total = static_cast<int64_t>(bars.size());
        with_total.progress = [&options, total](const ReplayProgress& p) {
            options.progress(ReplayProgress{p.bars, total, p.bar});
        };
    }
    return replay_source(config, store, source, with_total);
}

namespace {

Error interrupted_run_of_another_range(const RunRecord& run) {
    return make_error(ErrorCode::kAlreadyExists,
                      "a run of the bars from " + run.first_bar.iso() + " (`" + run.command +
                          "`, PID " + std::to_string(run.pid) + ", started " +
                          run.started_at.iso() +
                          ") did not finish and its partial results are in this store: run that "
                          "range again to redo it, or pass --fresh to discard every earlier "
                          "result (bars and models are kept)");
}

/// The unfinished run a replay from `first_bar` redoes (none: nullopt); one of another range
/// is in the way (kAlreadyExists).
Result<std::optional<RunRecord>> run_to_redo(Store& store, Timestamp first_bar) {
    auto open = store.unfinished_run();
    if (!open.ok()) return open.error();
    if (open->has_value() && (*open)->first_bar != first_bar)
        return interrupted_run_of_another_range(**open);
    return open;
}

/// Marks the run in `runs`. An interrupted run of the same range is redone: what it produced
/// is discarded first (and reported in `redone`).
Result<RunRecord> begin_run(Store& store, Timestamp first_bar, std::optional<RedoneRun>& redone) {
    auto open = run_to_redo(store, first_bar);
    if (!open.ok()) return open.error();
    if (open->has_value()) {
        const RunRecord& was = **open;
        auto discarded = store.discard_results_since(first_bar);
        if (!discarded.ok()) return discarded.error();
        logger("pipeline")
            ->warn(
                "the run of this range started {} (PID {}) did not finish: its partial "
                "results are discarded and the run is redone",
                was.started_at.iso(), was.pid);
        redone = RedoneRun{was, std::move(*discarded)};
    }
    RunRecord run;
    run.started_at = WallClock().now();
    run.pid = static_cast<int64_t>(::getpid());
    run.run_id = "replay-" + std::to_string(run.started_at.ns()) + "-" + std::to_string(run.pid);
    run.command = "awet replay";
    run.first_bar = first_bar;
    AWET_TRY(store.put_run(run));
    return run;
}

}  // namespace

Status check_replay_range(Store& store, Timestamp first_bar_start) {
    auto open = run_to_redo(store, first_bar_start);
    if (!open.ok()) return open.error();
    if (open->has_value()) return Status::Ok();  // redone by the run
    auto last = last_trade_activity(store);
    if (!last.ok()) return last.error();
    return check_range_not_run(*last, first_bar_start);
}

/// The state of one run between its bars (ReplayRun).
struct ReplayRun::State {
    const Config& config;
    Store* store;
    ReplayOptions options;
    ReplayResult result;
    std::optional<RunRecord> run;
    SimBroker broker;
    std::unique_ptr<Pipeline> pipeline;
    BrokerAccount account_at_start;
    int64_t bars = 0;
    Timestamp last_bar;

    State(const Config& c, Store* st, ReplayOptions o)
        : config(c), store(st), options(std::move(o)), broker(SimBrokerConfig::from(c.execution)) {}
};

ReplayRun::ReplayRun(const Config& config, Store* store, ReplayOptions options)
    : s_(std::make_unique<State>(config, store, std::move(options))) {}

ReplayRun::~ReplayRun() = default;

Status ReplayRun::begin(std::optional<Timestamp> first_bar_start) {
    State& s = *s_;
    // The first bar names the run's range: an interrupted run of it is discarded before anything
    // is read from the store.
    if (s.store != nullptr && first_bar_start) {
        auto begun = begin_run(*s.store, *first_bar_start, s.result.redone);
        if (!begun.ok()) return begun.error();
        s.run = std::move(*begun);
    }
    std::vector<TradeRow> stored_trades;
    if (s.store != nullptr) {
        // The simulated venue of a run on a store with earlier trades holds what they explain:
        // positions, cash, and their open orders (expired with the earlier run's venue).
        auto trades = s.store->load_trades(TradeQuery{});
        if (!trades.ok()) return trades.error();
        stored_trades = std::move(*trades);
        AWET_TRY(s.broker.restore(stored_trades));
    }
    auto account_at_start = s.broker.account();
    if (!account_at_start.ok()) return account_at_start.error();
    s.account_at_start = *account_at_start;

    PipelineOptions pipeline_options;
    pipeline_options.persist = s.options.persist;
    s.pipeline = std::make_unique<Pipeline>(s.config, s.store, s.broker, default_model_loader(),
                                            pipeline_options);
    SimBroker& broker = s.broker;
    s.pipeline->set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    ReplayResult& result = s.result;
    s.pipeline->bus().subscribe(Topic::kExecutionCompleted, "replay", [&result](const Delivery& d) {
        const auto& r = std::get<ExecutionReport>(d.event);
        if (!r.fill_qty.is_zero()) result.fills.push_back(r);
        return Status::Ok();
    });
    return s.pipeline->start(stored_trades);
}

Status ReplayRun::feed(const MarketBar& bar) {
    State& s = *s_;
    AWET_TRY(s.pipeline->process(bar));
    ++s.bars;
    s.last_bar = bar.bar_start;
    if (s.options.progress && s.bars % kReplayProgressBars == 0)
        s.options.progress(ReplayProgress{s.bars, 0, s.last_bar});
    return Status::Ok();
}

Result<ReplayResult> ReplayRun::finish() {
    State& s = *s_;
    AWET_TRY(s.pipeline->finish());
    if (s.options.progress && s.bars > 0) s.options.progress(ReplayProgress{s.bars, 0, s.last_bar});
    if (s.run) {
        s.run->last_bar = s.last_bar;
        s.run->bars = s.bars;
        s.run->finished_at = WallClock().now();
        AWET_TRY(s.store->put_run(*s.run));
    }

    // This run's figures: what the book held before it (restored from the store) is not counted
    // again, but its open positions are marked and count as unrealized.
    ReplayResult& result = s.result;
    const Pipeline& pipeline = *s.pipeline;
    const Portfolio& book = pipeline.portfolio();
    const RestoredState& restored = pipeline.restored();
    result.restored = restored;
    result.counters = pipeline.counters();
    result.daily = pipeline.daily_rows();
    result.sessions = static_cast<int>(result.daily.size());
    result.realized = book.realized_pnl() - restored.realized;
    result.unrealized = book.unrealized_pnl();
    const auto& closed = book.closed_trades();
    for (size_t i = restored.closed_trades; i < closed.size(); ++i) {
        const ClosedTrade& t = closed[i];
        ++result.round_trips;
        if (t.net_pnl > Money{}) ++result.wins;
        if (t.net_pnl < Money{}) ++result.losses;
        result.pnl_by_symbol[t.symbol.str()] += t.net_pnl;
    }
    for (const auto& p : book.positions()) result.pnl_by_symbol[p.symbol.str()] += p.unrealized_pl;
    bool first = true;
    for (const auto& [symbol, pnl] : result.pnl_by_symbol) {
        if (first || pnl > result.best_pnl) result.best_symbol = symbol, result.best_pnl = pnl;
        if (first || pnl < result.worst_pnl) result.worst_symbol = symbol, result.worst_pnl = pnl;
        first = false;
    }
    auto account = s.broker.account();
    if (account.ok()) {
        result.broker_account = *account;
        result.broker_pnl = account->equity - s.account_at_start.equity;
    }
    result.reconcile = pipeline.last_reconcile();
    result.duplicate_orders = pipeline.execution().engine().stats().duplicates;
    result.ignored_signals = pipeline.risk().engine().ignored();
    result.inference = pipeline.inference_stats();
    return std::move(result);
}

Result<ReplayResult> replay_source(const Config& config, Store* store, MarketDataSource& source,
                                   const ReplayOptions& options) {
    auto first_bar = source.next();
    if (!first_bar.ok()) return first_bar.error();
    ReplayRun run(config, store, options);
    std::optional<Timestamp> first;
    if (first_bar->has_value()) first = (*first_bar)->bar_start;
    AWET_TRY(run.begin(first));
    for (auto next = std::move(first_bar);; next = source.next()) {
        if (!next.ok()) return next.error();
        if (!next->has_value()) break;
        AWET_TRY(run.feed(**next));
    }
    return run.finish();
}

Result<CsvBars> load_csv_bars(const std::vector<std::string>& paths,
                              const std::vector<std::string>& symbols, const BarLimits& limits) {
    auto files = expand_csv_paths(paths);
    if (!files.ok()) return files.error();
    CsvBars out;
    std::map<std::string, int64_t> rows_of;
    for (const auto& s : symbols) rows_of[s] = 0;
    for (const auto& file : *files) {
        auto sink = [&](const MarketBar& bar) {
            if (!symbols.empty()) {
                auto it = rows_of.find(bar.header.symbol.str());
                if (it == rows_of.end()) return;
                ++it->second;
            }
            out.bars.push_back(bar);
        };
        auto report = read_bars_csv(file, sink, Duration::minutes(1), limits);
        if (!report.ok()) return report.error();
        out.rejected += report->rejected;
        for (const auto& issue : report->issues) {
            logger("ingestion")
                ->warn("{}:{}: field '{}': {}", issue.file, issue.line, issue.field, issue.reason);
        }
    }
    for (const auto& [symbol, n] : rows_of) {
        if (n == 0) {
            std::string where;
            for (const auto& p : paths) where += (where.empty() ? "" : ", ") + p;
            return make_error(ErrorCode::kNotFound, "no bars of " + symbol + " in " + where);
        }
    }
    std::stable_sort(out.bars.begin(), out.bars.end(), [](const MarketBar& a, const MarketBar& b) {
        if (a.bar_start != b.bar_start) return a.bar_start < b.bar_start;
        return a.header.symbol < b.header.symbol;
    });
    return out;
}

namespace {

Result<std::vector<MarketBar>> load_market(const Config& config, const DemoOptions& options,
                                           DemoResult& result) {
    std::vector<MarketBar> bars;
    if (options.data_dir.empty()) {
        SyntheticMarketConfig market;
        market.seed = options.seed;
        market.symbols = config.data.symbols;
        market.days = options.train_days + options.days;
        bars = generate_synthetic_market(market);
        result.data_description = "seeded synthetic market (seed " + std::to_string(options.seed) +
                                  ", " + std::to_string(market.symbols.size()) + " symbols)";
        return bars;
    }
    auto csv = load_csv_bars({options.data_dir}, {}, bar_limits(config.data));
    if (!csv.ok()) return csv.error();
    bars = std::move(csv->bars);
    result.csv_rejected = csv->rejected;
    result.skipped_symbols = keep_symbols(bars, config.data.symbols);
    if (bars.empty()) {
        std::string held;
        for (const auto& [symbol, n] : result.skipped_symbols) held += " " + symbol;
        return make_error(ErrorCode::kNotFound, "none of data.symbols is in " + options.data_dir +
                                                    " (it holds" + held +
                                                    "): list the symbols to trade in data.symbols");
    }
    result.data_description = "CSV bars from " + options.data_dir;
    return bars;
}

}  // namespace

Result<DemoResult> run_demo(const Config& config, Store& store, const DemoOptions& options) {
    DemoResult result;
    auto market = load_market(config, options, result);
    if (!market.ok()) return market.error();
    auto sessions = split_sessions(*market);
    if (sessions.size() < 2) {
        return make_error(ErrorCode::kInvalidArgument,
                          "the demo needs at least 2 trading sessions of bars (one to train, one "
                          "to trade); got " +
                              std::to_string(sessions.size()));
    }
    size_t train_sessions =
        std::min<size_t>(static_cast<size_t>(std::max(1, options.train_days)), sessions.size() - 1);
    size_t trade_sessions = std::min<size_t>(static_cast<size_t>(std::max(1, options.days)),
                                             sessions.size() - train_sessions);

    // Training sessions: stored, featured, and the baseline trained, registered and promoted.
    std::vector<MarketBar> train_bars;
    for (size_t s = 0; s < train_sessions; ++s) {
        train_bars.insert(train_bars.end(), sessions[s].begin(), sessions[s].end());
    }
    auto train_features = compute_features(train_bars, options.seed);
    for (const auto& fv : train_features) AWET_TRY(store.put_features(fv));
    for (const auto& bar : train_bars) {
        auto r = store.put_bar(bar);
        if (!r.ok()) return r.error();
    }
    result.training_bars = static_cast<int64_t>(train_bars.size());
    result.train_sessions = static_cast<int>(train_sessions);
    result.trade_sessions = static_cast<int>(trade_sessions);
    result.train_from = SessionCalendar::to_local(sessions.front().front().bar_start).date;
    result.trade_from = SessionCalendar::to_local(sessions[train_sessions].front().bar_start).date;
    result.trade_to =
        SessionCalendar::to_local(sessions[train_sessions + trade_sessions - 1].front().bar_start)
            .date;
    const Timestamp trained_at = train_bars.back().bar_start + train_bars.back().interval;
    auto trained = train_and_register(store, config, train_features, trained_at);
    if (!trained.ok()) return trained.error();
    AWET_TRY(store.promote_model(trained->record.model_id, trained_at));
    AWET_TRY(store.flush());
    trained->record.status = ModelStatus::kGreen;
    result.model = *trained;

    // Trading sessions: every agent, EOD at each close.
    std::vector<MarketBar> trade_bars;
    for (size_t s = train_sessions; s < train_sessions + trade_sessions; ++s) {
        trade_bars.insert(trade_bars.end(), sessions[s].begin(), sessions[s].end());
    }
    ReplayOptions replay_options;
    replay_options.progress = options.progress;
    auto replay = replay_bars(config, &store, trade_bars, replay_options);
    if (!replay.ok()) return replay.error();
    result.replay = std::move(*replay);
    return result;
}

}  // namespace awet
