#pragma once
// JSON-level parsers shared by the REST client and the trade_updates parser. Private to
// src/alpaca.
#include <nlohmann/json.hpp>

#include "awet/alpaca/alpaca_codec.hpp"

namespace awet::alpaca::detail {

Result<BrokerOrder> order_from(const nlohmann::json& j);
Result<BrokerAccount> account_from(const nlohmann::json& j);
Result<BrokerPosition> position_from(const nlohmann::json& j);
Result<MarketClock> clock_from(const nlohmann::json& j);
Result<CalendarDay> calendar_day_from(const nlohmann::json& j);

/// A decimal member: a string or a number; null or absent -> `fallback` (when allowed).
template <typename F>
Result<F> decimal_field(const nlohmann::json& j, const char* key, bool required);
/// A timestamp member; null or absent -> unset Timestamp.
Result<Timestamp> time_field(const nlohmann::json& j, const char* key);
std::string string_field(const nlohmann::json& j, const char* key);

}  // namespace awet::alpaca::detail
