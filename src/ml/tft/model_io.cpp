#include "model_io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "awet/ml/tft_module.hpp"

namespace awet::tft {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// FNV-1a 64 of a file's bytes (detects truncation and corruption; not a security measure).
Result<std::pair<uint64_t, uint64_t>> checksum(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIo, path + ": cannot open");
    uint64_t h = 1469598103934665603ULL, n = 0;
    char buf[1 << 16];
    while (in) {
        in.read(buf, sizeof buf);
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
        }
        n += static_cast<uint64_t>(in.gcount());
    }
    return std::make_pair(n, h);
}

template <size_t N>
json floats(const std::array<float, N>& a) {
    return json(std::vector<float>(a.begin(), a.end()));
}

template <size_t N>
bool read_floats(const json& j, std::array<float, N>& out) {
    if (!j.is_array() || j.size() != N) return false;
    for (size_t i = 0; i < N; ++i) {
        if (!j[i].is_number()) return false;
        out[i] = j[i].get<float>();
        if (!std::isfinite(out[i])) return false;
    }
    return true;
}

template <size_t N>
json names(const std::array<std::string_view, N>& a) {
    json out = json::array();
    for (auto n : a) out.push_back(std::string(n));
    return out;
}

}  // namespace

Result<std::string> save_tft(TemporalFusionTransformer& model, const TftArtifact& a,
                             const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(ErrorCode::kIo, dir + ": cannot create directory: " + ec.message());
    const std::string weights = (fs::path(dir) / (a.model_id + ".pt")).string();
    const std::string meta = (fs::path(dir) / (a.model_id + ".json")).string();
    try {
        torch::save(model, weights);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kIo, weights + ": cannot write weights: " + e.what());
    }
    auto sum = checksum(weights);
    if (!sum.ok()) return sum.error();

    json j;
    j["model_type"] = std::string(kTftModelType);
    j["format_version"] = kTftFormatVersion;
    j["inputs_version"] = kTftInputsVersion;
    j["model_id"] = a.model_id;
    j["config"] = {{"n_symbols", a.config.n_symbols},
                   {"hidden", a.config.hidden},
                   {"heads", a.config.heads},
                   {"lookback", a.config.lookback},
                   {"dropout", a.config.dropout}};
    j["observed_inputs"] = names(kTftObservedNames);
    j["known_inputs"] = names(kTftKnownNames);
    j["static_inputs"] = {"symbol"};
    j["horizons_minutes"] = std::vector<int>(kHorizonsMinutes.begin(), kHorizonsMinutes.end());
    j["quantiles"] = {0.1, 0.5, 0.9};
    json norm = {{"symbols", a.norm.symbols},
                 {"mean", json::array()},
                 {"std", json::array()},
                 {"target_scale", json::array()}};
    for (size_t i = 0; i < a.norm.symbols.size(); ++i) {
        norm["mean"].push_back(floats(a.norm.mean[i]));
        norm["std"].push_back(floats(a.norm.std[i]));
        norm["target_scale"].push_back(floats(a.norm.target_scale[i]));
    }
    j["normalisation"] = norm;
    j["weights"] = {{"file", fs::path(weights).filename().string()},
                    {"bytes", sum->first},
                    {"fnv1a64", fmt::format("{:016x}", sum->second)}};
    j["record"] = a.record;
    std::ofstream out(meta, std::ios::trunc);
    out << j.dump(2) << "\n";
    out.close();
    if (!out) return make_error(ErrorCode::kIo, meta + ": cannot write model metadata");
    return meta;
}

Result<LoadedTft> load_tft(const std::string& path) {
    const auto bad = [&path](const std::string& what) {
        return make_error(ErrorCode::kParse, path + ": " + what);
    };
    std::ifstream in(path);
    if (!in) return make_error(ErrorCode::kIo, path + ": cannot open model metadata");
    json j;
    try {
        j = json::parse(in);
    } catch (const std::exception& e) {
        return bad(std::string("not valid JSON (") + e.what() + ")");
    }
    try {
        if (j.value("model_type", "") != kTftModelType) return bad("model_type is not 'tft'");
        if (j.value("format_version", -1) != kTftFormatVersion) {
            return bad(fmt::format("format_version {} (this build reads {})",
                                   j.value("format_version", -1), kTftFormatVersion));
        }
        if (j.value("inputs_version", -1) != kTftInputsVersion) {
            return bad(fmt::format("inputs_version {} (this build computes {})",
                                   j.value("inputs_version", -1), kTftInputsVersion));
        }
        if (j.at("observed_inputs") != names(kTftObservedNames) ||
            j.at("known_inputs") != names(kTftKnownNames)) {
            return bad("input names differ from this build's");
        }
        LoadedTft out;
        out.metadata_path = path;
        TftArtifact& a = out.artifact;
        a.model_id = j.at("model_id").get<std::string>();
        const json& c = j.at("config");
        a.config.n_symbols = c.at("n_symbols").get<int64_t>();
        a.config.hidden = c.at("hidden").get<int64_t>();
        a.config.heads = c.at("heads").get<int64_t>();
        a.config.lookback = c.at("lookback").get<int64_t>();
        a.config.dropout = c.at("dropout").get<double>();
        if (a.config.n_symbols < 1 || a.config.hidden < 1 || a.config.heads < 1 ||
            a.config.hidden % a.config.heads != 0 || a.config.lookback < 1) {
            return bad("config: sizes must be positive and hidden a multiple of heads");
        }
        const json& n = j.at("normalisation");
        a.norm.symbols = n.at("symbols").get<std::vector<std::string>>();
        const size_t k = a.norm.symbols.size();
        if (k != static_cast<size_t>(a.config.n_symbols) || n.at("mean").size() != k ||
            n.at("std").size() != k || n.at("target_scale").size() != k) {
            return bad("normalisation: one mean/std/target_scale row per symbol expected");
        }
        if (!std::is_sorted(a.norm.symbols.begin(), a.norm.symbols.end())) {
            return bad("normalisation: symbols must be sorted");
        }
        a.norm.mean.resize(k);
        a.norm.std.resize(k);
        a.norm.target_scale.resize(k);
        for (size_t i = 0; i < k; ++i) {
            if (!read_floats(n["mean"][i], a.norm.mean[i]) ||
                !read_floats(n["std"][i], a.norm.std[i]) ||
                !read_floats(n["target_scale"][i], a.norm.target_scale[i])) {
                return bad("normalisation: row " + std::to_string(i) +
                           " has the wrong length or a non-finite number");
            }
        }
        a.record = j.value("record", json::object());

        const json& w = j.at("weights");
        const std::string weights =
            (fs::path(path).parent_path() / w.at("file").get<std::string>()).string();
        auto sum = checksum(weights);
        if (!sum.ok()) return make_error(ErrorCode::kIo, weights + ": cannot open model weights");
        const auto bytes = w.at("bytes").get<uint64_t>();
        if (sum->first != bytes) {
            return make_error(ErrorCode::kParse,
                              fmt::format("{}: truncated or replaced: {} bytes, metadata says {}",
                                          weights, sum->first, bytes));
        }
        if (fmt::format("{:016x}", sum->second) != w.at("fnv1a64").get<std::string>()) {
            return make_error(ErrorCode::kParse,
                              weights + ": checksum mismatch (the file was altered or corrupted)");
        }
        out.model = TemporalFusionTransformer(a.config);
        torch::load(out.model, weights);
        out.model->eval();
        return out;
    } catch (const std::exception& e) {
        return bad(std::string("cannot load: ") + e.what());
    }
}

}  // namespace awet::tft
