#pragma once
// Logging: level and format of every process's log (awet/core/log.hpp).
// Keys `logging.*` of config/awet.yaml (env AWET_LOGGING_*); composed with the other sections by
// awet/config/config.hpp.
#include <string>

#include "awet/core/config_section.hpp"

namespace awet {

struct LoggingConfig {
    std::string level = "info";   // trace|debug|info|warn|error|off
    std::string format = "auto";  // auto (text on a terminal, else JSON lines)|json|text
};

/// The `logging` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& logging_config_section();

}  // namespace awet
