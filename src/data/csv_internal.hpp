#pragma once
// Internal to awet_data: the CSV reader with the line number of each accepted row, used by
// CsvSource to name both copies of a bar duplicated across files.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "awet/data/csv_bars.hpp"

namespace awet::detail {

using LineSink = CsvLineSink;

/// As parse_bars_csv; exceptions from the sink propagate (callers catch).
Result<CsvReadReport> parse_bars_csv_lines(std::string_view text, const std::string& name,
                                           const LineSink& sink, Duration interval,
                                           const BarLimits& limits);
/// As read_bars_csv, with line numbers; never throws.
Result<CsvReadReport> read_bars_csv_lines(const std::string& path, const LineSink& sink,
                                          Duration interval, const BarLimits& limits);

}  // namespace awet::detail
