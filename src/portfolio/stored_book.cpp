#include "awet/portfolio/stored_book.hpp"

#include <algorithm>
#include <vector>

namespace awet {

StoredBook book_from_trades(std::span<const TradeRow> trades, Timestamp cutoff) {
    std::vector<const TradeRow*> fills;
    for (const TradeRow& t : trades) {
        if (t.filled_qty.raw() > 0 && t.filled_at.is_set() && t.filled_at <= cutoff) {
            fills.push_back(&t);
        }
    }
    std::stable_sort(fills.begin(), fills.end(), [](const TradeRow* a, const TradeRow* b) {
        if (a->filled_at != b->filled_at) return a->filled_at < b->filled_at;
        return a->id < b->id;
    });
    StoredBook out;
    for (const TradeRow* t : fills) {
        (void)out.book.apply_fill(t->symbol, t->side, t->filled_qty, t->avg_fill_price, t->fees,
                                  t->filled_at);
        out.filled_by_order[t->idempotency_key] = t->filled_qty;
        out.last_fill = t->filled_at;
    }
    out.fills = fills.size();
    return out;
}

Result<StoredBook> load_stored_book(TradeLedger& store, Timestamp cutoff) {
    auto trades = store.load_trades(TradeQuery{});
    if (!trades.ok()) return trades.error();
    return book_from_trades(*trades, cutoff);
}

}  // namespace awet
