// The TFT in the pipeline and in the evaluation, reached the way the product reaches it: through
// the registry, default_model_loader() and load_tft_module() (dlopen). Tiny models on two symbols
// of the real 1-minute bars, so that each test takes seconds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "awet/execution/sim_broker.hpp"
#include "awet/ml/dataset.hpp"
#include "awet/ml/quantile_regression.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/pipeline/eval.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

std::string bars_dir() { return (testing::shared_data() / "bars" / "1min").string(); }

TftHyperParams tiny() {
    TftHyperParams hp;
    hp.lookback = 16;
    hp.hidden = 8;
    hp.batch_size = 32;
    hp.max_epochs = 1;
    hp.seed = 3;
    return hp;
}

class TftPipeline : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ::setenv("AWET_TFT_MODULE", AWET_TFT_MODULE_PATH, 1); }

    void SetUp() override {
        config_.prediction.model_dir = dir_.file("models");
        config_.prediction.reload_check_bars = 1;
        auto csv = load_csv_bars({bars_dir()}, {"AAPL", "MSFT"});
        ASSERT_TRUE(csv.ok()) << csv.error().message;
        sessions_ = split_sessions(csv->bars);
        ASSERT_GE(sessions_.size(), 6u);
        auto store = SqliteStore::open(dir_.file("t.db"), 1000);
        ASSERT_TRUE(store.ok());
        store_ = std::move(*store);
        ASSERT_TRUE(store_->migrate().ok());
    }

    std::vector<MarketBar> sessions(size_t from, size_t to) const {
        std::vector<MarketBar> out;
        for (size_t s = from; s < to; ++s)
            out.insert(out.end(), sessions_[s].begin(), sessions_[s].end());
        return out;
    }

    /// Trains a tiny TFT on the first four sessions and registers it as candidate.
    std::string register_tft(const std::string& id) {
        auto module = load_tft_module();
        EXPECT_TRUE(module.ok()) << module.error().message;
        if (!module.ok()) return {};
        TftTrainOptions options;
        options.hp = tiny();
        options.test_sessions = 0;
        options.max_train_windows = 1024;
        options.model_dir = config_.prediction.model_dir;
        options.model_id = id;
        auto report = (*module)->train(compute_features(sessions(0, 4), config_.seed), options);
        EXPECT_TRUE(report.ok()) << report.error().message;
        if (!report.ok()) return {};
        ModelRecord record;
        record.model_id = id;
        record.model_type = "tft";
        record.path = report->metadata_path;
        record.metrics_json = report->metrics_json;
        record.params_json = report->params_json;
        record.created_at = Timestamp::from_seconds(1);
        EXPECT_TRUE(store_->register_model(record).ok());
        return id;
    }

    testing::TempDir dir_;
    Config config_;
    std::vector<std::vector<MarketBar>> sessions_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(TftPipeline, HotReloadsToTheTftServesItBatchedAndKeepsItOverABadFile) {
    auto linear =
        train_and_register(*store_, config_, compute_features(sessions(0, 4), config_.seed),
                           Timestamp::from_seconds(1));
    ASSERT_TRUE(linear.ok()) << linear.error().message;
    ASSERT_TRUE(store_->promote_model(linear->record.model_id, Timestamp::from_seconds(2)).ok());

    SimBroker broker(SimBrokerConfig{});
    PipelineOptions options;
    options.persist = false;
    Pipeline pipeline(config_, store_.get(), broker, default_model_loader(), options);
    pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
    ASSERT_TRUE(pipeline.start().ok());
    EXPECT_EQ(pipeline.prediction().active_model(), linear->record.model_id);
    const auto trade = sessions(4, 6);
    size_t i = 0;
    for (; i < 100; ++i) ASSERT_TRUE(pipeline.process(trade[i]).ok());
    EXPECT_EQ(pipeline.inference_stats().rows, 0);

    // A TFT promoted while running is served without a restart, both symbols in one pass.
    const std::string tft = register_tft("tft-test-1");
    ASSERT_FALSE(tft.empty());
    ASSERT_TRUE(store_->promote_model(tft, Timestamp::from_seconds(3)).ok());
    for (; i < 400; ++i) ASSERT_TRUE(pipeline.process(trade[i]).ok());
    EXPECT_EQ(pipeline.prediction().active_model(), tft);
    const InferenceStats stats = pipeline.inference_stats();
    EXPECT_GT(stats.rows, 0);
    EXPECT_GT(stats.rows, stats.batches) << "the two symbols of a bar start were not batched";
    EXPECT_LE(stats.rows, 2 * stats.batches);
    EXPECT_GT(stats.p99_us, 0);
    EXPECT_GE(stats.max_us, stats.p99_us);
    EXPECT_GE(stats.p99_us, stats.p50_us);

    // A second TFT whose weights are truncated: reported, the first one keeps serving.
    const std::string bad = register_tft("tft-test-2");
    ASSERT_FALSE(bad.empty());
    const auto weights = std::filesystem::path(config_.prediction.model_dir) / (bad + ".pt");
    ASSERT_TRUE(std::filesystem::exists(weights));
    std::filesystem::resize_file(weights, std::filesystem::file_size(weights) / 2);
    ASSERT_TRUE(store_->promote_model(bad, Timestamp::from_seconds(4)).ok());
    const uint64_t before = pipeline.counters().predictions;
    for (; i < 500; ++i) ASSERT_TRUE(pipeline.process(trade[i]).ok());
    EXPECT_EQ(pipeline.prediction().active_model(), tft);
    EXPECT_EQ(pipeline.prediction().load_failures(), 1u);
    EXPECT_GT(pipeline.counters().predictions, before);
    ASSERT_TRUE(pipeline.finish().ok());
}

TEST_F(TftPipeline, SmallEvaluationScoresEveryModelOnTheSameUnseenWindows) {
    TftEvalOptions options;
    options.data_dir = bars_dir();
    options.symbols = {"AAPL", "MSFT"};
    options.train_sessions = 4;
    options.test_sessions = 2;
    options.hp = tiny();
    options.hp.max_epochs = 2;
    options.max_train_windows = 2048;
    options.model_dir = dir_.file("eval");
    auto report = run_tft_eval(options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    const TftEvalReport& r = *report;

    ASSERT_EQ(r.scores.size(), 4u);
    EXPECT_EQ(r.scores[0].name, "tft");
    EXPECT_EQ(r.scores[1].name, "linear");
    EXPECT_EQ(r.scores[2].name, "empirical");
    EXPECT_EQ(r.scores[3].name, "zero");
    EXPECT_EQ(r.sessions_total, 12);
    EXPECT_GT(r.test_windows, 500);
    EXPECT_EQ(r.without_linear, 0);

    // Nothing of the test sessions reached training: the TFT's last validation window and the
    // linear model's rows end before the first test session.
    const Timestamp test_start = sessions_[sessions_.size() - 2].front().bar_start;
    EXPECT_LT(r.tft.val_to, test_start);
    EXPECT_LT(r.tft.train_to, r.tft.val_from);
    EXPECT_EQ(r.tft.epochs_run, 2);
    EXPECT_GT(r.tft.seconds_per_epoch, 0);

    // The empirical baseline: quantiles of the training sessions' targets.
    const auto train_rows = compute_features(sessions(0, 4), options.seed);
    const Dataset train = build_dataset(train_rows);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        std::vector<double> ys;
        for (const auto& y : train.y) ys.push_back(y[h]);
        EXPECT_DOUBLE_EQ(r.empirical_quantiles[h][1], empirical_quantile(ys, 0.5)) << h;
    }

    // Scoring, recomputed from the TFT's own window forecasts on the test sessions.
    auto module = load_tft_module();
    ASSERT_TRUE(module.ok());
    const auto all_rows = compute_features(sessions(0, sessions_.size()), options.seed);
    auto windows = (*module)->forecast_windows(r.tft.metadata_path, all_rows, test_start,
                                               Timestamp::from_ns(INT64_MAX));
    ASSERT_TRUE(windows.ok()) << windows.error().message;
    std::array<double, kNumHorizons> tft_loss{}, zero_loss{}, covered{};
    int64_t n = 0;
    for (const auto& w : *windows) {
        if (!w.has_target) continue;
        ++n;
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const double y = w.target[h];
            tft_loss[h] += (pinball_loss(y, w.q[h].q10, 0.1) + pinball_loss(y, w.q[h].q50, 0.5) +
                            pinball_loss(y, w.q[h].q90, 0.9)) /
                           3;
            zero_loss[h] += 0.5 * std::fabs(y);  // the mean of the three pinball losses of 0
            covered[h] += w.q[h].q10 <= y && y <= w.q[h].q90 ? 1 : 0;
        }
    }
    ASSERT_EQ(n, r.test_windows);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        EXPECT_NEAR(r.score("tft").pinball[h], tft_loss[h] / n, 1e-12) << h;
        EXPECT_NEAR(r.score("zero").pinball[h], zero_loss[h] / n, 1e-12) << h;
        EXPECT_NEAR(r.score("tft").coverage[h], covered[h] / n, 1e-12) << h;
        for (const auto& s : r.scores) {
            EXPECT_TRUE(std::isfinite(s.pinball[h]) && s.pinball[h] > 0) << s.name;
            EXPECT_GE(s.coverage[h], 0.0);
            EXPECT_LE(s.coverage[h], 1.0);
        }
        // Any quantile forecast worth the name beats always saying zero.
        EXPECT_LT(r.score("empirical").pinball[h], r.score("zero").pinball[h]);
    }
    const std::string table = r.table();
    for (const char* text : {"tft", "linear", "empirical", "zero",
                             "30m: TFT beats linear and "
                             "empirical: "}) {
        EXPECT_NE(table.find(text), std::string::npos) << text << "\n" << table;
    }
    EXPECT_NE(r.json().find("\"tft_beats_linear_and_empirical\""), std::string::npos);
}

}  // namespace
}  // namespace awet
