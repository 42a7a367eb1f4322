#pragma once
// `awet reconcile` (`make reconcile`): the store against the broker, read-only (see
// reconcile_command.cpp).
#include <memory>
#include <string>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/core/config.hpp"
#include "commands.hpp"

namespace awet::cli {

struct ReconcileArgs {
    std::string venue_url = "http://127.0.0.1:8009";  // execution.broker: sim
};
int reconcile(const Common& common, const ReconcileArgs& args);

/// The Alpaca paper broker of `config` (execution.alpaca_base_url, keys from the environment;
/// the paper guard runs here) and the options it was made with (for the trade_updates stream).
struct AlpacaFromConfig {
    std::unique_ptr<alpaca::AlpacaBroker> broker;
    alpaca::AlpacaOptions options;
};
Result<AlpacaFromConfig> alpaca_from_config(const Config& config);

}  // namespace awet::cli
