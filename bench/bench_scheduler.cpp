// The orchestration layer: the scheduler's own cost over a simulated trading week (every slot
// claimed and finished in SQLite, bodies that do nothing), and `awet scheduler --simulate` of
// that week on the real bars (three symbols traded through every agent between the slots, the
// four jobs at their slots), wall time per week.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "awet/calendar/calendar.hpp"
#include "awet/core/log.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/ops/jobs.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/runs.hpp"
#include "awet/ops/system.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace {

using namespace awet;

const Date kMonday{2026, 3, 16};

ops::Backends sqlite_backends() {
    ops::Backends b;
    b.open_store = [](const Config& c) -> Result<std::unique_ptr<Store>> {
        auto s = SqliteStore::open(c.store.path);
        if (!s.ok()) return s.error();
        AWET_TRY((*s)->migrate());
        return std::unique_ptr<Store>(std::move(*s));
    };
    return b;
}

void BM_SchedulerWeekJobsOnly(benchmark::State& state) {
    init_logging("error", "text");
    testing::TempDir dir;
    const Schedule schedule{SchedulerConfig{}};
    const Timestamp start = SessionCalendar::from_local(kMonday, 0);
    const auto slots = schedule.all_slots(start, start + Duration::days(5));
    int64_t runs = 0, n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto store = SqliteStore::open(dir.file("jobs-" + std::to_string(n++) + ".db"));
        (void)(*store)->migrate();
        SimClock clock(start);
        JobRunner runner(**store, schedule, clock, 1);
        for (JobKind job : kJobKinds) {
            runner.set_body(job, [](const JobRun&) -> Result<JobOutcome> { return JobOutcome{}; });
        }
        state.ResumeTiming();
        for (const Slot& s : slots) {
            clock.advance_to(s.at);
            auto written = runner.run_due(start);
            if (!written.ok()) state.SkipWithError(written.error().message.c_str());
            runs += static_cast<int64_t>(written->size());
        }
    }
    state.counters["slots_per_s"] =
        benchmark::Counter(static_cast<double>(runs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SchedulerWeekJobsOnly)->Unit(benchmark::kMillisecond);

void BM_SchedulerSimulatedWeekOnRealBars(benchmark::State& state) {
    init_logging("error", "text");
    testing::TempDir dir;
    Config config;
    config.execution.dry_run = false;
    config.execution.approval_file = dir.file("APPROVE");
    config.prediction.model_dir = dir.file("models");
    config.store.path = dir.file("prepared.db");
    config.data.symbols = {"AAPL", "MSFT", "NVDA"};
    WallClock wall;
    {
        // Bars, a baseline trained up to the Friday before, promoted; the gate open.
        ops::Context ctx(config, sqlite_backends(), wall);
        const std::string bars = (testing::shared_data() / "bars" / "1min").string();
        auto in =
            ops::ingest_csv(ctx, {{bars + "/AAPL.csv", bars + "/MSFT.csv", bars + "/NVDA.csv"}});
        ops::TrainRequest train;
        train.to = Date{2026, 3, 13};
        auto model = ops::train(ctx, train);
        if (!in.ok() || !model.ok()) {
            state.SkipWithError("could not prepare the store");
            return;
        }
        (void)ops::models_promote(ctx, {model->model.model_id});
    }
    int64_t bars = 0, n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        Config run = config;
        run.store.path = dir.file("week-" + std::to_string(n++) + ".db");
        std::filesystem::copy_file(config.store.path, run.store.path);
        (void)SafetyGate::approve(run.execution.approval_file, "bench", wall.now());
        ops::Context ctx(run, sqlite_backends(), wall);
        state.ResumeTiming();
        auto week = ops::scheduler_simulate(ctx, {kMonday, 5, true});
        if (!week.ok()) {
            state.SkipWithError(week.error().message.c_str());
            return;
        }
        bars += week->bars_traded;
    }
    state.counters["bars_per_s"] =
        benchmark::Counter(static_cast<double>(bars), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SchedulerSimulatedWeekOnRealBars)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
