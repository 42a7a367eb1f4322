#pragma once
// TradeUpdatesStream: the WebSocket transport for Alpaca's `trade_updates` stream (transport only;
// parsing is TradeUpdateParser's job, on the caller's thread). The connection machinery is shared
// with BarStream (stream_common.hpp); this file's protocol is what differs.
//
// start() spawns one background thread that connects to <base>/stream (wss:// for the paper host
// https://paper-api.alpaca.markets, ws:// for a loopback test server; any other host is refused
// with check_paper_url's kSafetyBlocked), authenticates with
//   {"action":"authenticate","data":{"key_id":K,"secret_key":S}}
// (the form in Alpaca's trade_updates documentation; the market-data streams' {"action":"auth",
// "key":...} is a different API), waits for {"stream":"authorization","data":{"status":
// "authorized"}}, sends {"action":"listen","data":{"streams":["trade_updates"]}} and then queues
// every message (text or binary frame; Alpaca sends binary) except the authorization/listening
// control replies. drain() hands the queued raw messages over.
//
// On any transport error or close it reconnects with exponential back-off plus jitter (bounded;
// the waits, the jitter source and a reconnect cap are injectable) and counts reconnects; the
// back-off restarts from the initial value after a connection that got authorized. An
// "unauthorized" reply is fatal: the thread stops with a clear error and never reconnects.
//
// Keys are sent only in the authenticate message: status() and every error are scrubbed of both
// (a server echoing them back gets "***").
//
// Thread-safety: start/stop/drain/status may be called from any thread. Messages missed while
// disconnected are not replayed by Alpaca: the caller reconciles through REST (get_order /
// open_orders) after status().reconnects changes.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/stream_common.hpp"
#include "awet/core/result.hpp"

namespace awet::alpaca {

struct TradeStreamOptions : StreamConnectOptions {
    /// REST base URL (as AlpacaOptions::base_url); the stream is <scheme ws/wss>://<host>/stream.
    std::string base_url = std::string(kPaperBaseUrl);
};

/// The stream options for the same account/host as a REST client.
TradeStreamOptions trade_stream_options(const AlpacaOptions& rest);

/// ws(s)://host[:port]/stream for an accepted base URL; kSafetyBlocked as check_paper_url.
Result<std::string> trade_stream_url(std::string_view base_url);

/// stream_backoff_ms (stream_common.hpp); kept for the trade stream's callers.
int64_t trade_stream_backoff_ms(const TradeStreamOptions& options, int attempt, double r);

using TradeStreamStatus = StreamStatus;

/// start/stop/drain/status/url: StreamClient (stream_common.hpp).
class TradeUpdatesStream final : public StreamClient {
public:
    /// kSafetyBlocked unless check_paper_url accepts options.base_url; kInvalidArgument when a key
    /// is missing or the back-off settings are not positive.
    static Result<std::unique_ptr<TradeUpdatesStream>> create(TradeStreamOptions options);

private:
    using StreamClient::StreamClient;
};

}  // namespace awet::alpaca
