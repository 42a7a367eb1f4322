#include "awet/exits/exit_config.hpp"

namespace awet {

const ConfigSection& exit_config_section() {
    static const ConfigSection kSection{
        "exits",
        {AWET_CONFIG_FIELD(ExitConfig, take_profit_pct, config_range::left_open(0, 100),
                           "Take-profit distance from entry, percent (1.0 = 1%)."),
         AWET_CONFIG_FIELD(ExitConfig, stop_loss_pct, config_range::left_open(0, 100),
                           "Stop-loss distance from entry, percent (0.5 = 0.5%)."),
         AWET_CONFIG_FIELD(ExitConfig, max_holding_minutes,
                           config_range::closed(1, config_range::kMaxMinutes),
                           "Close a position held this many minutes."),
         AWET_CONFIG_FIELD(ExitConfig, flat_at_close,
                           "Close every position before the session ends."),
         AWET_CONFIG_FIELD(ExitConfig, flat_before_close_minutes,
                           config_range::closed(0, config_range::kMaxSessionMinutes),
                           "Minutes before close at which positions go flat.")},
        nullptr};
    return kSection;
}

}  // namespace awet
