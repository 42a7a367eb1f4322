#pragma once
// Order tracking for the execution engine: every order it handled or found in `trades`, by
// client order id, with the decision keys and broker fill ids it has seen. Restoring an order
// from the store is the one place a stored client order id is read as a bracket leg.
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "awet/model/bracket.hpp"
#include "awet/model/events.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// What the engine keeps per order to write its trade row and build its reports.
struct TrackedOrder {
    EventHeader decision_header;
    TradeRow row;
    Money fill_cost;  // sum of fill notionals
    bool terminal = false;
    std::optional<BracketLegRef> leg;  // set: a leg of the bracket entry leg->parent
};

class OrderTracker {
public:
    /// `store` may be null (memory only); store failures are counted in `store_errors`.
    OrderTracker(TradeLedger* store, int64_t& store_errors)
        : store_(store), store_errors_(store_errors) {}

    /// The order of `key` from memory, else restored from `trades` (nullptr: unknown). A restored
    /// order is handed to the restore hook (the bracket book learns its legs from it).
    TrackedOrder* find_or_restore(const IdempotencyKey& key);
    /// Memory only.
    TrackedOrder* find(const IdempotencyKey& key);
    /// Keeps `order` under its row's key (replacing an earlier one) and returns it.
    TrackedOrder& keep(TrackedOrder order);

    /// Decision keys handled (so a redelivery is a duplicate).
    bool seen(const IdempotencyKey& key) const { return seen_.contains(key); }
    void mark_seen(const IdempotencyKey& key) { seen_.insert(key); }
    /// false when a fill with this id was applied already.
    bool first_fill(const std::string& fill_id) { return fill_ids_.insert(fill_id).second; }

    /// Updates the stored row (committed with the store's next batch: a lost update is recovered
    /// from the broker's truth by reconciliation).
    void persist(const TradeRow& row);
    /// The in-memory row of `stored`'s order when there is one (fresher than a batched write).
    const TradeRow& freshest(const TradeRow& stored) const;

    void set_restore_hook(std::function<void(const TrackedOrder&)> hook) {
        on_restore_ = std::move(hook);
    }

private:
    TradeLedger* store_;
    int64_t& store_errors_;
    std::unordered_set<IdempotencyKey> seen_;
    std::unordered_map<IdempotencyKey, TrackedOrder> orders_;  // lookup only, never iterated
    std::unordered_set<std::string> fill_ids_;
    std::function<void(const TrackedOrder&)> on_restore_;
};

}  // namespace awet
