#pragma once
// Alpaca Trading API v2 JSON -> AWET broker types. Pure functions over the response text, so the
// recorded samples in shared/data/api/alpaca can be checked without a server. Decimals arrive as
// strings ("262113.632") and are parsed exactly into fixed-point; a value with more than six
// decimals (a crypto average price such as "105.8988475") is rounded half away from zero to the
// micro-unit. Numbers sent as JSON numbers (some SDK fixtures) are accepted too.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/execution/broker.hpp"

namespace awet::alpaca {

/// GET /v2/clock.
struct MarketClock {
    Timestamp timestamp;
    bool is_open = false;
    Timestamp next_open;
    Timestamp next_close;
};

/// One day of GET /v2/calendar. Times are New York local wall-clock text as Alpaca sends them
/// ("09:30"); `date` is "YYYY-MM-DD".
struct CalendarDay {
    std::string date;
    std::string open;
    std::string close;
};

/// Alpaca's order status word -> OrderStatus. Live statuses (new, accepted, pending_new,
/// pending_cancel, pending_replace, accepted_for_bidding, held, calculated, stopped, suspended,
/// done_for_day and any unknown word) are kPending, or kPartiallyFilled when something already
/// filled; partially_filled/filled/rejected map to themselves; canceled, expired and replaced
/// (the order is finished; a replacement is a new order) are kCanceled.
OrderStatus map_order_status(std::string_view alpaca_status, bool has_fills);

/// Exact decimal text -> fixed-point (rounded past six decimals); nullopt when malformed.
template <typename F>
std::optional<F> parse_decimal(std::string_view text);

Result<BrokerOrder> parse_order(std::string_view json_text);
Result<std::vector<BrokerOrder>> parse_orders(std::string_view json_text);  // a JSON array
Result<BrokerAccount> parse_account(std::string_view json_text);
Result<BrokerPosition> parse_position(std::string_view json_text);
Result<std::vector<BrokerPosition>> parse_positions(std::string_view json_text);
Result<MarketClock> parse_clock(std::string_view json_text);
/// An array of days, or a single day object (the docs' entity sample).
Result<std::vector<CalendarDay>> parse_calendar(std::string_view json_text);

}  // namespace awet::alpaca
