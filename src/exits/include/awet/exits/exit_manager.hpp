#pragma once
// Exit rules of seed §2.3 (take profit, stop loss, max holding time) plus flat-at-close, applied
// per entry order ("lot") on each bar's close. Pure logic: the exit agent feeds it execution
// reports and bars and publishes the decisions it returns.
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"
#include "awet/exits/exit_config.hpp"
#include "awet/model/events.hpp"
#include "awet/model/header_factory.hpp"

namespace awet {

/// The open part of one entry order, tracked until exits have closed it.
struct ExitLot {
    IdempotencyKey entry_key;  // entry order's idempotency key (client order id)
    EventHeader entry_header;  // header of the first entry fill report (correlation id source)
    Symbol symbol;
    Side entry_side = Side::kBuy;  // kBuy: a long lot, kSell: a short lot
    Price entry_price;             // cumulative average fill price of the entry order
    Quantity filled_qty;           // cumulative entry fills
    Quantity exited_qty;           // closed by finished exit attempts
    Quantity exit_attempt_filled;  // cumulative fills of the exit in flight
    Quantity leg_filled;           // closed by the entry's bracket legs at the broker
    Timestamp filled_at;           // first entry fill (holding time starts here)
    bool exit_in_flight = false;
    IdempotencyKey exit_key;  // key of the exit in flight (or of the last attempt)
    ExitReason exit_reason = ExitReason::kNone;  // of the exit in flight (or of the last attempt)
    int attempts = 0;                            // exits emitted so far
    bool broker_legs = false;  // a bracket leg of this entry is live at the broker

    Quantity open_qty() const { return filled_qty - exited_qty - exit_attempt_filled - leg_filled; }
    bool is_long() const { return entry_side == Side::kBuy; }
};

/// Watches open lots and emits approved exit decisions. One per exit agent; single-threaded
/// (the agent's event loop). Exits bypass the entry risk gates (they never pass through the
/// RiskEngine) and go straight to execution.
///
/// Rules, checked on each bar's CLOSE for every open lot of the bar's symbol with no exit in
/// flight, first match wins:
///   1. STOP_LOSS    long: close <= entry * (1 - sl%)   short: close >= entry * (1 + sl%)
///   2. TAKE_PROFIT  long: close >= entry * (1 + tp%)   short: close <= entry * (1 - tp%)
///   3. MAX_HOLDING  bar end - first entry fill >= max_holding_minutes
///   4. SESSION_CLOSE flat_at_close and bar end >= close of the session containing bar_start
///                   minus flat_before_close_minutes (bars outside regular hours never trigger it)
/// Bracket entries (execution.bracket_orders): while a take-profit or stop-loss leg of the lot's
/// entry is live at the broker (its leg reports, keys "<entry key>:tp" / ":sl", are pending or
/// partially filled), rules 1 and 2 are the broker's and are skipped here; rules 3 and 4 still
/// apply (execution cancels the legs before selling). Leg fills reduce the lot like exit fills;
/// a lot they close is dropped (no later time exit). When both legs have ended without closing
/// the lot (canceled for a time exit that then failed, never sent) rules 1 and 2 apply again.
/// The lot learns this from the reports alone, so it needs no configuration of its own.
/// Percentages are turned into parts per million once (ppm = llround(pct * 10000), i.e. rounded to
/// 0.0001 %), and prices are compared exactly by cross-multiplying in 128-bit integers:
/// close * 1e6 <= entry * (1e6 - ppm). A percentage <= 0 disables its rule, as does
/// max_holding_minutes <= 0.
///
/// Exit keys: attempt 1 is "exit:" + entry key; a retry after a blocked/rejected/canceled exit
/// uses "exit<n>:" + entry key (n = attempt number) because brokers and the trades table dedup by
/// key. If that would not fit IdempotencyKey (63 chars), "exit<n>:h" + 16 hex digits of the
/// FNV-1a hash of the entry key is used instead.
class ExitManager {
public:
    ExitManager(const ExitConfig& config, uint64_t seed);

    /// Entry reports (intent kEntry) with fills open or grow a lot (cumulative qty and average
    /// price, so a repeated report changes nothing). Exit reports (intent kExit) for the exit in
    /// flight reduce the lot; a filled exit that leaves qty 0 closes it; a blocked, rejected or
    /// canceled exit re-arms the lot (its fills, if any, are kept) so a later bar retries.
    /// Reports for lots already closed are ignored.
    void on_execution(const ExecutionReport& report);

    /// After a restart: an exit attempt found in the store for the lot of `entry_key` (restored
    /// first with on_execution of the entry's report). A finished attempt (filled, blocked,
    /// rejected, canceled) counts its fills as exited — the lot closes when nothing is left; an
    /// open one (pending, partially filled) is the exit in flight, so no second exit is sent
    /// while it works. Attempt numbers continue after the highest restored one.
    void restore_exit_attempt(const IdempotencyKey& entry_key, int attempt, ExitReason reason,
                              OrderStatus status, Quantity filled);

    /// After a restart: a bracket leg row of the entry `entry_key` found in the store (restore
    /// the entry first).
    void restore_leg(const IdempotencyKey& leg_key, OrderStatus status, Quantity filled);

    /// Appends one approved exit decision per lot of bar.symbol that hits a rule.
    void on_bar(const MarketBar& bar, Timestamp now, std::vector<RiskDecision>& out);

    /// Lots with open qty (exit in flight or not).
    size_t open_lots() const { return lots_.size(); }
    const std::vector<ExitLot>& lots() const { return lots_; }
    /// The open lot of an entry order, or nullptr.
    const ExitLot* find(std::string_view entry_key) const;

    /// The idempotency key of exit attempt `attempt` (1-based) for an entry key.
    static IdempotencyKey exit_key(const IdempotencyKey& entry_key, int attempt);

    /// Event ids from the start of the seeded stream again (HeaderFactory::restart_ids).
    void restart_ids() { headers_.restart_ids(); }

private:
    ExitReason evaluate(const ExitLot& lot, const MarketBar& bar) const;
    void finish_attempt(size_t index, Quantity attempt_filled);
    /// A report of a bracket leg (intent exit, leg key): its state and fills, onto the lot.
    void on_leg(const IdempotencyKey& leg_key, OrderStatus status, Quantity filled);
    /// Copies the leg state of lot `index` onto it; drops the lot when nothing is left open.
    void apply_legs(size_t index);

    /// Per entry key: the state of its two legs (kept until the lot closes; a leg may report
    /// before the entry's first fill does).
    struct LegState {
        bool live[2] = {false, false};
        Quantity filled[2];
    };
    std::map<IdempotencyKey, LegState> legs_;

    ExitConfig config_;
    int64_t tp_ppm_ = 0;  // 0: disabled
    int64_t sl_ppm_ = 0;
    HeaderFactory headers_;
    std::vector<ExitLot> lots_;                // in order of first entry fill
    std::set<IdempotencyKey> closed_entries_;  // lots already closed (late duplicates are ignored)
};

}  // namespace awet
