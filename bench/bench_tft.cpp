// TFT benchmarks (issue 3): model_inference_latency of one 7-symbol batch as the prediction agent
// runs it (TftForecaster::forecast_batch, one core), and training throughput in windows/s.
// The weights are random (seeded): speed does not depend on their values.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>

#include "awet/data/synthetic_market.hpp"
#include "awet/pipeline/runner.hpp"
#include "tft_forecaster.hpp"
#include "tft_model.hpp"

namespace {

using namespace awet;
using namespace awet::tft;

const std::vector<std::string> kSymbols = {"AAPL", "AMZN", "GOOG", "META", "MSFT", "NVDA", "TSLA"};

void tune() {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    at::set_num_threads(1);
}

LoadedTft random_model(int64_t hidden) {
    torch::manual_seed(7);
    LoadedTft m;
    m.artifact.model_id = "bench";
    m.artifact.config.n_symbols = static_cast<int64_t>(kSymbols.size());
    m.artifact.config.hidden = hidden;
    m.artifact.norm.symbols = kSymbols;
    for (size_t i = 0; i < kSymbols.size(); ++i) {
        TftObserved mean{}, sd{};
        sd.fill(0.01F);
        m.artifact.norm.mean.push_back(mean);
        m.artifact.norm.std.push_back(sd);
        m.artifact.norm.target_scale.push_back({0.003F, 0.004F, 0.005F});
    }
    m.model = TemporalFusionTransformer(m.artifact.config);
    m.model->eval();
    return m;
}

/// One forecast_batch of the 7 symbols per bar start, after the lookback has filled.
void BM_TftInference7Symbols(benchmark::State& state) {
    tune();
    SyntheticMarketConfig market;
    market.symbols = kSymbols;
    market.days = 2;
    const auto rows = compute_features(generate_synthetic_market(market), 1);
    TftForecaster forecaster(random_model(state.range(0)));
    std::vector<std::optional<HorizonForecasts>> out(kSymbols.size());
    size_t i = 0;
    const auto next_batch = [&]() -> std::span<const FeatureVector> {
        if (i + kSymbols.size() > rows.size()) i = 0;
        auto batch = std::span(rows).subspan(i, kSymbols.size());
        i += kSymbols.size();
        return batch;
    };
    // Warm up: fill every symbol's lookback (and the caches) before timing.
    for (int k = 0; k < 200; ++k) forecaster.forecast_batch(next_batch(), out);
    std::vector<double> us;
    for (auto _ : state) {
        auto batch = next_batch();
        const auto t0 = std::chrono::steady_clock::now();
        forecaster.forecast_batch(batch, out);
        us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
        benchmark::DoNotOptimize(out.data());
    }
    std::sort(us.begin(), us.end());
    const auto pct = [&us](double p) {
        return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))];
    };
    state.counters["p50_us"] = pct(0.50);
    state.counters["p99_us"] = pct(0.99);
    state.counters["batches"] = static_cast<double>(us.size());
}
BENCHMARK(BM_TftInference7Symbols)->Arg(16)->Iterations(3000)->Unit(benchmark::kMicrosecond);

/// Training steps (forward, pinball loss, backward, clip, Adam) on batches of 64 windows of 120
/// bars.
void BM_TftTrainingStep(benchmark::State& state) {
    tune();
    torch::manual_seed(3);
    TftConfig c;
    c.n_symbols = 7;
    c.hidden = state.range(0);
    TemporalFusionTransformer model(c);
    model->train();
    torch::optim::Adam adam(model->parameters(), 1e-3);
    const int64_t b = 64;
    const TftInputs in{torch::randint(0, 7, {b}, torch::kLong), torch::randn({b, 120, 10}),
                       torch::randn({b, 120, 3}), torch::randn({b, 3, 3})};
    const torch::Tensor y = torch::randn({b, 3});
    for (auto _ : state) {
        adam.zero_grad();
        const torch::Tensor loss = pinball_loss(model->forward(in).quantiles, y);
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
        adam.step();
    }
    state.counters["windows_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations() * b), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TftTrainingStep)->Arg(16)->MinTime(3.0)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
