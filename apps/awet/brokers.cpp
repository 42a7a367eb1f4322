#include "brokers.hpp"

#include "awet/venue/venue.hpp"

namespace awet::cli {

Result<AlpacaFromConfig> alpaca_from_config(const Config& config) {
    alpaca::AlpacaOptions ao;
    ao.base_url = config.execution.alpaca_base_url;
    auto with_keys = alpaca::options_from_env(ao);
    if (!with_keys.ok()) return with_keys.error();
    auto made = alpaca::AlpacaBroker::create(*with_keys);
    if (!made.ok()) return made.error();
    return AlpacaFromConfig{std::move(*made), *with_keys};
}

Result<std::unique_ptr<Broker>> open_broker(const Config& config, const std::string& venue_url) {
    if (config.execution.broker == "alpaca") {
        auto made = alpaca_from_config(config);
        if (!made.ok()) return made.error();
        return std::unique_ptr<Broker>(std::move(made->broker));
    }
    return std::unique_ptr<Broker>(
        std::make_unique<RemoteBroker>(RemoteBrokerOptions{venue_url, 5000}));
}

}  // namespace awet::cli
