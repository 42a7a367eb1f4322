#pragma once
// The TFT artifact: <id>.pt (torch::save of the weights) and <id>.json (everything needed to
// rebuild and trust them: config, input names, normalisation, weights size and checksum, and the
// training record). models_registry.path points at the .json.
#include <nlohmann/json.hpp>
#include <string>

#include "awet/core/result.hpp"
#include "awet/ml/tft_inputs.hpp"
#include "tft_model.hpp"

namespace awet::tft {

struct TftArtifact {
    std::string model_id;
    TftConfig config;
    TftNormalisation norm;
    nlohmann::json record = nlohmann::json::object();  // hyper-parameters, data, metrics, git
};

/// Writes <dir>/<model_id>.pt and <dir>/<model_id>.json (creating dir); returns the .json path.
Result<std::string> save_tft(TemporalFusionTransformer& model, const TftArtifact& artifact,
                             const std::string& dir);

struct LoadedTft {
    TftArtifact artifact;
    TemporalFusionTransformer model{nullptr};  // eval mode
    std::string metadata_path;
};

/// Reads and checks the metadata (type, versions, input names, shapes, finite numbers), then the
/// weights (size and checksum first: a truncated or altered file is named as such). Never throws.
Result<LoadedTft> load_tft(const std::string& metadata_path);

}  // namespace awet::tft
