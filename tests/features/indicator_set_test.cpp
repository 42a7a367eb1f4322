// IndicatorSet: warm-up boundaries, hand-computed values, New York local time across the 2026 DST
// switches, and agreement with a plain batch implementation of the TA-Lib definitions on real data.
#include "awet/features/indicator_set.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "awet/calendar/calendar.hpp"
#include "awet_test_support.hpp"
#include "reference_data.hpp"

namespace awet {
namespace {

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }

struct Row {
    std::array<double, kNumFeatures> v{};
    uint32_t mask = 0;
    bool valid(Feature f) const { return (mask >> static_cast<unsigned>(f)) & 1U; }
    double get(Feature f) const { return v[static_cast<size_t>(f)]; }
};

std::vector<Row> feed(const std::vector<double>& closes,
                      Timestamp start = at("2026-03-12T13:30:00Z")) {
    IndicatorSet set;
    std::vector<Row> rows;
    for (size_t i = 0; i < closes.size(); ++i) {
        Row r;
        set.update(closes[i], start + Duration::minutes(static_cast<int64_t>(i)), r.v, r.mask);
        rows.push_back(r);
    }
    return rows;
}

/// Batch implementation of the definitions, written independently of the kernels.
std::vector<std::array<double, 9>> batch_reference(const std::vector<double>& c) {
    const size_t n = c.size();
    std::vector<std::array<double, 9>> out(n);
    for (auto& r : out) r.fill(kNaN);
    auto sma = [&](size_t i, size_t p) {
        double s = 0;
        for (size_t k = i + 1 - p; k <= i; ++k) s += c[k];
        return s / static_cast<double>(p);
    };
    double e5 = 0, e20 = 0, g = 0, l = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i >= 4) out[i][1] = sma(i, 5);
        if (i >= 19) out[i][2] = sma(i, 20);
        e5 = i == 4 ? sma(4, 5) : (i > 4 ? e5 + 2.0 / 6.0 * (c[i] - e5) : 0);
        e20 = i == 19 ? sma(19, 20) : (i > 19 ? e20 + 2.0 / 21.0 * (c[i] - e20) : 0);
        if (i >= 4) out[i][3] = e5;
        if (i >= 19) out[i][4] = e20;
        if (i >= 1) {
            const double d = c[i] - c[i - 1];
            if (i <= 14) {
                g += std::max(d, 0.0);
                l += std::max(-d, 0.0);
                if (i == 14) {
                    g /= 14;
                    l /= 14;
                }
            } else {
                g = (g * 13 + std::max(d, 0.0)) / 14;
                l = (l * 13 + std::max(-d, 0.0)) / 14;
            }
            if (i >= 14) out[i][0] = g + l == 0 ? 0.0 : 100 * g / (g + l);
            out[i][5] = c[i] / c[i - 1] - 1;
        }
        if (i >= 5) out[i][6] = c[i] / c[i - 5] - 1;
        if (i >= 15) out[i][7] = c[i] / c[i - 15] - 1;
        if (i >= 20) {
            double m = 0;
            for (size_t k = i - 19; k <= i; ++k) m += c[k] / c[k - 1] - 1;
            m /= 20;
            double q = 0;
            for (size_t k = i - 19; k <= i; ++k)
                q += (c[k] / c[k - 1] - 1 - m) * (c[k] / c[k - 1] - 1 - m);
            out[i][8] = std::sqrt(q / 20);
        }
    }
    return out;
}

TEST(IndicatorSet, EachFeatureBecomesValidExactlyAtItsWarmUpIndex) {
    std::vector<double> closes;
    for (int i = 0; i < 40; ++i) closes.push_back(100.0 + std::sin(i) * 3.0);
    const auto rows = feed(closes);
    for (Feature f : kAllFeatures) {
        const int first = kFeatureFirstValidIndex[static_cast<size_t>(f)];
        for (int i = 0; i < 40; ++i) {
            const bool valid = rows[i].valid(f);
            EXPECT_EQ(valid, i >= first) << feature_name(f) << " at bar " << i;
            EXPECT_EQ(std::isnan(rows[i].get(f)), !valid) << feature_name(f) << " at bar " << i;
        }
    }
    // Expected warm-up indices (README): rsi 14, sma5 4, sma20 19, ema5 4, ema20 19, r1 1, r5 5,
    // r15 15, vol20 20, time features 0.
    EXPECT_EQ(kFeatureFirstValidIndex,
              (std::array<int, kNumFeatures>{14, 4, 19, 4, 19, 1, 5, 15, 20, 0, 0, 0}));
    // A FeatureVector is complete from bar 20 (the 21st) on.
    FeatureVector fv;
    IndicatorSet set;
    for (int i = 0; i < 21; ++i) {
        set.update(closes[i], at("2026-03-12T14:00:00Z") + Duration::minutes(i), fv);
        EXPECT_EQ(fv.complete(), i == 20) << i;
    }
    EXPECT_EQ(set.count(), 21);
}

TEST(IndicatorSet, HandComputedValuesOnALinearSeries) {
    // closes 100, 101, ..., 130
    std::vector<double> closes;
    for (int i = 0; i <= 30; ++i) closes.push_back(100.0 + i);
    const auto r = feed(closes);
    EXPECT_DOUBLE_EQ(r[4].get(Feature::kSma5), 102.0);
    EXPECT_DOUBLE_EQ(r[19].get(Feature::kSma20), 109.5);
    EXPECT_DOUBLE_EQ(r[4].get(Feature::kEma5), 102.0);  // seeded with the SMA
    EXPECT_DOUBLE_EQ(r[5].get(Feature::kEma5), 102.0 + (105.0 - 102.0) / 3.0);
    EXPECT_DOUBLE_EQ(r[19].get(Feature::kEma20), 109.5);
    EXPECT_DOUBLE_EQ(r[14].get(Feature::kRsi14), 100.0);  // only gains
    EXPECT_DOUBLE_EQ(r[1].get(Feature::kReturns1), 101.0 / 100.0 - 1.0);
    EXPECT_DOUBLE_EQ(r[5].get(Feature::kReturns5), 105.0 / 100.0 - 1.0);
    EXPECT_DOUBLE_EQ(r[15].get(Feature::kReturns15), 115.0 / 100.0 - 1.0);
    EXPECT_DOUBLE_EQ(r[30].get(Feature::kReturns15), 130.0 / 115.0 - 1.0);
    // volatility_20 at bar 20: population stddev of 101/100-1 .. 120/119-1.
    double m = 0, q = 0;
    for (int k = 1; k <= 20; ++k) m += closes[k] / closes[k - 1] - 1;
    m /= 20;
    for (int k = 1; k <= 20; ++k) q += std::pow(closes[k] / closes[k - 1] - 1 - m, 2);
    EXPECT_NEAR(r[20].get(Feature::kVolatility20), std::sqrt(q / 20), 1e-15);
}

TEST(IndicatorSet, MatchesBatchDefinitionsOnFord2012AndRealMinuteBars) {
    const auto ford = testing::csv_column(
        (testing::shared_data() / "reference/ta-lib-python/ford_2012_daily.csv").string(), "close");
    ASSERT_EQ(ford.size(), 250U);
    EXPECT_DOUBLE_EQ(ford.back(), 12.95);  // README: F 2012-12-31 close
    const auto aapl =
        testing::csv_column((testing::shared_data() / "bars/1min/AAPL.csv").string(), "close");
    ASSERT_GT(aapl.size(), 4000U);
    for (const auto* series : {&ford, &aapl}) {
        const auto ref = batch_reference(*series);
        const auto rows = feed(*series);
        for (size_t i = 0; i < series->size(); ++i) {
            for (size_t f = 0; f < 9; ++f) {
                const double a = rows[i].v[f], b = ref[i][f];
                if (std::isnan(b)) {
                    EXPECT_TRUE(std::isnan(a)) << f << " at " << i;
                } else {
                    EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::fabs(b))) << f << " at " << i;
                }
            }
        }
    }
}

struct LocalCase {
    const char* utc;
    int minute;
    int hour;
    int weekday;
};

TEST(IndicatorSet, NewYorkLocalTimeAcrossThe2026DstSwitches) {
    const LocalCase cases[] = {
        {"2026-03-06T14:30:00Z", 570, 9, 4},    // Fri, EST (-5): 09:30
        {"2026-03-08T04:59:00Z", 1439, 23, 5},  // Sat 23:59 EST
        {"2026-03-08T05:00:00Z", 0, 0, 6},      // Sun 00:00 EST
        {"2026-03-08T06:59:00Z", 119, 1, 6},    // 01:59 EST, one minute before the switch
        {"2026-03-08T07:00:00Z", 180, 3, 6},    // 03:00 EDT: 02:00 EST became 03:00 EDT
        {"2026-03-08T07:30:00Z", 210, 3, 6},
        {"2026-03-09T13:30:00Z", 570, 9, 0},   // Mon, EDT (-4): 09:30
        {"2026-03-09T19:59:00Z", 959, 15, 0},  // 15:59 EDT
        {"2026-03-12T13:30:00Z", 570, 9, 3},   // Thu (first bar of the shared 1-min set)
        {"2026-11-01T05:30:00Z", 90, 1, 6},    // Sun 01:30 EDT
        {"2026-11-01T06:30:00Z", 90, 1, 6},    // 01:30 again, now EST
        {"2026-11-01T07:30:00Z", 150, 2, 6},   // 02:30 EST
        {"2026-11-02T14:30:00Z", 570, 9, 0},   // Mon, EST: 09:30
    };
    // Fresh set per case (cache miss path) and one set fed all cases in order (cache hit path).
    IndicatorSet running;
    for (const auto& c : cases) {
        for (int pass = 0; pass < 2; ++pass) {
            IndicatorSet fresh;
            IndicatorSet& set = pass == 0 ? fresh : running;
            Row r;
            set.update(100.0, at(c.utc), r.v, r.mask);
            EXPECT_EQ(r.get(Feature::kMinuteOfDay), c.minute) << c.utc << " pass " << pass;
            EXPECT_EQ(r.get(Feature::kHourOfDay), c.hour) << c.utc << " pass " << pass;
            EXPECT_EQ(r.get(Feature::kDayOfWeek), c.weekday) << c.utc << " pass " << pass;
        }
    }
}

TEST(IndicatorSet, CachedLocalTimeAgreesWithCalendarEveryMinuteAcrossBothSwitches) {
    for (const char* from : {"2026-03-06T00:00:00Z", "2026-10-30T00:00:00Z"}) {
        IndicatorSet set;
        const Timestamp t0 = at(from);
        for (int i = 0; i < 5 * 24 * 60; i += 1) {
            const Timestamp t = t0 + Duration::minutes(i) + Duration::seconds(i % 3 == 0 ? 0 : 17);
            Row r;
            set.update(50.0 + i % 7, t, r.v, r.mask);
            const LocalTime lt = SessionCalendar::to_local(t);
            ASSERT_EQ(r.get(Feature::kMinuteOfDay), lt.minute_of_day) << t.iso();
            ASSERT_EQ(r.get(Feature::kHourOfDay), lt.minute_of_day / 60) << t.iso();
            ASSERT_EQ(r.get(Feature::kDayOfWeek), lt.weekday) << t.iso();
        }
    }
}

TEST(IndicatorSet, ResetStartsTheWarmUpAgain) {
    IndicatorSet set;
    Row r;
    for (int i = 0; i < 25; ++i) set.update(10.0 + i, at("2026-03-12T13:30:00Z"), r.v, r.mask);
    EXPECT_TRUE(r.valid(Feature::kVolatility20));
    set.reset();
    set.update(10.0, at("2026-03-12T13:30:00Z"), r.v, r.mask);
    EXPECT_EQ(set.count(), 1);
    EXPECT_FALSE(r.valid(Feature::kReturns1));
    EXPECT_FALSE(r.valid(Feature::kSma5));
    EXPECT_TRUE(r.valid(Feature::kMinuteOfDay));
}

}  // namespace
}  // namespace awet
