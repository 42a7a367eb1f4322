#include "brokers.hpp"

#include "awet/alpaca/trade_stream.hpp"
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

Result<runtime::ExecutionBroker> execution_broker(const Config& config,
                                                  const std::string& venue_url) {
    runtime::ExecutionBroker out;
    out.where = venue_url;
    if (config.execution.broker == "alpaca") {
        auto made = alpaca_from_config(config);
        if (!made.ok()) return made.error();
        out.alpaca_broker = std::move(made->broker);
        out.broker = out.alpaca_broker.get();
        out.where = config.execution.alpaca_base_url;
        auto stream =
            alpaca::TradeUpdatesStream::create(alpaca::trade_stream_options(made->options));
        if (!stream.ok()) return stream.error();
        out.trade_stream = std::move(*stream);
        return out;
    }
    // Every venue request carries the shared token (the venue refuses the others).
    auto token = venue_token_from_env();
    if (!token.ok()) return token.error();
    out.venue =
        std::make_unique<RemoteBroker>(RemoteBrokerOptions{venue_url, 5000, std::move(*token)});
    out.broker = out.venue.get();
    return out;
}

}  // namespace awet::cli
