#pragma once
// HTTP clients for historical bars: Polygon aggregates, Yahoo v8 chart, Alpaca v2 stock bars,
// behind one interface (HistoricalBarsClient) that `awet ingest polygon|yahoo|alpaca` calls.
// Each client owns one cpp-httplib client (https in production, http://127.0.0.1:<port> in
// tests), retries 429/5xx/transport errors with jittered exponential back-off from a seeded RNG,
// follows paging, and never puts an API key in an error message or log line.
// Not thread-safe: one client per thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/marketdata/corporate_actions.hpp"
#include "awet/model/events.hpp"

namespace awet::marketdata {

/// Bounded retries: attempt k (1-based) that failed with 429, 5xx or a transport error waits
/// min(max_backoff, initial_backoff * multiplier^(k-1)) * U(1 - jitter, 1] (U from an mt19937_64
/// seeded with `seed`), or the server's Retry-After (seconds, capped at max_retry_after) on 429
/// when it is longer. Other 4xx are not retried.
struct RetryPolicy {
    int max_attempts = 4;  // total attempts per request, >= 1
    Duration initial_backoff = Duration::millis(500);
    double multiplier = 2.0;
    Duration max_backoff = Duration::seconds(20);
    double jitter = 0.5;  // in [0, 1]
    Duration max_retry_after = Duration::seconds(60);
    uint64_t seed = 42;
};

/// Where and how a client talks HTTP.
struct HttpOptions {
    std::string base_url;  // "https://api.polygon.io"; tests: "http://127.0.0.1:<port>"
    Duration connect_timeout = Duration::seconds(5);
    Duration read_timeout = Duration::seconds(30);
    RetryPolicy retry;
    int max_pages = 1000;  // a paging loop guard
    /// How back-off waits; default std::this_thread::sleep_for. Tests record the waits instead.
    std::function<void(Duration)> sleep;
};

/// What a fetch did, beyond the bars (for logs and tests).
struct FetchStats {
    int64_t requests = 0;  // HTTP attempts, retries included
    int64_t retries = 0;
    int64_t pages = 0;
    int64_t skipped_null_rows = 0;  // Yahoo null rows, skipped
    std::vector<Duration> waits;    // back-off waits, in order
};

/// Historical bars of one symbol over [from, to). Implementations: PolygonBarsClient,
/// YahooBarsClient, AlpacaBarsClient. Owned by the caller (the ingest command); single-threaded.
class HistoricalBarsClient {
public:
    HistoricalBarsClient() = default;
    virtual ~HistoricalBarsClient() = default;
    HistoricalBarsClient(const HistoricalBarsClient&) = delete;
    HistoricalBarsClient& operator=(const HistoricalBarsClient&) = delete;

    /// "polygon", "yahoo", "alpaca".
    virtual std::string_view name() const = 0;
    /// All pages of bars with bar_start in [from, to), sorted by bar_start, deduplicated. Errors
    /// name the endpoint path (no query string, no key) and the HTTP status.
    virtual Result<std::vector<MarketBar>> fetch(std::string_view symbol, Timestamp from,
                                                 Timestamp to, Duration interval) = 0;
    /// Counters of the last fetch().
    virtual const FetchStats& last_stats() const = 0;
    /// Splits and dividends of `symbol` effective in [from, to] (exchange dates), oldest first:
    /// Polygon's /v3/reference/splits and /dividends (all pages), Yahoo's chart events. kNotFound
    /// for a vendor AWET has no corporate-actions client for (Alpaca: none recorded to test
    /// against).
    virtual Result<std::vector<CorporateAction>> corporate_actions(std::string_view symbol,
                                                                   Date from, Date to);
};

struct PolygonOptions {
    HttpOptions http{.base_url = "https://api.polygon.io"};
    std::string api_key;  // empty: $POLYGON_API_KEY
    bool adjusted = true;
    int limit = 50000;
    BarLimits limits;  // data.max_price_usd / data.max_volume: a bar beyond them is an error
};
struct YahooOptions {
    HttpOptions http{.base_url = "https://query2.finance.yahoo.com"};
    bool include_pre_post = false;
    BarLimits limits;
};
struct AlpacaOptions {
    HttpOptions http{.base_url = "https://data.alpaca.markets"};
    std::string key_id;        // empty: $ALPACA_API_KEY
    std::string secret_key;    // empty: $ALPACA_API_SECRET
    std::string feed = "iex";  // "iex" (free) or "sip"
    std::string adjustment = "raw";
    int limit = 10000;
    BarLimits limits;
};

/// Error if the base URL is not valid or a required key is missing (named, never shown).
Result<std::unique_ptr<HistoricalBarsClient>> make_polygon_client(PolygonOptions options);
Result<std::unique_ptr<HistoricalBarsClient>> make_yahoo_client(YahooOptions options);
Result<std::unique_ptr<HistoricalBarsClient>> make_alpaca_client(AlpacaOptions options);
/// By vendor name ("polygon", "yahoo", "alpaca") with default options (keys from the
/// environment, production URLs unless `base_url` is given) and the given bar limits.
Result<std::unique_ptr<HistoricalBarsClient>> make_bars_client(std::string_view vendor,
                                                               std::string base_url = {},
                                                               const BarLimits& limits = {});

/// Fetches every symbol and returns all bars ordered by (bar_start, symbol); stops at the first
/// error, which names the symbol.
Result<std::vector<MarketBar>> fetch_all(HistoricalBarsClient& client,
                                         const std::vector<std::string>& symbols, Timestamp from,
                                         Timestamp to, Duration interval);

}  // namespace awet::marketdata
