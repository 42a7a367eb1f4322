#pragma once
// CSV bar ingestion and export in the normalized format `ts,symbol,open,high,low,close,volume`
// (ts = bar start, ISO-8601 UTC or epoch digits). Used by CsvSource, the `awet ingest` command and
// the demo-data export. Prices and volumes are parsed exactly into fixed point (never double).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// One rejected row (or header problem): where it is and why it was refused.
struct CsvIssue {
    std::string file;
    int64_t line = 0;   // 1-based physical line number in the file
    std::string field;  // column name ("ts", "high", ...), or "row" for a whole-row problem
    std::string reason;

    /// "path:12: field 'high': high 1.5 < max(open, close) 2".
    std::string to_string() const;
};

/// Outcome of reading one or more CSV files. rows = accepted + rejected (blank lines excluded).
struct CsvReadReport {
    static constexpr size_t kMaxIssues = 1000;

    int64_t rows = 0;
    int64_t accepted = 0;
    int64_t rejected = 0;
    std::vector<CsvIssue> issues;  // the first kMaxIssues issues; `rejected` counts them all
    /// Accepted rows whose symbol had lower-case letters, stored upper-cased.
    int64_t normalized_symbols = 0;
    /// What was changed without refusing a row, one line per file and kind
    /// ("a.csv: 3 rows with lower-case symbols stored upper-cased (first 'aapl' on line 2)").
    std::vector<std::string> notes;
    /// The bar interval used (the given one, or the inferred one; with several symbols of
    /// different spacing, the smallest).
    Duration interval;

    /// Adds another report's counts and issues (issues still capped at kMaxIssues).
    void merge(const CsvReadReport& other);
    void add_issue(CsvIssue issue);
};

/// Passed as `interval` to infer the bar interval from the data.
inline constexpr Duration kInferInterval = Duration{};

/// Receives each accepted bar with the 1-based physical line it came from.
using CsvLineSink = std::function<void(const MarketBar&, int64_t line)>;

/// Reads one CSV file of bars and hands each good row to `sink`, in file order, as a MarketBar:
/// header.symbol set, bar_start = ts, header.ts = bar_start + interval, header.source =
/// kIngestion, ids left nil (the ingestion agent stamps them). Bad rows are reported, counted and
/// skipped. With `interval == kInferInterval` the interval of each symbol is its smallest positive
/// gap between timestamps (1 day for date-only timestamps or a single midnight-stamped row,
/// 1 minute for a single intraday row); rows are then buffered until the whole file is read.
/// Rows are refused (one issue each) when a value is not a plausible bar (check_bar_values and
/// parse_bar_value with `limits`: bounds, more than 6 decimals, OHLC order), when ts is not on a
/// whole minute, or when the bar's day has no US-equities session (weekend, NYSE holiday; the UTC
/// date for a midnight-UTC stamp, i.e. a daily bar, else the America/New_York date). Lower-case
/// symbols are upper-cased, counted in `normalized_symbols` and noted once per file.
/// Error only if the file cannot be read or its header is missing or lacks a required column.
Result<CsvReadReport> read_bars_csv(const std::string& path,
                                    const std::function<void(const MarketBar&)>& sink,
                                    Duration interval = Duration::minutes(1),
                                    const BarLimits& limits = {});

/// As read_bars_csv, with the line of each bar (for messages about a bar after it was read).
Result<CsvReadReport> read_bars_csv_lines(const std::string& path, const CsvLineSink& sink,
                                          Duration interval = Duration::minutes(1),
                                          const BarLimits& limits = {});

/// Same as read_bars_csv but parsing in-memory text; `name` is used in issues.
Result<CsvReadReport> parse_bars_csv(std::string_view text, const std::string& name,
                                     const std::function<void(const MarketBar&)>& sink,
                                     Duration interval = Duration::minutes(1),
                                     const BarLimits& limits = {});

/// Expands a list of files and directories into files: a directory contributes its `*.csv`
/// files (extension case-insensitive, non-recursive) sorted by name; files are kept as given, in
/// order. Error if a path does not exist or a directory cannot be listed.
Result<std::vector<std::string>> expand_csv_paths(std::span<const std::string> paths);

/// Writes bars in the normalized format (header row, ts = bar_start in ISO-8601 UTC, shortest
/// exact decimals), in the given order. Overwrites `path`.
Status write_bars_csv(const std::string& path, std::span<const MarketBar> bars);

}  // namespace awet
