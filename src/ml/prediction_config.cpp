#include "awet/ml/prediction_config.hpp"

namespace awet {
namespace {

void check(const PredictionConfig& c, ConfigChecker& k) { k.non_empty("model_dir", c.model_dir); }

}  // namespace

const ConfigSection& prediction_config_section() {
    static const ConfigSection kSection{
        "prediction",
        {AWET_CONFIG_FIELD(PredictionConfig, model_dir, kConfigPath,
                           "Directory of trained model files."),
         AWET_CONFIG_FIELD(PredictionConfig, reload_check_bars, config_range::closed(1, 1'000'000),
                           "Bars between checks for a newly promoted model.")},
        &config_check<PredictionConfig, check>};
    return kSection;
}

}  // namespace awet
