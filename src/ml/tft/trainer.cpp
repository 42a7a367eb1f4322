#include "trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>
#include <span>

#include "awet/calendar/calendar.hpp"
#include "model_io.hpp"

namespace awet::tft {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string format_eta(double seconds) {
    const auto s = static_cast<int64_t>(seconds + 0.5);
    return s >= 60 ? fmt::format("{}m{:02d}s", s / 60, s % 60) : fmt::format("{}s", s);
}

/// One line on stderr, redrawn in place: epoch, bar, running loss, last validation loss, ETA.
void draw_progress(int epoch, int epochs, double fraction, double loss, double val,
                   double eta_seconds) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r[tft] epoch %d/%d [%s] %3.0f%% loss %.4f val %s ETA %s   ", epoch,
                 epochs, bar.c_str(), fraction * 100, loss,
                 val > 0 ? fmt::format("{:.4f}", val).c_str() : "-",
                 format_eta(eta_seconds).c_str());
    std::fflush(stderr);
}

double mean_scaled_loss(TemporalFusionTransformer& model, const TftTensors& tensors,
                        std::span<const TftWindow> windows) {
    torch::NoGradGuard no_grad;
    model->eval();
    double total = 0;
    for (size_t i = 0; i < windows.size(); i += 512) {
        const auto part = windows.subspan(i, std::min<size_t>(512, windows.size() - i));
        const auto q = model->forward(tensors.inputs(part)).quantiles;
        total += pinball_loss(q, tensors.scaled_targets(part)).item<double>() *
                 static_cast<double>(part.size());
    }
    return windows.empty() ? 0.0 : total / static_cast<double>(windows.size());
}

json metrics_json(const TftSplitMetrics& m) {
    json h = json::array();
    for (size_t i = 0; i < kNumHorizons; ++i) {
        h.push_back({{"minutes", kHorizonsMinutes[i]},
                     {"pinball", m.pinball[i]},
                     {"coverage", m.coverage[i]}});
    }
    return {{"windows", m.windows}, {"horizons", h}};
}

std::string iso(Timestamp t) { return t.iso(); }

/// Fewer windows than this in a split: its metrics are noise more than skill.
constexpr size_t kFewSplitWindows = 100;

void split_warnings(const TftData& data, const TftCommonSessions& common, size_t symbols,
                    std::span<const TftWindow> val, std::span<const TftWindow> test,
                    std::vector<std::string>& out) {
    if (common.after_last > 0) {
        out.push_back(fmt::format(
            "{} session(s) after {} are left out: not every symbol has them (the split uses the "
            "{} sessions all {} symbols have)",
            common.after_last, SessionCalendar::to_local(common.starts.back()).date.to_string(),
            common.starts.size(), data.series.size()));
    }
    auto check = [&](const char* name, std::span<const TftWindow> windows) {
        if (windows.empty()) return;
        std::set<uint32_t> in_split;
        for (const auto& w : windows) in_split.insert(w.series);
        if (in_split.size() < symbols) {
            std::string missing;
            for (uint32_t i = 0; i < data.series.size(); ++i) {
                if (!in_split.contains(i)) missing += " " + data.series[i].symbol;
            }
            out.push_back(fmt::format("{} has {} of the {} symbols trained on (missing:{})", name,
                                      in_split.size(), symbols, missing));
        }
        if (windows.size() < kFewSplitWindows) {
            out.push_back(fmt::format(
                "{} has {} windows only: its metrics are noisy (more sessions: --{}-sessions)",
                name, windows.size(), name));
        }
    };
    check("validation", val);
    check("test", test);
}

}  // namespace

torch::Tensor log_return_targets(const TftData& data, std::span<const TftWindow> windows) {
    torch::Tensor y =
        torch::empty({static_cast<int64_t>(windows.size()), static_cast<int64_t>(kNumHorizons)});
    auto acc = y.accessor<float, 2>();
    for (size_t i = 0; i < windows.size(); ++i) {
        for (size_t h = 0; h < kNumHorizons; ++h) {
            acc[static_cast<int64_t>(i)][static_cast<int64_t>(h)] =
                data.series[windows[i].series].target[windows[i].end][h];
        }
    }
    return y;
}

torch::Tensor predict_log_returns(TemporalFusionTransformer& model, const TftTensors& tensors,
                                  std::span<const TftWindow> windows, int64_t batch) {
    torch::NoGradGuard no_grad;
    model->eval();
    std::vector<torch::Tensor> parts;
    for (size_t i = 0; i < windows.size(); i += static_cast<size_t>(batch)) {
        const auto part = windows.subspan(i, std::min<size_t>(batch, windows.size() - i));
        parts.push_back(model->forward(tensors.inputs(part)).quantiles *
                        tensors.scales(part).unsqueeze(-1));
    }
    if (parts.empty()) return torch::empty({0, static_cast<int64_t>(kNumHorizons), 3});
    return torch::cat(parts, 0);
}

TftSplitMetrics score_forecasts(const torch::Tensor& q, const torch::Tensor& y) {
    TftSplitMetrics m;
    m.windows = q.size(0);
    if (m.windows == 0) return m;
    const torch::Tensor tau = torch::tensor({0.1F, 0.5F, 0.9F});
    const torch::Tensor r = y.unsqueeze(-1) - q;
    const torch::Tensor loss =
        torch::max(tau * r, (tau - 1.0F) * r).mean(std::vector<int64_t>{0, 2});  // [H]
    const torch::Tensor inside =
        ((y >= q.select(-1, 0)) & (y <= q.select(-1, 2))).to(torch::kDouble).mean(0);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        m.pinball[h] = loss[static_cast<int64_t>(h)].item<double>();
        m.coverage[h] = inside[static_cast<int64_t>(h)].item<double>();
    }
    return m;
}

Result<TftTrainReport> train_tft(std::span<const FeatureVector> rows,
                                 const TftTrainOptions& options) {
    const TftHyperParams& hp = options.hp;
    if (hp.lookback < 1 || hp.hidden < 1 || hp.heads < 1 || hp.hidden % hp.heads != 0 ||
        hp.batch_size < 1 || hp.max_epochs < 1 || !(hp.learning_rate > 0)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "tft hyper-parameters: lookback, hidden, heads, batch_size, max_epochs "
                          "and learning_rate must be positive, hidden a multiple of heads");
    }
    if (options.model_id.empty() || options.model_dir.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "tft training needs a model_dir and model_id");
    }
    const TftData data = build_tft_data(rows);
    // Validation and test are the last sessions every symbol has: a symbol with sessions the
    // others lack (SPY, say) would otherwise be alone in them.
    const TftCommonSessions common = tft_common_sessions(data);
    const int sessions = static_cast<int>(common.starts.size());
    const int held_out =
        std::max(0, options.validation_sessions) + std::max(0, options.test_sessions);
    if (options.validation_sessions < 1 || sessions < held_out + 1) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("tft training needs at least {} sessions that every symbol "
                        "has ({} to train, {} validation, {} test) and at least 1 "
                        "validation session; the data has {} ({} sessions of any "
                        "of its {} symbols)",
                        held_out + 1, 1, options.validation_sessions, options.test_sessions,
                        sessions, common.all, data.series.size()));
    }
    const Timestamp start = tft_session_starts(data).front(), end = common.end;
    const Timestamp val_from = common.starts[static_cast<size_t>(sessions - held_out)];
    const Timestamp test_from =
        options.test_sessions > 0
            ? common.starts[static_cast<size_t>(sessions - options.test_sessions)]
            : end;

    TftNormalisation norm = fit_tft_normalisation(data, start, val_from);
    if (norm.symbols.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "tft training: no symbol has targets in the training period");
    }
    torch::manual_seed(hp.seed);
    at::set_num_threads(std::max(1, options.threads));
    const TftTensors tensors(data, norm, hp.lookback);
    std::vector<TftWindow> train =
        tensors.known_symbols(tft_windows(data, hp.lookback, start, val_from));
    const std::vector<TftWindow> val =
        tensors.known_symbols(tft_windows(data, hp.lookback, val_from, test_from));
    const std::vector<TftWindow> test =
        tensors.known_symbols(tft_windows(data, hp.lookback, test_from, end));
    if (train.size() < static_cast<size_t>(hp.batch_size) || val.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("tft training: {} training windows (need >= batch size {}) "
                                      "and {} validation windows (need > 0) of {} bars",
                                      train.size(), hp.batch_size, val.size(), hp.lookback));
    }

    TftConfig config;
    config.n_symbols = static_cast<int64_t>(norm.symbols.size());
    config.hidden = hp.hidden;
    config.heads = hp.heads;
    config.lookback = hp.lookback;
    config.dropout = hp.dropout;
    TemporalFusionTransformer model(config);
    torch::optim::AdamW optimiser(
        model->parameters(),
        torch::optim::AdamWOptions(hp.learning_rate).weight_decay(hp.weight_decay));

    TftTrainReport report;
    report.model_id = options.model_id;
    split_warnings(data, common, norm.symbols.size(), val, test, report.warnings);
    for (const auto& p : model->parameters()) report.parameters += p.numel();
    std::vector<torch::Tensor> best;
    double best_val = std::numeric_limits<double>::infinity();
    int since_best = 0;
    std::mt19937_64 rng(hp.seed);
    const auto t0 = Clock::now();
    double train_seconds = 0;
    int64_t windows_trained = 0;
    for (int epoch = 1; epoch <= hp.max_epochs; ++epoch) {
        const auto epoch_start = Clock::now();
        std::shuffle(train.begin(), train.end(), rng);
        size_t n = train.size();
        if (options.max_train_windows > 0) n = std::min<size_t>(n, options.max_train_windows);
        model->train();
        double running = 0;
        int64_t batches = 0;
        for (size_t i = 0; i + static_cast<size_t>(hp.batch_size) <= n;
             i += static_cast<size_t>(hp.batch_size)) {
            const auto part = std::span<const TftWindow>(train).subspan(i, hp.batch_size);
            optimiser.zero_grad();
            const torch::Tensor loss = pinball_loss(model->forward(tensors.inputs(part)).quantiles,
                                                    tensors.scaled_targets(part));
            loss.backward();
            torch::nn::utils::clip_grad_norm_(model->parameters(), hp.grad_clip);
            optimiser.step();
            running += loss.item<double>();
            ++batches;
            windows_trained += hp.batch_size;
            if (options.progress && batches % 8 == 0) {
                const double done = (epoch - 1 + static_cast<double>(i) / n) / hp.max_epochs;
                draw_progress(epoch, hp.max_epochs, static_cast<double>(i) / n, running / batches,
                              report.val_loss.empty() ? 0 : report.val_loss.back(),
                              seconds_since(t0) / std::max(done, 1e-9) * (1 - done));
            }
        }
        train_seconds += seconds_since(epoch_start);
        const double val_loss = mean_scaled_loss(model, tensors, val);
        report.train_loss.push_back(batches > 0 ? running / batches : 0);
        report.val_loss.push_back(val_loss);
        report.epochs_run = epoch;
        if (options.progress) {
            draw_progress(epoch, hp.max_epochs, 1.0, report.train_loss.back(), val_loss,
                          seconds_since(t0) / epoch * (hp.max_epochs - epoch));
            std::fprintf(stderr, "\n");
        }
        if (val_loss < best_val) {
            best_val = val_loss;
            report.best_epoch = epoch;
            since_best = 0;
            best.clear();
            for (const auto& p : model->parameters()) best.push_back(p.detach().clone());
        } else if (++since_best >= hp.patience) {
            break;
        }
    }
    {
        torch::NoGradGuard no_grad;
        auto params = model->parameters();
        for (size_t i = 0; i < params.size(); ++i) params[i].copy_(best[i]);
    }
    model->eval();
    report.seconds_per_epoch = train_seconds / report.epochs_run;
    report.train_windows_per_second = windows_trained / std::max(train_seconds, 1e-9);
    report.n_train = static_cast<int64_t>(train.size());
    report.n_val = static_cast<int64_t>(val.size());
    report.n_test = static_cast<int64_t>(test.size());
    const auto range = [&data](const std::vector<TftWindow>& w, Timestamp& from, Timestamp& to) {
        for (const auto& x : w) {
            const Timestamp t = data.series[x.series].ts[x.end];
            if (from == Timestamp{} || t < from) from = t;
            if (t > to) to = t;
        }
    };
    range(train, report.train_from, report.train_to);
    range(val, report.val_from, report.val_to);
    range(test, report.test_from, report.test_to);
    report.validation =
        score_forecasts(predict_log_returns(model, tensors, val), log_return_targets(data, val));
    report.test =
        score_forecasts(predict_log_returns(model, tensors, test), log_return_targets(data, test));

    json hyper = {{"lookback", hp.lookback},
                  {"hidden", hp.hidden},
                  {"heads", hp.heads},
                  {"dropout", hp.dropout},
                  {"learning_rate", hp.learning_rate},
                  {"weight_decay", hp.weight_decay},
                  {"grad_clip", hp.grad_clip},
                  {"batch_size", hp.batch_size},
                  {"max_epochs", hp.max_epochs},
                  {"patience", hp.patience},
                  {"seed", hp.seed},
                  {"threads", options.threads},
                  {"max_train_windows", options.max_train_windows},
                  {"validation_sessions", options.validation_sessions},
                  {"test_sessions", options.test_sessions}};
    json metrics = {{"validation", metrics_json(report.validation)},
                    {"test", metrics_json(report.test)},
                    {"best_epoch", report.best_epoch},
                    {"epochs_run", report.epochs_run},
                    {"train_loss", report.train_loss},
                    {"val_loss", report.val_loss},
                    {"seconds_per_epoch", report.seconds_per_epoch},
                    {"train_windows_per_second", report.train_windows_per_second},
                    {"parameters", report.parameters}};
    json data_range = {
        {"rows", data.rows_in},
        {"sessions", sessions},
        {"train",
         {{"windows", report.n_train},
          {"from", iso(report.train_from)},
          {"to", iso(report.train_to)}}},
        {"validation",
         {{"windows", report.n_val}, {"from", iso(report.val_from)}, {"to", iso(report.val_to)}}},
        {"test",
         {{"windows", report.n_test},
          {"from", report.n_test ? iso(report.test_from) : ""},
          {"to", report.n_test ? iso(report.test_to) : ""}}}};
    TftArtifact artifact{
        options.model_id,
        config,
        norm,
        {{"hyper_parameters", hyper},
         {"data", data_range},
         {"metrics", metrics},
         {"git_revision", options.git_revision.empty() ? "unknown" : options.git_revision}}};
    auto saved = save_tft(model, artifact, options.model_dir);
    if (!saved.ok()) return saved.error();
    report.metadata_path = *saved;
    report.weights_path = options.model_dir + "/" + options.model_id + ".pt";
    report.metrics_json = metrics.dump();
    json params = {
        {"model_type", "tft"},
        {"hyper_parameters", hyper},
        {"data", data_range},
        {"observed_inputs",
         std::vector<std::string>(kTftObservedNames.begin(), kTftObservedNames.end())},
        {"known_inputs", std::vector<std::string>(kTftKnownNames.begin(), kTftKnownNames.end())},
        {"symbols", norm.symbols},
        {"git_revision", artifact.record["git_revision"]}};
    report.params_json = params.dump();
    return report;
}

}  // namespace awet::tft
