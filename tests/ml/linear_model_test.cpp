// LinearQuantileModel: training on real minute bars, save/load round trip, file errors.
#include "awet/ml/linear_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "awet/calendar/calendar.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet/features/feature_engine.hpp"
#include "awet/ml/dataset.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

/// Feature vectors of the shared 1-minute set (8 symbols) for the first `sessions` trading days,
/// fed through the FeatureEngine in (bar_start, symbol) order.
std::vector<FeatureVector> real_features(int sessions) {
    std::vector<MarketBar> bars;
    for (const char* s : {"AAPL", "AMZN", "GOOG", "META", "MSFT", "NVDA", "SPY", "TSLA"}) {
        const auto path =
            (testing::shared_data() / "bars/1min" / (std::string(s) + ".csv")).string();
        auto r = read_bars_csv(path, [&](const MarketBar& b) { bars.push_back(b); });
        EXPECT_TRUE(r.ok()) << path;
    }
    std::stable_sort(bars.begin(), bars.end(), [](const MarketBar& a, const MarketBar& b) {
        if (a.bar_start != b.bar_start) return a.bar_start < b.bar_start;
        return a.header.symbol < b.header.symbol;
    });
    std::vector<Date> dates;
    for (const auto& b : bars) {
        const Date d = SessionCalendar::to_local(b.bar_start).date;
        if (dates.empty() || dates.back() != d) dates.push_back(d);
    }
    const Date last = dates[std::min<size_t>(dates.size(), static_cast<size_t>(sessions)) - 1];
    FeatureEngine engine;
    HeaderFactory headers(Source::kFeatures, 1);
    std::vector<FeatureVector> out;
    for (const auto& b : bars) {
        if (SessionCalendar::to_local(b.bar_start).date > last) break;
        out.push_back(engine.update(b, headers, b.header.ts));
    }
    return out;
}

const std::vector<FeatureVector>& six_sessions() {
    static const std::vector<FeatureVector> rows = real_features(6);
    return rows;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

TEST(LinearModel, TrainsOnRealBarsAndBeatsTheZeroForecastOnTheTails) {
    const auto& rows = six_sessions();
    ASSERT_GT(rows.size(), 6U * 8 * 380);
    testing::TempDir dir;
    TrainOptions opts;
    opts.model_dir = dir.file("models");
    opts.model_id = "linear-test-001";
    const auto report = train_linear_model(rows, opts);
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    const TrainReport& r = *report;
    EXPECT_EQ(r.path, dir.file("models") + "/linear-test-001.json");
    EXPECT_TRUE(std::filesystem::exists(r.path));
    EXPECT_GT(r.n_train, 10000U);
    EXPECT_GT(r.n_val, 2000U);
    EXPECT_LT(r.train_to + Duration::minutes(60), r.val_from);
    std::printf("train %zu rows %s..%s, validation %zu rows %s..%s, converged %d\n", r.n_train,
                r.train_from.iso().c_str(), r.train_to.iso().c_str(), r.n_val,
                r.val_from.iso().c_str(), r.val_to.iso().c_str(), r.converged ? 1 : 0);
    for (const HorizonMetrics& h : r.horizons) {
        std::printf(
            "h=%d  model %.3e (q10 %.3e q50 %.3e q90 %.3e)  baseline %.3e (q10 %.3e q50 %.3e q90 "
            "%.3e)  "
            "zero %.3e (q10 %.3e q50 %.3e q90 %.3e)  coverage %.3f\n",
            h.minutes, h.model_mean, h.model_loss[0], h.model_loss[1], h.model_loss[2],
            h.baseline_mean, h.baseline_loss[0], h.baseline_loss[1], h.baseline_loss[2],
            h.zero_mean, h.zero_loss[0], h.zero_loss[1], h.zero_loss[2], h.coverage);
        EXPECT_TRUE(std::isfinite(h.model_mean));
        EXPECT_TRUE(std::isfinite(h.baseline_mean));
        EXPECT_GT(h.model_mean, 0.0);
        // The tails: a zero "quantile" is far from the 10% / 90% points of the return.
        EXPECT_LT(h.model_loss[0], h.zero_loss[0]) << h.minutes;
        EXPECT_LT(h.model_loss[2], h.zero_loss[2]) << h.minutes;
        EXPECT_GT(h.coverage, 0.5) << h.minutes;
        EXPECT_LT(h.coverage, 0.95) << h.minutes;
    }
    const auto metrics = nlohmann::json::parse(r.metrics_json());
    EXPECT_EQ(metrics["n_train"], r.n_train);
    ASSERT_EQ(metrics["horizons"].size(), 3U);
    EXPECT_EQ(metrics["horizons"][2]["minutes"], 60);
    EXPECT_DOUBLE_EQ(metrics["horizons"][2]["pinball_model"].get<double>(),
                     r.horizons[2].model_mean);
    const auto params = nlohmann::json::parse(r.params_json());
    std::printf("MM iterations per [horizon][quantile]: %s\n", params["iterations"].dump().c_str());
    EXPECT_EQ(params["model_type"], "linear_quantile");
    EXPECT_EQ(params["inputs"].size(), kNumInputs);
    EXPECT_EQ(params["l2"], 1e-3);
    EXPECT_EQ(params["train_from"], r.train_from.iso());
}

TEST(LinearModel, SaveLoadRoundTripGivesIdenticalForecastsAndTrainingIsDeterministic) {
    const auto& rows = six_sessions();
    testing::TempDir dir;
    TrainOptions opts;
    opts.model_dir = dir.path().string();
    opts.model_id = "linear-a";
    opts.max_iter = 60;
    const auto a = train_linear_model(rows, opts);
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    opts.model_id = "linear-b";
    const auto b = train_linear_model(rows, opts);
    ASSERT_TRUE(b.ok());
    auto text_a = read_file(a->path), text_b = read_file(b->path);
    text_a.replace(text_a.find("linear-a"), 8, "linear-b");
    EXPECT_EQ(text_a, text_b);  // same data and options -> same file

    auto loaded = LinearQuantileModel::load(a->path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    LinearQuantileModel& model = **loaded;
    EXPECT_EQ(model.model_id(), "linear-a");
    // A model rebuilt from the same params in memory (what train wrote) gives the same numbers.
    LinearQuantileModel copy(model.params());
    size_t forecasts = 0;
    for (const FeatureVector& fv : rows) {
        const auto q = model.forecast(fv);
        ASSERT_EQ(q.has_value(), fv.complete());
        if (!q) continue;
        ++forecasts;
        const auto q2 = copy.forecast(fv);
        ASSERT_TRUE(q2.has_value());
        for (size_t h = 0; h < kNumHorizons; ++h) {
            EXPECT_EQ((*q)[h].q10, (*q2)[h].q10);
            EXPECT_EQ((*q)[h].q50, (*q2)[h].q50);
            EXPECT_EQ((*q)[h].q90, (*q2)[h].q90);
            EXPECT_LE((*q)[h].q10, (*q)[h].q50);
            EXPECT_LE((*q)[h].q50, (*q)[h].q90);
        }
    }
    EXPECT_GT(forecasts, 10000U);
    // Loading again and saving gives the same file (doubles round-trip exactly).
    ASSERT_TRUE(model.save(dir.file("again.json")).ok());
    EXPECT_EQ(read_file(dir.file("again.json")), read_file(a->path));
}

TEST(LinearModel, ForecastNeedsACompleteFeatureVector) {
    LinearQuantileParams p;
    p.model_id = "handmade";
    p.mean.fill(0.0);
    p.std.fill(1.0);
    // q50 of every horizon = 0.001 + 0.5 * returns_1 (input 5); q10 = -0.01, q90 = 0.01 constants.
    for (auto& h : p.coef) {
        h[0].fill(0.0);
        h[0][0] = -0.01;
        h[1].fill(0.0);
        h[1][0] = 0.001;
        h[1][6] = 0.5;
        h[2].fill(0.0);
        h[2][0] = 0.01;
    }
    LinearQuantileModel model(p);
    FeatureVector fv;
    fv.close = Price::from_double(100);
    fv.values = {50, 100, 100, 100, 100, 0.004, 0, 0, 0.001, 600, 10, 2};
    fv.valid_mask = (1U << kNumFeatures) - 1;
    auto q = model.forecast(fv);
    ASSERT_TRUE(q.has_value());
    EXPECT_DOUBLE_EQ((*q)[2].q50, 0.001 + 0.5 * 0.004);
    EXPECT_DOUBLE_EQ((*q)[2].q10, -0.01);
    // A q50 outside [q10, q90] is sorted into place.
    fv.values[static_cast<size_t>(Feature::kReturns1)] = 0.1;
    q = model.forecast(fv);
    ASSERT_TRUE(q.has_value());
    EXPECT_DOUBLE_EQ((*q)[0].q50, 0.01);
    EXPECT_DOUBLE_EQ((*q)[0].q90, 0.001 + 0.05);
    fv.valid_mask &= ~(1U << static_cast<unsigned>(Feature::kVolatility20));
    EXPECT_FALSE(model.forecast(fv).has_value());
}

TEST(LinearModel, TooFewRowsIsAClearError) {
    const auto& rows = six_sessions();
    testing::TempDir dir;
    TrainOptions opts;
    opts.model_dir = dir.path().string();
    opts.model_id = "linear-small";
    const std::span<const FeatureVector> few(rows.data(), 400);  // ~50 bars per symbol
    const auto r = train_linear_model(few, opts);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(
                  "need at least 200 complete feature rows with 60-minute targets, got"),
              std::string::npos)
        << r.error().message;
    opts.model_id = "../escape";
    EXPECT_FALSE(train_linear_model(rows, opts).ok());
}

class LoadErrors : public ::testing::Test {
protected:
    void SetUp() override {
        LinearQuantileParams p;
        p.model_id = "good";
        p.mean.fill(0.5);
        p.std.fill(2.0);
        for (auto& h : p.coef) {
            for (auto& q : h) q.fill(0.25);
        }
        good_ = dir_.file("good.json");
        ASSERT_TRUE(LinearQuantileModel(p).save(good_).ok());
        text_ = read_file(good_);
    }
    Error load_error(const std::string& text) {
        const std::string path = dir_.file("bad.json");
        write_file(path, text);
        auto r = LinearQuantileModel::load(path);
        EXPECT_FALSE(r.ok());
        if (r.ok()) return {};
        EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
        return r.error();
    }
    nlohmann::json good_json() const { return nlohmann::json::parse(text_); }

    testing::TempDir dir_;
    std::string good_;
    std::string text_;
};

TEST_F(LoadErrors, GoodFileLoads) {
    auto r = LinearQuantileModel::load(good_);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ((*r)->params().std[3], 2.0);
    EXPECT_EQ((*r)->params().coef[2][1][11], 0.25);
}

TEST_F(LoadErrors, MissingFile) {
    const std::string path = dir_.file("nope.json");
    auto r = LinearQuantileModel::load(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_NE(r.error().message.find(path), std::string::npos);
}

TEST_F(LoadErrors, TruncatedEmptyAndGarbageFiles) {
    for (size_t cut : {text_.size() / 2, text_.size() - 3, size_t{1}}) {
        const Error e = load_error(text_.substr(0, cut));
        EXPECT_EQ(e.code, ErrorCode::kParse);
        EXPECT_NE(e.message.find("not valid JSON"), std::string::npos) << e.message;
    }
    EXPECT_NE(load_error("").message.find("empty"), std::string::npos);
    EXPECT_NE(load_error("[1, 2, 3]").message.find("not a JSON object"), std::string::npos);
}

TEST_F(LoadErrors, WrongShapesTypesAndVersions) {
    auto j = good_json();
    j["coefficients"][1][2].erase(0);
    EXPECT_NE(load_error(j.dump()).message.find("coefficients[1][2]"), std::string::npos);
    j = good_json();
    j["coefficients"].erase(0);
    EXPECT_NE(load_error(j.dump()).message.find("'coefficients' must be a 3x3x12 array"),
              std::string::npos);
    j = good_json();
    j["mean"] = "zero";
    EXPECT_NE(load_error(j.dump()).message.find("'mean' must be an array of 11 numbers"),
              std::string::npos);
    j = good_json();
    j["std"][4] = 0.0;
    EXPECT_NE(load_error(j.dump()).message.find("std[4]"), std::string::npos);
    j = good_json();
    j["coefficients"][0][0][3] = "x";
    EXPECT_NE(load_error(j.dump()).message.find("coefficients[0][0][3]"), std::string::npos);
    j = good_json();
    j["model_type"] = "tft";
    EXPECT_NE(load_error(j.dump()).message.find("model_type"), std::string::npos);
    j = good_json();
    j["feature_transform_version"] = 2;
    EXPECT_NE(load_error(j.dump()).message.find("feature_transform_version"), std::string::npos);
    j = good_json();
    j["horizons_minutes"] = {30, 60};
    EXPECT_NE(load_error(j.dump()).message.find("horizons_minutes"), std::string::npos);
    j = good_json();
    j.erase("quantiles");
    EXPECT_NE(load_error(j.dump()).message.find("missing key 'quantiles'"), std::string::npos);
    j = good_json();
    j["model_id"] = std::string(60, 'm');
    EXPECT_NE(load_error(j.dump()).message.find("model_id"), std::string::npos);
}

}  // namespace
}  // namespace awet
