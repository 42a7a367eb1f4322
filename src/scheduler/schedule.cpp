#include "awet/scheduler/schedule.hpp"

#include <algorithm>

#include "awet/calendar/calendar.hpp"

namespace awet {

namespace {

constexpr std::array<std::string_view, kJobKinds.size()> kNames = {
    "night_training", "morning_check", "watchdog", "eod"};

MissedPolicy policy_of(const std::string& text) {
    return parse_missed_policy(text).value_or(MissedPolicy::kSkip);
}

}  // namespace

std::string_view job_name(JobKind job) { return kNames[static_cast<size_t>(job)]; }

std::optional<JobKind> parse_job_kind(std::string_view name) {
    for (JobKind job : kJobKinds) {
        if (job_name(job) == name) return job;
    }
    return std::nullopt;
}

std::optional<MissedPolicy> parse_missed_policy(std::string_view text) {
    if (text == "catch_up") return MissedPolicy::kCatchUp;
    if (text == "latest") return MissedPolicy::kLatest;
    if (text == "skip") return MissedPolicy::kSkip;
    return std::nullopt;
}

std::string_view to_string(MissedPolicy policy) {
    switch (policy) {
        case MissedPolicy::kCatchUp:
            return "catch_up";
        case MissedPolicy::kLatest:
            return "latest";
        case MissedPolicy::kSkip:
            return "skip";
    }
    return "?";
}

Schedule::Schedule(const SchedulerConfig& config)
    : night_training_minute_(parse_clock_time(config.night_training_at).value_or(120)),
      morning_check_minute_(parse_clock_time(config.morning_check_at).value_or(510)),
      watchdog_every_minutes_(std::max(1, config.watchdog_every_minutes)),
      eod_after_close_minutes_(std::max(0, config.eod_after_close_minutes)) {
    const Duration timeout = Duration::minutes(std::max(1, config.job_timeout_minutes));
    specs_ = {JobSpec{JobKind::kNightTraining, policy_of(config.night_training_missed), timeout},
              JobSpec{JobKind::kMorningCheck, policy_of(config.morning_check_missed), timeout},
              JobSpec{JobKind::kWatchdog, policy_of(config.watchdog_missed), timeout},
              JobSpec{JobKind::kEod, policy_of(config.eod_missed), timeout}};
}

void Schedule::slots_of_day(JobKind job, Date day, std::vector<Slot>& out) const {
    const auto session = SessionCalendar::session(day);
    if (!session) return;  // every job belongs to a session day
    switch (job) {
        case JobKind::kNightTraining:
            // The night before the session: its local date is the session's own (02:00).
            out.push_back(Slot{job, SessionCalendar::from_local(day, night_training_minute_), day});
            return;
        case JobKind::kMorningCheck:
            out.push_back(Slot{job, SessionCalendar::from_local(day, morning_check_minute_), day});
            return;
        case JobKind::kWatchdog:
            for (Timestamp t = session->open; t < session->close;
                 t = t + Duration::minutes(watchdog_every_minutes_)) {
                out.push_back(Slot{job, t, day});
            }
            return;
        case JobKind::kEod:
            out.push_back(
                Slot{job, session->close + Duration::minutes(eod_after_close_minutes_), day});
            return;
    }
}

std::vector<Slot> Schedule::slots(JobKind job, Timestamp from, Timestamp to) const {
    std::vector<Slot> out;
    if (!(from < to)) return out;
    // A day's slots lie within that local day or just after it (an EOD late at night).
    const int64_t first = days_from_civil(SessionCalendar::to_local(from).date) - 1;
    const int64_t last = days_from_civil(SessionCalendar::to_local(to).date);
    std::vector<Slot> day;
    for (int64_t d = first; d <= last; ++d) {
        day.clear();
        slots_of_day(job, civil_from_days(d), day);
        for (const Slot& s : day) {
            if (s.at >= from && s.at < to) out.push_back(s);
        }
    }
    return out;
}

std::vector<Slot> Schedule::all_slots(Timestamp from, Timestamp to) const {
    std::vector<Slot> out;
    for (JobKind job : kJobKinds) {
        auto s = slots(job, from, to);
        out.insert(out.end(), s.begin(), s.end());
    }
    std::stable_sort(out.begin(), out.end(), [](const Slot& a, const Slot& b) {
        if (a.at != b.at) return a.at < b.at;
        return static_cast<int>(a.job) < static_cast<int>(b.job);
    });
    return out;
}

}  // namespace awet
