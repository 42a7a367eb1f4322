#include "tft_forecaster.hpp"

#include <algorithm>
#include <chrono>

namespace awet::tft {

namespace {
constexpr size_t kMaxLatencySamples = 1 << 20;

torch::Tensor long_tensor(const std::vector<int64_t>& v) {
    return torch::from_blob(const_cast<int64_t*>(v.data()), {static_cast<int64_t>(v.size())},
                            torch::kLong);
}
}  // namespace

TftForecaster::TftForecaster(LoadedTft loaded)
    : model_id_(loaded.artifact.model_id),
      artifact_(std::move(loaded.artifact)),
      model_(std::move(loaded.model)),
      lookback_(artifact_.config.lookback) {
    model_->eval();
    torch::NoGradGuard no_grad;
    const int64_t n = artifact_.config.n_symbols;
    contexts_ = model_->static_contexts(torch::arange(n, torch::kLong));
    ring_embedding_ = torch::zeros({n * lookback_, artifact_.config.hidden});
    ring_weights_ =
        torch::zeros({n * lookback_, artifact_.config.n_observed + artifact_.config.n_known});
}

TftForecaster::SymbolState& TftForecaster::state(const FeatureVector& fv) {
    const std::string symbol = fv.header.symbol.str();
    auto it = symbols_.find(symbol);
    if (it != symbols_.end()) return it->second;
    SymbolState& s = symbols_[symbol];
    s.id = artifact_.norm.symbol_index(symbol);
    s.r2.assign(static_cast<size_t>(lookback_), 0.0);
    return s;
}

std::optional<HorizonForecasts> TftForecaster::forecast(const FeatureVector& fv) {
    std::optional<HorizonForecasts> out;
    forecast_batch(std::span<const FeatureVector>(&fv, 1),
                   std::span<std::optional<HorizonForecasts>>(&out, 1));
    return out;
}

void TftForecaster::forecast_batch(std::span<const FeatureVector> features,
                                   std::span<std::optional<HorizonForecasts>> out) {
    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard no_grad;
    const int64_t L = lookback_;
    // 1. The new bar of each symbol: raw observed inputs, normalised.
    std::vector<size_t> rows;  // indices into features with a new encoder position
    std::vector<SymbolState*> states;
    std::vector<int64_t> ids, slots;
    std::vector<float> observed, known;
    for (size_t i = 0; i < features.size(); ++i) {
        out[i].reset();
        SymbolState& s = state(features[i]);
        const auto raw = s.builder.update(features[i]);
        if (s.id < 0 || !raw) continue;
        const auto& mean = artifact_.norm.mean[s.id];
        const auto& sd = artifact_.norm.std[s.id];
        for (size_t k = 0; k < kTftObserved; ++k) {
            observed.push_back(std::clamp(((*raw)[k] - mean[k]) / sd[k], -kInputClip, kInputClip));
        }
        const TftKnown kn = tft_known_inputs(features[i].bar_start);
        known.insert(known.end(), kn.begin(), kn.end());
        const double r = (*raw)[0];  // log_return_1, raw
        s.r2[static_cast<size_t>(s.next)] = r * r;
        slots.push_back(s.id * L + s.next);
        s.next = (s.next + 1) % L;
        s.count = std::min(s.count + 1, L);
        rows.push_back(i);
        states.push_back(&s);
        ids.push_back(s.id);
    }
    if (rows.empty()) return;
    const auto n = static_cast<int64_t>(rows.size());
    // 2. Variable selection of the new positions, in one pass, into the symbols' rings.
    StaticContexts new_ctx;
    new_ctx.selection = contexts_.selection.index_select(0, long_tensor(ids));
    const SelectedInputs fresh = model_->select_encoder(
        torch::from_blob(observed.data(), {n, 1, static_cast<int64_t>(kTftObserved)}),
        torch::from_blob(known.data(), {n, 1, static_cast<int64_t>(kTftKnown)}), new_ctx);
    ring_embedding_.index_copy_(0, long_tensor(slots), fresh.embedding.squeeze(1));
    ring_weights_.index_copy_(0, long_tensor(slots), fresh.weights.squeeze(1));

    // 3. The rest of the network for the symbols with a full lookback, in one batch.
    std::vector<size_t> ready;  // positions in rows/states
    std::vector<int64_t> ready_ids, positions;
    std::vector<float> decoder;
    for (size_t j = 0; j < rows.size(); ++j) {
        const SymbolState& s = *states[j];
        if (s.count < L) continue;
        ready.push_back(j);
        ready_ids.push_back(s.id);
        for (int64_t p = 0; p < L; ++p)
            positions.push_back(s.id * L + (s.next + p) % L);  // oldest first
        for (int minutes : kHorizonsMinutes) {
            const TftKnown kn =
                tft_known_inputs(features[rows[j]].bar_start + Duration::minutes(minutes));
            decoder.insert(decoder.end(), kn.begin(), kn.end());
        }
    }
    if (ready.empty()) return;
    const auto b = static_cast<int64_t>(ready.size());
    const torch::Tensor pos = long_tensor(positions), sym = long_tensor(ready_ids);
    const SelectedInputs encoder{ring_embedding_.index_select(0, pos).view({b, L, -1}),
                                 ring_weights_.index_select(0, pos).view({b, L, -1})};
    const StaticContexts ctx{
        contexts_.selection.index_select(0, sym), contexts_.enrichment.index_select(0, sym),
        contexts_.state_h.index_select(0, sym), contexts_.state_c.index_select(0, sym)};
    const TftOutputs o = model_->decode(
        encoder,
        torch::from_blob(decoder.data(),
                         {b, static_cast<int64_t>(kNumHorizons), static_cast<int64_t>(kTftKnown)}),
        ctx);
    const torch::Tensor q = o.quantiles.contiguous();
    const float* data = q.data_ptr<float>();
    for (size_t k = 0; k < ready.size(); ++k) {
        const SymbolState& s = *states[ready[k]];
        double sum_r2 = 0;
        for (double v : s.r2) sum_r2 += v;
        const auto scale = window_scale(sum_r2, L);
        HorizonForecasts f{};
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const float* x = data + (k * kNumHorizons + h) * 3;
            const double sc = scale[h];
            f[h] = {x[0] * sc, x[1] * sc, x[2] * sc};
        }
        out[rows[ready[k]]] = f;
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    ++batches_;
    rows_ += b;
    if (latencies_us_.size() < kMaxLatencySamples) latencies_us_.push_back(static_cast<float>(us));
}

InferenceStats TftForecaster::inference_stats() const {
    InferenceStats s;
    s.batches = batches_;
    s.rows = rows_;
    if (latencies_us_.empty()) return s;
    std::vector<float> sorted = latencies_us_;
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&sorted](double p) {
        return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
    };
    s.p50_us = at(0.50);
    s.p99_us = at(0.99);
    s.max_us = sorted.back();
    return s;
}

}  // namespace awet::tft
