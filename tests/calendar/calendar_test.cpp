#include "awet/calendar/calendar.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "awet/data/csv_bars.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

Timestamp ts(const char* iso) {
    std::optional<Timestamp> t = Timestamp::parse(iso);
    EXPECT_TRUE(t.has_value()) << iso;
    return t.value_or(Timestamp{});
}

Date date(int y, int m, int d) { return Date{y, m, d}; }

TEST(CalendarTest, DstSwitchInstants2026) {
    // Second Sunday of March (Mar 8) 02:00 EST = 07:00 UTC; first Sunday of November (Nov 1)
    // 02:00 EDT = 06:00 UTC.
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-03-08T06:59:59Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-03-08T07:00:00Z")), -240);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-11-01T05:59:59Z")), -240);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-11-01T06:00:00Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-01-15T12:00:00Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-07-15T12:00:00Z")), -240);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2026-12-31T23:59:59Z")), -300);
}

TEST(CalendarTest, DstSwitchInstantsBefore2007) {
    // 1987-2006 rule: first Sunday of April (2006-04-02) to last Sunday of October (2006-10-29).
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2006-03-12T12:00:00Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2006-04-02T06:59:59Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2006-04-02T07:00:00Z")), -240);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2006-10-29T05:59:59Z")), -240);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2006-10-29T06:00:00Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2006-11-03T12:00:00Z")), -300);
    // 2007 is the first year of the new rule: 2nd Sunday of March = Mar 11.
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2007-03-11T06:59:00Z")), -300);
    EXPECT_EQ(SessionCalendar::utc_offset_minutes(ts("2007-03-11T07:00:00Z")), -240);
}

TEST(CalendarTest, ToLocal) {
    LocalTime a = SessionCalendar::to_local(ts("2026-03-12T13:30:00Z"));
    EXPECT_EQ(a.date, date(2026, 3, 12));
    EXPECT_EQ(a.minute_of_day, 9 * 60 + 30);
    EXPECT_EQ(a.weekday, 3);  // Thursday

    LocalTime b = SessionCalendar::to_local(ts("2026-01-01T03:00:00Z"));  // 22:00 EST Dec 31
    EXPECT_EQ(b.date, date(2025, 12, 31));
    EXPECT_EQ(b.minute_of_day, 22 * 60);
    EXPECT_EQ(b.weekday, 2);  // Wednesday

    // Spring forward: 01:59 EST then 03:00 EDT.
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-03-08T06:59:00Z")).minute_of_day, 119);
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-03-08T07:00:00Z")).minute_of_day, 180);
    // Fall back: 01:30 happens twice.
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-11-01T05:30:00Z")).minute_of_day, 90);
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-11-01T06:30:00Z")).minute_of_day, 90);
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-11-01T06:30:00Z")).weekday, 6);  // Sunday

    // Pre-epoch instants work too (floor division).
    LocalTime c = SessionCalendar::to_local(ts("1969-12-31T04:59:00Z"));
    EXPECT_EQ(c.date, date(1969, 12, 30));
    EXPECT_EQ(c.minute_of_day, 23 * 60 + 59);
    EXPECT_EQ(c.weekday, 1);  // Tuesday
}

TEST(CalendarTest, FromLocal) {
    EXPECT_EQ(SessionCalendar::from_local(date(2026, 3, 12), 570), ts("2026-03-12T13:30:00Z"));
    EXPECT_EQ(SessionCalendar::from_local(date(2026, 1, 15), 570), ts("2026-01-15T14:30:00Z"));
    // The skipped hour is read as EST: 02:30 -> 07:30Z (= 03:30 EDT).
    EXPECT_EQ(SessionCalendar::from_local(date(2026, 3, 8), 150), ts("2026-03-08T07:30:00Z"));
    // The repeated hour resolves to its first (EDT) occurrence.
    EXPECT_EQ(SessionCalendar::from_local(date(2026, 11, 1), 90), ts("2026-11-01T05:30:00Z"));
}

TEST(CalendarTest, ToLocalFromLocalRoundTripAcrossTransitions) {
    const std::vector<std::pair<const char*, const char*>> ranges = {
        {"2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"},
        {"2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z"},
        {"2006-04-01T00:00:00Z", "2006-04-03T00:00:00Z"},
        {"2025-12-31T00:00:00Z", "2026-01-02T00:00:00Z"},
    };
    const Timestamp repeated_lo = ts("2026-11-01T06:00:00Z");
    const Timestamp repeated_hi = ts("2026-11-01T07:00:00Z");
    int checked = 0;
    for (const auto& [from, to] : ranges) {
        for (Timestamp t = ts(from); t < ts(to); t = t + Duration::minutes(1)) {
            LocalTime lt = SessionCalendar::to_local(t);
            Timestamp back = SessionCalendar::from_local(lt.date, lt.minute_of_day);
            if (t >= repeated_lo && t < repeated_hi) {
                EXPECT_EQ(back, t - Duration::hours(1)) << t.iso();
            } else {
                ASSERT_EQ(back, t) << t.iso();
            }
            ++checked;
        }
    }
    EXPECT_EQ(checked, (3 + 3 + 2 + 2) * 1440);
}

TEST(CalendarTest, Holidays2026) {
    const std::vector<Date> holidays = {date(2026, 1, 1),  date(2026, 1, 19), date(2026, 2, 16),
                                        date(2026, 4, 3),  date(2026, 5, 25), date(2026, 6, 19),
                                        date(2026, 7, 3),  date(2026, 9, 7),  date(2026, 11, 26),
                                        date(2026, 12, 25)};
    for (const Date& d : holidays) {
        EXPECT_TRUE(SessionCalendar::is_holiday(d)) << d.to_string();
        EXPECT_FALSE(SessionCalendar::is_trading_day(d)) << d.to_string();
        EXPECT_FALSE(SessionCalendar::session(d).has_value()) << d.to_string();
    }
    // Every weekday of 2026 that is not one of those is a trading day: 261 - 10 = 251.
    int trading = 0;
    for (Date d = date(2026, 1, 1); d <= date(2026, 12, 31);
         d = civil_from_days(days_from_civil(d) + 1)) {
        bool listed = std::find(holidays.begin(), holidays.end(), d) != holidays.end();
        int wd = weekday(d);  // 0 = Sunday
        bool weekend = wd == 0 || wd == 6;
        EXPECT_EQ(SessionCalendar::is_trading_day(d), !weekend && !listed) << d.to_string();
        EXPECT_EQ(SessionCalendar::is_holiday(d), listed) << d.to_string();
        trading += SessionCalendar::is_trading_day(d) ? 1 : 0;
    }
    EXPECT_EQ(trading, 251);

    EXPECT_TRUE(SessionCalendar::is_early_close(date(2026, 11, 27)));
    EXPECT_TRUE(SessionCalendar::is_early_close(date(2026, 12, 24)));
    EXPECT_FALSE(SessionCalendar::is_early_close(date(2026, 7, 2)));  // July 3 is the holiday
    EXPECT_FALSE(SessionCalendar::is_early_close(date(2026, 7, 3)));
    EXPECT_FALSE(SessionCalendar::is_early_close(date(2026, 12, 31)));
}

TEST(CalendarTest, Holidays2024) {
    const std::vector<Date> holidays = {date(2024, 1, 1),  date(2024, 1, 15), date(2024, 2, 19),
                                        date(2024, 3, 29), date(2024, 5, 27), date(2024, 6, 19),
                                        date(2024, 7, 4),  date(2024, 9, 2),  date(2024, 11, 28),
                                        date(2024, 12, 25)};
    int n_holidays = 0, n_early = 0, n_trading = 0;
    for (Date d = date(2024, 1, 1); d <= date(2024, 12, 31);
         d = civil_from_days(days_from_civil(d) + 1)) {
        bool listed = std::find(holidays.begin(), holidays.end(), d) != holidays.end();
        EXPECT_EQ(SessionCalendar::is_holiday(d), listed) << d.to_string();
        n_holidays += SessionCalendar::is_holiday(d) ? 1 : 0;
        n_early += SessionCalendar::is_early_close(d) ? 1 : 0;
        n_trading += SessionCalendar::is_trading_day(d) ? 1 : 0;
    }
    EXPECT_EQ(n_holidays, 10);
    EXPECT_EQ(n_trading, 252);
    EXPECT_EQ(n_early, 3);
    EXPECT_TRUE(SessionCalendar::is_early_close(date(2024, 7, 3)));
    EXPECT_TRUE(SessionCalendar::is_early_close(date(2024, 11, 29)));
    EXPECT_TRUE(SessionCalendar::is_early_close(date(2024, 12, 24)));
}

TEST(CalendarTest, ObservanceRules) {
    // Christmas 2022 on Sunday -> Monday Dec 26.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2022, 12, 26)));
    EXPECT_FALSE(SessionCalendar::is_early_close(date(2022, 12, 23)));
    // New Year's Day 2022 on Saturday: NYSE stays open on Friday Dec 31, 2021.
    EXPECT_TRUE(SessionCalendar::is_trading_day(date(2021, 12, 31)));
    EXPECT_FALSE(SessionCalendar::is_holiday(date(2021, 12, 31)));
    // New Year's Day 2023 on Sunday -> Monday Jan 2.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2023, 1, 2)));
    // Juneteenth: from 2022 (Sunday -> Monday June 20), not in 2021.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2022, 6, 20)));
    EXPECT_TRUE(SessionCalendar::is_trading_day(date(2021, 6, 18)));
    // 2027: Juneteenth and Christmas on Saturday -> Friday; no Christmas Eve early close.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2027, 6, 18)));
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2027, 12, 24)));
    EXPECT_FALSE(SessionCalendar::is_early_close(date(2027, 12, 24)));
    // MLK Day only from 1998 (3rd Monday of January 1997 = Jan 20).
    EXPECT_TRUE(SessionCalendar::is_trading_day(date(1997, 1, 20)));
    EXPECT_TRUE(SessionCalendar::is_holiday(date(1998, 1, 19)));
    // Good Friday from the computus: Easter 2000-04-23, 2019-04-21, 2025-04-20.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2000, 4, 21)));
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2019, 4, 19)));
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2025, 4, 18)));
    // Unscheduled closures.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2018, 12, 5)));
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2012, 10, 29)));
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2025, 1, 9)));
    // Weekends are neither holidays nor trading days.
    EXPECT_FALSE(SessionCalendar::is_holiday(date(2026, 3, 7)));
    EXPECT_FALSE(SessionCalendar::is_trading_day(date(2026, 3, 7)));
    // Outside the precomputed range (1900..2199) the same rules apply: July 4 2300 is a Wednesday.
    EXPECT_TRUE(SessionCalendar::is_holiday(date(2300, 7, 4)));
    EXPECT_TRUE(SessionCalendar::is_early_close(date(2300, 7, 3)));
}

TEST(CalendarTest, SessionInstants) {
    std::optional<Session> summer = SessionCalendar::session(date(2026, 3, 12));
    ASSERT_TRUE(summer.has_value());
    EXPECT_EQ(summer->date, date(2026, 3, 12));
    EXPECT_EQ(summer->open, ts("2026-03-12T13:30:00Z"));
    EXPECT_EQ(summer->close, ts("2026-03-12T20:00:00Z"));

    std::optional<Session> winter = SessionCalendar::session(date(2026, 1, 15));
    ASSERT_TRUE(winter.has_value());
    EXPECT_EQ(winter->open, ts("2026-01-15T14:30:00Z"));
    EXPECT_EQ(winter->close, ts("2026-01-15T21:00:00Z"));

    std::optional<Session> black_friday = SessionCalendar::session(date(2026, 11, 27));
    ASSERT_TRUE(black_friday.has_value());
    EXPECT_EQ(black_friday->open, ts("2026-11-27T14:30:00Z"));
    EXPECT_EQ(black_friday->close, ts("2026-11-27T18:00:00Z"));

    std::optional<Session> jul3 = SessionCalendar::session(date(2024, 7, 3));
    ASSERT_TRUE(jul3.has_value());
    EXPECT_EQ(jul3->close, ts("2024-07-03T17:00:00Z"));

    EXPECT_FALSE(SessionCalendar::session(date(2026, 3, 14)).has_value());  // Saturday
}

TEST(CalendarTest, SessionAt) {
    EXPECT_FALSE(SessionCalendar::session_at(ts("2026-03-12T13:29:59Z")).has_value());
    std::optional<Session> s = SessionCalendar::session_at(ts("2026-03-12T13:30:00Z"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->date, date(2026, 3, 12));
    EXPECT_TRUE(SessionCalendar::is_open(ts("2026-03-12T19:59:59Z")));
    EXPECT_FALSE(SessionCalendar::is_open(ts("2026-03-12T20:00:00Z")));
    EXPECT_FALSE(SessionCalendar::is_open(ts("2026-03-14T15:00:00Z")));  // Saturday
    EXPECT_FALSE(SessionCalendar::is_open(ts("2026-04-03T15:00:00Z")));  // Good Friday
    EXPECT_TRUE(SessionCalendar::is_open(ts("2026-11-27T17:59:00Z")));
    EXPECT_FALSE(SessionCalendar::is_open(ts("2026-11-27T18:00:00Z")));  // early close
    // Winter: 14:00Z is 09:00 EST, before the open.
    EXPECT_FALSE(SessionCalendar::is_open(ts("2026-01-15T14:00:00Z")));
    EXPECT_TRUE(SessionCalendar::is_open(ts("2026-01-15T20:59:00Z")));
}

TEST(CalendarTest, InterleavedCallsStayConsistent) {
    // The per-thread cache must not leak one day's answer into another's.
    const std::vector<Timestamp> probes = {ts("2026-03-12T13:30:00Z"), ts("2026-01-15T14:45:00Z"),
                                           ts("2026-03-08T06:30:00Z"), ts("2026-03-08T07:30:00Z"),
                                           ts("2026-11-27T17:59:00Z"), ts("2026-03-12T19:59:00Z"),
                                           ts("2026-04-03T15:00:00Z"), ts("2026-01-15T20:59:00Z")};
    const std::vector<bool> open = {true, true, false, false, true, true, false, true};
    for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < probes.size(); ++i) {
            EXPECT_EQ(SessionCalendar::is_open(probes[i]), open[i]) << probes[i].iso();
            (void)SessionCalendar::from_local(Date{2030, 6, 1}, 600);
            (void)SessionCalendar::utc_offset_minutes(probes[(i + 3) % probes.size()]);
            LocalTime lt = SessionCalendar::to_local(probes[i]);
            EXPECT_EQ(SessionCalendar::from_local(lt.date, lt.minute_of_day), probes[i]);
        }
    }
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-03-08T06:30:00Z")).minute_of_day, 90);
    EXPECT_EQ(SessionCalendar::to_local(ts("2026-03-08T07:30:00Z")).minute_of_day, 210);
}

TEST(CalendarTest, NextTradingDay) {
    EXPECT_EQ(SessionCalendar::next_trading_day(date(2026, 3, 12)), date(2026, 3, 13));
    EXPECT_EQ(SessionCalendar::next_trading_day(date(2026, 3, 13)), date(2026, 3, 16));
    EXPECT_EQ(SessionCalendar::next_trading_day(date(2026, 4, 2)), date(2026, 4, 6));
    EXPECT_EQ(SessionCalendar::next_trading_day(date(2026, 12, 31)), date(2027, 1, 4));
    EXPECT_EQ(SessionCalendar::trading_day_on_or_after(date(2026, 3, 12)), date(2026, 3, 12));
    EXPECT_EQ(SessionCalendar::trading_day_on_or_after(date(2026, 3, 7)), date(2026, 3, 9));
    EXPECT_EQ(SessionCalendar::trading_day_on_or_after(date(2026, 7, 3)), date(2026, 7, 6));
}

// Real data: every 1-minute bar of the primary set lies inside a regular session.
TEST(CalendarTest, RealMinuteBarsLieInsideSessions) {
    const auto dir = testing::shared_data() / "bars" / "1min";
    std::set<Date> days;
    int64_t bars = 0;
    for (const char* sym : {"AAPL", "AMZN", "GOOG", "META", "MSFT", "NVDA", "SPY", "TSLA"}) {
        auto r =
            read_bars_csv((dir / (std::string(sym) + ".csv")).string(), [&](const MarketBar& b) {
                ++bars;
                LocalTime lt = SessionCalendar::to_local(b.bar_start);
                days.insert(lt.date);
                std::optional<Session> s = SessionCalendar::session(lt.date);
                ASSERT_TRUE(s.has_value()) << sym << " " << b.bar_start.iso();
                EXPECT_GE(b.bar_start, s->open) << sym << " " << b.bar_start.iso();
                EXPECT_LE(b.bar_start + b.interval, s->close) << sym << " " << b.bar_start.iso();
                EXPECT_TRUE(SessionCalendar::is_open(b.bar_start))
                    << sym << " " << b.bar_start.iso();
            });
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }
    EXPECT_EQ(bars, 7 * 4678 + 5157);
    // 2026-03-12..03-27 (12 trading days) plus SPY's 03-30 and 03-31.
    std::set<Date> expected;
    for (Date d = date(2026, 3, 12); d <= date(2026, 3, 31);
         d = SessionCalendar::next_trading_day(d)) {
        expected.insert(d);
    }
    EXPECT_EQ(days, expected);
    EXPECT_EQ(days.size(), 14u);
}

/// The dates of a daily file equal the calendar's trading days between its first and last date.
void expect_daily_file_matches_calendar(const std::filesystem::path& file, int expected_rows) {
    std::vector<Date> dates;
    auto r = read_bars_csv(
        file.string(),
        [&](const MarketBar& b) { dates.push_back(*Date::parse(b.bar_start.date_utc())); },
        Duration::days(1));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(static_cast<int>(dates.size()), expected_rows);
    std::vector<Date> expected;
    for (Date d = dates.front(); d <= dates.back(); d = SessionCalendar::next_trading_day(d)) {
        expected.push_back(d);
    }
    EXPECT_EQ(dates, expected) << file;
}

TEST(CalendarTest, RealDailyDatesAreExactlyTheTradingDays) {
    const auto dir = testing::shared_data() / "bars" / "1day";
    expect_daily_file_matches_calendar(dir / "AAPL.csv", 2768);  // 2013-01-02..2023-12-29
    // 2024-04-01..2026-03-31, with the 2025-01-09 closure (President Carter).
    expect_daily_file_matches_calendar(
        dir / "alt" / "stockdatasave-2024-2026-unadjusted" / "SPY.csv", 502);
    // 2018-01-02..2019-02-15, with the 2018-12-05 closure (President G. H. W. Bush).
    expect_daily_file_matches_calendar(dir / "alt" / "eqker-2018-2019-unadjusted" / "AAPL.csv",
                                       283);
}

// A bar on 2262-04-11, the last day a Timestamp holds, overflowed int64 in the calendar's day
// cache (the next midnight is beyond it; found by fuzz/csv_bars_fuzz.cpp under UBSan). The
// first and last instants read as their dates, and a wall time past the end saturates.
TEST(CalendarTest, TheFirstAndLastDaysATimestampHoldsDoNotOverflow) {
    const Timestamp last = Timestamp::from_ns(std::numeric_limits<int64_t>::max());
    // 23:47:16 UTC. The DST switches of years without a Timestamp for them (after 2261) are
    // saturated, so the year reads as EST throughout: 18:47.
    const LocalTime l = SessionCalendar::to_local(last);
    EXPECT_EQ(l.date, date(2262, 4, 11));
    EXPECT_EQ(l.minute_of_day, 18 * 60 + 47);
    const LocalTime late = SessionCalendar::to_local(ts("2262-04-11T23:47:00Z"));
    EXPECT_EQ(late.date, date(2262, 4, 11));
    // 00:12:43 UTC on 1677-09-21: its local time would be the evening before, which has no
    // Timestamp; the local clock saturates at the first instant and reads the UTC date.
    const Timestamp first = Timestamp::from_ns(std::numeric_limits<int64_t>::min());
    const LocalTime f = SessionCalendar::to_local(first);
    EXPECT_EQ(f.date, date(1677, 9, 21));
    EXPECT_EQ(f.minute_of_day, 0);
    EXPECT_EQ(SessionCalendar::from_local(date(2262, 4, 12), 600), last);
}

}  // namespace
}  // namespace awet
