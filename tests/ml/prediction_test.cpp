// Direction, confidence and signal rules of make_prediction on hand cases.
#include "awet/ml/prediction.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace awet {
namespace {

FeatureVector sample_fv() {
    FeatureVector fv;
    HeaderFactory up(Source::kFeatures, 9);
    fv.header = up.root(Symbol("TSLA"), "feat:TSLA:1", Timestamp::from_seconds(1773322260),
                        Timestamp::from_seconds(1773322261));
    fv.bar_start = Timestamp::from_seconds(1773322200);
    fv.close = Price::from_double(400.5);
    return fv;
}

HorizonForecasts with_60(QuantileForecast q60) {
    HorizonForecasts h{};
    h[0] = {-0.01, 0.005, 0.02};  // 30 min: UP-ish, must not matter
    h[1] = {-0.01, 0.004, 0.02};
    h[2] = q60;
    return h;
}

TEST(Confidence, RatioOfMedianToHalfSpreadClampedToOne) {
    EXPECT_NEAR(confidence_from_quantiles({-0.002, 0.001, 0.004}), 1.0 / 3.0, 1e-9);
    EXPECT_NEAR(confidence_from_quantiles({-0.004, -0.001, 0.002}), 1.0 / 3.0, 1e-9);
    EXPECT_NEAR(confidence_from_quantiles({-0.004, -0.002, 0.0}), 1.0, 1e-9);
    EXPECT_DOUBLE_EQ(confidence_from_quantiles({0.001, 0.003, 0.004}), 1.0);  // all above zero
    EXPECT_DOUBLE_EQ(confidence_from_quantiles({0.0, 0.0, 0.0}), 0.0);
    EXPECT_DOUBLE_EQ(confidence_from_quantiles({0.001, 0.001, 0.001}), 1.0);  // no spread
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_DOUBLE_EQ(confidence_from_quantiles({nan, 0.001, 0.002}), 0.0);
    // Grows with |q50|, shrinks with the spread.
    EXPECT_LT(confidence_from_quantiles({-0.01, 0.001, 0.01}),
              confidence_from_quantiles({-0.01, 0.002, 0.01}));
    EXPECT_GT(confidence_from_quantiles({-0.01, 0.001, 0.01}),
              confidence_from_quantiles({-0.02, 0.001, 0.02}));
}

TEST(MakePrediction, BuyWhenUpAndConfidentElseHold) {
    HeaderFactory headers(Source::kPrediction, 3);
    const FeatureVector fv = sample_fv();
    const auto q = with_60({-0.002, 0.001, 0.004});  // confidence 1/3
    const Timestamp now = Timestamp::from_seconds(1773322262);
    const Prediction p = make_prediction(fv, q, ModelId("linear-x"), 0.30, headers, now);
    EXPECT_EQ(p.direction, Direction::kUp);
    EXPECT_NEAR(p.confidence, 1.0 / 3.0, 1e-9);
    EXPECT_EQ(p.signal, Signal::kBuy);
    EXPECT_EQ(p.horizons[0].q50, 0.005);
    EXPECT_EQ(p.horizons[2].q90, 0.004);
    EXPECT_EQ(p.model_id, ModelId("linear-x"));
    EXPECT_EQ(p.bar_start, fv.bar_start);
    EXPECT_EQ(p.close, fv.close);
    EXPECT_EQ(p.header.symbol, Symbol("TSLA"));
    EXPECT_EQ(p.header.correlation_id, fv.header.correlation_id);
    EXPECT_EQ(p.header.idempotency_key.view(), "pred:TSLA:1773322200000000000");
    EXPECT_EQ(p.header.ts, fv.header.ts);
    EXPECT_EQ(p.header.ts_init, now);
    EXPECT_EQ(p.header.source, Source::kPrediction);
    EXPECT_EQ(make_prediction(fv, q, ModelId("m"), 0.34, headers, now).signal, Signal::kHold);
}

TEST(MakePrediction, SellWhenDownAndConfidentAndDirectionUsesOnlySixtyMinutes) {
    HeaderFactory headers(Source::kPrediction, 3);
    const FeatureVector fv = sample_fv();
    const auto q = with_60({-0.004, -0.002, 0.0});  // confidence 1, DOWN although 30/45 are up
    const Prediction p =
        make_prediction(fv, q, ModelId("m"), 0.9, headers, Timestamp::from_seconds(1));
    EXPECT_EQ(p.direction, Direction::kDown);
    EXPECT_NEAR(p.confidence, 1.0, 1e-9);
    EXPECT_EQ(p.signal, Signal::kSell);
    const auto weak = with_60({-0.004, -0.0001, 0.004});
    EXPECT_EQ(
        make_prediction(fv, weak, ModelId("m"), 0.1, headers, Timestamp::from_seconds(1)).signal,
        Signal::kHold);
}

TEST(MakePrediction, FlatMedianIsDownWithZeroConfidenceAndAlwaysHold) {
    HeaderFactory headers(Source::kPrediction, 3);
    const auto q = with_60({-0.003, 0.0, 0.003});
    const Prediction p =
        make_prediction(sample_fv(), q, ModelId("m"), 0.0, headers, Timestamp::from_seconds(1));
    EXPECT_EQ(p.direction, Direction::kDown);
    EXPECT_EQ(p.confidence, 0.0);
    EXPECT_EQ(p.signal, Signal::kHold);
}

}  // namespace
}  // namespace awet
