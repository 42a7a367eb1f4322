// The TFT in libtorch: building blocks, causality, the cached forecaster, the artifact, training.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "awet/calendar/calendar.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet_test_support.hpp"
#include "model_io.hpp"
#include "tft_forecaster.hpp"
#include "trainer.hpp"

namespace awet::tft {
namespace {

using awet::testing::TempDir;

TftConfig small_config() {
    TftConfig c;
    c.n_symbols = 3;
    c.hidden = 8;
    c.heads = 2;
    c.lookback = 16;
    c.dropout = 0.0;
    return c;
}

TftInputs random_inputs(const TftConfig& c, int64_t b) {
    return {torch::randint(0, c.n_symbols, {b}, torch::kLong),
            torch::randn({b, c.lookback, c.n_observed}), torch::randn({b, c.lookback, c.n_known}),
            torch::randn({b, c.n_horizons, c.n_known})};
}

TEST(TftModel, ShapesWeightsAndOrderedQuantiles) {
    torch::manual_seed(1);
    const TftConfig c = small_config();
    TemporalFusionTransformer model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    const TftOutputs o = model->forward(random_inputs(c, 5));
    EXPECT_EQ(o.quantiles.sizes(), (std::vector<int64_t>{5, 3, 3}));
    EXPECT_EQ(o.encoder_weights.sizes(), (std::vector<int64_t>{5, 16, 13}));
    EXPECT_EQ(o.decoder_weights.sizes(), (std::vector<int64_t>{5, 3, 3}));
    EXPECT_EQ(o.attention.sizes(), (std::vector<int64_t>{5, 3, 19}));
    // Selection and attention weights are distributions.
    EXPECT_TRUE(torch::allclose(o.encoder_weights.sum(-1), torch::ones({5, 16})));
    EXPECT_TRUE(torch::allclose(o.decoder_weights.sum(-1), torch::ones({5, 3})));
    EXPECT_TRUE(torch::allclose(o.attention.sum(-1), torch::ones({5, 3})));
    // Quantiles never cross.
    EXPECT_TRUE((o.quantiles.select(-1, 0) <= o.quantiles.select(-1, 1)).all().item<bool>());
    EXPECT_TRUE((o.quantiles.select(-1, 1) <= o.quantiles.select(-1, 2)).all().item<bool>());
}

TEST(TftModel, AttentionIsCausalOverTheDecoderSteps) {
    torch::manual_seed(2);
    const TftConfig c = small_config();
    TemporalFusionTransformer model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    TftInputs in = random_inputs(c, 4);
    const TftOutputs o = model->forward(in);
    const int64_t L = c.lookback;
    // Horizon i sees the encoder and decoder steps <= i, nothing later.
    EXPECT_EQ(o.attention.select(1, 0).slice(1, L + 1).abs().max().item<float>(), 0.0F);
    EXPECT_EQ(o.attention.select(1, 1).slice(1, L + 2).abs().max().item<float>(), 0.0F);
    EXPECT_GT(o.attention.select(1, 2).select(1, L + 2).min().item<float>(), 0.0F);
    // Changing the last horizon's known inputs leaves the earlier horizons' outputs unchanged.
    in.decoder_known.select(1, 2).add_(3.0);
    const TftOutputs changed = model->forward(in);
    EXPECT_TRUE(torch::equal(changed.quantiles.slice(1, 0, 2), o.quantiles.slice(1, 0, 2)));
    EXPECT_FALSE(torch::equal(changed.quantiles.select(1, 2), o.quantiles.select(1, 2)));
}

TEST(TftModel, StagedForwardEqualsForward) {
    torch::manual_seed(3);
    const TftConfig c = small_config();
    TemporalFusionTransformer model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    const TftInputs in = random_inputs(c, 3);
    const StaticContexts ctx = model->static_contexts(in.symbol);
    // Selecting one position at a time (as the forecaster does) == selecting the window at once.
    std::vector<torch::Tensor> emb, w;
    for (int64_t t = 0; t < c.lookback; ++t) {
        auto one = model->select_encoder(in.encoder_observed.slice(1, t, t + 1),
                                         in.encoder_known.slice(1, t, t + 1), ctx);
        emb.push_back(one.embedding);
        w.push_back(one.weights);
    }
    const TftOutputs staged =
        model->decode({torch::cat(emb, 1), torch::cat(w, 1)}, in.decoder_known, ctx);
    const TftOutputs whole = model->forward(in);
    EXPECT_TRUE(torch::allclose(staged.quantiles, whole.quantiles, 1e-5, 1e-6));
}

TEST(TftModel, PinballLossMatchesTheDefinition) {
    // y = 1, q = (0, 1, 2): losses 0.1*1, 0, 0.1*1 (q90 above y: (1-0.9)*1) -> mean 0.2/3.
    const torch::Tensor q = torch::tensor({0.0F, 1.0F, 2.0F}).view({1, 1, 3});
    const torch::Tensor y = torch::tensor({1.0F}).view({1, 1});
    EXPECT_NEAR(pinball_loss(q, y).item<double>(), 0.2 / 3, 1e-7);
}

/// A small synthetic market as feature rows: 3 symbols, `days` sessions.
std::vector<FeatureVector> market_rows(int days, uint64_t seed = 11) {
    SyntheticMarketConfig m;
    m.seed = seed;
    m.symbols = {"AAA", "BBB", "CCC"};
    m.days = days;
    return compute_features(generate_synthetic_market(m), seed);
}

TftTrainOptions small_options(const TempDir& dir, const std::string& id) {
    TftTrainOptions o;
    o.hp.lookback = 16;
    o.hp.hidden = 8;
    o.hp.heads = 2;
    o.hp.batch_size = 64;
    o.hp.max_epochs = 2;
    o.hp.dropout = 0.1;
    o.max_train_windows = 1024;
    o.validation_sessions = 1;
    o.test_sessions = 1;
    o.model_dir = dir.path().string();
    o.model_id = id;
    o.git_revision = "test";
    return o;
}

class TftTrained : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        rows_ = new std::vector<FeatureVector>(market_rows(4));
        auto r = train_tft(*rows_, small_options(*dir_, "tft-a"));
        ASSERT_TRUE(r.ok()) << r.error().message;
        report_ = new TftTrainReport(*r);
    }
    static void TearDownTestSuite() {
        delete report_;
        delete rows_;
        delete dir_;
    }
    static TempDir* dir_;
    static std::vector<FeatureVector>* rows_;
    static TftTrainReport* report_;
};
TempDir* TftTrained::dir_ = nullptr;
std::vector<FeatureVector>* TftTrained::rows_ = nullptr;
TftTrainReport* TftTrained::report_ = nullptr;

TEST_F(TftTrained, ReportAndArtifact) {
    const TftTrainReport& r = *report_;
    EXPECT_GT(r.n_train, 0);
    EXPECT_GT(r.n_val, 0);
    EXPECT_GT(r.n_test, 0);
    // Time-ordered split: train < validation < test.
    EXPECT_LT(r.train_to, r.val_from);
    EXPECT_LT(r.val_to, r.test_from);
    EXPECT_EQ(r.epochs_run, 2);
    EXPECT_GE(r.best_epoch, 1);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        EXPECT_GT(r.validation.pinball[h], 0);
        EXPECT_GT(r.test.coverage[h], 0);
    }
    EXPECT_TRUE(std::filesystem::exists(r.metadata_path));
    EXPECT_TRUE(std::filesystem::exists(r.weights_path));
    auto meta = nlohmann::json::parse(std::ifstream(r.metadata_path));
    EXPECT_EQ(meta["model_type"], "tft");
    EXPECT_EQ(meta["normalisation"]["symbols"], (std::vector<std::string>{"AAA", "BBB", "CCC"}));
    EXPECT_EQ(meta["record"]["git_revision"], "test");
    EXPECT_EQ(meta["record"]["hyper_parameters"]["lookback"], 16);
    EXPECT_TRUE(meta["record"]["metrics"].contains("test"));
    EXPECT_NE(r.metrics_json.find("\"validation\""), std::string::npos);
}

TEST_F(TftTrained, TrainingIsReproducible) {
    TempDir other;
    auto again = train_tft(*rows_, small_options(other, "tft-a"));
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->train_loss, report_->train_loss);
    EXPECT_EQ(again->val_loss, report_->val_loss);
    EXPECT_EQ(again->validation.pinball, report_->validation.pinball);
}

TEST_F(TftTrained, SaveLoadRoundTripGivesIdenticalOutputs) {
    auto a = load_tft(report_->metadata_path);
    ASSERT_TRUE(a.ok()) << a.error().message;
    TempDir copy;
    auto path = save_tft(a->model, a->artifact, copy.path().string());
    ASSERT_TRUE(path.ok());
    auto b = load_tft(*path);
    ASSERT_TRUE(b.ok()) << b.error().message;
    torch::manual_seed(5);
    const TftInputs in = random_inputs(a->artifact.config, 7);
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(a->model->forward(in).quantiles, b->model->forward(in).quantiles));
    EXPECT_EQ(b->artifact.norm.symbols, a->artifact.norm.symbols);
    EXPECT_EQ(b->artifact.norm.mean, a->artifact.norm.mean);
}

TEST_F(TftTrained, BadArtifactsGiveClearErrors) {
    namespace fs = std::filesystem;
    TempDir bad;
    const fs::path meta = bad.file("m.json"), weights = bad.file("tft-a.pt");
    fs::copy_file(report_->metadata_path, meta);
    fs::copy_file(report_->weights_path, weights);
    ASSERT_TRUE(load_tft(meta.string()).ok());

    // Truncated weights.
    fs::resize_file(weights, fs::file_size(weights) / 2);
    auto truncated = load_tft(meta.string());
    ASSERT_FALSE(truncated.ok());
    EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos)
        << truncated.error().message;
    EXPECT_NE(truncated.error().message.find("tft-a.pt"), std::string::npos);

    // Same size, one byte changed.
    fs::copy_file(report_->weights_path, weights, fs::copy_options::overwrite_existing);
    {
        std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(fs::file_size(weights) / 2));
        f.put('\x7f');
    }
    auto altered = load_tft(meta.string());
    ASSERT_FALSE(altered.ok());
    EXPECT_NE(altered.error().message.find("checksum"), std::string::npos);

    // Metadata that is not JSON, or not a TFT.
    std::ofstream(bad.file("junk.json")) << "{ not json";
    auto junk = load_tft(bad.file("junk.json"));
    ASSERT_FALSE(junk.ok());
    EXPECT_NE(junk.error().message.find("junk.json"), std::string::npos);
    std::ofstream(bad.file("linear.json")) << R"({"model_type": "linear_quantile"})";
    auto linear = load_tft(bad.file("linear.json"));
    ASSERT_FALSE(linear.ok());
    EXPECT_NE(linear.error().message.find("not 'tft'"), std::string::npos);
    EXPECT_FALSE(load_tft(bad.file("missing.json")).ok());
}

/// Streams rows bar by bar through the forecaster, one batch per bar start.
std::map<std::pair<std::string, int64_t>, HorizonForecasts> stream(
    Forecaster& f, const std::vector<FeatureVector>& rows) {
    std::map<std::pair<std::string, int64_t>, HorizonForecasts> out;
    size_t i = 0;
    while (i < rows.size()) {
        size_t j = i;
        while (j < rows.size() && rows[j].bar_start == rows[i].bar_start) ++j;
        std::vector<std::optional<HorizonForecasts>> q(j - i);
        f.forecast_batch(std::span(rows).subspan(i, j - i), q);
        for (size_t k = i; k < j; ++k) {
            if (q[k - i]) out[{rows[k].header.symbol.str(), rows[k].bar_start.ns()}] = *q[k - i];
        }
        i = j;
    }
    return out;
}

TEST_F(TftTrained, CachedForecasterEqualsTheWindowForwardPass) {
    auto loaded = load_tft(report_->metadata_path);
    ASSERT_TRUE(loaded.ok());
    TftForecaster forecaster(std::move(*loaded));
    EXPECT_TRUE(forecaster.batches_by_timestamp());
    const auto streamed = stream(forecaster, *rows_);

    auto module = load_tft_module();
    ASSERT_TRUE(module.ok()) << module.error().message;
    auto windows = (*module)->forecast_windows(report_->metadata_path, *rows_, Timestamp{},
                                               Timestamp::from_ns(INT64_MAX));
    ASSERT_TRUE(windows.ok()) << windows.error().message;
    ASSERT_GT(windows->size(), 100U);
    EXPECT_EQ(windows->size(), streamed.size());
    for (const auto& w : *windows) {
        auto it = streamed.find(std::make_pair(w.symbol, w.bar_start.ns()));
        ASSERT_NE(it, streamed.end()) << w.symbol << " " << w.bar_start.iso();
        for (size_t h = 0; h < kNumHorizons; ++h) {
            // Same numbers up to float rounding: 1e-5 of the forecast's q10-q90 spread.
            const double tol = 1e-5 * (w.q[h].q90 - w.q[h].q10);
            EXPECT_NEAR(it->second[h].q10, w.q[h].q10, tol);
            EXPECT_NEAR(it->second[h].q50, w.q[h].q50, tol);
            EXPECT_NEAR(it->second[h].q90, w.q[h].q90, tol);
        }
    }
    const InferenceStats stats = forecaster.inference_stats();
    EXPECT_GT(stats.batches, 0);
    EXPECT_EQ(stats.rows, static_cast<int64_t>(streamed.size()));
    EXPECT_GT(stats.p99_us, 0);
}

TEST_F(TftTrained, NoFutureBarLeaksIntoAPrediction) {
    // Perturb every bar after a cut: forecasts at or before it are unchanged, later ones change.
    const Timestamp cut = (*rows_)[rows_->size() / 2].bar_start;
    std::vector<FeatureVector> perturbed = *rows_;
    for (auto& fv : perturbed) {
        if (fv.bar_start <= cut) continue;
        fv.close = Price::from_double(fv.close.to_double() * 1.03);
        for (auto& v : fv.values) v *= 1.5;
        fv.volume = Quantity::from_double(fv.volume.to_double() * 3 + 100);
    }
    auto a = load_tft(report_->metadata_path), b = load_tft(report_->metadata_path);
    ASSERT_TRUE(a.ok() && b.ok());
    TftForecaster fa(std::move(*a)), fb(std::move(*b));
    const auto base = stream(fa, *rows_);
    const auto other = stream(fb, perturbed);
    int before = 0, after_changed = 0;
    for (const auto& [key, q] : base) {
        auto it = other.find(key);
        if (Timestamp::from_ns(key.second) <= cut) {
            ASSERT_NE(it, other.end());
            ++before;
            for (size_t h = 0; h < kNumHorizons; ++h) EXPECT_EQ(it->second[h].q50, q[h].q50);
        } else if (it != other.end() && it->second[0].q50 != q[0].q50) {
            ++after_changed;
        }
    }
    EXPECT_GT(before, 100);
    EXPECT_GT(after_changed, 100);
}

TEST_F(TftTrained, UnknownSymbolsAndWarmUpGiveNoForecast) {
    auto loaded = load_tft(report_->metadata_path);
    ASSERT_TRUE(loaded.ok());
    TftForecaster forecaster(std::move(*loaded));
    FeatureVector fv = rows_->back();
    fv.header.symbol = Symbol("ZZZ");
    EXPECT_FALSE(forecaster.forecast(fv).has_value());
    // A known symbol needs `lookback` complete rows first.
    int produced = 0, seen = 0;
    for (const auto& row : *rows_) {
        if (row.header.symbol.view() != "AAA") continue;
        const bool got = forecaster.forecast(row).has_value();
        if (row.complete()) ++seen;
        if (got) ++produced;
        if (got) {
            EXPECT_GE(seen, 16);
        }
    }
    EXPECT_GT(produced, 0);
}

TEST(TftTraining, ValidationAndTestAreSessionsEverySymbolHas) {
    // Six sessions of AAA, BBB and CCC, the last two of AAA alone (as SPY's in the shared bars).
    std::vector<FeatureVector> rows = market_rows(6);
    std::vector<Date> days;
    for (const auto& fv : rows) {
        const Date d = SessionCalendar::to_local(fv.bar_start).date;
        if (days.empty() || days.back() != d) days.push_back(d);
    }
    ASSERT_EQ(days.size(), 6U);
    const Timestamp fifth = SessionCalendar::from_local(days[4], 0);
    std::erase_if(rows, [&](const FeatureVector& fv) {
        return fv.bar_start >= fifth && fv.header.symbol != "AAA";
    });
    TempDir dir;
    auto r = train_tft(rows, small_options(dir, "tft-uneven"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    // Validation is the third session, test the fourth: both before AAA's lone sessions.
    EXPECT_LT(r->test_to, fifth);
    EXPECT_EQ(SessionCalendar::to_local(r->val_from).date, days[2]);
    EXPECT_EQ(SessionCalendar::to_local(r->test_from).date, days[3]);
    std::string warnings;
    for (const auto& w : r->warnings) warnings += w + "\n";
    EXPECT_NE(warnings.find("2 session(s) after " + days[3].to_string() + " are left out"),
              std::string::npos)
        << warnings;
    EXPECT_EQ(warnings.find("symbols trained on"), std::string::npos) << warnings;

    // The same data with every session common: no session left out.
    auto even = train_tft(market_rows(6), small_options(dir, "tft-even"));
    ASSERT_TRUE(even.ok()) << even.error().message;
    for (const auto& w : even->warnings) EXPECT_EQ(w.find("left out"), std::string::npos) << w;
}

TEST(TftTraining, RejectsTooLittleData) {
    TempDir dir;
    auto r = train_tft(market_rows(2), small_options(dir, "x"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("sessions"), std::string::npos) << r.error().message;
    TftTrainOptions bad = small_options(dir, "x");
    bad.hp.hidden = 10;
    bad.hp.heads = 4;
    EXPECT_FALSE(train_tft(market_rows(4), bad).ok());
}

}  // namespace
}  // namespace awet::tft
