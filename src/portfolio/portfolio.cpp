#include "awet/portfolio/portfolio.hpp"

#include <algorithm>

namespace awet {

std::string_view to_string(PositionSide s) { return s == PositionSide::kLong ? "long" : "short"; }

Money Portfolio::apply_fill(const Symbol& symbol, Side side, Quantity qty, Price price, Money fees,
                            Timestamp ts) {
    if (qty.raw() <= 0) return Money{};
    Book& book = books_[symbol];
    fees_ += fees;

    const PositionSide fill_side = side == Side::kBuy ? PositionSide::kLong : PositionSide::kShort;
    Quantity remaining = qty;
    Quantity closed_qty;
    Money closing_fee_share;
    Money gross;

    if (book.open_qty.raw() > 0 && book.side != fill_side) {
        // Close FIFO lots first.
        Money matched_cost;
        Money matched_entry_fees;
        const Timestamp opened_at = book.lots.front().opened_at;
        while (remaining.raw() > 0 && !book.lots.empty()) {
            Lot& lot = book.lots.front();
            const Quantity q = std::min(remaining, lot.qty);
            Money cost;
            Money entry_fees;
            if (q == lot.qty) {
                cost = lot.cost;
                entry_fees = lot.entry_fees;
                book.lots.pop_front();
            } else {
                // Exact proportional share; the remainder stays on the lot, so cost is conserved.
                cost = scale(lot.cost, q.raw(), lot.qty.raw());
                entry_fees = scale(lot.entry_fees, q.raw(), lot.qty.raw());
                lot.cost -= cost;
                lot.entry_fees -= entry_fees;
                lot.qty -= q;
            }
            matched_cost += cost;
            matched_entry_fees += entry_fees;
            closed_qty += q;
            remaining -= q;
        }
        book.open_qty -= closed_qty;
        book.open_cost -= matched_cost;

        const Money proceeds = notional(price, closed_qty);
        closing_fee_share = scale(fees, closed_qty.raw(), qty.raw());
        gross =
            book.side == PositionSide::kLong ? proceeds - matched_cost : matched_cost - proceeds;

        ClosedTrade trade;
        trade.symbol = symbol;
        trade.side = book.side;
        trade.qty = closed_qty;
        trade.avg_entry_price = average_price(matched_cost, closed_qty);
        trade.exit_price = price;
        trade.opened_at = opened_at;
        trade.closed_at = ts;
        trade.gross_pnl = gross;
        trade.fees = closing_fee_share + matched_entry_fees;
        trade.net_pnl = gross - trade.fees;
        closed_.push_back(trade);
        if (book.open_qty.raw() == 0) book.opened_at = Timestamp{};
    }

    if (remaining.raw() > 0) {
        // Open (or add to) a position in the fill's direction; after a flip the book is empty here.
        if (book.open_qty.raw() == 0) {
            book.side = fill_side;
            book.opened_at = ts;
        }
        Lot lot;
        lot.qty = remaining;
        // The opening part's cost is the fill notional minus the closing part's, exactly.
        lot.cost = notional(price, qty) - notional(price, closed_qty);
        lot.entry_fees = fees - closing_fee_share;
        lot.price = price;
        lot.opened_at = ts;
        book.lots.push_back(lot);
        book.open_qty += remaining;
        book.open_cost += lot.cost;
    }

    const Money net = gross - fees;
    book.realized += net;
    realized_ += net;
    book.last = price;
    book.has_last = true;
    book.updated_at = ts;
    return net;
}

void Portfolio::mark(const Symbol& symbol, Price last, Timestamp ts) {
    Book& book = books_[symbol];
    book.last = last;
    book.has_last = true;
    book.updated_at = ts;
}

PositionRow Portfolio::row_of(const Symbol& symbol, const Book& book) const {
    PositionRow row;
    row.symbol = symbol;
    const bool short_side = book.side == PositionSide::kShort;
    row.qty = short_side ? -book.open_qty : book.open_qty;
    row.cost_basis = short_side ? -book.open_cost : book.open_cost;
    row.avg_entry_price =
        book.open_qty.raw() != 0 ? average_price(book.open_cost, book.open_qty) : Price{};
    row.market_value = book.has_last ? notional(book.last, row.qty) : row.cost_basis;
    row.unrealized_pl = row.market_value - row.cost_basis;
    row.realized_pl = book.realized;
    row.opened_at = book.opened_at;
    row.updated_at = book.updated_at;
    return row;
}

PositionRow Portfolio::position(const Symbol& symbol) const {
    auto it = books_.find(symbol);
    if (it == books_.end()) {
        PositionRow row;
        row.symbol = symbol;
        return row;
    }
    return row_of(symbol, it->second);
}

std::vector<PositionRow> Portfolio::positions() const {
    std::vector<PositionRow> rows;
    rows.reserve(books_.size());
    for (const auto& [symbol, book] : books_) rows.push_back(row_of(symbol, book));
    return rows;
}

std::vector<Lot> Portfolio::lots(const Symbol& symbol) const {
    auto it = books_.find(symbol);
    if (it == books_.end()) return {};
    return {it->second.lots.begin(), it->second.lots.end()};
}

Money Portfolio::unrealized_pnl() const {
    Money total;
    for (const auto& [symbol, book] : books_) total += row_of(symbol, book).unrealized_pl;
    return total;
}

}  // namespace awet
