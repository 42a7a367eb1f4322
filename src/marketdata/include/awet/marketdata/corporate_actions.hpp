#pragma once
// Splits and dividends: parsed from Polygon's reference endpoints (/v3/reference/splits,
// /v3/reference/dividends) and from the `events` of Yahoo's chart API, then checked against the
// stored bars. AWET flags them; it does not rewrite prices:
//   - a split is classified by looking at the bars around its date: `kAdjusted` when the series
//     is continuous (the vendor adjusted the history: Polygon adjusted=true, Yahoo's quotes),
//     `kRaw` when the open after the split sits near the close before it times from/to (the
//     series jumps: Alpaca adjustment=raw, Polygon adjusted=false); a raw split is a data-quality
//     finding that `awet ingest` reports, because features and models would see the jump as a
//     return;
//   - a dividend is reported (ex-date, cash per share); prices are never dividend-adjusted and the
//     paper book does not book dividend cash (AWET is flat at the close by default).
// Pure functions; they never make up a price.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"

namespace awet::marketdata {

struct CorporateAction {
    enum class Kind { kSplit, kDividend };
    Kind kind = Kind::kSplit;
    Symbol symbol;
    /// Split: the execution date (first session on the new share count). Dividend: the ex date.
    /// Both as the exchange's local date.
    Date effective;
    int64_t split_from = 0;  // a 4-for-1 split: from 1, to 4
    int64_t split_to = 0;
    Price cash_amount;   // dividend per share
    std::string source;  // "polygon", "yahoo"

    /// "AAPL split 4:1 on 2020-08-31" / "MSFT dividend 0.56 ex 2021-02-17".
    std::string describe() const;
    bool operator==(const CorporateAction&) const = default;
};

struct CorporateActionsPage {
    std::vector<CorporateAction> actions;
    std::string next;  // Polygon's next_url (empty: last page)
};

/// Polygon GET /v3/reference/splits: results[] of {ticker, execution_date, split_from, split_to}.
/// Errors name `source` and the field (a split ratio that is not positive is refused).
Result<CorporateActionsPage> parse_polygon_splits(std::string_view body, std::string_view source);
/// Polygon GET /v3/reference/dividends: results[] of {ticker, ex_dividend_date, cash_amount, ...}.
Result<CorporateActionsPage> parse_polygon_dividends(std::string_view body,
                                                     std::string_view source);
/// Yahoo GET /v8/finance/chart: chart.result[0].events.{splits,dividends} (epoch seconds of the
/// session; the date is taken in exchange time). A response without events gives none.
Result<std::vector<CorporateAction>> parse_yahoo_events(std::string_view body,
                                                        std::string_view source);

enum class SplitAdjustment {
    kAdjusted,    // no jump across the split: the history is split-adjusted
    kRaw,         // the series jumps by the split ratio: unadjusted history
    kNotCovered,  // no bar on one side of the split date
};
const char* to_string(SplitAdjustment a);

struct SplitCheck {
    SplitAdjustment adjustment = SplitAdjustment::kNotCovered;
    Price close_before;  // last close before the split date
    Price open_after;    // first open on or after it
};

/// Classifies `split` against bars of its symbol (any order; other symbols ignored): the last
/// bar before the split date and the first bar on or after it. kRaw when open_after is closer
/// (in log distance) to close_before * from / to than to close_before.
SplitCheck check_split(const CorporateAction& split, std::span<const MarketBar> bars);

}  // namespace awet::marketdata
