// The jobs' slots on the session calendar: DST, holidays, early closes, weekends.
#include "awet/scheduler/schedule.hpp"

#include <gtest/gtest.h>

#include "awet/calendar/calendar.hpp"

namespace awet {
namespace {

Timestamp local(const char* date, int hh, int mm) {
    return SessionCalendar::from_local(*Date::parse(date), hh * 60 + mm);
}

std::vector<Timestamp> times(const std::vector<Slot>& slots) {
    std::vector<Timestamp> out;
    for (const auto& s : slots) out.push_back(s.at);
    return out;
}

TEST(Schedule, EachJobOnItsSessionDaysInNewYorkTime) {
    const Schedule schedule{SchedulerConfig{}};
    // Friday 2026-03-06 to Tuesday 2026-03-10: the weekend has no slot; DST begins Sunday 03-08.
    const Timestamp from = local("2026-03-06", 0, 0), to = local("2026-03-11", 0, 0);
    EXPECT_EQ(times(schedule.slots(JobKind::kNightTraining, from, to)),
              (std::vector<Timestamp>{local("2026-03-06", 2, 0), local("2026-03-09", 2, 0),
                                      local("2026-03-10", 2, 0)}));
    EXPECT_EQ(times(schedule.slots(JobKind::kMorningCheck, from, to)),
              (std::vector<Timestamp>{local("2026-03-06", 8, 30), local("2026-03-09", 8, 30),
                                      local("2026-03-10", 8, 30)}));
    EXPECT_EQ(times(schedule.slots(JobKind::kEod, from, to)),
              (std::vector<Timestamp>{local("2026-03-06", 16, 30), local("2026-03-09", 16, 30),
                                      local("2026-03-10", 16, 30)}));
    // 16:30 New York is 21:30 UTC before DST, 20:30 UTC after.
    EXPECT_EQ(local("2026-03-06", 16, 30).iso(), "2026-03-06T21:30:00Z");
    EXPECT_EQ(local("2026-03-09", 16, 30).iso(), "2026-03-09T20:30:00Z");
    // The watchdog: 09:30, 09:45, ... 15:45 (26 a day) while open.
    const auto watch = schedule.slots(JobKind::kWatchdog, from, to);
    ASSERT_EQ(watch.size(), 3U * 26U);
    EXPECT_EQ(watch.front().at, local("2026-03-06", 9, 30));
    EXPECT_EQ(watch[25].at, local("2026-03-06", 15, 45));
    EXPECT_EQ(watch[26].at, local("2026-03-09", 9, 30));
    for (const auto& s : watch) EXPECT_TRUE(SessionCalendar::is_open(s.at)) << s.at.iso();
}

TEST(Schedule, HolidaysHaveNoSlotsAndEarlyClosesMoveTheEodAndTheWatchdog) {
    const Schedule schedule{SchedulerConfig{}};
    // Thanksgiving 2026-11-26 (closed), Friday 11-27 closes at 13:00.
    const Timestamp from = local("2026-11-26", 0, 0), to = local("2026-11-28", 0, 0);
    EXPECT_EQ(times(schedule.slots(JobKind::kEod, from, to)),
              (std::vector<Timestamp>{local("2026-11-27", 13, 30)}));
    EXPECT_EQ(times(schedule.slots(JobKind::kNightTraining, from, to)),
              (std::vector<Timestamp>{local("2026-11-27", 2, 0)}));
    const auto watch = schedule.slots(JobKind::kWatchdog, from, to);
    ASSERT_EQ(watch.size(), 14U);  // 09:30 .. 12:45
    EXPECT_EQ(watch.back().at, local("2026-11-27", 12, 45));
}

TEST(Schedule, TimesAndPoliciesComeFromTheConfig) {
    SchedulerConfig config;
    config.night_training_at = "01:15";
    config.watchdog_every_minutes = 60;
    config.eod_after_close_minutes = 0;
    config.watchdog_missed = "catch_up";
    const Schedule schedule{config};
    const Timestamp from = local("2026-03-10", 0, 0), to = local("2026-03-11", 0, 0);
    EXPECT_EQ(times(schedule.slots(JobKind::kNightTraining, from, to)),
              (std::vector<Timestamp>{local("2026-03-10", 1, 15)}));
    EXPECT_EQ(schedule.slots(JobKind::kWatchdog, from, to).size(), 7U);  // 09:30 .. 15:30
    EXPECT_EQ(times(schedule.slots(JobKind::kEod, from, to)),
              (std::vector<Timestamp>{local("2026-03-10", 16, 0)}));
    EXPECT_EQ(schedule.spec(JobKind::kWatchdog).missed, MissedPolicy::kCatchUp);
    EXPECT_EQ(schedule.spec(JobKind::kEod).missed, MissedPolicy::kCatchUp);
    EXPECT_EQ(schedule.spec(JobKind::kNightTraining).missed, MissedPolicy::kLatest);
    // Every job's slots together, in time order.
    const auto all = schedule.all_slots(from, to);
    ASSERT_EQ(all.size(), 1U + 1U + 7U + 1U);
    EXPECT_EQ(all.front().job, JobKind::kNightTraining);
    EXPECT_EQ(all[1].job, JobKind::kMorningCheck);
    EXPECT_EQ(all.back().job, JobKind::kEod);
}

TEST(Schedule, ClockTimesAreParsedStrictly) {
    EXPECT_EQ(parse_clock_time("02:00"), 120);
    EXPECT_EQ(parse_clock_time("23:59"), 1439);
    for (const char* bad : {"24:00", "2:00", "02:60", "0200", "ab:cd", ""}) {
        EXPECT_FALSE(parse_clock_time(bad).has_value()) << bad;
    }
    EXPECT_EQ(parse_job_kind("watchdog"), JobKind::kWatchdog);
    EXPECT_FALSE(parse_job_kind("bogus").has_value());
}

}  // namespace
}  // namespace awet
