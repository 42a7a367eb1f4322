#include "awet/risk/risk_config.hpp"

namespace awet {
namespace {

void check(const RiskConfig& c, ConfigChecker& k) {
    k.one_of("state_backend", c.state_backend, {"memory", "redis"});
    k.non_empty("redis_namespace", c.redis_namespace);
    k.non_empty("redis_url", c.redis_url);
    if (c.max_qty_per_trade.raw() % kFixedScale != 0) {
        k.fail("max_qty_per_trade", "must be a whole number of shares (orders are whole shares)",
               c.max_qty_per_trade.to_string());
    }
}

}  // namespace

const ConfigSection& risk_config_section() {
    static const ConfigSection kSection{
        "risk",
        {AWET_CONFIG_FIELD(RiskConfig, max_trade_notional_usd,
                           config_range::closed(0, config_range::kMaxUsd),
                           "The sizing rule: each entry buys the whole shares this many USD "
                           "afford at the last price (at most max_qty_per_trade), and no order "
                           "is larger (seed 2.3)."),
         AWET_CONFIG_FIELD(RiskConfig, max_qty_per_trade,
                           config_range::closed(0, config_range::kMaxShares),
                           "Max shares in one order, a whole number (seed 2.3)."),
         AWET_CONFIG_FIELD(RiskConfig, max_orders_per_minute, config_range::closed(0, 10'000),
                           "Max entry orders per minute, all symbols."),
         AWET_CONFIG_FIELD(RiskConfig, max_orders_per_symbol_per_day,
                           config_range::closed(0, 100'000),
                           "Max entry orders per symbol per trading day."),
         AWET_CONFIG_FIELD(RiskConfig, cooldown_minutes,
                           config_range::closed(0, config_range::kMaxMinutes),
                           "Minimum minutes between two entries on one symbol."),
         AWET_CONFIG_FIELD(RiskConfig, max_total_exposure_usd,
                           config_range::closed(0, config_range::kMaxUsd),
                           "Max total open notional in USD (portfolio cap)."),
         AWET_CONFIG_FIELD(RiskConfig, max_symbol_exposure_usd,
                           config_range::closed(0, config_range::kMaxUsd),
                           "Max open notional per symbol in USD."),
         AWET_CONFIG_FIELD(RiskConfig, cvar_enabled, "Enable the CVaR tail-loss gate."),
         AWET_CONFIG_FIELD(RiskConfig, cvar_alpha, config_range::left_open(0, 0.5),
                           "CVaR tail probability, in (0, 0.5]."),
         AWET_CONFIG_FIELD(RiskConfig, max_cvar_pct, config_range::left_open(0, 1),
                           "Max expected tail loss over the horizon, fraction of notional."),
         AWET_CONFIG_FIELD(RiskConfig, cvar_lookback_bars, config_range::closed(2, 100'000),
                           "Recent 1-minute returns used by the historical CVaR."),
         AWET_CONFIG_FIELD(RiskConfig, no_entry_before_close_minutes,
                           config_range::closed(0, config_range::kMaxSessionMinutes),
                           "No new entries this many minutes before close."),
         AWET_CONFIG_FIELD(RiskConfig, min_confidence, config_range::closed(0, 1),
                           "Predictions below this confidence are HOLD, in [0, 1]."),
         AWET_CONFIG_FIELD(RiskConfig, allow_short, "Allow SELL signals to open short positions."),
         AWET_CONFIG_FIELD(RiskConfig, state_backend,
                           "Risk counters and exposure reservations: memory (one process) or redis "
                           "(shared by every risk agent)."),
         AWET_CONFIG_FIELD(RiskConfig, redis_url,
                           "Redis server of the shared risk state (state_backend redis)."),
         AWET_CONFIG_FIELD(
             RiskConfig, redis_namespace,
             "Key prefix awet:risk:<namespace>: engines sharing limits use the same one.")},
        &config_check<RiskConfig, check>};
    return kSection;
}

}  // namespace awet
