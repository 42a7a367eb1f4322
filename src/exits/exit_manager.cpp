#include "awet/exits/exit_manager.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "awet/calendar/calendar.hpp"
#include "awet/model/bracket.hpp"

namespace awet {
namespace {

__extension__ typedef __int128 i128;  // GCC/Clang extension; __extension__ keeps -Wpedantic quiet

constexpr int64_t kPpm = 1'000'000;

int64_t pct_to_ppm(double pct) {
    if (!(pct > 0) || !std::isfinite(pct)) return 0;
    return std::llround(pct * 10'000.0);
}

/// close * 1e6 compared with entry * (1e6 + delta_ppm), exactly.
int compare_scaled(Price close, Price entry, int64_t delta_ppm) {
    const i128 lhs = static_cast<i128>(close.raw()) * kPpm;
    const i128 rhs = static_cast<i128>(entry.raw()) * (kPpm + delta_ppm);
    return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

bool has_fills(OrderStatus s) {
    return s == OrderStatus::kFilled || s == OrderStatus::kPartiallyFilled ||
           s == OrderStatus::kCanceled;
}

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace

ExitManager::ExitManager(const ExitConfig& config, uint64_t seed)
    : config_(config),
      tp_ppm_(pct_to_ppm(config.take_profit_pct)),
      sl_ppm_(pct_to_ppm(config.stop_loss_pct)),
      headers_(Source::kExit, seed) {}

IdempotencyKey ExitManager::exit_key(const IdempotencyKey& entry_key, int attempt) {
    char prefix[24];
    int n = attempt <= 1 ? std::snprintf(prefix, sizeof(prefix), "exit:")
                         : std::snprintf(prefix, sizeof(prefix), "exit%d:", attempt);
    char buf[IdempotencyKey::capacity() + 1];
    const std::string_view entry = entry_key.view();
    if (static_cast<size_t>(n) + entry.size() <= IdempotencyKey::capacity()) {
        std::snprintf(buf, sizeof(buf), "%s%.*s", prefix, static_cast<int>(entry.size()),
                      entry.data());
    } else {
        std::snprintf(buf, sizeof(buf), "%sh%016llx", prefix,
                      static_cast<unsigned long long>(fnv1a(entry)));
    }
    return IdempotencyKey(std::string_view(buf));
}

const ExitLot* ExitManager::find(std::string_view entry_key) const {
    for (const ExitLot& lot : lots_) {
        if (lot.entry_key == entry_key) return &lot;
    }
    return nullptr;
}

void ExitManager::finish_attempt(size_t index, Quantity attempt_filled) {
    ExitLot& lot = lots_[index];
    lot.exited_qty += std::max(attempt_filled, lot.exit_attempt_filled);
    lot.exit_attempt_filled = Quantity{};
    lot.exit_in_flight = false;
    if (lot.open_qty().raw() <= 0) {
        closed_entries_.insert(lot.entry_key);
        legs_.erase(lot.entry_key);
        lots_.erase(lots_.begin() + static_cast<std::ptrdiff_t>(index));
    }
}

void ExitManager::apply_legs(size_t index) {
    ExitLot& lot = lots_[index];
    auto it = legs_.find(lot.entry_key);
    if (it == legs_.end()) return;
    lot.broker_legs = it->second.live[0] || it->second.live[1];
    lot.leg_filled = it->second.filled[0] + it->second.filled[1];
    if (lot.open_qty().raw() <= 0) {
        closed_entries_.insert(lot.entry_key);
        legs_.erase(it);
        lots_.erase(lots_.begin() + static_cast<std::ptrdiff_t>(index));
    }
}

void ExitManager::on_leg(const IdempotencyKey& leg_key, OrderStatus status, Quantity filled) {
    const std::optional<BracketLegRef> ref = parse_bracket_leg_key(leg_key.view());
    if (!ref || closed_entries_.count(ref->parent) != 0) return;
    LegState& state = legs_[ref->parent];
    const size_t i = ref->leg == BracketLeg::kTakeProfit ? 0 : 1;
    state.live[i] = status == OrderStatus::kPending || status == OrderStatus::kPartiallyFilled;
    state.filled[i] = std::max(state.filled[i], filled);
    for (size_t k = 0; k < lots_.size(); ++k) {
        if (lots_[k].entry_key == ref->parent) {
            apply_legs(k);
            return;
        }
    }
}

void ExitManager::restore_leg(const IdempotencyKey& leg_key, OrderStatus status, Quantity filled) {
    on_leg(leg_key, status, filled);
}

void ExitManager::restore_exit_attempt(const IdempotencyKey& entry_key, int attempt,
                                       ExitReason reason, OrderStatus status, Quantity filled) {
    for (size_t i = 0; i < lots_.size(); ++i) {
        ExitLot& lot = lots_[i];
        if (!(lot.entry_key == entry_key)) continue;
        lot.attempts = std::max(lot.attempts, attempt);
        lot.exit_key = exit_key(entry_key, attempt);
        lot.exit_reason = reason;
        if (status == OrderStatus::kPending || status == OrderStatus::kPartiallyFilled) {
            lot.exit_in_flight = true;
            lot.exit_attempt_filled = filled;
            return;
        }
        lot.exit_in_flight = true;  // finish_attempt() books it like a live report would
        finish_attempt(i, filled);
        return;
    }
}

void ExitManager::on_execution(const ExecutionReport& r) {
    if (r.intent == OrderIntent::kEntry) {
        if (!has_fills(r.status) || r.filled_qty.raw() <= 0) return;
        const IdempotencyKey& key = r.header.idempotency_key;
        if (closed_entries_.count(key) != 0) return;
        for (ExitLot& lot : lots_) {
            if (lot.entry_key == key) {
                if (r.filled_qty > lot.filled_qty) {
                    lot.filled_qty = r.filled_qty;
                    lot.entry_price = r.avg_fill_price;
                }
                return;
            }
        }
        ExitLot lot;
        lot.entry_key = key;
        lot.entry_header = r.header;
        lot.symbol = r.header.symbol;
        lot.entry_side = r.side;
        lot.entry_price = r.avg_fill_price;
        lot.filled_qty = r.filled_qty;
        lot.filled_at = r.filled_at.is_set() ? r.filled_at : r.header.ts;
        lots_.push_back(lot);
        apply_legs(lots_.size() - 1);
        return;
    }
    if (parse_bracket_leg_key(r.header.idempotency_key.view())) {
        on_leg(r.header.idempotency_key, r.status, r.filled_qty);
        return;
    }

    // An exit report: only the attempt in flight counts.
    for (size_t i = 0; i < lots_.size(); ++i) {
        ExitLot& lot = lots_[i];
        if (!lot.exit_in_flight || !(lot.exit_key == r.header.idempotency_key)) continue;
        switch (r.status) {
            case OrderStatus::kPending:
                return;
            case OrderStatus::kPartiallyFilled:
                if (r.filled_qty > lot.exit_attempt_filled) lot.exit_attempt_filled = r.filled_qty;
                if (lot.open_qty().raw() <= 0) finish_attempt(i, r.filled_qty);
                return;
            case OrderStatus::kFilled:
            case OrderStatus::kBlocked:
            case OrderStatus::kRejected:
            case OrderStatus::kCanceled:
                finish_attempt(i, r.filled_qty);
                return;
        }
        return;
    }
}

ExitReason ExitManager::evaluate(const ExitLot& lot, const MarketBar& bar) const {
    const Price close = bar.close;
    const bool is_long = lot.is_long();
    if (sl_ppm_ > 0 && !lot.broker_legs) {
        if (is_long ? compare_scaled(close, lot.entry_price, -sl_ppm_) <= 0
                    : compare_scaled(close, lot.entry_price, sl_ppm_) >= 0) {
            return ExitReason::kStopLoss;
        }
    }
    if (tp_ppm_ > 0 && !lot.broker_legs) {
        if (is_long ? compare_scaled(close, lot.entry_price, tp_ppm_) >= 0
                    : compare_scaled(close, lot.entry_price, -tp_ppm_) <= 0) {
            return ExitReason::kTakeProfit;
        }
    }
    const Timestamp bar_end = bar.header.ts;
    if (config_.max_holding_minutes > 0 &&
        bar_end - lot.filled_at >= Duration::minutes(config_.max_holding_minutes)) {
        return ExitReason::kMaxHolding;
    }
    if (config_.flat_at_close) {
        if (auto session = SessionCalendar::session_at(bar.bar_start)) {
            if (bar_end >= session->close - Duration::minutes(config_.flat_before_close_minutes)) {
                return ExitReason::kSessionClose;
            }
        }
    }
    return ExitReason::kNone;
}

void ExitManager::on_bar(const MarketBar& bar, Timestamp now, std::vector<RiskDecision>& out) {
    for (ExitLot& lot : lots_) {
        if (lot.exit_in_flight || !(lot.symbol == bar.header.symbol)) continue;
        const Quantity qty = lot.open_qty();
        if (qty.raw() <= 0) continue;
        const ExitReason reason = evaluate(lot, bar);
        if (reason == ExitReason::kNone) continue;

        lot.attempts += 1;
        lot.exit_key = exit_key(lot.entry_key, lot.attempts);
        lot.exit_reason = reason;
        lot.exit_in_flight = true;

        RiskDecision d;
        d.header = headers_.derive(lot.entry_header, lot.exit_key, now, now);
        d.header.symbol = lot.symbol;
        d.approved = true;
        d.reasons = 0;
        d.intent = OrderIntent::kExit;
        d.exit_reason = reason;
        d.side = opposite(lot.entry_side);
        d.qty = qty;
        d.ref_price = bar.close;
        d.notional = notional(bar.close, qty);
        out.push_back(d);
    }
}

}  // namespace awet
