// Full pipeline throughput (features, baseline model, risk, simulated execution, exits, portfolio)
// with persistence off and with every event persisted to SQLite, and the decision latency from a
// bar entering the pipeline to the order reaching the broker.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "awet/core/clock.hpp"
#include "awet/core/log.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/ml/linear_model.hpp"
#include "awet/pipeline/pipeline.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace {

// Benchmarks measure the engines, not the log sink.
const bool kQuietLogs = (awet::init_logging("warn", "text"), true);

namespace fs = std::filesystem;

struct Fixture {
    awet::Config config;
    std::vector<awet::MarketBar> trade_bars;
    std::string model_path;
    fs::path dir;

    Fixture() {
        dir = fs::temp_directory_path() / "awet-bench";
        fs::create_directories(dir);
        config.execution.dry_run = false;
        config.execution.approval_file = (dir / "APPROVE").string();
        config.prediction.model_dir = (dir / "models").string();
        (void)awet::SafetyGate::approve(config.execution.approval_file, "bench",
                                        awet::Timestamp::from_seconds(1));
        awet::SyntheticMarketConfig market;
        market.seed = 11;
        market.days = 8;
        auto bars = awet::generate_synthetic_market(market);
        auto sessions = awet::split_sessions(bars);
        std::vector<awet::MarketBar> train;
        for (size_t s = 0; s < 3; ++s)
            train.insert(train.end(), sessions[s].begin(), sessions[s].end());
        for (size_t s = 3; s < sessions.size(); ++s) {
            trade_bars.insert(trade_bars.end(), sessions[s].begin(), sessions[s].end());
        }
        awet::TrainOptions options;
        options.model_dir = config.prediction.model_dir;
        options.model_id = "bench-linear";
        auto report = awet::train_linear_model(awet::compute_features(train, 1), options);
        if (!report.ok()) std::abort();
        model_path = report->path;
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

/// Records when each order reaches the broker.
class ProbeBroker final : public awet::Broker {
public:
    explicit ProbeBroker(awet::SimBroker& inner) : inner_(inner) {}
    std::string_view name() const override { return inner_.name(); }
    bool is_paper() const override { return inner_.is_paper(); }
    void set_listener(awet::BrokerListener* l) override { inner_.set_listener(l); }
    awet::Result<awet::BrokerOrder> submit(const awet::OrderRequest& r) override {
        submit_ns.push_back(awet::monotonic_ns());
        return inner_.submit(r);
    }
    awet::Status cancel(std::string_view id) override { return inner_.cancel(id); }
    awet::Result<awet::BrokerOrder> get_order(std::string_view id) override {
        return inner_.get_order(id);
    }
    awet::Result<std::vector<awet::BrokerOrder>> open_orders() override {
        return inner_.open_orders();
    }
    awet::Result<std::vector<awet::BrokerPosition>> positions() override {
        return inner_.positions();
    }
    awet::Result<awet::BrokerAccount> account() override { return inner_.account(); }
    std::vector<int64_t> submit_ns;

private:
    awet::SimBroker& inner_;
};

void run_pipeline(benchmark::State& state, bool persist) {
    auto& f = fixture();
    uint64_t bars = 0, orders = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::unique_ptr<awet::SqliteStore> store;
        const auto db = f.dir / "bench.db";
        if (persist) {
            for (const char* sfx : {"", "-wal", "-shm"}) fs::remove(db.string() + sfx);
            auto opened = awet::SqliteStore::open(db.string(), f.config.store.batch_size);
            if (!opened.ok() || !(*opened)->migrate().ok()) std::abort();
            store = std::move(*opened);
        }
        awet::SimBroker broker(awet::SimBrokerConfig{});
        awet::PipelineOptions options;
        options.persist = persist;
        awet::Pipeline pipeline(f.config, store.get(), broker, awet::default_model_loader(),
                                options);
        pipeline.set_venue_step([&broker](const awet::MarketBar& bar) { broker.on_bar(bar); });
        auto model = awet::LinearQuantileModel::load(f.model_path);
        if (!model.ok()) std::abort();
        pipeline.prediction().set_forecaster(std::move(*model));
        if (!pipeline.start().ok()) std::abort();
        state.ResumeTiming();
        for (const auto& bar : f.trade_bars) {
            if (!pipeline.process(bar).ok()) std::abort();
        }
        if (!pipeline.finish().ok()) std::abort();
        bars += f.trade_bars.size();
        orders += pipeline.counters().orders_submitted;
    }
    state.counters["bars_per_s"] =
        benchmark::Counter(static_cast<double>(bars), benchmark::Counter::kIsRate);
    state.counters["orders"] =
        static_cast<double>(orders) / static_cast<double>(state.iterations());
    state.SetItemsProcessed(static_cast<int64_t>(bars));
}

void BM_PipelineNoPersistence(benchmark::State& state) { run_pipeline(state, false); }
BENCHMARK(BM_PipelineNoPersistence)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_PipelineSqlite(benchmark::State& state) { run_pipeline(state, true); }
BENCHMARK(BM_PipelineSqlite)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

// Bar in -> order out: for each bar that led to an entry order, the time from handing the bar to
// the pipeline to the broker's submit call.
void BM_DecisionLatency(benchmark::State& state) {
    auto& f = fixture();
    std::vector<double> latencies;
    for (auto _ : state) {
        awet::SimBroker sim(awet::SimBrokerConfig{});
        ProbeBroker broker(sim);
        awet::PipelineOptions options;
        options.persist = false;
        awet::Pipeline pipeline(f.config, nullptr, broker, awet::default_model_loader(), options);
        pipeline.set_venue_step([&sim](const awet::MarketBar& bar) { sim.on_bar(bar); });
        auto model = awet::LinearQuantileModel::load(f.model_path);
        if (!model.ok()) std::abort();
        pipeline.prediction().set_forecaster(std::move(*model));
        if (!pipeline.start().ok()) std::abort();
        for (const auto& bar : f.trade_bars) {
            const size_t before = broker.submit_ns.size();
            const int64_t t0 = awet::monotonic_ns();
            if (!pipeline.process(bar).ok()) std::abort();
            for (size_t i = before; i < broker.submit_ns.size(); ++i) {
                latencies.push_back(static_cast<double>(broker.submit_ns[i] - t0) / 1000.0);
            }
        }
    }
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        if (latencies.empty()) return 0.0;
        return latencies[std::min(latencies.size() - 1,
                                  static_cast<size_t>(p * static_cast<double>(latencies.size())))];
    };
    state.counters["orders"] = static_cast<double>(latencies.size());
    state.counters["p50_us"] = pct(0.50);
    state.counters["p99_us"] = pct(0.99);
}
BENCHMARK(BM_DecisionLatency)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(10)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
