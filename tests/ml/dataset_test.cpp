// build_dataset targets on hand-made series (session end, early close, missing bars, incomplete
// rows, duplicates) and the purged time split.
#include "awet/ml/dataset.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "awet/calendar/calendar.hpp"

namespace awet {
namespace {

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }

/// A complete FeatureVector whose close is `close` (other features plausible constants).
FeatureVector make_fv(const char* symbol, Timestamp t, double close) {
    FeatureVector fv;
    fv.header.symbol = Symbol(symbol);
    fv.bar_start = t;
    fv.close = Price::from_double(close);
    fv.values = {55.0, close, close, close, close, 0.001, 0.002, 0.003, 0.0005, 600.0, 10.0, 3.0};
    fv.valid_mask = (1U << kNumFeatures) - 1;
    return fv;
}

/// Bars every minute of the regular session of `date` (09:30 .. 15:59 New York), closes 100 +
/// k/100.
std::vector<FeatureVector> session_bars(const char* symbol, const char* date, int from_minute = 0,
                                        int to_minute = 390) {
    std::vector<FeatureVector> out;
    const Timestamp open = SessionCalendar::from_local(*Date::parse(date), 570);
    for (int k = from_minute; k < to_minute; ++k) {
        out.push_back(make_fv(symbol, open + Duration::minutes(k), 100.0 + k / 100.0));
    }
    return out;
}

TEST(BuildDataset, TargetsAreLogReturnsToTheBarsExactlyHMinutesLaterInTheSameSession) {
    const auto rows = session_bars("AAPL", "2026-03-12");  // Thursday, 13:30Z open
    const Dataset d = build_dataset(rows);
    // Rows 0..329 have a bar 60 minutes later before 16:00; row 330 (15:00) would need 16:00.
    ASSERT_EQ(d.size(), 330U);
    EXPECT_EQ(d.ts.front(), at("2026-03-12T13:30:00Z"));
    EXPECT_EQ(d.ts.back(), at("2026-03-12T18:59:00Z"));  // 14:59 New York
    EXPECT_DOUBLE_EQ(d.y[0][0], std::log(100.30 / 100.0));
    EXPECT_DOUBLE_EQ(d.y[0][1], std::log(100.45 / 100.0));
    EXPECT_DOUBLE_EQ(d.y[0][2], std::log(100.60 / 100.0));
    EXPECT_DOUBLE_EQ(d.y[329][2], std::log(103.89 / 103.29));
    EXPECT_EQ(d.symbol[0], Symbol("AAPL"));
    // Inputs are the transform of the row: close/sma_5 - 1 = 0 here, rsi 55 -> 0.05.
    EXPECT_NEAR(d.x[0][0], 0.05, 1e-15);
    EXPECT_DOUBLE_EQ(d.x[0][1], 0.0);
}

TEST(BuildDataset, MissingFutureBarsIncompleteRowsAndDuplicatesAreHandled) {
    auto rows = session_bars("AAPL", "2026-03-12");
    // Drop the 11:10 bar (k = 100): rows k = 70 (30 min), 55 (45 min), 40 (60 min) lose a target.
    rows.erase(rows.begin() + 100);
    // Row k = 10 is still warming up: not a row itself, but its close serves as a target (k = 10
    // is no target of anything here, so use k = 200 which is the 60-min target of k = 140).
    rows[10].valid_mask &= ~1U;
    rows[199].valid_mask = 0;  // k = 200 after the erase
    // A duplicate of k = 5 with another close: the first occurrence counts.
    FeatureVector dup = rows[5];
    dup.close = Price::from_double(999.0);
    rows.push_back(dup);
    const Dataset d = build_dataset(rows);
    std::set<int64_t> minutes;
    const Timestamp open = at("2026-03-12T13:30:00Z");
    for (Timestamp t : d.ts) minutes.insert((t - open).to_minutes());
    EXPECT_EQ(d.size(), 330U - 1 - 3 - 1 - 1);
    for (int k : {100, 70, 55, 40, 10, 200}) EXPECT_EQ(minutes.count(k), 0U) << k;
    for (int k : {41, 54, 56, 69, 71, 99, 101, 140, 329}) EXPECT_EQ(minutes.count(k), 1U) << k;
    // k = 140's 60-min target is the (incomplete) bar k = 200.
    const auto it = std::find(d.ts.begin(), d.ts.end(), open + Duration::minutes(140));
    ASSERT_NE(it, d.ts.end());
    EXPECT_DOUBLE_EQ(d.y[it - d.ts.begin()][2], std::log(102.00 / 101.40));
    // k = 5 used its first close (100.05), not the duplicate's.
    const auto it5 = std::find(d.ts.begin(), d.ts.end(), open + Duration::minutes(5));
    ASSERT_NE(it5, d.ts.end());
    EXPECT_DOUBLE_EQ(d.y[it5 - d.ts.begin()][0], std::log(100.35 / 100.05));
}

TEST(BuildDataset, NoOvernightTargetsAndEarlyClosesEndTheSession) {
    // Two sessions back to back: no row of the first day may reach into the second.
    auto rows = session_bars("MSFT", "2026-03-12");
    auto day2 = session_bars("MSFT", "2026-03-13");
    rows.insert(rows.end(), day2.begin(), day2.end());
    const Dataset d = build_dataset(rows);
    EXPECT_EQ(d.size(), 660U);
    for (size_t i = 0; i < d.size(); ++i) {
        const auto s = SessionCalendar::session_at(d.ts[i]);
        ASSERT_TRUE(s.has_value());
        EXPECT_LT(d.ts[i] + Duration::minutes(60), s->close) << d.ts[i].iso();
    }
    // 2026-11-27 (day after Thanksgiving) closes at 13:00: bars after it (bad data) are no
    // targets and no rows; rows from 12:00 on have no 60-minute target.
    ASSERT_TRUE(SessionCalendar::is_early_close(*Date::parse("2026-11-27")));
    const auto early = session_bars("MSFT", "2026-11-27");
    const Dataset e = build_dataset(early);
    EXPECT_EQ(e.size(), 150U);  // 09:30 .. 11:59
    EXPECT_EQ(e.ts.back(), SessionCalendar::from_local(*Date::parse("2026-11-27"), 719));
    // A weekend "bar" is no row.
    const std::vector<FeatureVector> weekend = {make_fv("MSFT", at("2026-03-14T15:00:00Z"), 1.0),
                                                make_fv("MSFT", at("2026-03-14T16:00:00Z"), 1.0)};
    EXPECT_EQ(build_dataset(weekend).size(), 0U);
}

TEST(BuildDataset, OrderedByTimeThenSymbolWhateverTheInputOrder) {
    auto rows = session_bars("MSFT", "2026-03-12", 0, 120);
    auto a = session_bars("AAPL", "2026-03-12", 0, 120);
    rows.insert(rows.end(), a.begin(), a.end());
    std::mt19937_64 rng(1);
    auto shuffled = rows;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const Dataset d1 = build_dataset(rows);
    const Dataset d2 = build_dataset(shuffled);
    ASSERT_EQ(d1.size(), 120U);  // 60 per symbol
    EXPECT_EQ(d1.ts, d2.ts);
    EXPECT_EQ(d1.symbol, d2.symbol);
    EXPECT_EQ(d1.y, d2.y);
    for (size_t i = 0; i + 1 < d1.size(); ++i) {
        EXPECT_TRUE(d1.ts[i] < d1.ts[i + 1] ||
                    (d1.ts[i] == d1.ts[i + 1] && d1.symbol[i] < d1.symbol[i + 1]));
    }
    EXPECT_EQ(d1.symbol[0], Symbol("AAPL"));
    EXPECT_EQ(d1.symbol[1], Symbol("MSFT"));
}

TEST(SplitByTime, TrainingEndsAndIsPurgedBeforeValidationStarts) {
    auto rows = session_bars("AAPL", "2026-03-12");
    auto m = session_bars("MSFT", "2026-03-12");
    auto d2 = session_bars("AAPL", "2026-03-13");
    rows.insert(rows.end(), m.begin(), m.end());
    rows.insert(rows.end(), d2.begin(), d2.end());
    const Dataset d = build_dataset(rows);
    ASSERT_EQ(d.size(), 990U);  // 330 timestamps on day 1 (x2 symbols) + 330 on day 2
    const DatasetSplit s = split_by_time(d, 0.25);
    // 660 distinct timestamps: the first floor(0.75 * 660) = 495 train; validation from #495.
    std::vector<Timestamp> distinct = d.ts;
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    ASSERT_EQ(distinct.size(), 660U);
    EXPECT_EQ(s.split_at, distinct[495]);
    ASSERT_FALSE(s.train.empty());
    ASSERT_FALSE(s.validation.empty());
    Timestamp max_train, min_val = d.ts[s.validation.front()];
    for (size_t i : s.train) max_train = std::max(max_train, d.ts[i]);
    for (size_t i : s.validation) min_val = std::min(min_val, d.ts[i]);
    EXPECT_LT(max_train + Duration::minutes(60), s.split_at);  // targets end before validation
    EXPECT_EQ(min_val, s.split_at);
    // Everything is train, validation, or purged (ts in [split_at - 60 min, split_at)).
    size_t purged = 0;
    for (size_t i = 0; i < d.size(); ++i) {
        if (d.ts[i] < s.split_at && d.ts[i] + Duration::minutes(60) >= s.split_at) ++purged;
    }
    EXPECT_EQ(s.train.size() + s.validation.size() + purged, d.size());
    EXPECT_EQ(s.validation.size(), 660U - 495U);
    EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
}

}  // namespace
}  // namespace awet
