#include "awet/scheduler/job_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <set>

#include "awet/calendar/calendar.hpp"

namespace awet {

JobRunner::JobRunner(JobLog& log, const Schedule& schedule, const Clock& clock, uint64_t seed,
                     Duration grace)
    : log_(log), schedule_(schedule), clock_(clock), ids_(seed), grace_(grace) {}

void JobRunner::set_body(JobKind job, JobBody body) {
    bodies_[static_cast<size_t>(job)] = std::move(body);
}

Result<int> JobRunner::recover() {
    auto rows = log_.load_job_runs(JobRunQuery{});
    if (!rows.ok()) return rows.error();
    int marked = 0;
    const Timestamp now = clock_.now();
    for (JobRunRecord row : *rows) {
        if (row.status != "running") continue;
        const auto job = parse_job_kind(row.job);
        const Duration timeout = job ? schedule_.spec(*job).timeout : Duration::minutes(60);
        if (now - row.started_at < timeout) continue;  // another scheduler may still run it
        row.status = "timed_out";
        row.finished_at = now;
        row.summary = "the scheduler stopped while this ran (started " + row.started_at.iso() +
                      "); not run again";
        AWET_TRY(log_.update_job_run(row));
        ++marked;
    }
    return marked;
}

Result<Timestamp> JobRunner::last_slot() {
    auto rows = log_.load_job_runs(JobRunQuery{});
    if (!rows.ok()) return rows.error();
    Timestamp last;
    for (const auto& r : *rows) last = std::max(last, r.slot);
    return last;
}

Result<std::vector<JobRunRecord>> JobRunner::run_due(Timestamp since) {
    const Timestamp now = clock_.now();
    std::vector<JobRunRecord> written;
    const auto due = schedule_.all_slots(since, now + Duration::nanos(1));
    if (due.empty()) return written;
    JobRunQuery query;
    query.from = since;
    query.to = now + Duration::nanos(1);
    auto rows = log_.load_job_runs(query);
    if (!rows.ok()) return rows.error();
    std::set<std::pair<std::string, int64_t>> done;
    for (const auto& r : *rows) done.emplace(r.job, r.slot.ns());
    // The latest due slot of each job, to tell a missed slot from the one due now.
    std::array<Timestamp, kJobKinds.size()> latest{};
    for (const Slot& s : due) latest[static_cast<size_t>(s.job)] = s.at;
    for (const Slot& s : due) {
        if (done.contains({std::string(job_name(s.job)), s.at.ns()})) continue;
        const bool last_of_job = s.at == latest[static_cast<size_t>(s.job)];
        if (last_of_job && now - s.at <= grace_) {
            auto r = run_slot(s, "on_time");
            if (!r.ok()) return r.error();
            written.push_back(std::move(*r));
            continue;
        }
        const MissedPolicy policy = schedule_.spec(s.job).missed;
        const bool runs =
            policy == MissedPolicy::kCatchUp || (policy == MissedPolicy::kLatest && last_of_job);
        auto r = runs ? run_slot(s, "catch_up")
                      : skip_slot(s, fmt::format("missed while the scheduler was down; policy {}",
                                                 to_string(policy)));
        if (!r.ok()) return r.error();
        written.push_back(std::move(*r));
    }
    return written;
}

Result<JobRunRecord> JobRunner::run_now(JobKind job) {
    const Timestamp now = clock_.now();
    return run_slot(Slot{job, now, SessionCalendar::to_local(now).date}, "manual");
}

Result<JobRunRecord> JobRunner::skip_slot(const Slot& slot, const std::string& why) {
    JobRunRecord row;
    row.job = std::string(job_name(slot.job));
    row.slot = slot.at;
    row.trigger = "catch_up";
    row.status = "skipped";
    row.summary = why;
    row.details_json = "{}";
    row.correlation_id = ids_.next();
    auto claimed = log_.claim_job_run(row);
    if (!claimed.ok()) return claimed.error();
    return row;
}

Result<JobRunRecord> JobRunner::run_slot(const Slot& slot, const std::string& trigger) {
    JobRunRecord row;
    row.job = std::string(job_name(slot.job));
    row.slot = slot.at;
    row.trigger = trigger;
    row.status = "running";
    row.started_at = clock_.now();
    row.details_json = "{}";
    row.correlation_id = ids_.next();
    auto claimed = log_.claim_job_run(row);
    if (!claimed.ok()) return claimed.error();
    if (!*claimed) {
        row.status = "skipped";
        row.summary = "claimed by another scheduler";
        return row;  // nothing written: the slot's row is the other run's
    }
    const JobSpec& spec = schedule_.spec(slot.job);
    JobRun run{slot, trigger, row.correlation_id, monotonic_ns() + spec.timeout.ns()};
    const JobBody& body = bodies_[static_cast<size_t>(slot.job)];
    Result<JobOutcome> outcome = make_error(ErrorCode::kInternal, "no body for this job");
    if (body) {
        try {
            outcome = body(run);
        } catch (const std::exception& e) {
            outcome = make_error(ErrorCode::kInternal, std::string("threw: ") + e.what());
        }
    }
    row.finished_at = clock_.now();
    if (!outcome.ok()) {
        row.status = "failed";
        row.summary = outcome.error().message;
    } else {
        row.status = outcome->ok ? "ok" : "failed";
        row.summary = outcome->summary;
        row.details_json = outcome->details_json;
    }
    if (run.expired()) {
        row.status = "timed_out";
        const int64_t ms = spec.timeout.ns() / 1'000'000;
        row.summary = fmt::format(
            "ran past its timeout of {}; {}",
            ms % 60'000 == 0 ? fmt::format("{} min", ms / 60'000) : fmt::format("{} ms", ms),
            row.summary);
    }
    AWET_TRY(log_.update_job_run(row));
    return row;
}

}  // namespace awet
