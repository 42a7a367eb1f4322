#pragma once
// The jobs of the orchestration layer and their slots on the US-equities session calendar
// (America/New_York: DST, holidays and early closes from awet/calendar): night training on each
// night before a session, the morning check on session days, the trade watchdog every N minutes
// while the market is open, the EOD job N minutes after each close. Pure computation.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "awet/core/time.hpp"
#include "awet/scheduler/scheduler_config.hpp"

namespace awet {

enum class JobKind : uint8_t { kNightTraining, kMorningCheck, kWatchdog, kEod };
inline constexpr std::array<JobKind, 4> kJobKinds = {
    JobKind::kNightTraining, JobKind::kMorningCheck, JobKind::kWatchdog, JobKind::kEod};
/// "night_training", "morning_check", "watchdog", "eod" (the job column of job_runs).
std::string_view job_name(JobKind job);
std::optional<JobKind> parse_job_kind(std::string_view name);

/// What becomes of slots missed while the scheduler was down.
enum class MissedPolicy : uint8_t {
    kCatchUp,  // every missed slot runs, oldest first
    kLatest,   // the latest missed slot runs; the older ones are recorded skipped
    kSkip,     // every missed slot is recorded skipped
};
std::optional<MissedPolicy> parse_missed_policy(std::string_view text);
std::string_view to_string(MissedPolicy policy);

struct JobSpec {
    JobKind job = JobKind::kEod;
    MissedPolicy missed = MissedPolicy::kCatchUp;
    Duration timeout = Duration::minutes(60);
};

/// One job's scheduled time.
struct Slot {
    JobKind job = JobKind::kEod;
    Timestamp at;
    Date session;  // the session the slot belongs to (night training: the session it precedes)
};

class Schedule {
public:
    /// `config` must be valid (validate()): its times parse.
    explicit Schedule(const SchedulerConfig& config);

    const JobSpec& spec(JobKind job) const { return specs_[static_cast<size_t>(job)]; }
    /// A timeout finer than the config's minutes (a job that must be quick; tests).
    void set_timeout(JobKind job, Duration timeout) {
        specs_[static_cast<size_t>(job)].timeout = timeout;
    }
    /// The slots of `job` in [from, to), in time order.
    std::vector<Slot> slots(JobKind job, Timestamp from, Timestamp to) const;
    /// Every job's slots in [from, to), in time order (ties: kJobKinds order).
    std::vector<Slot> all_slots(Timestamp from, Timestamp to) const;

private:
    void slots_of_day(JobKind job, Date day, std::vector<Slot>& out) const;

    std::array<JobSpec, kJobKinds.size()> specs_;
    int night_training_minute_;
    int morning_check_minute_;
    int watchdog_every_minutes_;
    int eod_after_close_minutes_;
};

}  // namespace awet
