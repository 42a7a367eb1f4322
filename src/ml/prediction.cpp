#include "awet/ml/prediction.hpp"

#include <cmath>

namespace awet {

double confidence_from_quantiles(const QuantileForecast& q) {
    const double half_spread = std::fabs(q.q90 - q.q10) / 2.0;
    const double c = std::fabs(q.q50) / (half_spread + 1e-12);
    if (!std::isfinite(c)) return 0.0;
    return c < 1.0 ? c : 1.0;
}

SignalCall call_signal(const HorizonForecasts& q, double min_confidence) {
    const QuantileForecast& longest = q[kNumHorizons - 1];
    SignalCall call;
    call.direction = longest.q50 > 0 ? Direction::kUp : Direction::kDown;
    call.confidence = confidence_from_quantiles(longest);
    if (longest.q50 != 0.0 && call.confidence >= min_confidence) {
        call.signal = call.direction == Direction::kUp ? Signal::kBuy : Signal::kSell;
    }
    return call;
}

Prediction make_prediction(const FeatureVector& fv, const HorizonForecasts& q,
                           const ModelId& model_id, double min_confidence, HeaderFactory& headers,
                           Timestamp now) {
    Prediction p;
    p.header = headers.derive(fv.header, make_key("pred", fv.header.symbol, fv.bar_start),
                              fv.header.ts, now);
    p.bar_start = fv.bar_start;
    p.close = fv.close;
    p.horizons = q;
    const SignalCall call = call_signal(q, min_confidence);
    p.direction = call.direction;
    p.confidence = call.confidence;
    p.signal = call.signal;
    p.model_id = model_id;
    return p;
}

}  // namespace awet
