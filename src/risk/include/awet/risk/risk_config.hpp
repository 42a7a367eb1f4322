#pragma once
// The risk agent's limits and gates (seed §2.3), and where its shared state lives.
// Keys `risk.*` of config/awet.yaml (env AWET_RISK_*); composed with the other sections by
// awet/config/config.hpp.
#include <string>

#include "awet/core/config_section.hpp"
#include "awet/core/fixed.hpp"

namespace awet {

struct RiskConfig {
    Money max_trade_notional_usd = Money::from_units(1000);
    Quantity max_qty_per_trade = Quantity::from_units(100);
    int max_orders_per_minute = 5;
    int max_orders_per_symbol_per_day = 3;
    int cooldown_minutes = 15;
    Money max_total_exposure_usd = Money::from_units(50000);
    Money max_symbol_exposure_usd = Money::from_units(10000);
    bool cvar_enabled = true;
    double cvar_alpha = 0.10;      // tail probability (matches the forecast's q10)
    double max_cvar_pct = 0.02;    // max expected tail loss over the horizon, fraction of notional
    int cvar_lookback_bars = 390;  // recent 1-minute returns for the historical estimate
    int no_entry_before_close_minutes = 15;
    double min_confidence = 0.10;  // predictions below this are HOLD: no trade intent
    bool allow_short = false;
    /// Where the cross-process risk state lives (orders per minute / per symbol per day,
    /// cooldowns, exposure reservations): "memory" (one process) or "redis" (shared, atomic).
    std::string state_backend = "memory";
    std::string redis_url = "redis://127.0.0.1:6379/0";
    std::string redis_namespace = "awet";  // awet:risk:<namespace>:...
};

/// The `risk` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& risk_config_section();

}  // namespace awet
