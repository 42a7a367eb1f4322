#pragma once
// TradeUpdatesStream: the WebSocket transport for Alpaca's `trade_updates` stream (transport only;
// parsing is TradeUpdateParser's job, on the caller's thread).
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
#include "awet/core/result.hpp"

namespace awet::alpaca {

struct TradeStreamOptions {
    /// REST base URL (as AlpacaOptions::base_url); the stream is <scheme ws/wss>://<host>/stream.
    std::string base_url = std::string(kPaperBaseUrl);
    std::string key_id;
    std::string secret_key;
    int connect_timeout_ms = 10'000;    // resolve + TCP (+ TLS) + WebSocket handshake
    int auth_timeout_ms = 10'000;       // from connected to the authorization reply
    int idle_timeout_ms = 60'000;       // nothing heard (pings included) for this long: reconnect
    int64_t initial_backoff_ms = 500;   // first wait before a reconnect
    int64_t max_backoff_ms = 30'000;    // cap on one wait (before jitter)
    double jitter = 0.2;                // each wait is scaled by 1 + jitter * (2 r - 1), r in [0,1)
    int max_reconnects = -1;            // -1: unlimited; otherwise stop (with an error) after that
    size_t max_queued = 100'000;        // beyond: the oldest message is dropped and counted
    /// How to wait between connections; empty: an interruptible timer (stop() cuts it short).
    std::function<void(int64_t ms)> sleep_ms;
    /// Jitter source in [0,1); empty: a std::mt19937 seeded from std::random_device.
    std::function<double()> random01;
};

/// The stream options for the same account/host as a REST client.
TradeStreamOptions trade_stream_options(const AlpacaOptions& rest);

/// ws(s)://host[:port]/stream for an accepted base URL; kSafetyBlocked as check_paper_url.
Result<std::string> trade_stream_url(std::string_view base_url);

/// The wait before reconnect number `attempt` (1-based): min(initial * 2^(attempt-1), max), scaled
/// by the jitter factor for r in [0,1). Pure; exposed for tests.
int64_t trade_stream_backoff_ms(const TradeStreamOptions& options, int attempt, double r);

struct TradeStreamStatus {
    bool running = false;     // the background thread is alive
    bool connected = false;   // WebSocket open
    bool authorized = false;  // authorized and listening on this connection
    bool fatal = false;       // stopped for good (unauthorized, reconnect cap); start() again to retry
    uint64_t connections = 0; // successful WebSocket handshakes
    uint64_t reconnects = 0;  // connection attempts after the first
    uint64_t messages = 0;    // messages queued in total
    uint64_t dropped = 0;     // messages dropped because the queue was full
    std::string last_error;   // scrubbed of the keys
};

class TradeUpdatesStream {
public:
    /// kSafetyBlocked unless check_paper_url accepts options.base_url; kInvalidArgument when a key
    /// is missing or the back-off settings are not positive.
    static Result<std::unique_ptr<TradeUpdatesStream>> create(TradeStreamOptions options);
    ~TradeUpdatesStream();  // stop()
    TradeUpdatesStream(const TradeUpdatesStream&) = delete;
    TradeUpdatesStream& operator=(const TradeUpdatesStream&) = delete;

    /// Spawns the background thread; kInvalidArgument when already running. After stop() (or a
    /// fatal stop) it may be started again: counters are kept, the fatal flag is cleared.
    Status start();
    /// Closes the connection, cuts a back-off wait short and joins the thread. Idempotent.
    void stop();
    /// The raw messages received since the last drain, oldest first.
    std::vector<std::string> drain();
    TradeStreamStatus status() const;
    /// The stream URL in use (no keys in it).
    const std::string& url() const;

private:
    struct Impl;
    explicit TradeUpdatesStream(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace awet::alpaca
