#pragma once
// When the exit agent closes a position: take-profit, stop-loss, holding time, the close.
// Keys `exits.*` of config/awet.yaml (env AWET_EXITS_*); composed with the other sections by
// awet/config/config.hpp.

#include "awet/core/config_section.hpp"

namespace awet {

struct ExitConfig {
    double take_profit_pct = 1.0;
    double stop_loss_pct = 0.5;
    int max_holding_minutes = 60;
    bool flat_at_close = true;
    int flat_before_close_minutes = 5;
};

/// The `exits` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& exit_config_section();

}  // namespace awet
