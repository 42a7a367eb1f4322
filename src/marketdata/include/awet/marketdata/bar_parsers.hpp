#pragma once
// Pure parsers of vendor bar responses into awet::MarketBar: Polygon aggregates, Yahoo v8 chart,
// Alpaca v2 stock bars. No network, no clock: text in, bars out. Used by the HTTP clients
// (bars_clients.hpp) and by tests over recorded responses.
//
// Errors:
//   kInvalidArgument  the text is JSON but not a bars response of that vendor (a quote, an order,
//                     an empty object); the message starts with "not a bars response".
//   kParse            malformed JSON, or a bars response with a bad field; the message names the
//                     source (file or endpoint), the field and the index ("results[3].h").
//   kIo               the vendor answered with an error document (Yahoo chart.error, Polygon
//                     status ERROR/NOT_AUTHORIZED); the message carries the vendor's text.
//
// Every bar is checked as the CSV reader checks it (awet/data/bar_checks.hpp, same words):
// prices and volume within `limits` (config data.max_price_usd, data.max_volume), low > 0,
// high >= max(open, close), low <= min(open, close); a bad bar is a kParse error naming it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/model/events.hpp"

namespace awet::marketdata {

/// One page of bars from one response.
struct BarsPage {
    std::vector<MarketBar> bars;  // response order (vendors may answer newest first)
    /// Polygon `next_url` or Alpaca `next_page_token`; empty on the last page.
    std::string next;
    /// Yahoo rows with a null open/high/low/close/volume: skipped (never filled), counted here.
    int64_t skipped_null_rows = 0;
};

/// A decimal text ("258.640015", "-1.5", "1e3" not accepted) rounded half away from zero to 6
/// decimals, exactly on the digits (no double arithmetic). nullopt if malformed or out of range.
std::optional<int64_t> parse_decimal_micro(std::string_view text);

/// The shortest decimal text (fixed notation) that reads back as `v`: for any JSON number with at
/// most 15 significant digits this is the number as written in the response.
std::string shortest_decimal(double v);

/// Polygon `/v2/aggs/ticker/{T}/range/{m}/{timespan}/{from}/{to}` (also `/prev` and the grouped
/// daily endpoint, whose results carry their own "T"). `symbol` is used when neither the results
/// nor the document name one. `interval` is the request's multiplier x timespan.
Result<BarsPage> parse_polygon_aggs(std::string_view body, std::string_view source,
                                    std::string_view symbol, Duration interval,
                                    const BarLimits& limits);
/// With the default BarLimits (a separate overload, so that it can be taken as a pointer).
Result<BarsPage> parse_polygon_aggs(std::string_view body, std::string_view source,
                                    std::string_view symbol, Duration interval);

/// Yahoo `/v8/finance/chart/{T}` body ({"chart": {"result": [...], "error": ...}}). The symbol
/// comes from meta.symbol (else `symbol`); `interval` if set, else meta.dataGranularity. Prices are
/// float32 noise (75.0875015258789): rounded half away from zero to 6 decimals. A response without
/// `timestamp` (no trading in the window) is an empty page.
Result<BarsPage> parse_yahoo_chart(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval,
                                   const BarLimits& limits);
/// With the default BarLimits (a separate overload, so that it can be taken as a pointer).
Result<BarsPage> parse_yahoo_chart(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval);

/// Alpaca `/v2/stocks/{T}/bars` ({"bars": [...], "symbol": ...}), multi-symbol `/v2/stocks/bars`
/// ({"bars": {"SYM": [...]}}) and `/v2/stocks/bars/latest` ({"bars": {"SYM": {...}}}).
/// `symbol` is used for a single-symbol response without "symbol".
Result<BarsPage> parse_alpaca_bars(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval,
                                   const BarLimits& limits);
/// With the default BarLimits (a separate overload, so that it can be taken as a pointer).
Result<BarsPage> parse_alpaca_bars(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval);

/// One Alpaca bar object as JSON text ({"t": RFC-3339, "o","h","l","c","v"}: a REST `bars[]` item
/// or a market-data stream "b" message) for `symbol`, checked as every bar above. Errors name
/// `source` and `path` plus the field ("stream message: [2].h: missing").
Result<MarketBar> parse_alpaca_bar(std::string_view object_json, std::string_view symbol,
                                   Duration interval, std::string_view source,
                                   std::string_view path, const BarLimits& limits = {});

/// Yahoo interval names: "1m" "2m" "5m" "15m" "30m" "60m" "90m" "1h" "1d" "5d" "1wk".
std::optional<Duration> parse_yahoo_interval(std::string_view text);
/// The Yahoo interval name of a duration ("1m", "1d", ...), nullopt if Yahoo has none.
std::optional<std::string> yahoo_interval_name(Duration interval);
/// The Alpaca timeframe of a duration: "1Min", "15Min", "1Hour", "1Day", "1Week"; nullopt if
/// Alpaca has none (minutes 1..59, hours 1..23, 1 day, 1 week).
std::optional<std::string> alpaca_timeframe(Duration interval);
/// Polygon multiplier and timespan of a duration: (1, "minute"), (1, "hour"), (1, "day"), ...
std::optional<std::pair<int64_t, std::string>> polygon_range(Duration interval);

}  // namespace awet::marketdata
