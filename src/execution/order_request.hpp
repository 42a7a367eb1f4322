#pragma once
// The broker request of a trade row (private to the execution engine's two files).
#include "awet/execution/broker.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// The request a written-ahead row stands for (it holds everything the order needs).
inline OrderRequest request_for(const TradeRow& row) {
    OrderRequest req;
    req.client_order_id = row.idempotency_key;
    req.symbol = row.symbol;
    req.side = row.side;
    req.qty = row.qty;
    req.ts = row.ts;
    req.correlation_id = row.correlation_id;
    req.intent = row.intent;
    req.exit_reason = row.exit_reason;
    return req;
}

}  // namespace awet
