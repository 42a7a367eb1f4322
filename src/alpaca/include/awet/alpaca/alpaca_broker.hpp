#pragma once
// AlpacaBroker: the Alpaca paper Trading API (REST v2) behind the Broker seam.
//
// Gates, in the order a request meets them:
//   1. Paper guard (create): the base URL must be https://paper-api.alpaca.markets or a loopback
//      address (tests). Any other host, the live api.alpaca.markets included, is refused; there
//      is no code path that talks to the live venue.
//   2. Request checks (submit): client order id present and at most 128 chars, qty > 0.
//   3. Client-side token bucket (default 190 requests/min, under Alpaca's 200).
//   4. HTTP 429: waits as X-RateLimit-Reset (epoch seconds) or Retry-After says (bounded), then
//      retries, a few times at most. Safe for POST /v2/orders too: a 429 is Alpaca's rate limiter
//      refusing the request before it is processed, and a retry carries the same client_order_id,
//      so even if the first had landed the retry would be refused as a duplicate and resolve to
//      the existing order.
// Submit is otherwise never retried: a transport failure once the request may have been sent, a
// timeout, a 5xx or an unreadable 200 are kOutcomeUnknown (settle by get_order(client id)); a
// "client_order_id must be unique" refusal returns the existing order.
//
// Keys come from ALPACA_API_KEY / ALPACA_API_SECRET (options_from_env) and travel only in the
// APCA-API-KEY-ID / APCA-API-SECRET-KEY headers; every error message is scrubbed of them.
//
// Thread-safety: calls may come from any thread; the HTTP client and the bucket are guarded by a
// mutex, so calls run one at a time.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "awet/alpaca/alpaca_codec.hpp"
#include "awet/core/clock.hpp"
#include "awet/execution/broker.hpp"

namespace awet::alpaca {

inline constexpr std::string_view kPaperBaseUrl = "https://paper-api.alpaca.markets";
inline constexpr size_t kMaxClientOrderIdLen = 128;

/// The paper-only guard: OK for https://paper-api.alpaca.markets (optionally ":443" and a
/// trailing "/") and for loopback hosts (127.0.0.1, localhost, [::1]; any scheme and port);
/// kSafetyBlocked with a message naming the host otherwise (user-info "a@b" is refused).
Status check_paper_url(std::string_view base_url);

/// Token bucket on an injected monotonic millisecond clock: `capacity` requests at once, refilled
/// at `per_minute`. Not thread-safe (AlpacaBroker holds its lock around it).
class TokenBucket {
public:
    TokenBucket(int per_minute, int capacity);
    /// Takes one token at now_ms; returns how long (ms) the caller must wait before sending (0:
    /// at once). The token is reserved either way, so waiting callers queue fairly.
    int64_t reserve(int64_t now_ms);

private:
    double per_ms_;
    double capacity_;
    double tokens_;
    int64_t last_ms_ = -1;
};

struct AlpacaOptions {
    std::string base_url = std::string(kPaperBaseUrl);
    std::string key_id;      // APCA-API-KEY-ID
    std::string secret_key;  // APCA-API-SECRET-KEY
    int timeout_ms = 10'000;
    int requests_per_minute = 190;
    int burst = 10;  // bucket capacity
    int max_429_retries = 3;
    int64_t max_backoff_ms = 60'000;     // cap on one 429 wait
    int64_t default_backoff_ms = 1'000;  // 429 without usable headers: 1 s, 2 s, 4 s...
    /// Monotonic milliseconds for the bucket; empty: steady_clock.
    std::function<int64_t()> monotonic_ms;
    /// How to wait; empty: std::this_thread::sleep_for. Tests record instead of sleeping.
    std::function<void(int64_t ms)> sleep_ms;
    /// Wall time, to read X-RateLimit-Reset; null: a WallClock owned by the broker.
    const Clock* clock = nullptr;
};

/// Keys from ALPACA_API_KEY / ALPACA_API_SECRET into `base`; kInvalidArgument naming the missing
/// variable (never its value).
Result<AlpacaOptions> options_from_env(AlpacaOptions base = {});

/// The Alpaca paper REST client. Owned by the composition root; see the file comment for gates.
class AlpacaBroker final : public Broker {
public:
    /// Fails (kSafetyBlocked) unless check_paper_url accepts options.base_url; kInvalidArgument
    /// when a key is missing.
    static Result<std::unique_ptr<AlpacaBroker>> create(AlpacaOptions options);
    ~AlpacaBroker() override;

    std::string_view name() const override { return "alpaca-paper"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener* listener) override { listener_ = listener; }

    /// POST /v2/orders: a market day order, client_order_id = request.client_order_id.
    Result<BrokerOrder> submit(const OrderRequest& request) override;
    /// Looks the order up by client id, then DELETE /v2/orders/{id}.
    Status cancel(std::string_view client_order_id) override;
    /// GET /v2/orders:by_client_order_id; kNotFound on 404.
    Result<BrokerOrder> get_order(std::string_view client_order_id) override;
    Result<std::vector<BrokerOrder>> open_orders() override;
    Result<std::vector<BrokerPosition>> positions() override;
    Result<BrokerAccount> account() override;

    /// GET /v2/orders/{id}.
    /// `nested`: with the legs of a bracket (`?nested=true`).
    Result<BrokerOrder> get_order_by_id(std::string_view broker_order_id, bool nested = false);
    /// DELETE /v2/orders/{id}.
    Status cancel_by_id(std::string_view broker_order_id);
    /// GET /v2/clock.
    Result<MarketClock> clock();
    /// GET /v2/calendar?start=from&end=to (dates "YYYY-MM-DD").
    Result<std::vector<CalendarDay>> calendar(std::string_view from, std::string_view to);

    /// Requests sent (retries included), for tests and metrics.
    uint64_t requests_sent() const;

private:
    struct Impl;
    explicit AlpacaBroker(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    BrokerListener* listener_ = nullptr;
};

}  // namespace awet::alpaca
