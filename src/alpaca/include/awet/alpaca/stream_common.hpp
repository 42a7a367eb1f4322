#pragma once
// What Alpaca's WebSocket streams (trade_updates: trade_stream.hpp; market data: bar_stream.hpp)
// have in common: connection settings, the reconnect back-off, the status a caller watches.
// Both run on one reconnecting WebSocket client (src/alpaca/ws_client.hpp, private): connect
// (TLS for wss://), authenticate, subscribe, queue messages for drain(), reconnect with jittered
// exponential back-off, stop for good on a refusal; keys are scrubbed from every error.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "awet/core/result.hpp"

namespace awet::alpaca {

struct StreamConnectOptions {
    std::string key_id;
    std::string secret_key;
    int connect_timeout_ms = 10'000;   // resolve + TCP (+ TLS) + WebSocket handshake
    int auth_timeout_ms = 10'000;      // from connected to the authorization reply
    int idle_timeout_ms = 60'000;      // nothing heard (pings included) for this long: reconnect
    int64_t initial_backoff_ms = 500;  // first wait before a reconnect
    int64_t max_backoff_ms = 30'000;   // cap on one wait (before jitter)
    double jitter = 0.2;               // each wait is scaled by 1 + jitter * (2 r - 1), r in [0,1)
    int max_reconnects = -1;           // -1: unlimited; otherwise stop (with an error) after that
    size_t max_queued = 100'000;       // beyond: the oldest message is dropped and counted
    /// How to wait between connections; empty: an interruptible timer (stop() cuts it short).
    std::function<void(int64_t ms)> sleep_ms;
    /// Jitter source in [0,1); empty: a std::mt19937 seeded from std::random_device.
    std::function<double()> random01;
};

/// The wait before reconnect number `attempt` (1-based): min(initial * 2^(attempt-1), max), scaled
/// by the jitter factor for r in [0,1). Pure.
int64_t stream_backoff_ms(const StreamConnectOptions& options, int attempt, double r);

struct StreamStatus {
    bool running = false;      // the background thread is alive
    bool connected = false;    // WebSocket open
    bool authorized = false;   // authorized and listening/subscribed on this connection
    bool fatal = false;        // stopped for good (refused, reconnect cap); start() again to retry
    uint64_t connections = 0;  // successful WebSocket handshakes
    uint64_t reconnects = 0;   // connection attempts after the first
    uint64_t messages = 0;     // messages queued in total
    uint64_t dropped = 0;      // messages dropped because the queue was full
    std::string last_error;    // scrubbed of the keys
};

namespace detail {
class WsClient;
}

/// What a caller does with either stream: start, stop, drain, watch. Thread-safety: any thread.
class StreamClient {
public:
    virtual ~StreamClient();  // stop()
    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;

    /// Spawns the background thread; kInvalidArgument when already running. After stop() (or a
    /// fatal stop) it may be started again: counters are kept, the fatal flag is cleared.
    Status start();
    /// Closes the connection, cuts a back-off wait short and joins the thread. Idempotent.
    void stop();
    /// The raw messages received since the last drain, oldest first.
    std::vector<std::string> drain();
    StreamStatus status() const;
    /// The stream URL in use (no keys in it).
    const std::string& url() const;

protected:
    explicit StreamClient(std::unique_ptr<detail::WsClient> client);

private:
    std::unique_ptr<detail::WsClient> client_;
};

}  // namespace awet::alpaca
