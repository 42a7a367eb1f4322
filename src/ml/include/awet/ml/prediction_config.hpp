#pragma once
// The prediction agent: where models live and how often it looks for a newly promoted one.
// Keys `prediction.*` of config/awet.yaml (env AWET_PREDICTION_*); composed with the other sections
// by awet/config/config.hpp.
#include <string>

#include "awet/core/config_section.hpp"

namespace awet {

struct PredictionConfig {
    std::string model_dir = "models";
    int reload_check_bars =
        60;  // how often (in bars) the agent checks models_registry for a new green
};

/// The `prediction` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& prediction_config_section();

}  // namespace awet
