// The execution engine's broker sync: orders written ahead before a restart, a reconciliation of
// every open order with the broker's truth, and the check of the positions the trades explain.
#include <map>

#include "awet/core/log.hpp"
#include "awet/execution/execution_engine.hpp"
#include "order_request.hpp"

namespace awet {

void ExecutionEngine::resume_after_restart(const IdempotencyKey& key,
                                           std::vector<ExecutionReport>& out) {
    if (tracker_.find(key) != nullptr) return;  // handled by this process: a plain redelivery
    TrackedOrder* order = tracker_.find_or_restore(key);
    if (order == nullptr || order->terminal || order->row.status != OrderStatus::kPending) return;
    // The row was written ahead, then the process stopped: did the order reach the broker? Ask by
    // client order id; only a definite "no such order" sends it now (the same id, so even a
    // broker that raced us keeps one order).
    Result<BrokerOrder> known = broker_.get_order(key.view());
    if (known.ok()) return;  // it did; its fills arrive as usual
    if (known.error().code != ErrorCode::kNotFound) {
        logger("execution")
            ->warn("order {} pending after a restart, broker lookup failed: {}", key.view(),
                   known.error().to_string());
        return;  // left pending: reconciliation settles it
    }
    send_unknown_order(*order, out);
}

bool ExecutionEngine::send_unknown_order(TrackedOrder& order, std::vector<ExecutionReport>& out) {
    TradeRow& row = order.row;
    const std::string_view key = row.idempotency_key.view();
    if (order.leg) {
        // Legs exist only as part of their entry's bracket at the broker; never sent alone.
        logger("execution")->warn("bracket leg {} not at the broker: not sent alone", key);
        return false;
    }
    if (row.intent == OrderIntent::kExit) {
        if (std::optional<IdempotencyKey> parent = bracket_parent_of(order)) {
            exit_bracket(order, *parent, row.ts, out);  // legs first, as for a fresh decision
            return !brackets_.parked_exit(*parent).has_value();  // false: waiting for a leg
        }
    }
    if (row.intent == OrderIntent::kEntry) {
        // The leg prices were not stored: resent plain, its leg rows are closed, and the exit
        // agent keeps this lot's take-profit / stop-loss itself.
        for (const IdempotencyKey& leg_key : BracketBook::leg_keys(row.idempotency_key)) {
            TrackedOrder* leg = leg_key.empty() ? nullptr : tracker_.find_or_restore(leg_key);
            if (leg == nullptr || leg->terminal) continue;
            leg->row.status = OrderStatus::kCanceled;
            leg->row.alpaca_status = "not_sent";
            leg->row.block_reason =
                Block{BlockReason::kBracketNotResent, "entry resent after a restart"}.text();
            leg->terminal = true;
            tracker_.persist(leg->row);
            out.push_back(make_report(*leg, OrderStatus::kCanceled, row.ts));
        }
    }
    if (std::optional<Block> block = gate_.check(broker_)) {
        logger("execution")->warn("order {} not at the broker, not sent: {}", key, block->text());
        return false;  // left pending
    }
    Result<BrokerOrder> sent = broker_.submit(request_for(row));
    if (!sent.ok()) {
        logger("execution")
            ->warn("order {} not at the broker, sending failed: {}", key, sent.error().to_string());
        return false;
    }
    ++stats_.submitted;
    ++stats_.resumed;
    row.alpaca_order_id = sent->broker_order_id;
    row.alpaca_status = sent->broker_status;
    tracker_.persist(row);
    out.push_back(make_report(order, OrderStatus::kPending, row.ts));
    return true;
}

Result<OrderSyncReport> ExecutionEngine::reconcile_with_broker(Timestamp since, Timestamp now) {
    OrderSyncReport report;
    if (store_ == nullptr) return report;
    TradeQuery query;
    query.from = since;
    auto rows = store_->load_trades(query);
    if (!rows.ok()) return rows.error();
    for (const TradeRow& stored : *rows) {
        if (stored.status != OrderStatus::kPending &&
            stored.status != OrderStatus::kPartiallyFilled) {
            continue;
        }
        ++report.checked;
        TrackedOrder* order = tracker_.find_or_restore(stored.idempotency_key);
        if (order == nullptr || order->terminal) continue;
        const std::string key(stored.idempotency_key.view());
        Result<BrokerOrder> at_broker = broker_.get_order(key);
        if (!at_broker.ok()) {
            if (at_broker.error().code == ErrorCode::kNotFound &&
                order->row.status == OrderStatus::kPending && order->row.filled_qty.is_zero()) {
                std::vector<ExecutionReport> sent;
                if (send_unknown_order(*order, sent)) {
                    ++report.resent;
                    queue_.insert(queue_.end(), sent.begin(), sent.end());
                    continue;
                }
            }
            ++report.unresolved;
            logger("execution")
                ->warn("reconciliation: order {} not settled: {}", key,
                       at_broker.error().to_string());
            continue;
        }
        const BrokerOrder& o = *at_broker;
        for (const BrokerOrder& l : o.legs) {
            // The broker's own ids of the legs it names by our client ids.
            if (parse_bracket_leg_key(l.client_order_id.view()) && !l.broker_order_id.empty()) {
                brackets_.map_broker_id(l.broker_order_id, l.client_order_id);
            }
        }
        const Quantity before = order->row.filled_qty;
        bool closed = false;
        apply_broker_truth(*order, o, now, &closed);
        if (order->row.filled_qty > before) ++report.fills_recovered;
        if (closed) ++report.closed;
    }
    if (report.fills_recovered + report.closed + report.resent > 0) {
        logger("execution")
            ->info(
                "reconciliation: {} open orders checked, {} fills recovered, {} closed, {} "
                "sent, {} unresolved",
                report.checked, report.fills_recovered, report.closed, report.resent,
                report.unresolved);
    }
    return report;
}

bool ExecutionEngine::apply_broker_truth(TrackedOrder& order, const BrokerOrder& o, Timestamp now,
                                         bool* closed) {
    bool changed = false;
    const IdempotencyKey key = order.row.idempotency_key;
    if (order.leg && !o.broker_order_id.empty()) brackets_.map_broker_id(o.broker_order_id, key);
    if (o.filled_qty > order.row.filled_qty) {
        // Fills the store never saw: one fill for the difference, priced so that the order's
        // average matches the broker's.
        const Quantity delta = o.filled_qty - order.row.filled_qty;
        const Money cost = notional(o.avg_fill_price, o.filled_qty) - order.fill_cost;
        Fill f;
        f.fill_id = "reconciled-" + o.broker_order_id + "-" + o.filled_qty.to_string();
        f.client_order_id = key;
        f.broker_order_id = o.broker_order_id;
        f.symbol = order.row.symbol;
        f.side = order.row.side;
        f.qty = delta;
        f.price = average_price(cost, delta);
        // The broker's fees of the fills the store never saw (SimBroker reports them; Alpaca
        // charges none).
        if (o.fees > order.row.fees) f.fees = o.fees - order.row.fees;
        f.ts = o.updated_at.is_set() ? o.updated_at : now;
        f.order_done = o.status == OrderStatus::kFilled;
        f.cum_qty = o.filled_qty;
        on_fill(f);
        changed = true;
    }
    if (o.status == OrderStatus::kCanceled || o.status == OrderStatus::kRejected) {
        BrokerOrder update = o;
        update.client_order_id = key;
        on_order_update(update);
        if (closed != nullptr) *closed = true;
        changed = true;
    }
    return changed;
}

Result<std::vector<PositionMismatch>> ExecutionEngine::check_positions(Timestamp since) {
    std::map<Symbol, Quantity> stored;
    if (store_ != nullptr) {
        TradeQuery query;
        query.from = since;
        auto rows = store_->load_trades(query);
        if (!rows.ok()) return rows.error();
        for (const TradeRow& t : *rows) {
            const TradeRow& row = tracker_.freshest(t);
            if (row.filled_qty.is_zero()) continue;
            stored[row.symbol] += row.side == Side::kBuy ? row.filled_qty : -row.filled_qty;
        }
    }
    auto at_broker = broker_.positions();
    if (!at_broker.ok()) return at_broker.error();
    return compare_positions(stored, *at_broker);
}

}  // namespace awet
