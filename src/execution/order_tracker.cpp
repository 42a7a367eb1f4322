#include "awet/execution/order_tracker.hpp"

namespace awet {

TrackedOrder* OrderTracker::find(const IdempotencyKey& key) {
    auto it = orders_.find(key);
    return it != orders_.end() ? &it->second : nullptr;
}

TrackedOrder* OrderTracker::find_or_restore(const IdempotencyKey& key) {
    if (TrackedOrder* known = find(key)) return known;
    if (store_ == nullptr) return nullptr;
    Result<std::optional<TradeRow>> found = store_->find_trade(key.view());
    if (!found.ok()) {
        ++store_errors_;
        return nullptr;
    }
    if (!found->has_value()) return nullptr;
    TrackedOrder order;
    order.row = std::move(**found);
    order.decision_header.correlation_id = order.row.correlation_id;
    order.decision_header.symbol = order.row.symbol;
    order.decision_header.idempotency_key = key;
    order.fill_cost = notional(order.row.avg_fill_price, order.row.filled_qty);
    const OrderStatus s = order.row.status;
    order.terminal = s == OrderStatus::kFilled || s == OrderStatus::kBlocked ||
                     s == OrderStatus::kRejected || s == OrderStatus::kCanceled;
    order.leg = parse_bracket_leg_key(key.view());
    seen_.insert(key);
    TrackedOrder& kept = keep(std::move(order));
    if (on_restore_) on_restore_(kept);
    return &kept;
}

TrackedOrder& OrderTracker::keep(TrackedOrder order) {
    const IdempotencyKey key = order.row.idempotency_key;
    return orders_.insert_or_assign(key, std::move(order)).first->second;
}

void OrderTracker::persist(const TradeRow& row) {
    if (store_ == nullptr) return;
    if (Status s = store_->update_trade(row); !s.ok()) ++store_errors_;
}

const TradeRow& OrderTracker::freshest(const TradeRow& stored) const {
    auto it = orders_.find(stored.idempotency_key);
    return it != orders_.end() ? it->second.row : stored;
}

}  // namespace awet
