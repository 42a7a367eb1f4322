#pragma once
// The scheduler's jobs as operations (what each one does; src/scheduler knows when), the record
// of their runs, and a simulated run of the schedule: the morning check (go / no-go), the trade
// watchdog (findings; its one action is the kill switch), the EOD job, the night training, and
// `awet scheduler --simulate`, which runs every slot of a span of sessions against a simulated
// clock while the stored bars of each session are traded between the slots.
#include <optional>
#include <string>
#include <vector>

#include "awet/ml/forecast_score.hpp"
#include "awet/ops/context.hpp"
#include "awet/scheduler/job_runner.hpp"

namespace awet::ops {

/// One item of a check or a watchdog: what was looked at, whether it is fine, what was seen.
struct CheckItem {
    std::string name;  // "green_model", "data_fresh", "agents", "gates", "no_unfinished_run"
    bool ok = true;
    std::string detail;
};

struct MorningCheckRequest {
    Date session;              // the session about to open
    bool check_agents = true;  // ask every agent's /health (false: an embedded run, no agents)
    std::vector<std::string> agents;  // as HealthRequest::agents (empty: all eight)
};
struct MorningCheckResult {
    Date session;
    bool go = false;
    std::vector<CheckItem> checks;
    bool revoked = false;  // no-go: the approval file was removed (every order blocked)
};
/// Go / no-go for the session: a green model, bars through the previous session, no run left
/// unfinished, every agent healthy (when asked), and the gates' state reported (the paper
/// broker, dry_run, the approval file). A no-go revokes the approval file and says why.
Result<MorningCheckResult> morning_check(Context& ctx, const MorningCheckRequest& request);

struct WatchdogRequest {
    Timestamp at;  // the moment looked at (the slot); its session is New York's date of it
};
struct WatchdogResult {
    Date session;
    Money session_pnl;  // realized + unrealized of the session at `at`, as the EOD rule has it
    Money limit;        // scheduler.watchdog_max_drawdown_usd
    std::vector<CheckItem> findings;
    bool tripped = false;  // the loss passed the limit: the approval file was revoked
};
/// The session so far: its loss against the limit (beyond it: the kill switch, the only action
/// the watchdog takes), a stale feed (no bar for longer than data.stale_feed_seconds while
/// open), orders open for more than 15 minutes.
Result<WatchdogResult> watchdog(Context& ctx, const WatchdogRequest& request);

struct NightTrainingRequest {
    Date session;  // the session ahead: the held-out sessions are the ones just before it
};
struct NightTrainingResult {
    std::string candidate;  // registered (candidate), promoted when it passed the gate
    std::string green;      // the green model it was scored against ("" when there was none)
    Date held_out_from, held_out_to;  // the sessions both were scored on
    ForecastScore candidate_score;
    std::optional<ForecastScore> green_score;
    bool green_in_sample = false;  // the green model was trained on the held-out sessions
    std::string verdict;           // why the gate refused ("" when it passed)
    bool promoted = false;
    std::string summary;
};
/// The night training: a linear candidate trained on the sessions before the held-out ones
/// (scheduler.gate_sessions, scheduler.night_training_sessions), then the promotion gate: it and
/// the green model scored on the held-out sessions (score_forecaster); promoted only when the
/// candidate's pinball loss is scheduler.promotion_margin_pct below the green's on every horizon
/// and its coverage is in band; otherwise the green is kept, and the result says why.
Result<NightTrainingResult> night_training(Context& ctx, const NightTrainingRequest& request);

struct JobsListRequest {
    std::string job;    // empty: every job
    size_t limit = 50;  // the newest this many
};
struct JobsListResult {
    std::vector<JobRunRecord> runs;  // by slot, oldest first
};
Result<JobsListResult> jobs_list(Context& ctx, const JobsListRequest& request);

struct SimulateRequest {
    Date from;          // the first day simulated (from 00:00 New York)
    int days = 5;       // calendar days
    bool trade = true;  // replay the stored bars of each session between the slots
};
struct SimulateResult {
    Date from, to;
    int64_t bars_traded = 0;
    std::vector<JobRunRecord> runs;  // what this simulation wrote, in order
};
/// Every slot from `from` for `days` days against a simulated clock, once each (a slot already
/// in job_runs is not run again: a second simulation of the same days runs nothing).
Result<SimulateResult> scheduler_simulate(Context& ctx, const SimulateRequest& request);

/// The bodies of the four jobs over `ctx`, for a JobRunner (the simulation's and the service's).
/// `check_agents`: the morning check asks the agents (false in an embedded run).
void set_job_bodies(Context& ctx, JobRunner& runner, bool check_agents);

}  // namespace awet::ops
