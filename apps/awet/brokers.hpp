#pragma once
// The composition root's broker choices (execution.broker): the Alpaca paper API or the
// simulated venue over HTTP.
#include <memory>
#include <string>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/config/config.hpp"
#include "awet/execution/broker.hpp"
#include "awet/runtime/agent_process.hpp"

namespace awet::cli {

/// The Alpaca paper broker of `config` (execution.alpaca_base_url, keys from the environment;
/// the paper guard runs here) and the options it was made with (for the trade_updates stream).
struct AlpacaFromConfig {
    std::unique_ptr<alpaca::AlpacaBroker> broker;
    alpaca::AlpacaOptions options;
};
Result<AlpacaFromConfig> alpaca_from_config(const Config& config);

/// execution.broker alpaca: the Alpaca paper broker; sim: the simulated venue at `venue_url`
/// (read-only use: no token needed for its GET requests).
Result<std::unique_ptr<Broker>> open_broker(const Config& config, const std::string& venue_url);

/// The execution agent's broker (execution.broker): Alpaca paper with its trade_updates stream, or
/// the simulated venue at `venue_url` with the shared token of AWET_VENUE_TOKEN (the venue
/// refuses requests without it).
Result<runtime::ExecutionBroker> execution_broker(const Config& config,
                                                  const std::string& venue_url);

}  // namespace awet::cli
