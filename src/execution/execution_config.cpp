#include "awet/execution/execution_config.hpp"

namespace awet {
namespace {

void check(const ExecutionConfig& c, ConfigChecker& k) {
    k.non_empty("approval_file", c.approval_file);
    k.one_of("broker", c.broker, {"sim", "alpaca"});
    k.non_empty("alpaca_base_url", c.alpaca_base_url);
}

}  // namespace

const ConfigSection& execution_config_section() {
    static const ConfigSection kSection{
        "execution",
        {AWET_CONFIG_FIELD(ExecutionConfig, dry_run,
                           "Safety layer 2: true blocks every order (seed 9.1)."),
         AWET_CONFIG_FIELD(ExecutionConfig, approval_file, kConfigPath,
                           "Safety layer 3: orders pass only while this file exists."),
         AWET_CONFIG_FIELD(
             ExecutionConfig, broker,
             "Broker: sim (simulated paper venue) or alpaca (Alpaca paper, execution agent)."),
         AWET_CONFIG_FIELD(
             ExecutionConfig, alpaca_base_url,
             "Alpaca REST base URL: the paper host (or loopback for tests), nothing else."),
         AWET_CONFIG_FIELD(ExecutionConfig, starting_cash_usd,
                           config_range::left_open(0, config_range::kMaxUsd),
                           "Cash of the simulated paper account when it opens (broker sim)."),
         AWET_CONFIG_FIELD(ExecutionConfig, slippage_bps, config_range::right_open(0, 10'000),
                           "Simulated slippage against the trader, basis points."),
         AWET_CONFIG_FIELD(ExecutionConfig, fee_per_share_usd, config_range::closed(0, 1'000),
                           "Simulated fee per share in USD."),
         AWET_CONFIG_FIELD(ExecutionConfig, min_fee_usd, config_range::closed(0, 1'000'000),
                           "Simulated minimum fee per fill in USD."),
         AWET_CONFIG_FIELD(
             ExecutionConfig, participation_rate, config_range::closed(0, 1),
             "Max fraction of a bar's volume filled (0 = whole order at the next bar)."),
         AWET_CONFIG_FIELD(
             ExecutionConfig, bracket_orders,
             "Entries carry broker-held take-profit/stop-loss legs (OCO) from exits.*_pct.")},
        &config_check<ExecutionConfig, check>};
    return kSection;
}

}  // namespace awet
