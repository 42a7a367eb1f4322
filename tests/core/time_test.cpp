#include "awet/core/time.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "awet/core/clock.hpp"

namespace awet {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kOpen = 1'773'322'200;  // 2026-03-12T13:30:00Z (09:30 New York, EDT)

int64_t ns_of(std::string_view text) {
    auto t = Timestamp::parse(text);
    EXPECT_TRUE(t.has_value()) << text;
    return t ? t->ns() : -1;
}

TEST(TimestampParse, IsoForms) {
    EXPECT_EQ(ns_of("2026-03-12T13:30:00Z"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12T13:30:00.123Z"), kOpen * kSec + 123'000'000);
    EXPECT_EQ(ns_of("2026-03-12T13:30:00.123456789Z"), kOpen * kSec + 123'456'789);
    EXPECT_EQ(ns_of("2026-03-12 13:30:00"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12T13:30:00"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12T13:30Z"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12T13:30:00+00:00"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12"), (kOpen - 13 * 3600 - 30 * 60) * kSec);
    EXPECT_EQ(ns_of("1970-01-01T00:00:00Z"), 0);
}

TEST(TimestampParse, OffsetsIncludingDst) {
    // 09:30 in New York: EDT (-04:00) in March after the switch, EST (-05:00) in January.
    EXPECT_EQ(ns_of("2026-03-12T09:30:00-04:00"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12 09:30:00-04:00"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-01-12T09:30:00-05:00"), 1'768'228'200 * kSec);
    EXPECT_EQ(ns_of("2026-01-12T14:30:00Z"), 1'768'228'200 * kSec);
    EXPECT_EQ(ns_of("2026-03-12T19:00:00+05:30"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12T19:00:00+0530"), kOpen * kSec);
    EXPECT_EQ(ns_of("2026-03-12T09:30:00.5-04:00"), kOpen * kSec + 500'000'000);
    // An offset that crosses midnight backwards.
    EXPECT_EQ(ns_of("2026-03-13T01:30:00+12:00"), kOpen * kSec);
}

TEST(TimestampParse, EpochDigitsByMagnitude) {
    EXPECT_EQ(ns_of("1773322200"), kOpen * kSec);
    EXPECT_EQ(ns_of("1773322200123"), kOpen * kSec + 123'000'000);
    EXPECT_EQ(ns_of("1773322200123456"), kOpen * kSec + 123'456'000);
    EXPECT_EQ(ns_of("1773322200123456789"), kOpen * kSec + 123'456'789);
    EXPECT_EQ(ns_of("0"), 0);
    EXPECT_EQ(ns_of("9000000000"), 9'000'000'000LL * kSec);  // seconds (year 2255)
    EXPECT_FALSE(Timestamp::parse("9999999999"));  // seconds past int64 nanoseconds (2286)
    EXPECT_EQ(ns_of("100000000000"), 100'000'000'000LL * 1'000'000);     // 1e11: milliseconds
    EXPECT_EQ(ns_of("100000000000000"), 100'000'000'000'000LL * 1'000);  // 1e14: microseconds
    EXPECT_EQ(ns_of("100000000000000000"), 100'000'000'000'000'000LL);   // 1e17: nanoseconds
    EXPECT_FALSE(Timestamp::parse("99999999999"));    // seconds past int64 nanoseconds (year 5138)
    EXPECT_FALSE(Timestamp::parse("9999999999999"));  // milliseconds past int64 nanoseconds
}

TEST(TimestampParse, RejectsMalformedAndInvalid) {
    for (const char* bad : {"",
                            "abc",
                            "2026-13-01",
                            "2026-00-10",
                            "2026-02-30",
                            "2025-02-29",
                            "2026-04-31",
                            "2026-03-32",
                            "2026-3-12",
                            "2026-03-12T24:00:00Z",
                            "2026-03-12T13:60:00Z",
                            "2026-03-12T13:30:60Z",
                            "2026-03-12T13:30:00+25:00",
                            "2026-03-12T13:30:00+05:60",
                            "2026-03-12X13:30:00",
                            "2026-03-12T13:30:00ZZ",
                            "2026-03-12T13:30:00.Z",
                            "2026-03-12T13:30:00.1234567891Z",
                            "2026-03-12T13:30:00+05:",
                            "2026-03-12T13",
                            "2026-03-12T1:30:00",
                            "12345678901234567890",
                            "-5",
                            "1.5",
                            " 2026-03-12",
                            "2026-03-12 "}) {
        EXPECT_FALSE(Timestamp::parse(bad)) << "'" << bad << "'";
    }
    EXPECT_TRUE(Timestamp::parse("2024-02-29"));   // leap year
    EXPECT_TRUE(Timestamp::parse("2000-02-29"));   // divisible by 400
    EXPECT_FALSE(Timestamp::parse("1900-02-29"));  // divisible by 100 only
}

TEST(TimestampParse, Int64Limits) {
    EXPECT_EQ(ns_of("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<int64_t>::max());
    EXPECT_FALSE(Timestamp::parse("2262-04-11T23:47:16.854775808Z"));
    EXPECT_EQ(ns_of("1677-09-21T00:12:43.145224192Z"), std::numeric_limits<int64_t>::min());
    EXPECT_FALSE(Timestamp::parse("1677-09-21T00:12:43.145224191Z"));
    EXPECT_FALSE(Timestamp::parse("9999-12-31"));
    EXPECT_FALSE(Timestamp::parse("0001-01-01T00:00:00Z"));
    EXPECT_EQ(Timestamp::from_ns(std::numeric_limits<int64_t>::max()).iso(),
              "2262-04-11T23:47:16.854775807Z");
    EXPECT_EQ(Timestamp::from_ns(std::numeric_limits<int64_t>::min()).iso(),
              "1677-09-21T00:12:43.145224192Z");
}

TEST(TimestampIso, Format) {
    EXPECT_EQ(Timestamp::from_seconds(kOpen).iso(), "2026-03-12T13:30:00Z");
    EXPECT_EQ(Timestamp::from_ns(0).iso(), "1970-01-01T00:00:00Z");
    EXPECT_EQ(Timestamp::from_ns(kOpen * kSec + 500'000'000).iso(), "2026-03-12T13:30:00.5Z");
    EXPECT_EQ(Timestamp::from_ns(kOpen * kSec + 123'000'000).iso(), "2026-03-12T13:30:00.123Z");
    EXPECT_EQ(Timestamp::from_ns(1).iso(), "1970-01-01T00:00:00.000000001Z");
    EXPECT_EQ(Timestamp::from_ns(-1).iso(), "1969-12-31T23:59:59.999999999Z");
    EXPECT_EQ(Timestamp::from_seconds(-2'208'988'800).iso(), "1900-01-01T00:00:00Z");
    EXPECT_EQ(Timestamp::from_seconds(7'289'654'399).iso(), "2200-12-31T23:59:59Z");
    char buf[Timestamp::kIsoMaxLen];
    size_t n = Timestamp::from_seconds(kOpen).write_iso(buf);
    EXPECT_EQ(std::string(buf, n), "2026-03-12T13:30:00Z");
}

TEST(TimestampIso, RoundTripsThroughParse) {
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int64_t> dist(-2'208'988'800 * kSec, 7'289'654'399 * kSec);
    for (int i = 0; i < 20000; ++i) {
        int64_t ns = dist(rng);
        if (i % 3 == 0) ns -= ns % kSec;  // whole seconds too
        Timestamp t = Timestamp::from_ns(ns);
        auto back = Timestamp::parse(t.iso());
        ASSERT_TRUE(back.has_value()) << t.iso();
        ASSERT_EQ(back->ns(), ns) << t.iso();
    }
}

TEST(TimestampIso, DateUtc) {
    EXPECT_EQ(Timestamp::from_seconds(kOpen).date_utc(), "2026-03-12");
    EXPECT_EQ(Timestamp::from_ns(-1).date_utc(), "1969-12-31");
    // 20:30 New York on 2026-03-12 is already the 13th in UTC.
    EXPECT_EQ(Timestamp::parse("2026-03-12T20:30:00-04:00")->date_utc(), "2026-03-13");
}

TEST(Date, ParseAndFormat) {
    auto d = Date::parse("2026-03-12");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (Date{2026, 3, 12}));
    EXPECT_EQ(d->to_string(), "2026-03-12");
    EXPECT_EQ((Date{5, 1, 2}).to_string(), "0005-01-02");
    EXPECT_FALSE(Date::parse("2026-02-29"));
    EXPECT_FALSE(Date::parse("2026-03-12T00:00:00Z"));
    EXPECT_FALSE(Date::parse("20260312"));
    EXPECT_LT((Date{2026, 3, 12}), (Date{2026, 4, 1}));
}

TEST(Date, CivilConversionsKnownValues) {
    EXPECT_EQ(days_from_civil(Date{1970, 1, 1}), 0);
    EXPECT_EQ(days_from_civil(Date{2000, 3, 1}), 11017);
    EXPECT_EQ(days_from_civil(Date{1969, 12, 31}), -1);
    EXPECT_EQ(days_from_civil(Date{2026, 3, 12}), (kOpen - 13 * 3600 - 1800) / 86400);
    EXPECT_EQ(civil_from_days(0), (Date{1970, 1, 1}));
    EXPECT_EQ(civil_from_days(-719468), (Date{0, 3, 1}));
}

TEST(Date, CivilRoundTripOverWideRange) {
    Date prev = civil_from_days(-1'000'000);
    EXPECT_EQ(days_from_civil(prev), -1'000'000);
    for (int64_t z = -999'999; z <= 1'000'000; ++z) {
        Date d = civil_from_days(z);
        ASSERT_EQ(days_from_civil(d), z);
        // Consecutive days are the next day of the month or the first of the next month.
        bool next_day = d.year == prev.year && d.month == prev.month && d.day == prev.day + 1;
        bool next_month =
            d.day == 1 && ((d.year == prev.year && d.month == prev.month + 1) ||
                           (d.year == prev.year + 1 && d.month == 1 && prev.month == 12));
        ASSERT_TRUE(next_day || next_month) << d.to_string();
        prev = d;
    }
}

TEST(Date, Weekday) {
    EXPECT_EQ(weekday(Date{1970, 1, 1}), 4);    // Thursday
    EXPECT_EQ(weekday(Date{2026, 3, 12}), 4);   // Thursday
    EXPECT_EQ(weekday(Date{2000, 1, 1}), 6);    // Saturday
    EXPECT_EQ(weekday(Date{2026, 3, 15}), 0);   // Sunday
    EXPECT_EQ(weekday(Date{1969, 12, 28}), 0);  // Sunday, before the epoch
    EXPECT_EQ(weekday(Date{1969, 12, 29}), 1);  // Monday
}

TEST(Duration, Units) {
    EXPECT_EQ(Duration::minutes(15).ns(), 900 * kSec);
    EXPECT_EQ(Duration::days(1).to_minutes(), 1440);
    Timestamp t = Timestamp::from_seconds(kOpen);
    EXPECT_EQ(((t + Duration::hours(1)) - t).to_seconds(), 3600);
}

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

TEST(SaturatingInt64, ClampsAtTheEndsInsteadOfWrapping) {
    EXPECT_EQ(saturating_mul(3, 4), 12);
    EXPECT_EQ(saturating_mul(-3, 4), -12);
    EXPECT_EQ(saturating_mul(kI64Max, 2), kI64Max);
    EXPECT_EQ(saturating_mul(kI64Max, -2), kI64Min);
    EXPECT_EQ(saturating_mul(kI64Min, -1), kI64Max);
    EXPECT_EQ(saturating_mul(-kI64Max, 2), kI64Min);
    EXPECT_EQ(saturating_add(kI64Max, 1), kI64Max);
    EXPECT_EQ(saturating_add(kI64Min, -1), kI64Min);
    EXPECT_EQ(saturating_add(kI64Max, kI64Min), -1);
    EXPECT_EQ(saturating_sub(kI64Min, 1), kI64Min);
    EXPECT_EQ(saturating_sub(kI64Max, -1), kI64Max);
    EXPECT_EQ(saturating_sub(0, kI64Min), kI64Max);
    EXPECT_EQ(saturating_sub(5, 7), -2);
}

// Issue 11 defect 6: 153,722,868 minutes is the first count whose nanoseconds overflow int64;
// before, it wrapped to a negative duration and a cooldown or holding limit switched itself off.
TEST(Duration, UnitConstructorsSaturateInsteadOfWrapping) {
    static_assert(Duration::minutes(2) == Duration::seconds(120));  // still constexpr
    EXPECT_EQ(Duration::minutes(153'722'867).ns(), 153'722'867LL * 60 * kSec);
    EXPECT_EQ(Duration::minutes(153'722'868), Duration::max());
    EXPECT_EQ(Duration::minutes(-153'722'868), Duration::min());
    EXPECT_EQ(Duration::minutes(std::numeric_limits<int>::max()), Duration::max());
    EXPECT_EQ(Duration::minutes(kI64Max), Duration::max());
    EXPECT_EQ(Duration::minutes(kI64Min), Duration::min());
    EXPECT_EQ(Duration::seconds(kI64Max / 1000), Duration::max());
    EXPECT_EQ(Duration::seconds(9'223'372'036).ns(), 9'223'372'036 * kSec);
    EXPECT_EQ(Duration::seconds(9'223'372'037), Duration::max());
    EXPECT_EQ(Duration::millis(kI64Max / 10), Duration::max());
    EXPECT_EQ(Duration::micros(kI64Min / 10), Duration::min());
    EXPECT_EQ(Duration::hours(2'562'048), Duration::max());
    EXPECT_EQ(Duration::days(106'752), Duration::max());
    EXPECT_EQ(Duration::days(106'751).ns(), 106'751LL * 86'400 * kSec);
    // A saturated duration is longer than any real one, never negative.
    EXPECT_GT(Duration::minutes(1'000'000'000), Duration::days(365 * 290));
    EXPECT_GT(Duration::minutes(1'000'000'000), Duration{});
}

TEST(Duration, ArithmeticSaturates) {
    EXPECT_EQ(Duration::max() + Duration::nanos(1), Duration::max());
    EXPECT_EQ(Duration::min() - Duration::nanos(1), Duration::min());
    EXPECT_EQ(Duration::min() + Duration::max(), Duration::nanos(-1));
    EXPECT_EQ(Duration::max() * 2, Duration::max());
    EXPECT_EQ(Duration::max() * -2, Duration::min());
    EXPECT_EQ(Duration::minutes(2) * 3, Duration::minutes(6));
    EXPECT_EQ(Duration::max().to_minutes(), 153'722'867);
}

TEST(Timestamp, ArithmeticSaturates) {
    const Timestamp t = Timestamp::from_seconds(kOpen);
    EXPECT_EQ(t + Duration::max(), Timestamp::from_ns(kI64Max));
    EXPECT_EQ(t - Duration::max(), Timestamp::from_ns(kOpen * kSec - kI64Max));  // no overflow
    EXPECT_EQ(Timestamp::from_ns(-kSec) - Duration::max(), Timestamp::from_ns(kI64Min));
    EXPECT_EQ(Timestamp::from_ns(kI64Max) - Timestamp::from_ns(-1), Duration::max());
    EXPECT_EQ(Timestamp::from_ns(kI64Min) - Timestamp::from_ns(1), Duration::min());
    EXPECT_EQ(Timestamp::from_seconds(kI64Max / 10), Timestamp::from_ns(kI64Max));
    // The comparisons the risk and exit gates make stay right with a saturated limit.
    EXPECT_LT(t + Duration::minutes(5) - t, Duration::minutes(999'999'999));
    EXPECT_FALSE(t + Duration::days(10'000) - t >= Duration::minutes(999'999'999));
}

TEST(Clock, SimClockOnlyMovesForward) {
    SimClock c(Timestamp::from_seconds(100));
    c.advance_to(Timestamp::from_seconds(50));
    EXPECT_EQ(c.now(), Timestamp::from_seconds(100));
    c.advance_to(Timestamp::from_seconds(200));
    c.advance(Duration::seconds(5));
    EXPECT_EQ(c.now(), Timestamp::from_seconds(205));
}

TEST(Clock, WallAndMonotonic) {
    // Structural only: the wall clock is after this code was written, monotonic never decreases.
    EXPECT_GT(WallClock().now(), *Timestamp::parse("2024-01-01"));
    int64_t a = monotonic_ns();
    int64_t b = monotonic_ns();
    EXPECT_LE(a, b);
}

}  // namespace
}  // namespace awet
