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

    // Union of both sides, ordered by symbol; a side that lacks a symbol counts as 0.
    struct Pair {
        Quantity book;
        Quantity broker;
    };
    std::map<Symbol, Pair> quantities;
    for (const PositionRow& row : book.positions()) quantities[row.symbol].book = row.qty;
    for (const BrokerPosition& pos : *broker_positions) quantities[pos.symbol].broker += pos.qty;

    ReconcileReport report;
    const Quantity tol = tolerance.abs();
    for (const auto& [symbol, pair] : quantities) {
        if ((pair.book - pair.broker).abs() > tol) {
            report.discrepancies.push_back(Discrepancy{symbol, pair.book, pair.broker});
        }
    }
    report.ok = report.discrepancies.empty();
    report.book_equity_pnl = book.realized_pnl() + book.unrealized_pnl();
    report.broker_pnl = account->equity - starting_cash_;
    return report;
}

Status Reconciler::sync_positions(const Portfolio& book, Store& store, Timestamp now) {
    for (PositionRow row : book.positions()) {
        row.updated_at = now;
        AWET_TRY(store.upsert_position(row));
    }
    return store.flush();
}

}  // namespace awet
