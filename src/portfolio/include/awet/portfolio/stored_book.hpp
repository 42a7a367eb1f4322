#pragma once
// The book the stored trades explain. A run, an agent or a report that starts on a store which
// already holds fills rebuilds its positions from `trades` with this one function, so the
// embedded pipeline, the portfolio agent, `awet eod` and the simulated venue of a later run all
// agree on what is held.
#include <span>
#include <unordered_map>

#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/portfolio/portfolio.hpp"
#include "awet/store/store.hpp"

namespace awet {

struct StoredBook {
    Portfolio book;
    /// Cumulative filled quantity of every order with a fill (so a fill report replayed after
    /// the restore is recognised as applied already).
    std::unordered_map<IdempotencyKey, Quantity> filled_by_order;
    size_t fills = 0;     // trade rows replayed
    Timestamp last_fill;  // unset when nothing was filled
};

/// The trades with filled_qty > 0 and filled_at <= cutoff, ordered by (filled_at, id), replayed
/// through a Portfolio as one fill of filled_qty at avg_fill_price with the row's fees (FIFO: a
/// position carried overnight keeps its earlier entries). A row's several partial fills become one
/// fill at their average, so positions, cost and realized PnL are those of the fills, while a
/// ClosedTrade may cover what were several closing fills.
StoredBook book_from_trades(std::span<const TradeRow> trades,
                            Timestamp cutoff = Timestamp::from_ns(INT64_MAX));

/// book_from_trades over every row of `trades` in the store.
Result<StoredBook> load_stored_book(TradeLedger& store,
                                    Timestamp cutoff = Timestamp::from_ns(INT64_MAX));

}  // namespace awet
