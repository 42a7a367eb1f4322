#pragma once
// Where the risk limits that must hold across several risk agents live: orders per minute, orders
// per symbol per day, cooldowns and exposure (positions and reservations). RiskEngine computes the
// local gates (size, CVaR, market hours, opposite position) itself and asks a SharedRiskLimits for
// the others, which checks them and, when every gate passed, records the entry and reserves its
// notional in one atomic step. InMemoryRiskLimits (the default) is one process's state;
// RedisRiskLimits (the risk_redis target) shares it between processes. See src/risk/README.md.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"
#include "awet/risk/risk_config.hpp"

namespace awet {

/// Window of the orders-per-minute gate: entries with ts in (now - 60 s, now] count.
inline constexpr Duration kOrdersRateWindow = Duration::seconds(60);

/// The gates a SharedRiskLimits decides; the other bits of a decision are RiskEngine's own.
inline constexpr uint32_t kSharedRiskReasons =
    static_cast<uint32_t>(RiskReason::kOrdersPerMinuteExceeded) |
    static_cast<uint32_t>(RiskReason::kOrdersPerSymbolDayExceeded) |
    static_cast<uint32_t>(RiskReason::kCooldownActive) |
    static_cast<uint32_t>(RiskReason::kTotalExposureExceeded) |
    static_cast<uint32_t>(RiskReason::kSymbolExposureExceeded);

/// One symbol's last price as the asking engine knows it (the exposure marks).
struct SymbolMark {
    Symbol symbol;
    Price price;
};

/// An entry to check and, if every gate passes, to record and reserve.
struct EntryRequest {
    Symbol symbol;
    IdempotencyKey key;      // the decision's key: a re-run with the same key reserves once
    uint32_t symbol_id = 0;  // the engine's dense id of `symbol` (stable for its lifetime)
    Timestamp now;           // event time, never the wall clock: replays stay deterministic
    int64_t day = 0;         // New York local date of `now`, days since the epoch
    Side side = Side::kBuy;
    Quantity qty;
    Price ref_price;
    Money notional;              // ref_price x qty
    uint32_t local_reasons = 0;  // gates RiskEngine already failed: check, record nothing
    // The asking engine's own exposure view (|position| x last price + its reservations), which is
    // the whole truth for a single process.
    Money symbol_exposure;
    Money total_exposure;
    // The engine's marks of every symbol it knows, filled only when wants_marks() (shared
    // positions are valued at the asking engine's latest prices).
    std::span<const SymbolMark> marks;
};

/// The shared gates' verdict on an entry.
struct ReserveOutcome {
    uint32_t reasons = 0;    // subset of kSharedRiskReasons
    bool duplicate = false;  // the key was already approved and reserved: nothing recorded again
};

/// A change of one order seen in an execution report (entries and exits alike).
struct OrderUpdate {
    Symbol symbol;
    IdempotencyKey key;
    uint32_t symbol_id = 0;
    Side side = Side::kBuy;
    Quantity qty;           // order quantity
    Quantity filled;        // cumulative filled quantity (a redelivered report changes nothing)
    Price fill_price;       // last fill price (0 when none)
    bool terminal = false;  // filled, blocked, rejected or canceled: release the rest
};

/// The state behind the shared risk gates. Owned by one RiskEngine and called from its thread
/// only; implementations that share state between processes do so through their backend. An
/// error means the state is unknown: RiskEngine then fails every shared gate (fail closed).
class SharedRiskLimits {
public:
    SharedRiskLimits() = default;
    virtual ~SharedRiskLimits() = default;
    SharedRiskLimits(const SharedRiskLimits&) = delete;
    SharedRiskLimits& operator=(const SharedRiskLimits&) = delete;

    /// Checks the shared gates for `r`; when they and r.local_reasons all pass, counts the entry
    /// (rate window, day count, cooldown) and reserves its notional, atomically.
    virtual Result<ReserveOutcome> check_and_reserve(const EntryRequest& r) = 0;
    /// Positions from fills and reservations shrunk/released (idempotent by key and cumulative
    /// filled quantity, so N engines seeing the same report count it once).
    virtual Status on_order_update(const OrderUpdate& u) = 0;
    /// A position seeded at start-up (broker or positions table).
    virtual Status set_position(const Symbol& symbol, uint32_t symbol_id, Quantity qty,
                                Price last_price) = 0;
    /// An entry approved before a restart; `key` may be empty (then one is derived from symbol and
    /// time, so several engines restoring the same trade count it once).
    virtual Status restore_entry(const Symbol& symbol, uint32_t symbol_id, Timestamp at,
                                 int64_t day, const IdempotencyKey& key) = 0;
    /// Whether check_and_reserve needs EntryRequest::marks.
    virtual bool wants_marks() const { return false; }
    /// "memory" or "redis".
    virtual std::string_view backend() const = 0;
};

/// One process's shared-gate state: exactly RiskEngine's behaviour before shared state existed.
/// Exposure comes from the request (the engine's own positions and reservations).
class InMemoryRiskLimits final : public SharedRiskLimits {
public:
    explicit InMemoryRiskLimits(const RiskConfig& config);

    Result<ReserveOutcome> check_and_reserve(const EntryRequest& r) override;
    Status on_order_update(const OrderUpdate&) override { return Status::Ok(); }
    Status set_position(const Symbol&, uint32_t, Quantity, Price) override { return Status::Ok(); }
    Status restore_entry(const Symbol& symbol, uint32_t symbol_id, Timestamp at, int64_t day,
                         const IdempotencyKey& key) override;
    std::string_view backend() const override { return "memory"; }

private:
    struct PerSymbol {
        int64_t day = INT64_MIN;  // local date of `entries`
        int entries = 0;
        bool has_last_entry = false;
        Timestamp last_entry;
    };
    PerSymbol& per_symbol(uint32_t id);
    int orders_in_window(Timestamp now) const;
    void count_entry(PerSymbol& s, Timestamp now, int64_t day);

    RiskConfig config_;
    std::unordered_set<IdempotencyKey> approved_;  // keys counted (a re-run counts once)
    std::vector<PerSymbol> symbols_;               // by the engine's symbol id
    std::vector<Timestamp> entry_times_;           // ring of the last approved entries
    size_t entry_head_ = 0;
    size_t entry_count_ = 0;
};

}  // namespace awet
