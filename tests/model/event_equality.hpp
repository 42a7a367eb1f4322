#pragma once
// Field-by-field equality of events for the codec tests (every header and payload field; NaN equal
// to NaN, the sign of zero kept).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "awet/model/events.hpp"

namespace awet::testing {

inline void expect_same_double(double a, double b, const std::string& what) {
    if (std::isnan(a)) {
        EXPECT_TRUE(std::isnan(b)) << what;
    } else {
        EXPECT_EQ(a, b) << what;
        EXPECT_EQ(std::signbit(a), std::signbit(b)) << what;
    }
}

inline void expect_header_eq(const EventHeader& a, const EventHeader& b) {
    EXPECT_EQ(a.event_id, b.event_id);
    EXPECT_EQ(a.correlation_id, b.correlation_id);
    EXPECT_EQ(a.idempotency_key, b.idempotency_key);
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.ts_init, b.ts_init);
    EXPECT_EQ(a.schema_version, b.schema_version);
    EXPECT_EQ(a.source, b.source);
}

inline void expect_eq(const MarketBar& a, const MarketBar& b) {
    expect_header_eq(a.header, b.header);
    EXPECT_EQ(a.bar_start, b.bar_start);
    EXPECT_EQ(a.interval.ns(), b.interval.ns());
    EXPECT_EQ(a.open, b.open);
    EXPECT_EQ(a.high, b.high);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.close, b.close);
    EXPECT_EQ(a.volume, b.volume);
}
inline void expect_eq(const FeatureVector& a, const FeatureVector& b) {
    expect_header_eq(a.header, b.header);
    EXPECT_EQ(a.bar_start, b.bar_start);
    EXPECT_EQ(a.close, b.close);
    EXPECT_EQ(a.volume, b.volume);
    for (size_t i = 0; i < kNumFeatures; ++i) {
        expect_same_double(a.values[i], b.values[i], std::string(feature_name(kAllFeatures[i])));
    }
    EXPECT_EQ(a.valid_mask, b.valid_mask);
}
inline void expect_eq(const Prediction& a, const Prediction& b) {
    expect_header_eq(a.header, b.header);
    EXPECT_EQ(a.bar_start, b.bar_start);
    EXPECT_EQ(a.close, b.close);
    for (size_t i = 0; i < kNumHorizons; ++i) {
        expect_same_double(a.horizons[i].q10, b.horizons[i].q10, "q10");
        expect_same_double(a.horizons[i].q50, b.horizons[i].q50, "q50");
        expect_same_double(a.horizons[i].q90, b.horizons[i].q90, "q90");
    }
    EXPECT_EQ(a.direction, b.direction);
    EXPECT_EQ(a.confidence, b.confidence);
    EXPECT_EQ(a.signal, b.signal);
    EXPECT_EQ(a.model_id, b.model_id);
}
inline void expect_eq(const RiskDecision& a, const RiskDecision& b) {
    expect_header_eq(a.header, b.header);
    EXPECT_EQ(a.approved, b.approved);
    EXPECT_EQ(a.reasons, b.reasons);
    EXPECT_EQ(a.intent, b.intent);
    EXPECT_EQ(a.exit_reason, b.exit_reason);
    EXPECT_EQ(a.side, b.side);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.ref_price, b.ref_price);
    EXPECT_EQ(a.notional, b.notional);
    EXPECT_EQ(a.cvar, b.cvar);
    EXPECT_EQ(a.confidence, b.confidence);
    EXPECT_EQ(a.prediction_event_id, b.prediction_event_id);
}
inline void expect_eq(const ExecutionReport& a, const ExecutionReport& b) {
    expect_header_eq(a.header, b.header);
    EXPECT_EQ(a.broker_order_id, b.broker_order_id);
    EXPECT_EQ(a.intent, b.intent);
    EXPECT_EQ(a.exit_reason, b.exit_reason);
    EXPECT_EQ(a.side, b.side);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.filled_qty, b.filled_qty);
    EXPECT_EQ(a.avg_fill_price, b.avg_fill_price);
    EXPECT_EQ(a.fill_qty, b.fill_qty);
    EXPECT_EQ(a.fill_price, b.fill_price);
    EXPECT_EQ(a.fees, b.fees);
    EXPECT_EQ(a.filled_at, b.filled_at);
    EXPECT_EQ(a.dry_run, b.dry_run);
    EXPECT_EQ(a.block_reason, b.block_reason);
}
inline void expect_eq(const DeadLetter& a, const DeadLetter& b) {
    expect_header_eq(a.header, b.header);
    EXPECT_EQ(a.original_topic, b.original_topic);
    EXPECT_STREQ(a.error.data(), b.error.data());
}

}  // namespace awet::testing
