// Feature engine throughput: indicator-set updates per second on one core.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "awet/core/log.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/features/feature_engine.hpp"
#include "awet/features/indicator_set.hpp"

namespace {

// Benchmarks measure the engines, not the log sink.
const bool kQuietLogs = (awet::init_logging("warn", "text"), true);

std::vector<awet::MarketBar> market_bars() {
    awet::SyntheticMarketConfig config;
    config.seed = 7;
    config.days = 20;
    return awet::generate_synthetic_market(config);
}

// The full indicator set of one symbol (RSI14, SMA5/20, EMA5/20, returns 1/5/15, volatility 20,
// local minute/hour/weekday) updated with one bar.
void BM_IndicatorSetUpdate(benchmark::State& state) {
    const auto bars = market_bars();
    std::vector<double> closes;
    std::vector<awet::Timestamp> starts;
    for (const auto& b : bars) {
        if (b.header.symbol == "AAPL") {
            closes.push_back(b.close.to_double());
            starts.push_back(b.bar_start);
        }
    }
    awet::IndicatorSet set;
    std::array<double, awet::kNumFeatures> values{};
    uint32_t mask = 0;
    size_t i = 0;
    for (auto _ : state) {
        set.update(closes[i], starts[i], values, mask);
        benchmark::DoNotOptimize(values.data());
        benchmark::DoNotOptimize(mask);
        if (++i == closes.size()) i = 0;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndicatorSetUpdate);

// The feature agent's work per bar: symbol lookup, indicators, the market.engineered event with its
// seed §6.2 header (ids, idempotency key).
void BM_FeatureEngineUpdate(benchmark::State& state) {
    const auto bars = market_bars();
    awet::FeatureEngine engine;
    awet::HeaderFactory headers(awet::Source::kFeatures, 1);
    size_t i = 0;
    for (auto _ : state) {
        const auto& fv = engine.update(bars[i], headers, bars[i].header.ts);
        benchmark::DoNotOptimize(&fv);
        if (++i == bars.size()) i = 0;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FeatureEngineUpdate);

}  // namespace

BENCHMARK_MAIN();
