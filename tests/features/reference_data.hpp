#pragma once
// Readers for the indicator reference vectors under shared/data/reference (see its README).
#include <string>
#include <vector>

namespace awet::testing {

/// The arrays of a Tulip Indicators test case: the first line equal to `header` (e.g. "rsi 5") in
/// tests/<file>.txt, then its `{...}` lines (inputs first, then outputs). Empty if not found.
std::vector<std::vector<double>> tulip_case(const std::string& file, const std::string& header);

/// One numeric column of a CSV file with a header row (empty cells -> NaN).
std::vector<double> csv_column(const std::string& path, const std::string& column);

}  // namespace awet::testing
