#include "jobs_command.hpp"

#include <cstdio>
#include <memory>

#include "awet/ops/jobs.hpp"
#include "show.hpp"

namespace awet::cli {

namespace {

struct JobsArgs {
    std::string job;
    size_t limit = 50;
};
struct SimulateArgs {
    bool simulate = false;
    std::string from;
    int days = 5;
    bool no_trade = false;
};

int jobs(const Common& common, const JobsArgs& args) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::jobs_list(*ctx, {args.job, args.limit}));
}

int simulate(const Common& common, const SimulateArgs& args) {
    if (!args.simulate) {
        std::fprintf(stderr,
                     "awet: the scheduler runs as a service with `awet agent scheduler`; here "
                     "only --simulate (--from D --days N)\nRun 'awet scheduler --help' for "
                     "more.\n");
        return 2;
    }
    auto from = ops::parse_date_field(args.from, "--from");
    if (!from.ok() || !*from) {
        std::fprintf(stderr, "awet: %s\n",
                     from.ok() ? "--from: required (YYYY-MM-DD)" : from.error().message.c_str());
        return 2;
    }
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    ops::SimulateRequest request;
    request.from = **from;
    request.days = args.days;
    request.trade = !args.no_trade;
    auto r = [&] {
        TtyProgress progress(*ctx, common);
        return ops::scheduler_simulate(*ctx, request);
    }();
    return show(common, r);
}

}  // namespace

void add_orchestration(CLI::App& app, Common& common, int& rc,
                       void (*add_common)(CLI::App*, Common&),
                       void (*add_json)(CLI::App*, Common&)) {
    auto jobs_args = std::make_shared<JobsArgs>();
    auto* jobs_cmd = app.add_subcommand(
        "jobs", "The scheduler's record (job_runs): every slot run or skipped, newest last");
    add_common(jobs_cmd, common);
    add_json(jobs_cmd, common);
    jobs_cmd->add_option("--job", jobs_args->job, "Only this job")
        ->check(CLI::IsMember({"night_training", "morning_check", "watchdog", "eod"}));
    jobs_cmd->add_option("--limit", jobs_args->limit, "At most this many rows")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    jobs_cmd->callback([&common, &rc, jobs_args] { rc = jobs(common, *jobs_args); });

    auto sim = std::make_shared<SimulateArgs>();
    auto* scheduler_cmd = app.add_subcommand(
        "scheduler",
        "Run the schedule (night training, morning check, watchdog, EOD) against a simulated "
        "clock, trading the stored bars between the slots");
    add_common(scheduler_cmd, common);
    add_json(scheduler_cmd, common);
    scheduler_cmd->add_flag("--simulate", sim->simulate, "A simulated clock (required)");
    scheduler_cmd->add_option("--from", sim->from, "First day, YYYY-MM-DD (from 00:00 New York)");
    scheduler_cmd->add_option("--days", sim->days, "Calendar days simulated")
        ->check(CLI::Range(1, 366))
        ->capture_default_str();
    scheduler_cmd->add_flag("--no-trade", sim->no_trade,
                            "Run the jobs only; no bars are traded between the slots");
    scheduler_cmd->callback([&common, &rc, sim] { rc = simulate(common, *sim); });
}

}  // namespace awet::cli
