#include "awet/core/logging_config.hpp"

namespace awet {
namespace {

void check(const LoggingConfig& c, ConfigChecker& k) {
    k.one_of("level", c.level, {"trace", "debug", "info", "warn", "error", "off"});
    k.one_of("format", c.format, {"auto", "json", "text"});
}

}  // namespace

const ConfigSection& logging_config_section() {
    static const ConfigSection kSection{
        "logging",
        {AWET_CONFIG_FIELD(LoggingConfig, level, "Log level: trace|debug|info|warn|error|off."),
         AWET_CONFIG_FIELD(
             LoggingConfig, format,
             "Log format: auto (text on a terminal, JSON lines otherwise)|json|text.")},
        &config_check<LoggingConfig, check>};
    return kSection;
}

}  // namespace awet
