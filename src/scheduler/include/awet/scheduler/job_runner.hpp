#pragma once
// Runs the jobs of a Schedule at their slots, once per slot: each run is claimed in job_runs
// (job, slot) before its body runs, so a second scheduler, or one restarted mid-day, never runs a
// slot again. Slots missed while the scheduler was down are caught up or skipped by each job's
// policy, and the choice is recorded. Time is the injected clock's (simulated for
// `awet scheduler --simulate`, the wall clock for the service); a run's timeout is measured in
// real time.
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "awet/core/clock.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/scheduler/schedule.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// What a job's body reports back.
struct JobOutcome {
    bool ok = true;       // false: the job failed (its summary says why); status "failed"
    std::string summary;  // one line for a person
    std::string details_json = "{}";
};

/// The run a body is asked to do.
struct JobRun {
    Slot slot;
    std::string trigger;  // "on_time", "catch_up", "manual"
    Uuid correlation_id;
    int64_t deadline_ns = 0;  // monotonic_ns() by which the body should have returned

    /// Cooperative timeout: a body checks this between its steps and stops when it is true.
    bool expired() const { return monotonic_ns() > deadline_ns; }
};
using JobBody = std::function<Result<JobOutcome>(const JobRun&)>;

class JobRunner {
public:
    /// `log` and `clock` must outlive the runner. A slot is on time while `now - slot` is at
    /// most `grace`; older, it is a missed slot.
    JobRunner(JobLog& log, const Schedule& schedule, const Clock& clock, uint64_t seed,
              Duration grace = Duration::minutes(1));

    /// The body of `job`; a job without one is recorded failed ("no body") when due.
    void set_body(JobKind job, JobBody body);

    /// Rows left `running` (the scheduler stopped during the run) whose timeout has passed by
    /// the clock are marked timed_out; their slots are never run again. Returns how many.
    Result<int> recover();

    /// The latest slot with a row (any job): where a restarted scheduler picks up. Unset: none.
    Result<Timestamp> last_slot();

    /// Runs what is due at the clock's now: for each job, every slot in [since, now] without a
    /// row, oldest first; the latest one on time, the others by the job's missed policy.
    /// Returns the rows written, in the order written.
    Result<std::vector<JobRunRecord>> run_due(Timestamp since);

    /// One run of `job` now, outside its schedule (trigger manual; the slot is now).
    Result<JobRunRecord> run_now(JobKind job);

private:
    Result<JobRunRecord> run_slot(const Slot& slot, const std::string& trigger);
    Result<JobRunRecord> skip_slot(const Slot& slot, const std::string& why);

    JobLog& log_;
    const Schedule& schedule_;
    const Clock& clock_;
    IdGenerator ids_;
    Duration grace_;
    std::array<JobBody, kJobKinds.size()> bodies_;
};

}  // namespace awet
