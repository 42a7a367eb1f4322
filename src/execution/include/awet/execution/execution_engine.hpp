#pragma once
// The execution engine: turns approved RiskDecisions into broker orders exactly once, through the
// safety gate, records every order in `trades`, and turns broker fills into ExecutionReports.
// Pure logic: the execution agent feeds it decisions and publishes the reports it returns
// (kBlocked on execution.blocked, everything else on execution.completed).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"
#include "awet/execution/bracket_book.hpp"
#include "awet/execution/broker.hpp"
#include "awet/execution/execution_config.hpp"
#include "awet/execution/order_tracker.hpp"
#include "awet/execution/position_check.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/exits/exit_config.hpp"
#include "awet/model/events.hpp"
#include "awet/model/header_factory.hpp"
#include "awet/store/store.hpp"

namespace awet {

struct ExecutionStats {
    int64_t submitted = 0;   // accepted by the broker
    int64_t blocked = 0;     // stopped by the safety gate (or a store failure)
    int64_t rejected = 0;    // refused by the broker
    int64_t unknown = 0;     // submit outcome unknown: recorded pending, never resent
    int64_t duplicates = 0;  // decisions whose idempotency key was already used
    int64_t resumed = 0;     // written ahead before a restart, never reached the broker: sent now
    int64_t fills = 0;       // distinct fills applied
    int64_t duplicate_fills = 0;
    int64_t orphan_fills = 0;  // fills for an order the engine and the store do not know
    /// Fills whose cumulative quantity shows an earlier execution was missed (a lossy stream):
    /// the order is kept open (partially filled) until a reconciliation brings the rest.
    int64_t fill_gaps = 0;
    int64_t store_errors = 0;
    int64_t bracket_entries = 0;      // entries sent with take-profit / stop-loss legs
    int64_t leg_cancels = 0;          // legs canceled by the engine before a time exit's sell
    int64_t exits_closed_by_leg = 0;  // time exits not sent: a leg had closed the position
};

/// What one reconciliation with the broker found and did (reconcile_with_broker()).
struct OrderSyncReport {
    int checked = 0;          // open rows (pending / partially filled) looked up at the broker
    int fills_recovered = 0;  // fills the broker has that the store did not (missed stream events)
    int closed = 0;           // canceled / rejected / expired at the broker, still open here
    int resent = 0;           // written ahead, unknown to the broker, sent now
    int unresolved = 0;       // the broker could not say (lookup failed): left as they are
};

/// Owned by the execution agent; single-threaded (decisions, broker callbacks and drain all on the
/// agent's loop). Registers itself as the broker's listener for its lifetime. `store` may be null
/// (no persistence: idempotency is then in-memory only). The broker and the store must outlive the
/// engine (its destructor detaches itself from the broker).
class ExecutionEngine final : public BrokerListener {
public:
    /// With config.bracket_orders and `exits` (its take_profit_pct / stop_loss_pct), entries are
    /// sent with bracket legs; without `exits` bracket_orders is refused with a logged error and
    /// entries go out plain (the exit agent then keeps TP/SL, as it does for any lot without live
    /// legs).
    ExecutionEngine(const ExecutionConfig& config, Broker& broker, TradeLedger* store,
                    uint64_t seed, const ExitConfig* exits = nullptr);
    ~ExecutionEngine() override;
    ExecutionEngine(const ExecutionEngine&) = delete;
    ExecutionEngine& operator=(const ExecutionEngine&) = delete;

    /// Handles one approved decision (entry or exit); a rejected decision is ignored. Appends the
    /// resulting report (kBlocked, kPending or kRejected) to `out`, or nothing for a duplicate.
    /// A bracket entry also writes its two leg rows ahead and reports them (kPending). An exit of
    /// a bracket entry first cancels the legs still open and sends its sell only once both legs
    /// are finished, for the entry's filled quantity less what the legs filled (none: the exit
    /// ends kCanceled with CLOSED_BY_BRACKET_LEG); until then it is reported kPending with
    /// AWAITING_LEG_CANCEL and released from the broker callback that finishes the last leg.
    void on_decision(const RiskDecision& d, Timestamp now, std::vector<ExecutionReport>& out);

    // BrokerListener: fills and cancellations become queued reports.
    void on_fill(const Fill& fill) override;
    void on_order_update(const BrokerOrder& order) override;

    /// Brings the store to the broker's truth for every order still open in `trades` (ordered
    /// from `since` on): fills the broker reports beyond the stored filled quantity become fill
    /// reports (synthetic fill ids; the real fill arriving later is recognised by its cumulative
    /// quantity and not counted twice), orders the broker ended are closed, orders written ahead
    /// but unknown to the broker are sent (after the safety gate). Reports are queued (drain()).
    Result<OrderSyncReport> reconcile_with_broker(Timestamp since, Timestamp now);

    /// Positions implied by the stored trades (filled quantities, signed by side) against the
    /// broker's positions, by the one rule of position_check.hpp (a nonzero holding the broker
    /// does not report is a mismatch, never taken as flat). Run after
    /// reconcile_with_broker(): the remaining differences are positions this engine cannot
    /// explain (orders outside AWET, a broker that lost state).
    Result<std::vector<PositionMismatch>> check_positions(Timestamp since);

    /// Stops trading: every later decision is blocked with `reason` (orders already at the
    /// broker keep filling and are reported). For a reconciliation that left the book and the
    /// broker disagreeing.
    void halt(std::string reason) { halted_ = std::move(reason); }
    const std::string& halted() const { return halted_; }

    /// Moves the queued fill/cancel reports to `out` (in arrival order).
    void drain(std::vector<ExecutionReport>& out);

    const ExecutionStats& stats() const { return stats_; }
    const SafetyGate& gate() const { return gate_; }

    /// Event ids from the start of the seeded stream again (HeaderFactory::restart_ids).
    void restart_ids() { headers_.restart_ids(); }

private:
    // Decisions and broker callbacks (execution_engine.cpp).
    ExecutionReport make_report(const TrackedOrder& order, OrderStatus status, Timestamp ts);
    /// Submits a written-ahead, gate-checked row and reports the outcome (and its legs').
    void submit_row(TrackedOrder& order, const std::optional<BracketLegs>& bracket, Timestamp now,
                    std::vector<ExecutionReport>& out);
    /// Leg rows of a bracket entry (written ahead with the entry; the leg prices travel in the
    /// request only: the trades table has no column for them).
    void write_legs(const TrackedOrder& entry);
    /// The legs of a blocked entry are blocked with it.
    void block_legs(const TrackedOrder& entry, Timestamp now, std::vector<ExecutionReport>& out);
    /// The bracket entry an exit closes (it shares the entry's correlation id), if any.
    std::optional<IdempotencyKey> bracket_parent_of(const TrackedOrder& exit);
    /// Exit of a bracket entry: cancel open legs, then sell the rest (or park until they end).
    void exit_bracket(TrackedOrder& exit, const IdempotencyKey& parent, Timestamp now,
                      std::vector<ExecutionReport>& out);
    /// Sends (or closes) a parked exit whose legs are all finished; false while one is open.
    bool release_exit(TrackedOrder& exit, const IdempotencyKey& parent, Timestamp now,
                      std::vector<ExecutionReport>& out);
    /// After a fill or cancel that ended `order`: releases the parked exit of its entry, if any.
    void on_leg_update(const TrackedOrder& order, Timestamp ts);

    // Broker sync after a restart or a lossy stream (broker_sync.cpp).
    /// A redelivered decision whose row exists but which this process never handled (it was
    /// written ahead before a restart): sends the order if the broker does not know it.
    void resume_after_restart(const IdempotencyKey& key, std::vector<ExecutionReport>& out);
    /// Sends an order the broker does not know (looked up first); true if sent.
    bool send_unknown_order(TrackedOrder& order, std::vector<ExecutionReport>& out);
    /// Applies the broker's view of an order the store has open (fills it knows beyond ours as
    /// one reconciled fill, a cancel/reject as an update); true if something changed.
    bool apply_broker_truth(TrackedOrder& order, const BrokerOrder& o, Timestamp now, bool* closed);

    SafetyGate gate_;
    Broker& broker_;
    TradeLedger* store_;
    HeaderFactory headers_;
    ExecutionStats stats_;
    OrderTracker tracker_{store_, stats_.store_errors};
    BracketBook brackets_;
    std::vector<ExecutionReport> queue_;
    std::string halted_;
};

}  // namespace awet
