#include "awet/data/data_config.hpp"

#include <set>

namespace awet {
namespace {

bool valid_symbol(const std::string& s) {
    if (s.empty() || s.size() > 15) return false;
    for (char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

void check(const DataConfig& c, ConfigChecker& k) {
    if (c.symbols.empty()) k.fail("symbols", "must list at least one symbol", "an empty list");
    std::set<std::string> seen;
    for (const auto& s : c.symbols) {
        if (!valid_symbol(s)) {
            k.fail("symbols", "each symbol must be 1-15 chars of A-Z 0-9 . -", "'" + s + "'");
        } else if (!seen.insert(s).second) {
            k.fail("symbols", "symbols must be unique", "'" + s + "' twice");
        }
    }
    k.one_of("alpaca_feed", c.alpaca_feed, {"iex", "sip"});
    k.non_empty("alpaca_stream_url", c.alpaca_stream_url);
}

}  // namespace

const ConfigSection& data_config_section() {
    static const ConfigSection kSection{
        "data",
        {AWET_CONFIG_FIELD(
             DataConfig, symbols,
             "Symbols traded: replay, the demo on CSV bars and the replaying ingestion agent skip "
             "the bars of any other (YAML list; env: comma-separated)."),
         AWET_CONFIG_FIELD(DataConfig, alpaca_feed,
                           "Alpaca live bars feed: iex (free) or sip (paid plan)."),
         AWET_CONFIG_FIELD(DataConfig, alpaca_stream_url,
                           "Alpaca market-data stream host (wss; a loopback ws:// URL for tests)."),
         AWET_CONFIG_FIELD(
             DataConfig, stale_feed_seconds, config_range::closed(1, 86'400),
             "Market open and no live bar of a symbol for longer: the feed is stale."),
         // Above these caps a value no longer round-trips exactly through a REAL column (2^53).,
         AWET_CONFIG_FIELD(
             DataConfig, max_price_usd, config_range::left_open(0, 1e9),
             "Largest plausible bar price in USD; a higher open/high/low/close is refused "
             "(at most 1000000000)."),
         AWET_CONFIG_FIELD(
             DataConfig, max_volume, config_range::left_open(0, 5e11),
             "Largest plausible bar volume in shares; a higher volume is refused (at most "
             "500000000000).")},
        &config_check<DataConfig, check>};
    return kSection;
}

}  // namespace awet
