#include "awet/portfolio/reconciler.hpp"

#include <map>

namespace awet {

Result<ReconcileReport> Reconciler::reconcile(const Portfolio& book, Broker& broker,
                                              Quantity tolerance) const {
    auto broker_positions = broker.positions();
    if (!broker_positions.ok()) {
        return make_error(broker_positions.error().code,
                          "reconcile: broker positions: " + broker_positions.error().message);
    }
    auto account = broker.account();
    if (!account.ok()) {
        return make_error(account.error().code,
                          "reconcile: broker account: " + account.error().message);
    }

    std::map<Symbol, Quantity> ours;
    for (const PositionRow& row : book.positions()) ours[row.symbol] = row.qty;
    ReconcileReport report;
    for (const PositionMismatch& m : compare_positions(ours, *broker_positions, tolerance)) {
        report.discrepancies.push_back(
            Discrepancy{m.symbol, m.stored, m.broker, m.broker_reported});
    }
    report.ok = report.discrepancies.empty();
    report.book_equity_pnl = book.realized_pnl() + book.unrealized_pnl();
    report.broker_pnl = account->equity - starting_cash_;
    return report;
}

Status Reconciler::sync_positions(const Portfolio& book, PositionBook& store, Timestamp now) {
    for (PositionRow row : book.positions()) {
        row.updated_at = now;
        AWET_TRY(store.upsert_position(row));
    }
    return store.flush();
}

}  // namespace awet
