#pragma once
// The book of positions built from fills: FIFO lots per symbol, long and short, exact fixed-point
// realized/unrealized PnL and a record of every closing fill (for win/loss counts).
//
// Fee convention: fees are expensed when incurred. `apply_fill` returns the realized PnL of the
// fill net of ALL of that fill's fees (also the fees of a fill that only opens a lot), so
// `realized_pnl()` is cumulative gross realized PnL minus cumulative fees, and cost basis never
// includes fees. Then realized + unrealized equals the change in a broker's equity when the broker
// deducts fees from cash. A ClosedTrade instead attributes fees to the round trip (the closing
// fill's share plus the matched lots' share of their entry fees), so the sum of ClosedTrade net
// PnL differs from realized_pnl() by the entry fees of lots still open.
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"
#include "awet/store/store.hpp"

namespace awet {

enum class PositionSide : uint8_t { kLong, kShort };
std::string_view to_string(PositionSide s);  // "long" / "short"

/// One closing fill matched FIFO against open lots (a round trip, or part of one).
struct ClosedTrade {
    Symbol symbol;
    PositionSide side = PositionSide::kLong;  // side of the position that was closed
    Quantity qty;                             // closed by this fill (positive)
    Price avg_entry_price;                    // cost of the matched lot parts / qty
    Price exit_price;
    Timestamp opened_at;  // earliest matched lot
    Timestamp closed_at;
    Money gross_pnl;  // long: proceeds - cost; short: cost - proceeds
    Money fees;       // closing fill's share + matched lots' share of their entry fees
    Money net_pnl;    // gross_pnl - fees
};

/// One open FIFO lot (qty and cost are magnitudes; the side is the position's).
struct Lot {
    Quantity qty;      // remaining, > 0
    Money cost;        // entry notional of the remaining qty (exact share of the original)
    Money entry_fees;  // entry fees not yet attributed to a ClosedTrade
    Price price;       // entry price
    Timestamp opened_at;
};

/// Positions from fills. Owned by the portfolio/reconciler agent (or a report job);
/// single-threaded. All arithmetic is exact fixed point (128-bit intermediates); a lot partly
/// closed keeps the exact remainder of its cost and entry fee, so cost is conserved to the
/// micro-dollar.
class Portfolio {
public:
    /// Applies one fill. Returns the realized PnL of this fill net of its fees (see the file
    /// comment). qty <= 0 is ignored (returns 0). The fill price also becomes the symbol's mark.
    Money apply_fill(const Symbol& symbol, Side side, Quantity qty, Price price, Money fees,
                     Timestamp ts);
    /// Sets the last price of a symbol (unknown symbols get a flat row).
    void mark(const Symbol& symbol, Price last, Timestamp ts);

    /// The row of one symbol (all zeros with the symbol set if never seen).
    PositionRow position(const Symbol& symbol) const;
    /// Every symbol ever filled or marked, flat ones included, sorted by symbol.
    std::vector<PositionRow> positions() const;
    /// Open FIFO lots of a symbol, oldest first (empty if flat).
    std::vector<Lot> lots(const Symbol& symbol) const;

    /// Cumulative, net of all fees.
    Money realized_pnl() const { return realized_; }
    /// Sum over symbols of marked value minus cost basis.
    Money unrealized_pnl() const;
    /// Cumulative fees.
    Money fees() const { return fees_; }
    const std::vector<ClosedTrade>& closed_trades() const { return closed_; }

private:
    struct Book {
        PositionSide side = PositionSide::kLong;  // of the open lots
        std::deque<Lot> lots;
        Quantity open_qty;  // magnitude, sum of lot qty
        Money open_cost;    // magnitude, sum of lot cost
        Money realized;     // net of fees
        Price last;
        bool has_last = false;
        Timestamp opened_at;
        Timestamp updated_at;
    };
    PositionRow row_of(const Symbol& symbol, const Book& book) const;

    std::map<Symbol, Book> books_;
    std::vector<ClosedTrade> closed_;
    Money realized_;
    Money fees_;
};

}  // namespace awet
