#include "awet/execution/bracket_book.hpp"

#include <cmath>

#include "awet/core/log.hpp"

namespace awet {
namespace {

__extension__ typedef __int128 i128;  // GCC/Clang extension; __extension__ keeps -Wpedantic quiet
constexpr int64_t kPpm = 1'000'000;
constexpr int64_t kCent = kFixedScale / 100;  // raw units of one cent

}  // namespace

std::optional<BracketLegs> bracket_legs_for(Side entry_side, Price ref, double take_profit_pct,
                                            double stop_loss_pct) {
    auto ppm = [](double pct) -> int64_t {
        return pct > 0 && std::isfinite(pct) ? std::llround(pct * 10'000.0) : 0;
    };
    const int64_t tp_ppm = ppm(take_profit_pct);
    const int64_t sl_ppm = ppm(stop_loss_pct);
    if (ref <= Price{} || tp_ppm <= 0 || sl_ppm <= 0) return std::nullopt;
    const int64_t r = ref.raw();
    const i128 cent_scaled = static_cast<i128>(kCent) * kPpm;
    // ref * (1 + ppm/1e6) rounded down to the cent, at least one cent above ref.
    auto above = [&](int64_t delta_ppm) -> int64_t {
        const i128 v = static_cast<i128>(r) * (kPpm + delta_ppm);
        const int64_t p = static_cast<int64_t>(v / cent_scaled) * kCent;
        return p > r ? p : (r / kCent + 1) * kCent;
    };
    // ref * (1 - ppm/1e6) rounded up to the cent, at least one cent below ref (0: none).
    auto below = [&](int64_t delta_ppm) -> int64_t {
        const i128 v = static_cast<i128>(r) * (kPpm - delta_ppm);
        if (v <= 0) return 0;
        const int64_t p = static_cast<int64_t>((v + cent_scaled - 1) / cent_scaled) * kCent;
        return p < r ? p : ((r + kCent - 1) / kCent - 1) * kCent;
    };
    const bool long_entry = entry_side == Side::kBuy;
    const int64_t tp = long_entry ? above(tp_ppm) : below(tp_ppm);
    const int64_t sl = long_entry ? below(sl_ppm) : above(sl_ppm);
    if (tp <= 0 || sl <= 0) return std::nullopt;
    return BracketLegs{Price::from_raw(tp), Price::from_raw(sl)};
}

std::optional<BracketLegs> BracketBook::legs_for(Side side, Price ref,
                                                 const IdempotencyKey& key) const {
    if (!exits_) return std::nullopt;
    auto legs = bracket_legs_for(side, ref, exits_->take_profit_pct, exits_->stop_loss_pct);
    if (!legs || !bracket_leg_key(key, BracketLeg::kTakeProfit)) {
        logger("execution")
            ->warn(
                "entry {}: no bracket legs (reference price {}, or key too long); sent "
                "plain, the exit agent keeps its take-profit / stop-loss",
                key.view(), ref.to_string());
        return std::nullopt;
    }
    return legs;
}

std::array<IdempotencyKey, 2> BracketBook::leg_keys(const IdempotencyKey& entry) {
    std::array<IdempotencyKey, 2> keys;
    for (size_t i = 0; i < kBracketLegs.size(); ++i) {
        if (auto k = bracket_leg_key(entry, kBracketLegs[i])) keys[i] = *k;
    }
    return keys;
}

void BracketBook::remember_entry(const Uuid& correlation_id, const IdempotencyKey& entry) {
    entry_by_correlation_.insert_or_assign(correlation_id, entry);
}

std::optional<IdempotencyKey> BracketBook::entry_of(const Uuid& correlation_id) const {
    auto it = entry_by_correlation_.find(correlation_id);
    if (it == entry_by_correlation_.end()) return std::nullopt;
    return it->second;
}

void BracketBook::learn(const TrackedOrder& restored) {
    if (!restored.leg) return;
    entry_by_correlation_.emplace(restored.row.correlation_id, restored.leg->parent);
    if (!restored.row.alpaca_order_id.empty()) {
        map_broker_id(restored.row.alpaca_order_id, restored.row.idempotency_key);
    }
}

void BracketBook::map_broker_id(const std::string& broker_order_id, const IdempotencyKey& leg) {
    leg_by_broker_id_.insert_or_assign(broker_order_id, leg);
}

IdempotencyKey BracketBook::our_key(const IdempotencyKey& cid,
                                    const std::string& broker_order_id) const {
    if (!broker_order_id.empty()) {
        if (auto it = leg_by_broker_id_.find(broker_order_id); it != leg_by_broker_id_.end()) {
            return it->second;
        }
    }
    return cid;
}

void BracketBook::park(const IdempotencyKey& entry, const IdempotencyKey& exit) {
    parked_.insert_or_assign(entry, exit);
}

std::optional<IdempotencyKey> BracketBook::parked_exit(const IdempotencyKey& entry) const {
    auto it = parked_.find(entry);
    if (it == parked_.end()) return std::nullopt;
    return it->second;
}

}  // namespace awet
