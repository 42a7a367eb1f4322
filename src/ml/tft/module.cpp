// The module's entry point and its TftModule: the torch side of tft_module.hpp.
#include <malloc.h>

#include <algorithm>

#include "awet/ml/tft_module.hpp"
#include "model_io.hpp"
#include "onnx_export.hpp"
#include "tft_forecaster.hpp"
#include "trainer.hpp"

namespace awet::tft {

namespace {

/// glibc would otherwise mmap and page-fault every large tensor buffer on each pass (3-7x slower
/// training; see shared/docs/TOOLCHAIN.md). Runs once, when the module is loaded.
struct MallocTuning {
    MallocTuning() {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    }
};
const MallocTuning malloc_tuning;

class Module final : public TftModule {
public:
    Result<TftTrainReport> train(std::span<const FeatureVector> rows,
                                 const TftTrainOptions& options) override {
        return train_tft(rows, options);
    }

    Result<std::unique_ptr<Forecaster>> load(const std::string& path) override {
        auto loaded = load_tft(path);
        if (!loaded.ok()) return loaded.error();
        return std::unique_ptr<Forecaster>(std::make_unique<TftForecaster>(std::move(*loaded)));
    }

    Result<std::vector<TftWindowForecast>> forecast_windows(const std::string& path,
                                                            std::span<const FeatureVector> rows,
                                                            Timestamp from, Timestamp to) override {
        auto loaded = load_tft(path);
        if (!loaded.ok()) return loaded.error();
        const TftData data = build_tft_data(rows);
        const TftTensors tensors(data, loaded->artifact.norm, loaded->artifact.config.lookback);
        const std::vector<TftWindow> windows = tensors.known_symbols(
            tft_windows(data, static_cast<int>(loaded->artifact.config.lookback), from, to,
                        /*need_target=*/false));
        const torch::Tensor q = predict_log_returns(loaded->model, tensors, windows);
        auto acc = q.accessor<float, 3>();
        std::vector<TftWindowForecast> out;
        out.reserve(windows.size());
        for (size_t i = 0; i < windows.size(); ++i) {
            const TftSeries& s = data.series[windows[i].series];
            TftWindowForecast f;
            f.symbol = s.symbol;
            f.bar_start = s.ts[windows[i].end];
            for (size_t h = 0; h < kNumHorizons; ++h) {
                const auto ii = static_cast<int64_t>(i), hi = static_cast<int64_t>(h);
                f.q[h] = {acc[ii][hi][0], acc[ii][hi][1], acc[ii][hi][2]};
            }
            f.has_target = s.has_target[windows[i].end] != 0;
            f.target = s.target[windows[i].end];
            out.push_back(f);
        }
        return out;
    }

    Result<TftExplanation> explain(const std::string& path, std::span<const FeatureVector> rows,
                                   const std::string& symbol, Timestamp at) override {
        auto loaded = load_tft(path);
        if (!loaded.ok()) return loaded.error();
        const int64_t L = loaded->artifact.config.lookback;
        std::vector<FeatureVector> mine;
        for (const auto& fv : rows) {
            if (fv.header.symbol.view() == symbol && fv.bar_start <= at) mine.push_back(fv);
        }
        const TftData data = build_tft_data(mine);
        if (data.series.empty() || static_cast<int64_t>(data.series[0].ts.size()) < L) {
            return make_error(
                ErrorCode::kNotFound,
                "explain: " + symbol + " has " +
                    std::to_string(data.series.empty() ? 0 : data.series[0].ts.size()) +
                    " complete feature rows up to " + at.iso() + "; the model needs " +
                    std::to_string(L));
        }
        if (loaded->artifact.norm.symbol_index(symbol) < 0) {
            return make_error(ErrorCode::kNotFound, "explain: model " + loaded->artifact.model_id +
                                                        " was not trained on " + symbol);
        }
        const TftTensors tensors(data, loaded->artifact.norm, L);
        const TftSeries& s = data.series[0];
        const TftWindow window{0, static_cast<uint32_t>(s.ts.size() - 1)};
        torch::NoGradGuard no_grad;
        const TftOutputs o = loaded->model->forward(tensors.inputs({&window, 1}));
        const torch::Tensor q = o.quantiles * tensors.scales({&window, 1}).unsqueeze(-1);

        TftExplanation e;
        e.forecast.symbol = symbol;
        e.forecast.bar_start = s.ts[window.end];
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const auto hi = static_cast<int64_t>(h);
            e.forecast.q[h] = {q[0][hi][0].item<double>(), q[0][hi][1].item<double>(),
                               q[0][hi][2].item<double>()};
        }
        e.forecast.has_target = s.has_target[window.end] != 0;
        e.forecast.target = s.target[window.end];
        for (auto n : kTftObservedNames) e.encoder_variables.emplace_back(n);
        for (auto n : kTftKnownNames) e.encoder_variables.emplace_back(n);
        for (auto n : kTftKnownNames) e.decoder_variables.emplace_back(n);
        const torch::Tensor enc = o.encoder_weights[0].mean(0).contiguous();
        const torch::Tensor dec = o.decoder_weights[0].mean(0).contiguous();
        e.encoder_weights.assign(enc.data_ptr<float>(), enc.data_ptr<float>() + enc.numel());
        e.decoder_weights.assign(dec.data_ptr<float>(), dec.data_ptr<float>() + dec.numel());
        const torch::Tensor att = o.attention[0].contiguous();
        for (int64_t h = 0; h < att.size(0); ++h) {
            e.attention.emplace_back(att[h].data_ptr<float>(),
                                     att[h].data_ptr<float>() + att.size(1));
        }
        for (int64_t p = 0; p < L; ++p) e.positions.push_back(s.ts[window.end - L + 1 + p]);
        for (int minutes : kHorizonsMinutes) {
            e.positions.push_back(s.ts[window.end] + Duration::minutes(minutes));
        }
        return e;
    }

    Status export_onnx(const std::string& path, const std::string& onnx_path) override {
        auto loaded = load_tft(path);
        if (!loaded.ok()) return loaded.error();
        return export_tft_onnx(*loaded->model, onnx_path);
    }
};

}  // namespace
}  // namespace awet::tft

/// The one symbol load_tft_module() looks up.
extern "C" __attribute__((visibility("default"))) awet::TftModule* awet_tft_module_v1() {
    static awet::tft::Module module;
    return &module;
}
