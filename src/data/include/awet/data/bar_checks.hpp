#pragma once
// Plausibility checks shared by every bar ingest path: CSV files (csv_bars.hpp), the vendor REST
// parsers and the live stream (awet::marketdata's bar_parsers.hpp). One place, so every path
// refuses the same bars with the same words: bounds on prices and volumes (config
// data.max_price_usd, data.max_volume), OHLC consistency, and what is wrong with a decimal text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awet/core/fixed.hpp"
#include "awet/data/data_config.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// The largest plausible price and volume of one bar. The defaults are DataConfig's (a test
/// checks they agree).
struct BarLimits {
    Price max_price = Price::from_units(1'000'000);
    Quantity max_volume = Quantity::from_units(100'000'000'000);
};

/// The limits of a configuration's data section.
BarLimits bar_limits(const DataConfig& data);

/// What is wrong with a bar: the field ("open", "high", "low", "close", "volume") and why.
struct BarProblem {
    std::string field;
    std::string reason;
};

enum class BarValueKind : uint8_t { kPrice, kVolume };

/// Parses one price or volume as text, exactly (no double). nullopt with `reason` set when it is
/// not a plausible value:
///   "empty value", "not a decimal number '1e5'", "negative price '-1'" / "negative volume '-5'",
///   "12.1234567 has more than 6 decimals",
///   "9223372036854.775807 is above data.max_price_usd (1000000)" (also for text beyond int64).
/// Trailing zeros past the 6th decimal are accepted ("1.50000000").
std::optional<int64_t> parse_bar_value(std::string_view text, BarValueKind kind,
                                       const BarLimits& limits, std::string& reason);

/// The reason a value is above its bound, as parse_bar_value words it:
/// "<text> is above data.max_price_usd (1000000)".
std::string above_limit_reason(std::string_view shown, BarValueKind kind, const BarLimits& limits);

/// Checks a bar's values in this order: each price (open, high, low, close) >= 0 and <= the
/// price bound, volume >= 0 and <= the volume bound, low > 0, high >= max(open, close),
/// low <= min(open, close). The first problem found, or nullopt for a plausible bar.
std::optional<BarProblem> check_bar_values(const MarketBar& bar, const BarLimits& limits);

/// Whether two bars carry the same open, high, low, close and volume.
bool same_bar_values(const MarketBar& a, const MarketBar& b);

/// The fields in which two bars of one (symbol, bar start) differ, in OHLCV order:
/// "close 257.91 stored, 258 in file; volume 10 stored, 12 in file" with a_word = "stored",
/// b_word = "in file". Empty when same_bar_values.
std::string bar_differences(const MarketBar& a, std::string_view a_word, const MarketBar& b,
                            std::string_view b_word);

}  // namespace awet
