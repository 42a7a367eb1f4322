#include "awet/ops/jobs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "awet/calendar/calendar.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/ml/forecast_score.hpp"
#include "awet/ops/book.hpp"
#include "awet/ops/json.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/system.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"

namespace awet::ops {

namespace {

std::string failed_names(const std::vector<CheckItem>& items) {
    std::string out;
    for (const auto& c : items) {
        if (!c.ok) out += (out.empty() ? "" : "; ") + c.name + ": " + c.detail;
    }
    return out;
}

/// The latest stored minute bar in the `days` before `at_or_before`, if any.
Result<std::optional<MarketBar>> last_bar(Store& store, Timestamp at_or_before, int days) {
    BarQuery q;
    q.to = at_or_before + Duration::nanos(1);
    q.from = at_or_before - Duration::days(days);
    auto bars = store.load_bars(q);
    if (!bars.ok()) return bars.error();
    if (bars->empty()) return std::optional<MarketBar>{};
    return std::optional<MarketBar>{bars->back()};
}

}  // namespace

Result<MorningCheckResult> morning_check(Context& ctx, const MorningCheckRequest& request) {
    auto store = ctx.writable_store("awet morning check");
    if (!store.ok()) return store.error();
    MorningCheckResult out;
    out.session = request.session;
    auto green = (*store)->green_model();
    if (!green.ok()) return green.error();
    out.checks.push_back(green->has_value() ? CheckItem{"green_model", true, (*green)->model_id}
                                            : CheckItem{"green_model", false,
                                                        "no green model (awet models promote ID)"});
    const Date previous = SessionCalendar::previous_trading_day(request.session);
    auto bar = last_bar(**store, SessionCalendar::from_local(request.session, 0), 60);
    if (!bar.ok()) return bar.error();
    if (!bar->has_value()) {
        out.checks.push_back({"data_fresh", false, "no bars in the 60 days before the session"});
    } else {
        const Date through = SessionCalendar::to_local((*bar)->bar_start).date;
        const bool fresh = days_from_civil(through) >= days_from_civil(previous);
        out.checks.push_back({"data_fresh", fresh,
                              "bars through " + through.to_string() + " (previous session " +
                                  previous.to_string() + ")"});
    }
    auto open_run = (*store)->unfinished_run();
    if (!open_run.ok()) return open_run.error();
    // The run of this process (the simulation's own trading) is not one left unfinished.
    if (open_run->has_value() && (*open_run)->pid == static_cast<int64_t>(::getpid())) {
        open_run->reset();
    }
    out.checks.push_back(open_run->has_value()
                             ? CheckItem{"no_unfinished_run", false,
                                         "a run (" + (*open_run)->command + ", started " +
                                             (*open_run)->started_at.iso() + ") did not finish"}
                             : CheckItem{"no_unfinished_run", true, "none"});
    if (request.check_agents) {
        HealthRequest health_request;
        health_request.agents = request.agents;
        health_request.timeout_ms = 500;
        auto health = ops::health(ctx, health_request);
        if (!health.ok()) return health.error();
        std::string down;
        for (const auto& a : health->agents) {
            if (a.status != "ok")
                down += (down.empty() ? "" : ", ") + a.target.agent + " " + a.status;
        }
        out.checks.push_back(
            {"agents", down.empty(),
             down.empty() ? std::to_string(health->agents.size()) + " healthy" : down});
    } else {
        out.checks.push_back({"agents", true, "not asked (an embedded run: no agent processes)"});
    }
    const ExecutionConfig& ex = ctx.config().execution;
    out.checks.push_back(
        {"gates", true,
         fmt::format("broker {} (paper only), dry_run={}, approval file {}", ex.broker,
                     ex.dry_run ? "true" : "false",
                     SafetyGate::approved(ex.approval_file) ? "present" : "absent")});
    out.go =
        std::all_of(out.checks.begin(), out.checks.end(), [](const CheckItem& c) { return c.ok; });
    if (!out.go && SafetyGate::approved(ex.approval_file)) {
        AWET_TRY(SafetyGate::revoke(ex.approval_file));
        out.revoked = true;
    }
    return out;
}

Result<WatchdogResult> watchdog(Context& ctx, const WatchdogRequest& request) {
    auto store = ctx.writable_store("awet watchdog");
    if (!store.ok()) return store.error();
    WatchdogResult out;
    out.session = SessionCalendar::to_local(request.at).date;
    out.limit = ctx.config().scheduler.watchdog_max_drawdown_usd;
    auto row = daily_pnl_at(**store, out.session, request.at, ctx.now());
    if (!row.ok()) return row.error();
    out.session_pnl = row->realized_pnl_usd + row->unrealized_pnl_usd;
    const bool breach = out.session_pnl < Money{} - out.limit;
    out.findings.push_back({"drawdown", !breach,
                            fmt::format("session PnL {} (limit -{})", out.session_pnl.to_string(),
                                        out.limit.to_string())});
    const Duration stale = Duration::seconds(ctx.config().data.stale_feed_seconds);
    const auto session = SessionCalendar::session_at(request.at);
    // Open for longer than the stale limit: a bar must have come in since.
    if (session && request.at - session->open > stale) {
        auto bar = last_bar(**store, request.at, 1);
        if (!bar.ok()) return bar.error();
        const bool fresh =
            bar->has_value() && request.at - ((*bar)->bar_start + (*bar)->interval) <= stale;
        out.findings.push_back(
            {"feed", fresh,
             bar->has_value() ? "last bar " + (*bar)->bar_start.iso() : std::string("no bar")});
    }
    TradeQuery q;
    q.to = request.at - Duration::minutes(15);
    auto trades = (*store)->load_trades(q);
    if (!trades.ok()) return trades.error();
    int64_t stuck = 0;
    for (const auto& t : *trades) {
        // An entry is a market order: open for minutes, it is stuck (resting exits are not).
        if (t.intent == OrderIntent::kEntry &&
            (t.status == OrderStatus::kPending || t.status == OrderStatus::kPartiallyFilled)) {
            ++stuck;
        }
    }
    out.findings.push_back(
        {"orders_open", stuck == 0, std::to_string(stuck) + " entries open for more than 15 min"});
    if (breach) {
        // The one action the watchdog may take: the kill switch.
        AWET_TRY(SafetyGate::revoke(ctx.config().execution.approval_file));
        out.tripped = true;
    }
    return out;
}

Result<JobsListResult> jobs_list(Context& ctx, const JobsListRequest& request) {
    if (request.limit == 0) return make_error(ErrorCode::kInvalidArgument, "limit: at least 1");
    if (!request.job.empty() && !parse_job_kind(request.job)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "job: unknown job '" + request.job +
                              "' (night_training, morning_check, watchdog, eod)");
    }
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    JobRunQuery q;
    q.job = request.job;
    auto runs = (*store)->load_job_runs(q);
    if (!runs.ok()) return runs.error();
    JobsListResult out;
    const size_t first = runs->size() > request.limit ? runs->size() - request.limit : 0;
    out.runs.assign(runs->begin() + static_cast<std::ptrdiff_t>(first), runs->end());
    return out;
}

namespace {

/// The promotion gate's verdict on the candidate's score against the green's: "" when it wins,
/// else why not.
std::string gate_verdict(const ForecastScore& candidate, const ForecastScore* green,
                         const SchedulerConfig& c) {
    if (candidate.rows == 0) return "no held-out row to score the candidate on";
    for (size_t h = 0; h < kNumHorizons; ++h) {
        const double cov = candidate.coverage[h];
        if (cov < c.promotion_coverage_min || cov > c.promotion_coverage_max) {
            return fmt::format("{}m coverage {:.0f}% outside [{:.0f}%, {:.0f}%]",
                               kHorizonsMinutes[h], cov * 100, c.promotion_coverage_min * 100,
                               c.promotion_coverage_max * 100);
        }
        if (green == nullptr) continue;
        const double bar = green->pinball[h] * (1 - c.promotion_margin_pct / 100);
        if (!(candidate.pinball[h] <= bar)) {
            return fmt::format("{}m pinball x1e4 {:.3f} is not {:.1f}% below the green's {:.3f}",
                               kHorizonsMinutes[h], candidate.pinball[h] * 1e4,
                               c.promotion_margin_pct, green->pinball[h] * 1e4);
        }
    }
    return "";
}

}  // namespace

Result<NightTrainingResult> night_training(Context& ctx, const NightTrainingRequest& request) {
    const SchedulerConfig& c = ctx.config().scheduler;
    auto store = ctx.writable_store("awet night training");
    if (!store.ok()) return store.error();
    // Held out: the last gate_sessions sessions before the one ahead.
    Date held_from = request.session;
    for (int i = 0; i < c.gate_sessions; ++i)
        held_from = SessionCalendar::previous_trading_day(held_from);
    Date train_from_day = held_from;
    for (int i = 0; i < c.night_training_sessions; ++i)
        train_from_day = SessionCalendar::previous_trading_day(train_from_day);
    NightTrainingResult out;
    out.held_out_from = held_from;
    out.held_out_to = SessionCalendar::previous_trading_day(request.session);
    TrainRequest train_request;
    train_request.model = "linear";
    train_request.to = SessionCalendar::previous_trading_day(held_from);
    if (c.night_training_sessions > 0) train_request.from = train_from_day;
    auto trained = train(ctx, train_request);
    if (!trained.ok()) return trained.error();
    out.candidate = trained->model.model_id;

    // Both scored on the held-out sessions' stored features (two days before them warm up a
    // model with memory).
    const Timestamp from = SessionCalendar::from_local(held_from, 0);
    const Timestamp to = SessionCalendar::from_local(request.session, 0);
    BarQuery q;
    q.from = SessionCalendar::from_local(civil_from_days(days_from_civil(held_from) - 4), 0);
    q.to = to;
    auto rows = (*store)->load_features(q);
    if (!rows.ok()) return rows.error();
    auto score_of = [&](const ModelRecord& record) -> Result<ForecastScore> {
        auto model = default_model_loader()(record);
        if (!model.ok()) return model.error();
        return score_forecaster(**model, *rows, from, to);
    };
    auto candidate = score_of(trained->model);
    if (!candidate.ok()) return candidate.error();
    out.candidate_score = *candidate;
    auto green = (*store)->green_model();
    if (!green.ok()) return green.error();
    if (green->has_value()) {
        out.green = (*green)->model_id;
        out.green_in_sample = (*green)->trained_to.is_set() && (*green)->trained_to >= from;
        auto g = score_of(**green);
        if (!g.ok()) return g.error();
        out.green_score = *g;
    }
    out.verdict =
        gate_verdict(out.candidate_score, out.green_score ? &*out.green_score : nullptr, c);
    if (out.verdict.empty()) {
        auto promoted = models_promote(ctx, PromoteRequest{out.candidate});
        if (!promoted.ok()) return promoted.error();
        out.promoted = true;
        out.summary = "promoted " + out.candidate +
                      (out.green.empty() ? " (there was no green model)"
                                         : " over " + out.green + ": better on every horizon");
    } else {
        out.summary = "kept " + (out.green.empty() ? std::string("no green model") : out.green) +
                      ": candidate " + out.candidate + " refused (" + out.verdict + ")";
    }
    return out;
}

void set_job_bodies(Context& ctx, JobRunner& runner, bool check_agents) {
    runner.set_body(
        JobKind::kMorningCheck, [&ctx, check_agents](const JobRun& run) -> Result<JobOutcome> {
            MorningCheckRequest request;
            request.session = run.slot.session;
            request.check_agents = check_agents;
            auto r = morning_check(ctx, request);
            if (!r.ok()) return r.error();
            const std::string failed = failed_names(r->checks);
            JobOutcome out;
            out.summary = r->go
                              ? "go: every check passed"
                              : "no-go: " + failed + (r->revoked ? "; approval file revoked" : "");
            out.details_json = to_json(*r).dump();
            return out;
        });
    runner.set_body(JobKind::kWatchdog, [&ctx](const JobRun& run) -> Result<JobOutcome> {
        auto r = watchdog(ctx, WatchdogRequest{run.slot.at});
        if (!r.ok()) return r.error();
        const std::string failed = failed_names(r->findings);
        JobOutcome out;
        out.summary = r->tripped       ? "kill switch: " + failed + "; approval file revoked"
                      : failed.empty() ? "all clear"
                                       : "findings: " + failed;
        out.details_json = to_json(*r).dump();
        return out;
    });
    runner.set_body(JobKind::kEod, [&ctx](const JobRun& run) -> Result<JobOutcome> {
        auto r = eod(ctx, EodRequest{run.slot.session});
        if (!r.ok()) return r.error();
        JobOutcome out;
        out.summary =
            fmt::format("daily_pnl_summary {}: realized {}, unrealized {}, {} trades",
                        r->row.report_date.to_string(), r->row.realized_pnl_usd.to_string(),
                        r->row.unrealized_pnl_usd.to_string(), r->row.num_trades);
        out.details_json = to_json(*r).dump();
        return out;
    });
    runner.set_body(JobKind::kNightTraining, [&ctx](const JobRun& run) -> Result<JobOutcome> {
        auto r = night_training(ctx, NightTrainingRequest{run.slot.session});
        if (!r.ok()) return r.error();
        JobOutcome out;
        out.summary = r->summary;
        out.details_json = to_json(*r).dump();
        return out;
    });
}

Result<SimulateResult> scheduler_simulate(Context& ctx, const SimulateRequest& request) {
    if (request.days < 1 || request.days > 366) {
        return make_error(ErrorCode::kInvalidArgument, "days: 1 to 366");
    }
    auto store = ctx.exclusive_store("awet scheduler --simulate");
    if (!store.ok()) return store.error();
    const Config& config = ctx.config();
    const Timestamp start = SessionCalendar::from_local(request.from, 0);
    const Date to = civil_from_days(days_from_civil(request.from) + request.days - 1);
    const Timestamp end = SessionCalendar::from_local(civil_from_days(days_from_civil(to) + 1), 0);
    SimClock clock(start);
    const Schedule schedule(config.scheduler);
    JobRunner runner(**store, schedule, clock, config.seed);
    set_job_bodies(ctx, runner, /*check_agents=*/false);

    std::vector<MarketBar> bars;
    if (request.trade) {
        // Bars an earlier run traded already are not traded again (a second simulation of the
        // same days, or one that stopped half-way, carries on).
        auto last = last_trade_activity(**store);
        if (!last.ok()) return last.error();
        // Bars before the latest slot already recorded were traded before it ran.
        JobRunQuery recorded;
        recorded.from = start;
        recorded.to = end;
        auto runs = (*store)->load_job_runs(recorded);
        if (!runs.ok()) return runs.error();
        BarQuery q;
        q.from = start;
        if (last->is_set()) q.from = std::max(q.from, *last + Duration::nanos(1));
        if (!runs->empty()) q.from = std::max(q.from, runs->back().slot);
        q.to = end;
        auto loaded = (*store)->load_bars(q);
        if (!loaded.ok()) return loaded.error();
        bars = std::move(*loaded);
        keep_symbols(bars, config.data.symbols);
    }
    SimulateResult out;
    out.from = request.from;
    out.to = to;
    // One run of the pipeline through the span, its bars fed up to each slot: the agents keep
    // their state (features, exits, limits) between the slots, as they do live.
    std::optional<ReplayRun> replay;
    if (!bars.empty()) {
        replay.emplace(config, *store);
        AWET_TRY(replay->begin(bars.front().bar_start));
    }
    size_t traded = 0;
    auto trade_until = [&](Timestamp t) -> Status {
        for (;
             replay && traded < bars.size() && bars[traded].bar_start + bars[traded].interval <= t;
             ++traded) {
            AWET_TRY(replay->feed(bars[traded]));
            ++out.bars_traded;
        }
        return Status::Ok();
    };
    const auto slots = schedule.all_slots(start, end);
    Timestamp since = start;  // every slot before it has been run (or was recorded before)
    for (size_t i = 0; i < slots.size(); ++i) {
        if (i > 0 && slots[i].at == slots[i - 1].at) continue;  // run_due runs every job due
        AWET_TRY(trade_until(slots[i].at));
        AWET_TRY((*store)->flush());  // the jobs read what the agents wrote
        clock.advance_to(slots[i].at);
        auto written = runner.run_due(since);
        since = slots[i].at + Duration::nanos(1);
        if (!written.ok()) return written.error();
        for (auto& w : *written) {
            ctx.progress(fmt::format("{} {} {}: {}", w.slot.iso(), w.job, w.status, w.summary));
            out.runs.push_back(std::move(w));
        }
    }
    AWET_TRY(trade_until(end));
    if (replay) {
        auto finished = replay->finish();
        if (!finished.ok()) return finished.error();
    }
    return out;
}

}  // namespace awet::ops
