#pragma once
// A vendor backfill as an operation (`awet ingest polygon|yahoo|alpaca`, the scheduler's daily
// ingestion): historical bars into the store, one day of one symbol at a time, with a checkpoint
// in backfill_checkpoints after each day. An interrupted backfill resumes after the last day it
// finished, and bars already stored are skipped (put_bar ignores a repeated (symbol, bar start)),
// so nothing is fetched twice into the table.
#include <cstdint>
#include <string>
#include <vector>

#include "awet/core/time.hpp"
#include "awet/ops/context.hpp"

namespace awet::ops {

struct IngestVendorRequest {
    std::string vendor;  // polygon | yahoo | alpaca
    std::vector<std::string> symbols;
    Date from, to;                // inclusive
    std::string interval = "1m";  // 1m | 1d
    std::string base_url;         // empty: the vendor's
};

struct IngestVendorResult {
    std::string vendor;
    std::vector<std::string> symbols;
    Date from, to;
    int64_t fetched = 0, stored = 0, conflicts = 0, resumed_days = 0;
    /// Data quality over everything fetched: counted and reported, never repaired.
    int64_t gaps = 0, missing_bars = 0, zero_volume = 0, out_of_order = 0, outside_session = 0;
    /// Each bar that conflicts with the stored one (the first 1000; the stored bar is kept).
    std::vector<std::string> findings;
    /// Splits and dividends in the range, each split checked against the stored bars.
    std::vector<std::string> corporate_actions;
    int64_t raw_splits = 0;  // splits with unadjusted bars on one side
    int64_t already_present() const { return fetched - stored - conflicts; }
};

/// Fetches, checks and stores; progress (one line per symbol-day) goes to the context's progress
/// sink. A failed fetch is an error naming the symbol and day (the next run resumes there).
Result<IngestVendorResult> ingest_vendor(Context& ctx, const IngestVendorRequest& request);

}  // namespace awet::ops
