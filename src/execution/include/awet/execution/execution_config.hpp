#pragma once
// The execution agent: the safety layers (seed §9.1), the broker, the simulated venue's costs.
// Keys `execution.*` of config/awet.yaml (env AWET_EXECUTION_*); composed with the other sections
// by awet/config/config.hpp.
#include <cstdint>
#include <string>

#include "awet/core/config_section.hpp"
#include "awet/core/fixed.hpp"

namespace awet {

struct ExecutionConfig {
    bool dry_run = true;  // seed §9.1 layer 2: true blocks every order
    std::string approval_file = ".tmp/APPROVE_EXECUTION";  // seed §9.1 layer 3
    std::string broker = "sim";                            // sim | alpaca
    std::string alpaca_base_url = "https://paper-api.alpaca.markets";
    Money starting_cash_usd = Money::from_units(100'000);  // the simulated paper account
    int64_t slippage_bps = 2;
    Money fee_per_share_usd = Money::from_raw(0);
    Money min_fee_usd = Money::from_raw(0);
    double participation_rate =
        0.0;  // 0: fill whole order at next bar; else max fraction of bar volume
    /// Entries carry take-profit / stop-loss legs (exits.*_pct) held by the broker as OCO; the
    /// exit agent then leaves TP/SL to the broker and keeps only the time and session exits.
    bool bracket_orders = false;
};

/// The `execution` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& execution_config_section();

}  // namespace awet
