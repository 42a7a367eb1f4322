#include "awet/risk/risk_state.hpp"

#include <algorithm>

namespace awet {
namespace {

uint32_t bit(RiskReason r) { return static_cast<uint32_t>(r); }

}  // namespace

InMemoryRiskLimits::InMemoryRiskLimits(const RiskConfig& config) : config_(config) {
    entry_times_.resize(static_cast<size_t>(std::max(1, config_.max_orders_per_minute)));
}

InMemoryRiskLimits::PerSymbol& InMemoryRiskLimits::per_symbol(uint32_t id) {
    // Ids are dense and handed out in order, so this grows once per new symbol only.
    if (id >= symbols_.size()) symbols_.resize(id + 1);
    return symbols_[id];
}

int InMemoryRiskLimits::orders_in_window(Timestamp now) const {
    const Timestamp start = now - kOrdersRateWindow;
    int n = 0;
    for (size_t i = 0; i < entry_count_; ++i) {
        if (entry_times_[i] > start) ++n;
    }
    return n;
}

void InMemoryRiskLimits::count_entry(PerSymbol& s, Timestamp now, int64_t day) {
    entry_times_[entry_head_] = now;
    entry_head_ = (entry_head_ + 1) % entry_times_.size();
    entry_count_ = std::min(entry_count_ + 1, entry_times_.size());
    if (s.day != day) {
        s.day = day;
        s.entries = 0;
    }
    ++s.entries;
    s.has_last_entry = true;
    s.last_entry = now;
}

Result<ReserveOutcome> InMemoryRiskLimits::check_and_reserve(const EntryRequest& r) {
    // A decision approved already (redelivered, or re-run after a restart): nothing counted again.
    if (!r.key.empty() && approved_.contains(r.key)) return ReserveOutcome{0, true};
    PerSymbol& s = per_symbol(r.symbol_id);
    uint32_t mask = 0;
    if (orders_in_window(r.now) >= config_.max_orders_per_minute) {
        mask |= bit(RiskReason::kOrdersPerMinuteExceeded);
    }
    const int today = s.day == r.day ? s.entries : 0;
    if (today >= config_.max_orders_per_symbol_per_day) {
        mask |= bit(RiskReason::kOrdersPerSymbolDayExceeded);
    }
    if (s.has_last_entry && r.now - s.last_entry < Duration::minutes(config_.cooldown_minutes)) {
        mask |= bit(RiskReason::kCooldownActive);
    }
    if (r.total_exposure + r.notional > config_.max_total_exposure_usd) {
        mask |= bit(RiskReason::kTotalExposureExceeded);
    }
    if (r.symbol_exposure + r.notional > config_.max_symbol_exposure_usd) {
        mask |= bit(RiskReason::kSymbolExposureExceeded);
    }
    // The reservation itself is the engine's (it owns positions and order tracks here).
    if (mask == 0 && r.local_reasons == 0) {
        count_entry(s, r.now, r.day);
        if (!r.key.empty()) approved_.insert(r.key);
    }
    return ReserveOutcome{mask, false};
}

Status InMemoryRiskLimits::restore_entry(const Symbol&, uint32_t symbol_id, Timestamp at,
                                         int64_t day, const IdempotencyKey& key) {
    if (!key.empty() && !approved_.insert(key).second) return Status::Ok();  // counted once
    count_entry(per_symbol(symbol_id), at, day);
    return Status::Ok();
}

}  // namespace awet
