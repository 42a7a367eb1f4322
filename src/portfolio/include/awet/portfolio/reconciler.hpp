#pragma once
// Compares the book (Portfolio) with the broker's view and writes the book's positions to the
// store (seed §8.2 `positions`, "last sync time" = the sync's `now`).
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/execution/broker.hpp"
#include "awet/execution/position_check.hpp"
#include "awet/portfolio/portfolio.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// One symbol whose quantities differ by more than the tolerance.
struct Discrepancy {
    Symbol symbol;
    Quantity book_qty;
    Quantity broker_qty;          // 0 when the broker does not report the symbol
    bool broker_reported = true;  // false: a holding the broker did not list (never "flat")
};

struct ReconcileReport {
    bool ok = true;                          // no discrepancy
    std::vector<Discrepancy> discrepancies;  // sorted by symbol
    Money book_equity_pnl;                   // book realized (net of fees) + unrealized
    Money broker_pnl;                        // broker equity - starting cash
};

/// Book-versus-broker check, run by the reconciler agent (and `awet reconcile`). Stateless apart
/// from the starting cash; single-threaded (it calls the broker on the caller's thread).
///
/// Every symbol in the union of book and broker positions is compared by the one rule of
/// awet/execution/position_check.hpp, the execution engine's too: a nonzero holding the broker
/// does not report is a discrepancy (broker_reported false), never taken as flat; a flat book
/// position the broker does not list is none.
class Reconciler {
public:
    explicit Reconciler(Money starting_cash) : starting_cash_(starting_cash) {}

    /// A broker error (positions or account unavailable) is returned as an Error, never as a
    /// discrepancy. |book - broker| > tolerance is a discrepancy.
    Result<ReconcileReport> reconcile(const Portfolio& book, Broker& broker,
                                      Quantity tolerance = Quantity{}) const;

    /// Upserts every position row of the book (flat ones with qty 0), updated_at = now, then
    /// flushes the store.
    static Status sync_positions(const Portfolio& book, PositionBook& store, Timestamp now);

    Money starting_cash() const { return starting_cash_; }

private:
    Money starting_cash_;
};

}  // namespace awet
