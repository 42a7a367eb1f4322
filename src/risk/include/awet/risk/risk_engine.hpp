#pragma once
// The pre-trade risk engine (seed §2.3, §9.2): turns a prediction with order intent into a
// RiskDecision, approved or rejected with every failed gate as a typed reason. Pure logic: it does
// not touch the bus; the risk agent feeds it predictions, bars and execution reports and publishes
// what it returns. Gate semantics and the CVaR formula: src/risk/README.md.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/symbol_index.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"
#include "awet/model/header_factory.hpp"
#include "awet/risk/risk_config.hpp"
#include "awet/risk/risk_state.hpp"

namespace awet {

/// A read-only snapshot of what the engine knows about one symbol (tests, status pages).
struct RiskSymbolView {
    Symbol symbol;
    Quantity position;  // signed, from fills
    Price last_price;   // last bar close (or fill price before any bar)
    Money reserved;     // notional of approved entries not yet filled or released
    Money exposure;     // |position| * last_price + reserved
    int entries_today = 0;
    size_t returns_known = 0;
};

/// Evaluates entry intents against the configured limits. Owned by the risk agent; single-threaded
/// (all calls from the agent's event loop). Per-symbol state lives in a vector indexed through a
/// small symbol table; windows are fixed-capacity rings allocated when a symbol is first seen, so
/// the steady state allocates nothing per call. The shared gates (orders per minute and per symbol
/// per day, cooldown, exposure) are decided by a SharedRiskLimits: in-process by default, or one
/// shared between processes (risk_redis's RedisRiskLimits, chosen by the composition root).
class RiskEngine {
public:
    RiskEngine(const RiskConfig& config, uint64_t seed);
    /// With the given shared-gate state; nullptr means InMemoryRiskLimits.
    RiskEngine(const RiskConfig& config, uint64_t seed, std::unique_ptr<SharedRiskLimits> limits);

    /// nullopt when the prediction carries no order intent: signal HOLD, confidence below
    /// min_confidence, or SELL while shorts are not allowed. Otherwise the decision on an entry of
    /// size_order(max_trade_notional, p.close, max_qty) shares; approved iff no gate failed.
    /// An approved entry is recorded (rate window, day counter, cooldown) and its notional
    /// reserved.
    std::optional<RiskDecision> evaluate(const Prediction& p, Timestamp now);
    /// Same as evaluate() with an explicit quantity instead of the sizing rule (manual orders and
    /// tests of the size gates).
    std::optional<RiskDecision> evaluate_with_qty(const Prediction& p, Quantity qty, Timestamp now);

    /// Last price and the recent 1-minute log returns of the bar's symbol. A bar whose bar_start is
    /// not after the previous one of its symbol (a replayed duplicate) is ignored.
    void on_bar(const MarketBar& bar);
    /// Positions from fills (cumulative filled_qty, so a redelivered report changes nothing) and
    /// reservations: released on blocked/rejected/canceled, converted into position as filled.
    void on_execution(const ExecutionReport& r);
    /// Seeds a position at start-up (e.g. from the broker or the positions table).
    void set_position(const Symbol& symbol, Quantity qty, Price last_price);
    /// After a restart: an order still open in `trades` (pending or partially filled), whose
    /// `filled` quantity is already in the position set_position() seeded. Later reports of it
    /// then move the position by what they add, not by their whole cumulative quantity. An entry
    /// reserves its unfilled rest again (the engine that approved it and its reservation are
    /// gone) at `ref_price`, or, when that is 0, at the symbol's next bar close.
    void restore_open_order(const IdempotencyKey& key, const Symbol& symbol, Side side,
                            Quantity qty, Quantity filled, Price ref_price, bool entry = true);
    /// After a restart: an order that finished before it (its fills are in the position
    /// set_position() seeded); a report of it delivered again changes nothing.
    void restore_finished_order(const IdempotencyKey& key);
    /// Counts an entry approved before a restart (from the `trades` table) towards the
    /// orders-per-minute window, the per-symbol daily count and the cooldown, so that the limits
    /// hold across restarts. Entries must be restored in time order. `key` (the trade's client
    /// order id) lets a shared backend count a trade once however many engines restore it.
    void restore_entry(const Symbol& symbol, Timestamp at, const IdempotencyKey& key = {});

    /// The CVaR estimate the gate would use for an entry on `side` (see README).
    double estimate_cvar(const Prediction& p, Side side);

    /// Predictions with a BUY/SELL signal that carried no order intent, by why.
    struct Ignored {
        uint64_t sells_long_only = 0;  // SELL while risk.allow_short is false
        uint64_t low_confidence = 0;   // below risk.min_confidence
    };
    const Ignored& ignored() const { return ignored_; }

    Money total_exposure() const;
    std::optional<RiskSymbolView> symbol_view(const Symbol& symbol) const;
    /// Approved entries whose reservation is still open.
    size_t open_reservations() const;
    const RiskConfig& config() const { return config_; }
    const SharedRiskLimits& limits() const { return *limits_; }

    /// Event ids from the start of the seeded stream again (HeaderFactory::restart_ids).
    void restart_ids() { headers_.restart_ids(); }

private:
    struct SymbolState {
        Symbol symbol;
        Price last_price;
        bool has_bar = false;
        Timestamp last_bar_start;
        Quantity position;
        Money reserved;
        std::vector<double> returns;  // ring, capacity cvar_lookback_bars
        size_t ret_head = 0;          // next write slot
        size_t ret_count = 0;
        std::vector<double> sorted;  // the ring's values in ascending order (CVaR tail in O(k))
        int64_t day = INT64_MIN;     // local date (days since epoch) of entries_today
        int entries_today = 0;       // this engine's approvals (the gate's count is limits_'s)
        bool has_last_entry = false;
        Timestamp last_entry;
    };
    /// An order the engine follows until it is terminal.
    struct OrderTrack {
        IdempotencyKey key;
        uint32_t sym = 0;
        Side side = Side::kBuy;
        Quantity qty;
        Quantity filled;
        Price ref_price;
        Money reserved;               // remaining reservation (entries approved here only)
        bool reserve_at_bar = false;  // restored entry without a price: reserved at the next bar
    };

    uint32_t symbol_index(const Symbol& symbol);
    const SymbolState* find_symbol(const Symbol& symbol) const;
    double estimate_cvar(const Prediction& p, Side side, const SymbolState* s) const;
    static Money exposure_of(const SymbolState& s);
    uint32_t check_local_gates(const SymbolState& s, Side side, Quantity qty, Money order_notional,
                               double cvar, Timestamp now) const;
    uint32_t check_shared_gates(uint32_t sym, const RiskDecision& d, uint32_t local, int64_t day,
                                Timestamp now, bool& duplicate);
    void record_approved_entry(uint32_t sym, const RiskDecision& d, Timestamp now);
    void count_entry(SymbolState& s, Timestamp now);
    OrderTrack* find_track(const IdempotencyKey& key);
    bool recently_done(const IdempotencyKey& key) const;
    void mark_done(const IdempotencyKey& key);

    RiskConfig config_;
    HeaderFactory headers_;
    Ignored ignored_;
    std::vector<SymbolState> symbols_;
    SymbolIndex symbol_ids_;  // symbol -> index into symbols_
    std::unique_ptr<SharedRiskLimits> limits_;
    std::vector<SymbolMark> marks_;  // scratch for EntryRequest::marks (wants_marks() only)
    std::vector<OrderTrack> tracks_;
    std::vector<IdempotencyKey> done_;  // ring of recently terminal orders (dedup of late reports)
    std::unordered_set<IdempotencyKey> restored_done_;  // finished before a restart
    size_t deferred_reservations_ = 0;                  // restored open entries waiting for a price
    size_t done_head_ = 0;
    size_t done_count_ = 0;
};

}  // namespace awet
