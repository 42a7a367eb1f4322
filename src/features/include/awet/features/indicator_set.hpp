#pragma once
// The per-symbol feature state of the feature engineering agent: one IndicatorSet holds every
// indicator of one symbol and turns each new bar close into the 12 features of `Feature`.
#include <array>
#include <cmath>
#include <cstdint>

#include "awet/core/time.hpp"
#include "awet/features/indicators.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// Warm-up: the 0-based index of the first bar (per symbol) at which each feature is valid.
/// See src/features/README.md.
inline constexpr std::array<int, kNumFeatures> kFeatureFirstValidIndex = {
    14,  // rsi_14: after 14 price changes
    4,   // sma_5
    19,  // sma_20
    4,   // ema_5
    19,  // ema_20
    1,   // returns_1
    5,   // returns_5
    15,  // returns_15
    20,  // volatility_20: 20 returns_1 values
    0,   // minute_of_day
    0,   // hour_of_day
    0,   // day_of_week
};

/// America/New_York local time of an instant, cached per local day: the offset and the weekday only
/// change between local days (DST switches happen at 02:00 local; on those two days a year the
/// cache is bypassed). Owned by one IndicatorSet (or anyone); single-threaded.
class LocalTimeCache {
public:
    struct Fields {
        int minute_of_day;
        int hour_of_day;
        int day_of_week;  // 0 = Monday .. 6 = Sunday
    };

    Fields get(Timestamp t) {
        const int64_t ns = t.ns();
        if (ns >= day_start_ns_ && ns < day_end_ns_) {
            const int minute = static_cast<int>((ns - day_start_ns_) / kNsPerMinute);
            return {minute, minute / 60, weekday_};
        }
        return refresh(t);
    }

private:
    static constexpr int64_t kNsPerMinute = 60'000'000'000;
    Fields refresh(Timestamp t);  // out of line: calls SessionCalendar

    int64_t day_start_ns_ = 0;  // UTC instant of local midnight of the cached local day
    int64_t day_end_ns_ = 0;    // UTC instant of the next local midnight (empty range: no cache)
    int weekday_ = 0;
};

/// Incremental indicators of ONE symbol: RSI(14), SMA(5/20), EMA(5/20), returns over 1/5/15 bars,
/// 20-bar volatility of returns_1, and the New York local minute/hour/weekday of the bar start.
/// O(1) per bar, no heap, no allocation after construction. Bars are taken in order as one
/// continuous series (no reset at session boundaries). Closes should be > 0 and finite; a feature
/// that comes out non-finite anyway (e.g. a return after a zero close) is reported as not valid.
/// Owned by a FeatureEngine (one per symbol); single-threaded.
class IndicatorSet {
public:
    /// Feeds one bar; writes all 12 features (NaN and bit clear while a feature warms up).
    void update(double close, Timestamp bar_start, std::array<double, kNumFeatures>& values,
                uint32_t& valid_mask) {
        rsi14_.push(close);
        sma5_.push(close);
        sma20_.push(close);
        ema5_.push(close);
        ema20_.push(close);
        closes_.push(close);
        const int64_t n = closes_.count();  // bars seen, including this one
        if (n >= 2) ret1_window_.push(close / closes_.ago(1) - 1.0);

        uint32_t mask = 0;
        auto put = [&](Feature f, bool ok, double v) {
            const auto i = static_cast<size_t>(f);
            ok = ok && std::isfinite(v);  // a bad close (<= 0) never yields a "valid" inf
            values[i] = ok ? v : kNaN;
            mask |= static_cast<uint32_t>(ok) << i;
        };
        put(Feature::kRsi14, rsi14_.valid(), rsi14_.value());
        put(Feature::kSma5, sma5_.valid(), sma5_.value());
        put(Feature::kSma20, sma20_.valid(), sma20_.value());
        put(Feature::kEma5, ema5_.valid(), ema5_.value());
        put(Feature::kEma20, ema20_.valid(), ema20_.value());
        put(Feature::kReturns1, n > 1, close / closes_.ago(1) - 1.0);
        put(Feature::kReturns5, n > 5, close / closes_.ago(5) - 1.0);
        put(Feature::kReturns15, n > 15, close / closes_.ago(15) - 1.0);
        put(Feature::kVolatility20, ret1_window_.valid(), ret1_window_.value());
        const LocalTimeCache::Fields lt = local_.get(bar_start);
        put(Feature::kMinuteOfDay, true, lt.minute_of_day);
        put(Feature::kHourOfDay, true, lt.hour_of_day);
        put(Feature::kDayOfWeek, true, lt.day_of_week);
        valid_mask = mask;
    }

    /// Same, writing values and valid_mask of a FeatureVector (nothing else of it).
    void update(double close, Timestamp bar_start, FeatureVector& out) {
        update(close, bar_start, out.values, out.valid_mask);
    }

    /// Bars fed so far.
    int64_t count() const { return closes_.count(); }
    void reset() { *this = IndicatorSet(); }

private:
    WilderRsi<14> rsi14_;
    Sma<5> sma5_;
    Sma<20> sma20_;
    Ema<5> ema5_;
    Ema<20> ema20_;
    History<16> closes_;  // for returns over 1, 5 and 15 bars
    RollingStdDev<20> ret1_window_;
    LocalTimeCache local_;
};

}  // namespace awet
