#pragma once
// Bracket coordination for the execution engine (execution.bracket_orders): the legs of a new
// entry, which entry each correlation id's legs belong to, the broker's own ids of legs, and the
// exits parked until the legs of their entry have ended.
#include <array>
#include <optional>
#include <string>
#include <unordered_map>

#include "awet/execution/broker.hpp"
#include "awet/execution/order_tracker.hpp"
#include "awet/exits/exit_config.hpp"

namespace awet {

/// Prices of the bracket legs of an entry at reference price `ref` (execution.bracket_orders):
/// take-profit at ref * (1 ± take_profit_pct %), stop-loss at ref * (1 ∓ stop_loss_pct %) (a long
/// entry's take-profit above, stop below; a short's mirrored). Percentages are taken to 0.0001 %
/// as the exit manager does; the products are exact and then rounded to the cent TOWARD `ref`
/// (long: take-profit down, stop up; short: take-profit up, stop down), so neither the profit
/// aimed at nor the loss accepted exceeds the configured percentage. A leg that would round onto
/// or past `ref` is moved to the nearest cent strictly beyond it (brokers refuse legs at the
/// entry price). nullopt when `ref` <= 0 or a percentage is not > 0.
std::optional<BracketLegs> bracket_legs_for(Side entry_side, Price ref, double take_profit_pct,
                                            double stop_loss_pct);

/// Both legs, take-profit first.
inline constexpr std::array<BracketLeg, 2> kBracketLegs = {BracketLeg::kTakeProfit,
                                                           BracketLeg::kStopLoss};

class BracketBook {
public:
    /// `exits` set: entries carry legs at its take_profit_pct / stop_loss_pct.
    explicit BracketBook(std::optional<ExitConfig> exits) : exits_(std::move(exits)) {}

    bool enabled() const { return exits_.has_value(); }
    /// The legs of an approved entry of `side` at `ref` with client id `key`; nullopt (logged:
    /// the exit agent then keeps the lot's take-profit / stop-loss) when the price gives none or
    /// the leg ids would not fit.
    std::optional<BracketLegs> legs_for(Side side, Price ref, const IdempotencyKey& key) const;
    /// The client ids of `entry`'s legs (take-profit, stop-loss); empty keys when they would not
    /// fit (such an entry never has legs).
    static std::array<IdempotencyKey, 2> leg_keys(const IdempotencyKey& entry);

    /// `entry` (with legs) is the bracket of every order of `correlation_id`.
    void remember_entry(const Uuid& correlation_id, const IdempotencyKey& entry);
    std::optional<IdempotencyKey> entry_of(const Uuid& correlation_id) const;
    /// A leg restored from the store: its entry and its broker id are known again.
    void learn(const TrackedOrder& restored);

    /// The broker names a leg by an id of its own (Alpaca): map it to our key.
    void map_broker_id(const std::string& broker_order_id, const IdempotencyKey& leg);
    /// Our client id of a fill or update (a broker's own leg id mapped back), else `cid`.
    IdempotencyKey our_key(const IdempotencyKey& cid, const std::string& broker_order_id) const;

    /// The exit of `entry` waiting for its legs to end.
    void park(const IdempotencyKey& entry, const IdempotencyKey& exit);
    /// true when an exit was parked on `entry` (and is not any more).
    bool unpark(const IdempotencyKey& entry) { return parked_.erase(entry) > 0; }
    std::optional<IdempotencyKey> parked_exit(const IdempotencyKey& entry) const;

private:
    std::optional<ExitConfig> exits_;
    std::unordered_map<Uuid, IdempotencyKey> entry_by_correlation_;
    std::unordered_map<std::string, IdempotencyKey> leg_by_broker_id_;
    std::unordered_map<IdempotencyKey, IdempotencyKey> parked_;  // entry key -> parked exit key
};

}  // namespace awet
