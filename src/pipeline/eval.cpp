#include "awet/pipeline/eval.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "awet/calendar/calendar.hpp"
#include "awet/ml/dataset.hpp"
#include "awet/ml/linear_model.hpp"
#include "awet/ml/quantile_regression.hpp"
#include "awet/pipeline/runner.hpp"

namespace awet {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::array<const char*, 4> kModels = {"tft", "linear", "empirical", "zero"};

Date local_date(Timestamp t) { return SessionCalendar::to_local(t).date; }

/// Accumulates the mean pinball loss over q10/q50/q90 and the q10-q90 coverage per horizon.
struct Scorer {
    std::array<double, kNumHorizons> loss{};
    std::array<int64_t, kNumHorizons> covered{};
    int64_t n = 0;

    void add(const HorizonForecasts& q, const std::array<float, kNumHorizons>& y) {
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const double t = y[h];
            loss[h] += (pinball_loss(t, q[h].q10, kQuantileLevels[0]) +
                        pinball_loss(t, q[h].q50, kQuantileLevels[1]) +
                        pinball_loss(t, q[h].q90, kQuantileLevels[2])) /
                       3.0;
            if (q[h].q10 <= t && t <= q[h].q90) ++covered[h];
        }
        ++n;
    }
    EvalScores result(const std::string& name) const {
        EvalScores s;
        s.name = name;
        for (size_t h = 0; h < kNumHorizons; ++h) {
            s.pinball[h] = n > 0 ? loss[h] / static_cast<double>(n) : 0.0;
            s.coverage[h] = n > 0 ? static_cast<double>(covered[h]) / static_cast<double>(n) : 0.0;
        }
        return s;
    }
};

}  // namespace

const EvalScores& TftEvalReport::score(const std::string& name) const {
    for (const auto& s : scores) {
        if (s.name == name) return s;
    }
    static const EvalScores none;
    return none;
}

bool TftEvalReport::tft_beats_baselines(size_t h) const {
    const double tft = score("tft").pinball[h];
    return tft < score("linear").pinball[h] && tft < score("empirical").pinball[h];
}

std::string TftEvalReport::table() const {
    std::string symbols_text;
    for (const auto& s : symbols) symbols_text += (symbols_text.empty() ? "" : " ") + s;
    std::string out =
        fmt::format("TFT evaluation on {} ({} symbols: {})\n", data, symbols.size(), symbols_text);
    out += fmt::format("  sessions    {} to train ({} .. {}), {} to test ({} .. {}), of {}\n",
                       train_sessions, train_from.to_string(), train_to.to_string(), test_sessions,
                       test_from.to_string(), test_to.to_string(), sessions_total);
    out += fmt::format(
        "  TFT         {} train / {} validation windows, {} parameters; {} epochs (best {}), "
        "{:.1f} s per epoch, {:.0f} windows/s; training {:.1f} s\n",
        tft.n_train, tft.n_val, tft.parameters, tft.epochs_run, tft.best_epoch,
        tft.seconds_per_epoch, tft.train_windows_per_second, tft_train_seconds);
    out += fmt::format("  linear      {} training rows\n", linear_train_rows);
    out += fmt::format(
        "  test        {} windows scored ({} without a realised target, {} without a linear "
        "forecast: not scored); TFT inference {:.0f} windows/s\n",
        test_windows, without_target, without_linear, tft_forecast_windows_per_second);
    out += "\nmean pinball loss over q10/q50/q90 x1e4 (lower is better), q10-q90 coverage\n";
    out += fmt::format("  {:<10}", "model");
    for (int m : kHorizonsMinutes) out += fmt::format(" {:>20}", fmt::format("{}m", m));
    out += "\n";
    for (const auto& s : scores) {
        out += fmt::format("  {:<10}", s.name);
        for (size_t h = 0; h < kNumHorizons; ++h) {
            out += fmt::format(" {:>20}", fmt::format("{:.4f} ({:5.1f}%)", s.pinball[h] * 1e4,
                                                      s.coverage[h] * 100));
        }
        out += "\n";
    }
    out += "\n";
    for (size_t h = 0; h < kNumHorizons; ++h) {
        const double cov = score("tft").coverage[h];
        out += fmt::format("  {}m: TFT beats linear and empirical: {}; coverage {:.1f}% ({})\n",
                           kHorizonsMinutes[h], tft_beats_baselines(h) ? "yes" : "no", cov * 100,
                           cov >= 0.7 && cov <= 0.9 ? "within 70-90%" : "outside 70-90%");
    }
    return out;
}

std::string TftEvalReport::json() const {
    nlohmann::json j;
    j["data"] = data;
    j["symbols"] = symbols;
    j["sessions"] = {{"total", sessions_total},
                     {"train", train_sessions},
                     {"test", test_sessions},
                     {"train_from", train_from.to_string()},
                     {"train_to", train_to.to_string()},
                     {"test_from", test_from.to_string()},
                     {"test_to", test_to.to_string()}};
    j["bars"] = bars;
    j["test_windows"] = test_windows;
    j["windows_without_target"] = without_target;
    j["windows_without_linear_forecast"] = without_linear;
    j["tft_training"] = {{"model_id", tft.model_id},
                         {"train_windows", tft.n_train},
                         {"validation_windows", tft.n_val},
                         {"parameters", tft.parameters},
                         {"epochs", tft.epochs_run},
                         {"best_epoch", tft.best_epoch},
                         {"seconds_per_epoch", tft.seconds_per_epoch},
                         {"train_windows_per_second", tft.train_windows_per_second},
                         {"train_seconds", tft_train_seconds},
                         {"train_loss", tft.train_loss},
                         {"validation_loss", tft.val_loss}};
    j["tft_forecast_windows_per_second"] = tft_forecast_windows_per_second;
    j["linear_train_rows"] = linear_train_rows;
    j["empirical_quantiles"] = empirical_quantiles;
    j["horizons_minutes"] = kHorizonsMinutes;
    nlohmann::json models = nlohmann::json::object();
    for (const auto& s : scores) {
        models[s.name] = {{"pinball", s.pinball}, {"coverage_q10_q90", s.coverage}};
    }
    j["models"] = models;
    nlohmann::json verdict = nlohmann::json::array();
    for (size_t h = 0; h < kNumHorizons; ++h) verdict.push_back(tft_beats_baselines(h));
    j["tft_beats_linear_and_empirical"] = verdict;
    return j.dump(2);
}

Result<TftEvalReport> run_tft_eval(const TftEvalOptions& options) {
    if (options.train_sessions < 2) {
        return make_error(ErrorCode::kInvalidArgument,
                          "eval: --train-sessions must be at least 2 (the last one is the TFT's "
                          "validation session); got " +
                              std::to_string(options.train_sessions));
    }
    if (options.test_sessions < 1) {
        return make_error(ErrorCode::kInvalidArgument,
                          "eval: --test-sessions must be at least 1; got " +
                              std::to_string(options.test_sessions));
    }
    if (options.model_dir.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "eval: no model directory given");
    }
    if (!std::filesystem::exists(options.data_dir)) {
        return make_error(ErrorCode::kNotFound,
                          "eval: data directory " + options.data_dir + " does not exist");
    }
    auto csv = load_csv_bars({options.data_dir}, options.symbols);
    if (!csv.ok()) return csv.error();
    const std::vector<MarketBar>& bars = csv->bars;
    const auto sessions = split_sessions(bars);
    const auto total = static_cast<int>(sessions.size());
    if (options.train_sessions + options.test_sessions > total) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("eval: {} train + {} test sessions asked for, {} has {}",
                        options.train_sessions, options.test_sessions, options.data_dir, total));
    }

    TftEvalReport report;
    report.data = "CSV bars from " + options.data_dir;
    std::set<std::string> symbols;
    for (const auto& b : bars) symbols.insert(b.header.symbol.str());
    report.symbols.assign(symbols.begin(), symbols.end());
    report.sessions_total = total;
    report.train_sessions = options.train_sessions;
    report.test_sessions = options.test_sessions;
    report.bars = static_cast<int64_t>(bars.size());
    const auto& first_train = sessions.front();
    const auto& last_train = sessions[static_cast<size_t>(options.train_sessions) - 1];
    const auto& first_test = sessions[static_cast<size_t>(total - options.test_sessions)];
    const auto& last_test = sessions.back();
    report.train_from = local_date(first_train.front().bar_start);
    report.train_to = local_date(last_train.front().bar_start);
    report.test_from = local_date(first_test.front().bar_start);
    report.test_to = local_date(last_test.front().bar_start);
    const Timestamp train_end = last_train.back().bar_start + Duration::nanos(1);
    const Timestamp test_start = first_test.front().bar_start;
    const Timestamp test_end = last_test.back().bar_start + Duration::nanos(1);

    // Features are causal: computed once over every bar, the training sessions' rows are the
    // same as if computed on those sessions alone.
    const std::vector<FeatureVector> rows = compute_features(bars, options.seed);
    std::vector<FeatureVector> train_rows;
    for (const auto& fv : rows) {
        if (fv.bar_start < train_end) train_rows.push_back(fv);
    }

    std::error_code ec;
    std::filesystem::create_directories(options.model_dir, ec);
    if (ec) {
        return make_error(ErrorCode::kIo,
                          "eval: cannot create " + options.model_dir + ": " + ec.message());
    }
    const std::string stem = "eval-" + report.test_from.to_string();

    // 1. The TFT, trained on the training sessions only.
    auto module = load_tft_module();
    if (!module.ok()) return module.error();
    TftTrainOptions train_options;
    train_options.hp = options.hp;
    train_options.validation_sessions = 1;
    train_options.test_sessions = 0;
    train_options.max_train_windows = options.max_train_windows;
    train_options.threads = options.threads;
    train_options.progress = options.progress;
    train_options.model_dir = options.model_dir;
    train_options.model_id = stem + "-tft";
    train_options.git_revision = options.git_revision;
    const auto train_start = SteadyClock::now();
    auto trained = (*module)->train(train_rows, train_options);
    if (!trained.ok()) return trained.error();
    report.tft_train_seconds =
        std::chrono::duration<double>(SteadyClock::now() - train_start).count();
    report.tft = *trained;

    const auto forecast_start = SteadyClock::now();
    auto windows = (*module)->forecast_windows(trained->metadata_path, rows, test_start, test_end);
    if (!windows.ok()) return windows.error();
    const double forecast_seconds =
        std::chrono::duration<double>(SteadyClock::now() - forecast_start).count();
    if (forecast_seconds > 0) {
        report.tft_forecast_windows_per_second =
            static_cast<double>(windows->size()) / forecast_seconds;
    }

    // 2. The linear baseline, as `awet train --model linear` trains it.
    TrainOptions linear_options;
    linear_options.model_dir = options.model_dir;
    linear_options.model_id = stem + "-linear";
    auto linear_report = train_linear_model(train_rows, linear_options);
    if (!linear_report.ok()) return linear_report.error();
    report.linear_train_rows = static_cast<int64_t>(linear_report->n_train);
    auto linear = LinearQuantileModel::load(linear_report->path);
    if (!linear.ok()) return linear.error();

    // 3. The empirical quantiles of the training targets, per horizon.
    const Dataset train_data = build_dataset(train_rows);
    if (train_data.size() == 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "eval: the training sessions give no rows with targets");
    }
    HorizonForecasts empirical{};
    for (size_t h = 0; h < kNumHorizons; ++h) {
        std::vector<double> ys;
        ys.reserve(train_data.size());
        for (const auto& y : train_data.y) ys.push_back(y[h]);
        std::array<double, 3> q{};
        for (size_t k = 0; k < 3; ++k) q[k] = empirical_quantile(ys, kQuantileLevels[k]);
        report.empirical_quantiles[h] = q;
        empirical[h] = {q[0], q[1], q[2]};
    }

    // 4. Every forecaster on exactly the TFT's test windows with a realised target.
    std::map<std::pair<std::string, int64_t>, size_t> row_of;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].bar_start >= test_start) {
            row_of.emplace(std::make_pair(rows[i].header.symbol.str(), rows[i].bar_start.ns()), i);
        }
    }
    Scorer tft_score, linear_score, empirical_score, zero_score;
    for (const auto& w : *windows) {
        if (!w.has_target) {
            ++report.without_target;
            continue;
        }
        auto it = row_of.find({w.symbol, w.bar_start.ns()});
        std::optional<HorizonForecasts> lin;
        if (it != row_of.end()) lin = (*linear)->forecast(rows[it->second]);
        if (!lin) {
            ++report.without_linear;
            continue;
        }
        tft_score.add(w.q, w.target);
        linear_score.add(*lin, w.target);
        empirical_score.add(empirical, w.target);
        zero_score.add(HorizonForecasts{}, w.target);
    }
    report.test_windows = tft_score.n;
    if (report.test_windows == 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "eval: no test window with a realised target (lookback " +
                              std::to_string(options.hp.lookback) + " bars)");
    }
    report.scores = {tft_score.result(kModels[0]), linear_score.result(kModels[1]),
                     empirical_score.result(kModels[2]), zero_score.result(kModels[3])};
    return report;
}

}  // namespace awet
