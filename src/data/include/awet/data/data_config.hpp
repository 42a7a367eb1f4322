#pragma once
// Market data: the symbols traded, the live feed, and the plausibility bounds of every bar.
// Keys `data.*` of config/awet.yaml (env AWET_DATA_*); composed with the other sections by
// awet/config/config.hpp.
#include <string>
#include <vector>

#include "awet/core/config_section.hpp"
#include "awet/core/fixed.hpp"

namespace awet {

struct DataConfig {
    std::vector<std::string> symbols = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA"};
    // Live minute bars (`awet agent ingestion --live alpaca`).
    std::string alpaca_feed = "iex";  // iex|sip
    std::string alpaca_stream_url = "wss://stream.data.alpaca.markets";
    int stale_feed_seconds = 180;  // market open and no bar for longer: the feed is stale
    // Plausibility bounds on every ingested bar (CSV, vendor REST, live stream): a price or a
    // volume above them is refused as impossible, never stored. Their ranges stop where the
    // store's REAL columns stop holding every micro-unit exactly (1e9 USD, 5e11 shares).
    Money max_price_usd = Money::from_units(1'000'000);
    Quantity max_volume = Quantity::from_units(100'000'000'000);
};

/// The `data` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& data_config_section();

}  // namespace awet
