#pragma once
// BarStream: Alpaca's market-data v2 WebSocket stream, subscribed to minute bars, plus the pure
// parser of its messages into awet::MarketBar.
//
// Transport: the reconnecting client shared with TradeUpdatesStream (stream_common.hpp): one
// background thread connects to wss://stream.data.alpaca.markets/v2/<feed> (feed iex or sip),
// waits for [{"T":"success","msg":"connected"}], sends {"action":"auth","key":K,"secret":S},
// waits for [{"T":"success","msg":"authenticated"}], sends {"action":"subscribe","bars":[...]}
// and then queues every message but the control replies (success, subscription) for drain().
// After a dropped connection it reconnects with jittered exponential back-off, authenticates and
// subscribes again; bars missed meanwhile are not replayed by Alpaca (the data-quality monitor
// counts the gap, nothing is made up).
//
// Refusals are fatal (no reconnect, status().fatal, a clear last_error): 402 auth failed,
// 406 connection limit exceeded (another client holds the account's one connection), 409
// insufficient subscription (sip without a paid plan), 405 symbol limit exceeded, 410 invalid
// subscribe action for the feed. Other errors (404 auth timeout, 407 slow client, 500) reconnect.
//
// Host guard (create and bar_stream_url): wss://stream.data.alpaca.markets (port 443 or none) or
// a loopback host (127.0.0.1, localhost, [::1]; ws:// or wss://, any port: tests). Any other host,
// ws:// to the real host, user-info tricks: kSafetyBlocked. Market data is read-only, but AWET
// never talks to a host it does not know.
//
// Keys: ALPACA_API_KEY / ALPACA_API_SECRET (alpaca::options_from_env, the broker's); sent only in
// the auth message, scrubbed from every error.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/stream_common.hpp"
#include "awet/core/result.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/model/events.hpp"

namespace awet::alpaca {

inline constexpr std::string_view kMarketDataStreamBase = "wss://stream.data.alpaca.markets";

struct BarStreamOptions : StreamConnectOptions {
    /// wss://stream.data.alpaca.markets, or ws(s)://<loopback>:<port> for tests; no path.
    std::string base_url = std::string(kMarketDataStreamBase);
    std::string feed = "iex";          // iex (free) or sip (paid); the URL path is /v2/<feed>
    std::vector<std::string> symbols;  // subscribed to minute bars; at least one
};

/// BarStreamOptions with the keys (and timeout) of a REST client's options.
BarStreamOptions bar_stream_options(const AlpacaOptions& rest, std::vector<std::string> symbols,
                                    std::string feed = "iex");

/// ws(s)://host[:port]/v2/<feed> for an accepted base URL and feed; kSafetyBlocked for a host the
/// guard refuses, kInvalidArgument for a feed other than iex/sip.
Result<std::string> bar_stream_url(std::string_view base_url, std::string_view feed);

/// One message of the stream, parsed: the minute bars in it, the rest counted by type.
struct StreamBars {
    std::vector<MarketBar> bars;             // "b" objects, message order
    std::map<std::string, int64_t> skipped;  // by "T": t q d s u success subscription error ...;
                                             // objects without a string "T" count as "unknown"
    std::vector<std::string> notes;          // one line per skipped object of an unexpected kind
                                             // (error, unknown) and per malformed bar
    int64_t malformed = 0;                   // "b" objects refused (named in notes with the field)
};

/// Pure: a market-data stream message (a JSON array of objects; a lone object is accepted) into
/// MarketBars: symbol "S", bar_start "t" (RFC-3339, UTC ns), o/h/l/c/v as exact fixed-point,
/// interval 1 minute, header.ts = bar end, header.source kIngestion, ids nil (the ingestion agent
/// stamps them). Trades, quotes, daily bars, statuses and unknown types are counted and skipped;
/// a malformed bar object is skipped with a note naming the field (never fatal for the rest).
/// kParse only when the message is not JSON or not an array/object. Prices and volumes beyond
/// `limits` (data.max_price_usd, data.max_volume) make a bar malformed.
Result<StreamBars> parse_stream_bars(std::string_view message, const BarLimits& limits = {});

/// start/stop/drain/status/url: StreamClient (stream_common.hpp); parse_stream_bars each
/// drained message.
class BarStream final : public StreamClient {
public:
    /// kSafetyBlocked for a host the guard refuses; kInvalidArgument for a missing key, a feed
    /// other than iex/sip, no symbols, or non-positive timeouts/back-off.
    static Result<std::unique_ptr<BarStream>> create(BarStreamOptions options);

private:
    using StreamClient::StreamClient;
};

}  // namespace awet::alpaca
