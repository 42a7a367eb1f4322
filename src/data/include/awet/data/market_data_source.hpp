#pragma once
// Pull sources of market bars in global time order, so that replay, backtest and live ingestion
// look the same to the ingestion agent. Backends: CsvSource (files), VectorSource (in memory),
// SyntheticSource (synthetic_market.hpp). Vendor backends (Polygon, Yahoo, Alpaca) implement the
// same interface in their own components.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// Bars across all symbols ordered by (bar_start, symbol). Owned by the ingestion agent and
/// pulled from its thread only (implementations are not thread-safe).
class MarketDataSource {
public:
    MarketDataSource() = default;
    virtual ~MarketDataSource() = default;
    MarketDataSource(const MarketDataSource&) = delete;
    MarketDataSource& operator=(const MarketDataSource&) = delete;

    /// Backend name for logs and the audit trail ("csv", "vector", "synthetic", ...).
    virtual std::string_view name() const = 0;
    /// The next bar, nullopt at the end, or an Error if the backend failed (the caller decides
    /// whether to retry or stop; a source that returned an Error may be called again).
    virtual Result<std::optional<MarketBar>> next() = 0;
};

/// Orders bars by (bar_start, symbol), keeping the input order of equal keys.
void sort_bars(std::vector<MarketBar>& bars);

/// Serves a vector of bars, sorted by (bar_start, symbol). Single-threaded.
class VectorSource : public MarketDataSource {
public:
    explicit VectorSource(std::vector<MarketBar> bars, std::string name = "vector");

    std::string_view name() const override { return name_; }
    Result<std::optional<MarketBar>> next() override;

    size_t size() const { return bars_.size(); }
    size_t remaining() const { return bars_.size() - pos_; }
    /// Starts again from the first bar (replays).
    void rewind() { pos_ = 0; }
    const std::vector<MarketBar>& bars() const { return bars_; }

private:
    std::vector<MarketBar> bars_;
    size_t pos_ = 0;
    std::string name_;
};

/// Bars from CSV files and directories (see expand_csv_paths), loaded at open(), merged across
/// files and symbols in (bar_start, symbol) order. A (symbol, bar_start) present in two files is
/// kept once (the first file in path order) and the later copy is reported as rejected (as a
/// conflict naming the differing values when they differ). Single-threaded.
class CsvSource : public MarketDataSource {
public:
    /// Error if a path does not exist or a file cannot be read or has no valid header; bad rows
    /// are only reported (report()). Rows are checked as read_bars_csv does, with `limits`.
    static Result<std::unique_ptr<CsvSource>> open(const std::vector<std::string>& paths,
                                                   Duration interval = Duration::minutes(1),
                                                   const BarLimits& limits = {});

    std::string_view name() const override { return "csv"; }
    Result<std::optional<MarketBar>> next() override { return source_.next(); }

    /// Counts and issues over all files.
    const CsvReadReport& report() const { return report_; }
    const std::vector<std::string>& files() const { return files_; }
    size_t size() const { return source_.size(); }
    size_t remaining() const { return source_.remaining(); }
    void rewind() { source_.rewind(); }

private:
    CsvSource(std::vector<MarketBar> bars, CsvReadReport report, std::vector<std::string> files);

    VectorSource source_;
    CsvReadReport report_;
    std::vector<std::string> files_;
};

}  // namespace awet
