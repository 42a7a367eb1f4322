#include "tft_data.hpp"

#include <algorithm>
#include <cmath>

namespace awet::tft {

TftTensors::TftTensors(const TftData& data, const TftNormalisation& norm, int64_t lookback)
    : data_(data), lookback_(lookback) {
    int64_t rows = 0;
    for (const auto& s : data.series) {
        offset_.push_back(rows);
        rows += static_cast<int64_t>(s.ts.size());
    }
    observed_ = torch::zeros({rows, static_cast<int64_t>(kTftObserved)});
    known_ = torch::zeros({rows, static_cast<int64_t>(kTftKnown)});
    auto obs = observed_.accessor<float, 2>();
    auto kn = known_.accessor<float, 2>();
    for (size_t s = 0; s < data.series.size(); ++s) {
        const TftSeries& series = data.series[s];
        const int id = norm.symbol_index(series.symbol);
        symbol_id_.push_back(id);
        std::vector<double>& prefix = r2_prefix_.emplace_back(series.ts.size() + 1, 0.0);
        for (size_t i = 0; i < series.ts.size(); ++i) {
            const double r = series.observed[i][0];  // log_return_1, raw
            prefix[i + 1] = prefix[i] + r * r;
        }
        for (size_t i = 0; i < series.ts.size(); ++i) {
            const int64_t r = offset_[s] + static_cast<int64_t>(i);
            for (size_t k = 0; k < kTftObserved; ++k) {
                const float z =
                    id >= 0 ? (series.observed[i][k] - norm.mean[id][k]) / norm.std[id][k] : 0.0F;
                obs[r][static_cast<int64_t>(k)] = std::clamp(z, -kInputClip, kInputClip);
            }
            const TftKnown known = tft_known_inputs(series.ts[i]);
            for (size_t k = 0; k < kTftKnown; ++k) kn[r][static_cast<int64_t>(k)] = known[k];
        }
    }
}

std::vector<TftWindow> TftTensors::known_symbols(std::span<const TftWindow> windows) const {
    std::vector<TftWindow> out;
    for (const auto& w : windows) {
        if (symbol_id_[w.series] >= 0 && static_cast<int64_t>(w.end) + 1 >= lookback_) {
            out.push_back(w);
        }
    }
    return out;
}

TftInputs TftTensors::inputs(std::span<const TftWindow> windows) const {
    const auto b = static_cast<int64_t>(windows.size());
    torch::Tensor first = torch::empty({b}, torch::kLong);
    torch::Tensor symbol = torch::empty({b}, torch::kLong);
    torch::Tensor decoder =
        torch::empty({b, static_cast<int64_t>(kNumHorizons), static_cast<int64_t>(kTftKnown)});
    auto dec = decoder.accessor<float, 3>();
    for (int64_t i = 0; i < b; ++i) {
        const TftWindow& w = windows[static_cast<size_t>(i)];
        first[i] = offset_[w.series] + static_cast<int64_t>(w.end) - lookback_ + 1;
        symbol[i] = symbol_id_[w.series];
        const Timestamp t = data_.series[w.series].ts[w.end];
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const TftKnown known = tft_known_inputs(t + Duration::minutes(kHorizonsMinutes[h]));
            for (size_t k = 0; k < kTftKnown; ++k) {
                dec[i][static_cast<int64_t>(h)][static_cast<int64_t>(k)] = known[k];
            }
        }
    }
    // Row indices [B, L] of each window's encoder positions.
    const torch::Tensor index = (first.unsqueeze(1) + torch::arange(lookback_)).flatten();
    return {symbol, observed_.index_select(0, index).view({b, lookback_, observed_.size(1)}),
            known_.index_select(0, index).view({b, lookback_, known_.size(1)}), decoder};
}

std::array<float, kNumHorizons> window_scale(double sum_r2, int64_t lookback) {
    const double rms = std::sqrt(std::max(0.0, sum_r2) / static_cast<double>(lookback));
    std::array<float, kNumHorizons> out{};
    for (size_t h = 0; h < kNumHorizons; ++h) {
        out[h] = static_cast<float>(std::max(1e-5, rms * std::sqrt(kHorizonsMinutes[h])));
    }
    return out;
}

std::array<float, kNumHorizons> TftTensors::scale_of(const TftWindow& w) const {
    const auto& prefix = r2_prefix_[w.series];
    return window_scale(prefix[w.end + 1] - prefix[w.end + 1 - lookback_], lookback_);
}

torch::Tensor TftTensors::scaled_targets(std::span<const TftWindow> windows) const {
    torch::Tensor y =
        torch::empty({static_cast<int64_t>(windows.size()), static_cast<int64_t>(kNumHorizons)});
    auto acc = y.accessor<float, 2>();
    for (size_t i = 0; i < windows.size(); ++i) {
        const auto scale = scale_of(windows[i]);
        const auto& target = data_.series[windows[i].series].target[windows[i].end];
        for (size_t h = 0; h < kNumHorizons; ++h) {
            acc[static_cast<int64_t>(i)][static_cast<int64_t>(h)] = target[h] / scale[h];
        }
    }
    return y;
}

torch::Tensor TftTensors::scales(std::span<const TftWindow> windows) const {
    torch::Tensor s =
        torch::empty({static_cast<int64_t>(windows.size()), static_cast<int64_t>(kNumHorizons)});
    auto acc = s.accessor<float, 2>();
    for (size_t i = 0; i < windows.size(); ++i) {
        const auto scale = scale_of(windows[i]);
        for (size_t h = 0; h < kNumHorizons; ++h) {
            acc[static_cast<int64_t>(i)][static_cast<int64_t>(h)] = scale[h];
        }
    }
    return s;
}

}  // namespace awet::tft
