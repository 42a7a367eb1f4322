#include "awet/ml/linear_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "awet/ml/dataset.hpp"
#include "awet/ml/quantile_regression.hpp"

namespace awet {

namespace {

using nlohmann::json;

void sort3(QuantileForecast& q) {
    if (q.q10 > q.q50) std::swap(q.q10, q.q50);
    if (q.q50 > q.q90) std::swap(q.q50, q.q90);
    if (q.q10 > q.q50) std::swap(q.q10, q.q50);
}

json to_json(const LinearQuantileParams& p) {
    json j;
    j["format_version"] = kLinearModelFormatVersion;
    j["model_type"] = kLinearQuantileModelType;
    j["model_id"] = p.model_id.str();
    j["feature_transform_version"] = kFeatureTransformVersion;
    j["inputs"] = json::array();
    for (auto name : kInputNames) j["inputs"].push_back(name);
    j["horizons_minutes"] = kHorizonsMinutes;
    j["quantiles"] = kQuantileLevels;
    j["mean"] = p.mean;
    j["std"] = p.std;
    j["coefficients"] = p.coef;  // [horizon][quantile][intercept, slopes...]
    j["training"] = {{"data_from", p.data_from.iso()},
                     {"data_from_ns", p.data_from.ns()},
                     {"data_to", p.data_to.iso()},
                     {"data_to_ns", p.data_to.ns()}};
    return j;
}

/// Reads an array of exactly N finite numbers at `key`; the message names what is wrong.
template <size_t N>
bool read_numbers(const json& a, const std::string& key, std::array<double, N>& out,
                  std::string& why) {
    if (!a.is_array() || a.size() != N) {
        why = "'" + key + "' must be an array of " + std::to_string(N) + " numbers, got " +
              (a.is_array() ? std::to_string(a.size()) + " elements" : std::string(a.type_name()));
        return false;
    }
    for (size_t i = 0; i < N; ++i) {
        if (!a[i].is_number() || !std::isfinite(a[i].get<double>())) {
            why = "'" + key + "[" + std::to_string(i) + "]' is not a finite number";
            return false;
        }
        out[i] = a[i].get<double>();
    }
    return true;
}

Error bad_file(const std::string& path, const std::string& why) {
    return make_error(ErrorCode::kParse, "model file '" + path + "': " + why);
}

}  // namespace

LinearQuantileModel::LinearQuantileModel(LinearQuantileParams params) : params_(std::move(params)) {
    for (size_t h = 0; h < kNumHorizons; ++h) {
        for (size_t k = 0; k < kNumQuantiles; ++k) {
            for (size_t j = 0; j < kNumInputs + 1; ++j) {
                by_input_[j][h * kNumQuantiles + k] = params_.coef[h][k][j];
            }
        }
    }
}

HorizonForecasts LinearQuantileModel::forecast_inputs(const InputVector& inputs) const {
    InputVector z;
    for (size_t j = 0; j < kNumInputs; ++j) z[j] = (inputs[j] - params_.mean[j]) / params_.std[j];
    // out[h][k] = coef[h][k][0] + sum_j coef[h][k][j + 1] * z[j], summed in increasing j.
    // Two outputs per operation (GCC vector extension, SSE2): left to itself GCC keeps the nine
    // sums in scalar registers, 27 instructions per input. Each lane still computes exactly
    // v[o] += c[o] * z[j] in increasing j (no fused multiply-add), so the sums are bit-for-bit
    // those of the scalar loop.
    using Pair = double __attribute__((vector_size(16)));
    constexpr size_t kPairs = kPaddedOutputs / 2;
    Pair acc[kPairs];
    std::memcpy(acc, by_input_[0].data(), sizeof(acc));
    for (size_t j = 0; j < kNumInputs; ++j) {
        const double* row = by_input_[j + 1].data();
        const Pair zj = {z[j], z[j]};
        for (size_t p = 0; p < kPairs; ++p) {
            Pair c;
            std::memcpy(&c, row + 2 * p, sizeof(c));
            acc[p] += c * zj;
        }
    }
    std::array<double, kPaddedOutputs> v;
    std::memcpy(v.data(), acc, sizeof(acc));
    HorizonForecasts out;
    for (size_t h = 0; h < kNumHorizons; ++h) {
        const size_t o = h * kNumQuantiles;
        out[h] = QuantileForecast{v[o], v[o + 1], v[o + 2]};
        sort3(out[h]);
    }
    return out;
}

std::optional<HorizonForecasts> LinearQuantileModel::forecast(const FeatureVector& fv) {
    const auto inputs = transform_inputs(fv);
    if (!inputs) return std::nullopt;
    HorizonForecasts out = forecast_inputs(*inputs);
    for (const auto& q : out) {
        if (!std::isfinite(q.q10) || !std::isfinite(q.q50) || !std::isfinite(q.q90))
            return std::nullopt;
    }
    return out;
}

Status LinearQuantileModel::save(const std::string& path) const {
    try {
        const std::string text = to_json(params_).dump(1) + "\n";
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        if (!f)
            return make_error(ErrorCode::kIo, "model file '" + path + "': cannot open for writing");
        f.write(text.data(), static_cast<std::streamsize>(text.size()));
        f.close();
        if (!f) return make_error(ErrorCode::kIo, "model file '" + path + "': write failed");
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal, "model file '" + path + "': " + e.what());
    }
    return Status::Ok();
}

Result<std::unique_ptr<LinearQuantileModel>> LinearQuantileModel::load(const std::string& path) {
    try {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            return make_error(ErrorCode::kNotFound, "model file '" + path + "': no such file");
        }
        std::ifstream f(path, std::ios::binary);
        if (!f)
            return make_error(ErrorCode::kIo, "model file '" + path + "': cannot open for reading");
        std::stringstream buf;
        buf << f.rdbuf();
        const std::string text = buf.str();
        if (text.empty()) return bad_file(path, "file is empty");
        const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) return bad_file(path, "not valid JSON (truncated or corrupt)");
        if (!j.is_object()) return bad_file(path, "top level is not a JSON object");
        for (const char* key :
             {"format_version", "model_type", "model_id", "feature_transform_version",
              "horizons_minutes", "quantiles", "mean", "std", "coefficients"}) {
            if (!j.contains(key)) return bad_file(path, std::string("missing key '") + key + "'");
        }
        if (!j["model_type"].is_string() ||
            j["model_type"].get<std::string>() != kLinearQuantileModelType) {
            return bad_file(path, "model_type is " + j["model_type"].dump() + ", expected \"" +
                                      std::string(kLinearQuantileModelType) + "\"");
        }
        if (!j["format_version"].is_number_integer() ||
            j["format_version"].get<int>() != kLinearModelFormatVersion) {
            return bad_file(path, "format_version is " + j["format_version"].dump() +
                                      ", expected " + std::to_string(kLinearModelFormatVersion));
        }
        if (!j["feature_transform_version"].is_number_integer() ||
            j["feature_transform_version"].get<int>() != kFeatureTransformVersion) {
            return bad_file(path, "feature_transform_version is " +
                                      j["feature_transform_version"].dump() + ", this build uses " +
                                      std::to_string(kFeatureTransformVersion));
        }
        if (j["horizons_minutes"] != json(kHorizonsMinutes)) {
            return bad_file(path, "horizons_minutes is " + j["horizons_minutes"].dump() +
                                      ", expected " + json(kHorizonsMinutes).dump());
        }
        if (j["quantiles"] != json(kQuantileLevels)) {
            return bad_file(path, "quantiles is " + j["quantiles"].dump() + ", expected " +
                                      json(kQuantileLevels).dump());
        }
        LinearQuantileParams p;
        if (!j["model_id"].is_string() || !p.model_id.assign(j["model_id"].get<std::string>())) {
            return bad_file(path, "model_id must be a string of at most " +
                                      std::to_string(ModelId::capacity()) + " characters");
        }
        std::string why;
        if (!read_numbers(j["mean"], "mean", p.mean, why) ||
            !read_numbers(j["std"], "std", p.std, why)) {
            return bad_file(path, why);
        }
        for (size_t i = 0; i < kNumInputs; ++i) {
            if (!(p.std[i] > 0))
                return bad_file(path, "'std[" + std::to_string(i) + "]' must be > 0");
        }
        const json& c = j["coefficients"];
        const std::string shape = std::to_string(kNumHorizons) + "x" +
                                  std::to_string(kNumQuantiles) + "x" +
                                  std::to_string(kNumInputs + 1);
        if (!c.is_array() || c.size() != kNumHorizons) {
            return bad_file(path, "'coefficients' must be a " + shape + " array");
        }
        for (size_t h = 0; h < kNumHorizons; ++h) {
            if (!c[h].is_array() || c[h].size() != kNumQuantiles) {
                return bad_file(path, "'coefficients[" + std::to_string(h) + "]' must hold " +
                                          std::to_string(kNumQuantiles) + " arrays (" + shape +
                                          ")");
            }
            for (size_t k = 0; k < kNumQuantiles; ++k) {
                const std::string key =
                    "coefficients[" + std::to_string(h) + "][" + std::to_string(k) + "]";
                if (!read_numbers(c[h][k], key, p.coef[h][k], why)) {
                    return bad_file(path, why);
                }
            }
        }
        if (j.contains("training") && j["training"].is_object()) {
            const json& t = j["training"];
            if (t.contains("data_from_ns") && t["data_from_ns"].is_number_integer()) {
                p.data_from = Timestamp::from_ns(t["data_from_ns"].get<int64_t>());
            }
            if (t.contains("data_to_ns") && t["data_to_ns"].is_number_integer()) {
                p.data_to = Timestamp::from_ns(t["data_to_ns"].get<int64_t>());
            }
        }
        return std::make_unique<LinearQuantileModel>(std::move(p));
    } catch (const std::exception& e) {
        return bad_file(path, e.what());
    }
}

std::string TrainReport::metrics_json() const {
    json j;
    j["n_train"] = n_train;
    j["n_val"] = n_val;
    j["converged"] = converged;
    j["horizons"] = json::array();
    double model = 0, baseline = 0, zero = 0;
    for (const HorizonMetrics& h : horizons) {
        json e;
        e["minutes"] = h.minutes;
        e["pinball_model"] = h.model_mean;
        e["pinball_baseline"] = h.baseline_mean;
        e["pinball_zero"] = h.zero_mean;
        e["coverage_q10_q90"] = h.coverage;
        e["pinball_model_by_quantile"] = h.model_loss;
        e["pinball_baseline_by_quantile"] = h.baseline_loss;
        e["pinball_zero_by_quantile"] = h.zero_loss;
        e["baseline_quantiles"] = h.baseline_quantiles;
        j["horizons"].push_back(e);
        model += h.model_mean;
        baseline += h.baseline_mean;
        zero += h.zero_mean;
    }
    j["pinball_model_mean"] = model / kNumHorizons;
    j["pinball_baseline_mean"] = baseline / kNumHorizons;
    j["pinball_zero_mean"] = zero / kNumHorizons;
    return j.dump();
}

std::string TrainReport::params_json() const {
    json j;
    j["model_type"] = kLinearQuantileModelType;
    j["format_version"] = kLinearModelFormatVersion;
    j["feature_transform_version"] = kFeatureTransformVersion;
    j["inputs"] = json::array();
    for (auto name : kInputNames) j["inputs"].push_back(name);
    j["horizons_minutes"] = kHorizonsMinutes;
    j["quantiles"] = kQuantileLevels;
    j["validation_fraction"] = options.validation_fraction;
    j["l2"] = options.l2;
    j["max_iter"] = options.max_iter;
    j["tol"] = options.tol;
    j["iterations"] = iterations;
    j["data_from"] = data_from.iso();
    j["data_to"] = data_to.iso();
    j["train_from"] = train_from.iso();
    j["train_to"] = train_to.iso();
    j["val_from"] = val_from.iso();
    j["val_to"] = val_to.iso();
    return j.dump();
}

Result<TrainReport> train_linear_model(std::span<const FeatureVector> rows,
                                       const TrainOptions& opts) {
    if (opts.model_id.empty() || opts.model_id.size() > ModelId::capacity()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "model_id must have 1.." + std::to_string(ModelId::capacity()) +
                              " characters, got '" + opts.model_id + "'");
    }
    if (opts.model_id.find_first_of("/\\") != std::string::npos || opts.model_id.front() == '.') {
        return make_error(ErrorCode::kInvalidArgument,
                          "model_id '" + opts.model_id + "' must not contain a path separator");
    }
    if (!(opts.validation_fraction > 0 && opts.validation_fraction < 1)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "validation_fraction must be in (0, 1), got " +
                              std::to_string(opts.validation_fraction));
    }
    if (!(opts.l2 >= 0) || opts.max_iter < 1 || !(opts.tol > 0)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "l2 must be >= 0, max_iter >= 1 and tol > 0");
    }
    if (opts.model_dir.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "model_dir is empty");
    }

    const Dataset data = build_dataset(rows);
    if (data.size() < opts.min_rows) {
        return make_error(ErrorCode::kInvalidArgument,
                          "need at least " + std::to_string(opts.min_rows) +
                              " complete feature rows with 60-minute targets, got " +
                              std::to_string(data.size()) + " (of " + std::to_string(rows.size()) +
                              " feature rows)");
    }
    const DatasetSplit split = split_by_time(data, opts.validation_fraction);
    if (split.train.size() < kNumInputs + 2 || split.validation.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "time split left " + std::to_string(split.train.size()) +
                              " training and " + std::to_string(split.validation.size()) +
                              " validation rows; need more distinct timestamps");
    }

    LinearQuantileParams params;
    params.model_id = ModelId(opts.model_id);
    // Standardisation from the training rows only.
    const auto n_train = static_cast<double>(split.train.size());
    for (size_t j = 0; j < kNumInputs; ++j) {
        double s = 0;
        for (size_t i : split.train) s += data.x[i][j];
        const double m = s / n_train;
        double q = 0;
        for (size_t i : split.train) q += (data.x[i][j] - m) * (data.x[i][j] - m);
        const double sd = std::sqrt(q / n_train);
        params.mean[j] = m;
        params.std[j] = sd > 1e-12 ? sd : 1.0;
    }
    std::vector<double> xs;
    xs.reserve(split.train.size() * kNumInputs);
    for (size_t i : split.train) {
        for (size_t j = 0; j < kNumInputs; ++j) {
            xs.push_back((data.x[i][j] - params.mean[j]) / params.std[j]);
        }
    }

    TrainReport report;
    report.options = opts;
    QuantileFitOptions fo;
    fo.l2 = opts.l2;
    fo.max_iter = opts.max_iter;
    fo.tol = opts.tol;
    std::vector<double> ys(split.train.size());
    for (size_t h = 0; h < kNumHorizons; ++h) {
        for (size_t r = 0; r < split.train.size(); ++r) ys[r] = data.y[split.train[r]][h];
        for (size_t k = 0; k < kNumQuantiles; ++k) {
            const QuantileFit fit =
                fit_quantile_regression(xs, kNumInputs, ys, kQuantileLevels[k], fo);
            for (double v : fit.coef) {
                if (!std::isfinite(v)) {
                    return make_error(ErrorCode::kInternal,
                                      "quantile fit produced a non-finite coefficient");
                }
            }
            std::copy(fit.coef.begin(), fit.coef.end(), params.coef[h][k].begin());
            report.iterations[h][k] = fit.iterations;
            report.converged = report.converged && fit.converged;
        }
        for (size_t k = 0; k < kNumQuantiles; ++k) {
            report.horizons[h].baseline_quantiles[k] = empirical_quantile(ys, kQuantileLevels[k]);
        }
    }
    params.data_from = data.ts[split.train.front()];
    params.data_to = data.ts[split.train.back()];
    LinearQuantileModel model(params);

    // Validation metrics.
    const auto n_val = static_cast<double>(split.validation.size());
    for (size_t h = 0; h < kNumHorizons; ++h) {
        HorizonMetrics& m = report.horizons[h];
        m.minutes = kHorizonsMinutes[h];
    }
    std::array<size_t, kNumHorizons> covered{};
    for (size_t i : split.validation) {
        const HorizonForecasts f = model.forecast_inputs(data.x[i]);
        for (size_t h = 0; h < kNumHorizons; ++h) {
            HorizonMetrics& m = report.horizons[h];
            const double y = data.y[i][h];
            const std::array<double, kNumQuantiles> q = {f[h].q10, f[h].q50, f[h].q90};
            for (size_t k = 0; k < kNumQuantiles; ++k) {
                m.model_loss[k] += pinball_loss(y, q[k], kQuantileLevels[k]);
                m.baseline_loss[k] += pinball_loss(y, m.baseline_quantiles[k], kQuantileLevels[k]);
                m.zero_loss[k] += pinball_loss(y, 0.0, kQuantileLevels[k]);
            }
            if (y >= f[h].q10 && y <= f[h].q90) ++covered[h];
        }
    }
    for (size_t h = 0; h < kNumHorizons; ++h) {
        HorizonMetrics& m = report.horizons[h];
        for (size_t k = 0; k < kNumQuantiles; ++k) {
            m.model_loss[k] /= n_val;
            m.baseline_loss[k] /= n_val;
            m.zero_loss[k] /= n_val;
            m.model_mean += m.model_loss[k] / kNumQuantiles;
            m.baseline_mean += m.baseline_loss[k] / kNumQuantiles;
            m.zero_mean += m.zero_loss[k] / kNumQuantiles;
        }
        m.coverage = static_cast<double>(covered[h]) / n_val;
    }

    report.model_id = opts.model_id;
    report.n_train = split.train.size();
    report.n_val = split.validation.size();
    report.data_from = data.ts[std::min(split.train.front(), split.validation.front())];
    report.data_to = data.ts[std::max(split.train.back(), split.validation.back())];
    report.train_from = data.ts[split.train.front()];
    report.train_to = data.ts[split.train.back()];
    report.val_from = data.ts[split.validation.front()];
    report.val_to = data.ts[split.validation.back()];

    std::error_code ec;
    std::filesystem::create_directories(opts.model_dir, ec);
    if (ec) {
        return make_error(ErrorCode::kIo,
                          "cannot create model_dir '" + opts.model_dir + "': " + ec.message());
    }
    report.path = (std::filesystem::path(opts.model_dir) / (opts.model_id + ".json")).string();
    AWET_TRY(model.save(report.path));
    return report;
}

}  // namespace awet
