#include "awet/risk/risk_engine.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "awet/calendar/calendar.hpp"
#include "awet/core/log.hpp"
#include "awet/risk/cvar.hpp"
#include "awet/risk/sizing.hpp"

namespace awet {
namespace {

constexpr size_t kDoneRingCapacity = 1024;
constexpr size_t kInitialTrackCapacity = 64;

int64_t local_day(Timestamp t) { return days_from_civil(SessionCalendar::to_local(t).date); }

uint32_t bit(RiskReason r) { return static_cast<uint32_t>(r); }

Quantity signed_qty(Side side, Quantity q) { return side == Side::kBuy ? q : -q; }

}  // namespace

RiskEngine::RiskEngine(const RiskConfig& config, uint64_t seed)
    : RiskEngine(config, seed, nullptr) {}

RiskEngine::RiskEngine(const RiskConfig& config, uint64_t seed,
                       std::unique_ptr<SharedRiskLimits> limits)
    : config_(config), headers_(Source::kRisk, seed), limits_(std::move(limits)) {
    if (!limits_) limits_ = std::make_unique<InMemoryRiskLimits>(config_);
    done_.resize(kDoneRingCapacity);
    tracks_.reserve(kInitialTrackCapacity);
}

uint32_t RiskEngine::symbol_index(const Symbol& symbol) {
    const uint32_t found = symbol_ids_.find(symbol);
    if (found != SymbolIndex::kNone) return found;
    const uint32_t id = symbol_ids_.insert(symbol);  // == symbols_.size()
    SymbolState s;
    s.symbol = symbol;
    s.returns.resize(static_cast<size_t>(std::max(0, config_.cvar_lookback_bars)));
    s.sorted.reserve(s.returns.size());
    symbols_.push_back(std::move(s));
    return id;
}

const RiskEngine::SymbolState* RiskEngine::find_symbol(const Symbol& symbol) const {
    const uint32_t id = symbol_ids_.find(symbol);
    return id == SymbolIndex::kNone ? nullptr : &symbols_[id];
}

Money RiskEngine::exposure_of(const SymbolState& s) {
    return notional(s.last_price, s.position.abs()) + s.reserved;
}

Money RiskEngine::total_exposure() const {
    Money total;
    for (const SymbolState& s : symbols_) total += exposure_of(s);
    return total;
}

double RiskEngine::estimate_cvar(const Prediction& p, Side side) {
    return estimate_cvar(p, side, find_symbol(p.header.symbol));
}

double RiskEngine::estimate_cvar(const Prediction& p, Side side, const SymbolState* s) const {
    double cvar = forecast_tail_loss(p, side);
    if (s != nullptr && s->ret_count >= kMinReturnsForHistoricalCvar) {
        double per_bar = historical_cvar_sorted(s->sorted, side, config_.cvar_alpha);
        double hist = per_bar * std::sqrt(static_cast<double>(kCvarHorizonMinutes));
        cvar = std::max(cvar, hist);
    }
    return cvar;
}

uint32_t RiskEngine::check_local_gates(const SymbolState& s, Side side, Quantity qty,
                                       Money order_notional, double cvar, Timestamp now) const {
    uint32_t mask = 0;
    if (order_notional > config_.max_trade_notional_usd) {
        mask |= bit(RiskReason::kNotionalExceedsMaxPerOrder);
    }
    if (qty > config_.max_qty_per_trade) mask |= bit(RiskReason::kQtyExceedsMaxPerOrder);
    if (qty < Quantity::from_units(1)) mask |= bit(RiskReason::kQtyBelowMinimum);
    if (config_.cvar_enabled && !(cvar <= config_.max_cvar_pct)) {
        mask |= bit(RiskReason::kCvarExceedsLimit);
    }
    std::optional<Session> session = SessionCalendar::session_at(now);
    if (!session) {
        mask |= bit(RiskReason::kMarketClosed);
    } else if (session->close - now < Duration::minutes(config_.no_entry_before_close_minutes)) {
        mask |= bit(RiskReason::kSessionClosing);
    }
    // An entry against an open position (only possible with shorts allowed) would be an exit in
    // disguise; exits belong to the exit manager.
    const Quantity held = s.position;
    if ((side == Side::kBuy && held < Quantity{}) || (side == Side::kSell && held > Quantity{})) {
        mask |= bit(RiskReason::kPositionAlreadyOpen);
    }
    return mask;
}

uint32_t RiskEngine::check_shared_gates(uint32_t sym, const RiskDecision& d, uint32_t local,
                                        int64_t day, Timestamp now, bool& duplicate) {
    const SymbolState& s = symbols_[sym];
    EntryRequest r;
    r.symbol = s.symbol;
    r.key = d.header.idempotency_key;
    r.symbol_id = sym;
    r.now = now;
    r.day = day;
    r.side = d.side;
    r.qty = d.qty;
    r.ref_price = d.ref_price;
    r.notional = d.notional;
    r.local_reasons = local;
    r.symbol_exposure = exposure_of(s);
    r.total_exposure = total_exposure();
    if (limits_->wants_marks()) {
        // Unpriced symbols are left out: the backend then values a shared position at its
        // last fill price rather than at zero.
        marks_.clear();  // keeps its capacity: grows with new symbols only
        for (const SymbolState& x : symbols_) {
            if (x.last_price.raw() > 0) marks_.push_back(SymbolMark{x.symbol, x.last_price});
        }
        r.marks = marks_;
    }
    Result<ReserveOutcome> out = limits_->check_and_reserve(r);
    if (!out.ok()) {
        // The shared state is unknown: every shared gate counts as failed (as a NaN CVaR does),
        // so N engines can never approve past a limit they could not see.
        logger("risk")->error("risk state ({}) unavailable, entry {} rejected: {}",
                              limits_->backend(), r.key.view(), out.error().to_string());
        return kSharedRiskReasons;
    }
    duplicate = out->duplicate;
    return out->reasons & kSharedRiskReasons;
}

std::optional<RiskDecision> RiskEngine::evaluate(const Prediction& p, Timestamp now) {
    return evaluate_with_qty(
        p, size_order(config_.max_trade_notional_usd, p.close, config_.max_qty_per_trade), now);
}

std::optional<RiskDecision> RiskEngine::evaluate_with_qty(const Prediction& p, Quantity qty,
                                                          Timestamp now) {
    if (p.signal == Signal::kHold) return std::nullopt;
    if (p.confidence < config_.min_confidence) {
        ++ignored_.low_confidence;
        return std::nullopt;
    }
    if (p.signal == Signal::kSell && !config_.allow_short) {
        ++ignored_.sells_long_only;
        return std::nullopt;
    }
    const Side side = p.signal == Signal::kBuy ? Side::kBuy : Side::kSell;

    const uint32_t sym = symbol_index(p.header.symbol);
    const double cvar = estimate_cvar(p, side, &symbols_[sym]);  // no second symbol lookup
    const Money order_notional = notional(p.close, qty);

    RiskDecision d;
    d.header = headers_.derive(p.header, make_key("entry", p.header.symbol, p.bar_start), now, now);
    d.intent = OrderIntent::kEntry;
    d.exit_reason = ExitReason::kNone;
    d.side = side;
    d.qty = qty;
    d.ref_price = p.close;
    d.notional = order_notional;
    d.cvar = cvar;
    d.confidence = p.confidence;
    d.prediction_event_id = p.header.event_id;
    const uint32_t local = check_local_gates(symbols_[sym], side, qty, order_notional, cvar, now);
    bool duplicate = false;
    d.reasons = local | check_shared_gates(sym, d, local, local_day(now), now, duplicate);
    d.approved = d.reasons == 0;
    // A re-run of a decision already approved (the same key) reserves nothing twice, here or
    // shared: the execution engine never orders a key twice, so a second reservation would never
    // be released.
    const IdempotencyKey& key = d.header.idempotency_key;
    if (d.approved && !duplicate && find_track(key) == nullptr && !recently_done(key) &&
        !restored_done_.contains(key)) {
        record_approved_entry(sym, d, now);
    }
    return d;
}

void RiskEngine::restore_entry(const Symbol& symbol, Timestamp at, const IdempotencyKey& key) {
    const uint32_t sym = symbol_index(symbol);
    count_entry(symbols_[sym], at);
    Status st = limits_->restore_entry(symbol, sym, at, local_day(at), key);
    if (!st.ok()) {
        logger("risk")->error("risk state ({}): restoring the entry of {} at {} failed: {}",
                              limits_->backend(), symbol.view(), at.iso(), st.error().to_string());
    }
}

void RiskEngine::count_entry(SymbolState& s, Timestamp now) {
    const int64_t day = local_day(now);
    if (s.day != day) {
        s.day = day;
        s.entries_today = 0;
    }
    ++s.entries_today;
    s.has_last_entry = true;
    s.last_entry = now;
}

void RiskEngine::record_approved_entry(uint32_t sym, const RiskDecision& d, Timestamp now) {
    SymbolState& s = symbols_[sym];
    count_entry(s, now);

    OrderTrack t;
    t.key = d.header.idempotency_key;
    t.sym = sym;
    t.side = d.side;
    t.qty = d.qty;
    t.ref_price = d.ref_price;
    t.reserved = d.notional;
    s.reserved += d.notional;
    if (!s.has_bar) s.last_price = d.ref_price;
    tracks_.push_back(t);
}

namespace {

/// Branch-free binary search over a sorted array (the compare becomes a conditional move):
/// the first index whose value is >= x (Upper = false) or > x (Upper = true). The CVaR window is
/// searched twice per bar per symbol, and data-dependent branches there mispredict half the time.
template <bool Upper>
size_t sorted_bound(const std::vector<double>& v, double x) {
    size_t n = v.size();
    if (n == 0) return 0;
    const double* base = v.data();
    while (n > 1) {
        const size_t half = n / 2;
        const bool right = Upper ? base[half] <= x : base[half] < x;
        base = right ? base + half : base;
        n -= half;
    }
    const bool past = Upper ? *base <= x : *base < x;
    return static_cast<size_t>(base - v.data()) + (past ? 1 : 0);
}

}  // namespace

void RiskEngine::on_bar(const MarketBar& bar) {
    SymbolState& s = symbols_[symbol_index(bar.header.symbol)];
    if (s.has_bar && bar.bar_start <= s.last_bar_start) return;
    if (s.has_bar && bar.interval == Duration::minutes(1) && s.last_price.raw() > 0 &&
        bar.close.raw() > 0 && !s.returns.empty()) {
        double r = std::log(static_cast<double>(bar.close.raw()) /
                            static_cast<double>(s.last_price.raw()));
        if (s.ret_count == s.returns.size()) {
            // The evicted value leaves the sorted copy and r takes its place: one shift of the
            // elements between the two positions instead of an erase and an insert.
            auto& v = s.sorted;
            const auto out = v.begin() + static_cast<std::ptrdiff_t>(
                                             sorted_bound<false>(v, s.returns[s.ret_head]));
            const auto in = v.begin() + static_cast<std::ptrdiff_t>(sorted_bound<true>(v, r));
            if (in > out) {
                std::move(out + 1, in, out);
                *(in - 1) = r;
            } else {
                std::move_backward(in, out, out + 1);
                *in = r;
            }
        } else {
            s.sorted.insert(
                s.sorted.begin() + static_cast<std::ptrdiff_t>(sorted_bound<true>(s.sorted, r)), r);
        }
        s.returns[s.ret_head] = r;
        s.ret_head = (s.ret_head + 1) % s.returns.size();
        s.ret_count = std::min(s.ret_count + 1, s.returns.size());
    }
    s.has_bar = true;
    s.last_bar_start = bar.bar_start;
    if (deferred_reservations_ > 0 && bar.close.raw() > 0) {
        const uint32_t sym = symbol_index(bar.header.symbol);
        for (OrderTrack& t : tracks_) {
            if (!t.reserve_at_bar || t.sym != sym) continue;
            t.reserve_at_bar = false;
            --deferred_reservations_;
            t.ref_price = bar.close;
            if (t.qty > t.filled) {
                t.reserved = notional(bar.close, t.qty - t.filled);
                s.reserved += t.reserved;
            }
        }
    }
    s.last_price = bar.close;
}

RiskEngine::OrderTrack* RiskEngine::find_track(const IdempotencyKey& key) {
    for (OrderTrack& t : tracks_) {
        if (t.key == key) return &t;
    }
    return nullptr;
}

bool RiskEngine::recently_done(const IdempotencyKey& key) const {
    for (size_t i = 0; i < done_count_; ++i) {
        if (done_[i] == key) return true;
    }
    return false;
}

void RiskEngine::mark_done(const IdempotencyKey& key) {
    done_[done_head_] = key;
    done_head_ = (done_head_ + 1) % done_.size();
    done_count_ = std::min(done_count_ + 1, done_.size());
}

void RiskEngine::on_execution(const ExecutionReport& r) {
    const IdempotencyKey& key = r.header.idempotency_key;
    OrderTrack* t = find_track(key);
    if (t == nullptr) {
        // A late or redelivered report of a finished order (also one finished before a restart).
        if (recently_done(key) || restored_done_.contains(key)) return;
        // An order approved elsewhere (an exit, or an entry from before a restart).
        OrderTrack nt;
        nt.key = key;
        nt.sym = symbol_index(r.header.symbol);
        nt.side = r.side;
        nt.qty = r.qty;
        nt.ref_price = r.avg_fill_price;
        tracks_.push_back(nt);
        t = &tracks_.back();
    }
    SymbolState& s = symbols_[t->sym];

    if (r.filled_qty > t->filled) {
        const Quantity delta = r.filled_qty - t->filled;
        t->filled = r.filled_qty;
        s.position += signed_qty(t->side, delta);
        if (!s.has_bar && r.fill_price.raw() > 0) s.last_price = r.fill_price;
        if (t->reserved > Money{}) {
            const Quantity remaining = t->qty > t->filled ? t->qty - t->filled : Quantity{};
            const Money left = notional(t->ref_price, remaining);
            s.reserved -= t->reserved - left;
            t->reserved = left;
        }
    }

    const bool terminal = r.status == OrderStatus::kFilled || r.status == OrderStatus::kBlocked ||
                          r.status == OrderStatus::kRejected || r.status == OrderStatus::kCanceled;
    if (terminal || t->filled >= t->qty) {
        s.reserved -= t->reserved;
        t->reserved = Money{};
    }

    OrderUpdate u;
    u.symbol = s.symbol;
    u.key = key;
    u.symbol_id = t->sym;
    u.side = t->side;
    u.qty = t->qty;
    u.filled = r.filled_qty;
    u.fill_price = r.fill_price;
    u.terminal = terminal;
    Status st = limits_->on_order_update(u);
    if (!st.ok()) {
        logger("risk")->error("risk state ({}): order update {} not applied: {}",
                              limits_->backend(), key.view(), st.error().to_string());
    }
    if (terminal) {
        if (t->reserve_at_bar) --deferred_reservations_;
        mark_done(key);
        *t = tracks_.back();
        tracks_.pop_back();
    }
}

void RiskEngine::set_position(const Symbol& symbol, Quantity qty, Price last_price) {
    const uint32_t sym = symbol_index(symbol);
    SymbolState& s = symbols_[sym];
    s.position = qty;
    if (last_price.raw() > 0) s.last_price = last_price;
    Status st = limits_->set_position(symbol, sym, qty, last_price);
    if (!st.ok()) {
        logger("risk")->error("risk state ({}): position of {} not stored: {}", limits_->backend(),
                              symbol.view(), st.error().to_string());
    }
}

void RiskEngine::restore_open_order(const IdempotencyKey& key, const Symbol& symbol, Side side,
                                    Quantity qty, Quantity filled, Price ref_price, bool entry) {
    if (find_track(key) != nullptr) return;
    OrderTrack t;
    t.key = key;
    t.sym = symbol_index(symbol);
    t.side = side;
    t.qty = qty;
    t.filled = filled;
    t.ref_price = ref_price;
    if (entry && qty > filled) {
        if (ref_price.raw() > 0) {
            t.reserved = notional(ref_price, qty - filled);
            symbols_[t.sym].reserved += t.reserved;
        } else {
            t.reserve_at_bar = true;
            ++deferred_reservations_;
        }
    }
    tracks_.push_back(t);
}

void RiskEngine::restore_finished_order(const IdempotencyKey& key) { restored_done_.insert(key); }

std::optional<RiskSymbolView> RiskEngine::symbol_view(const Symbol& symbol) const {
    const SymbolState* s = find_symbol(symbol);
    if (s == nullptr) return std::nullopt;
    RiskSymbolView v;
    v.symbol = s->symbol;
    v.position = s->position;
    v.last_price = s->last_price;
    v.reserved = s->reserved;
    v.exposure = exposure_of(*s);
    v.entries_today = s->entries_today;
    v.returns_known = s->ret_count;
    return v;
}

size_t RiskEngine::open_reservations() const {
    size_t n = 0;
    for (const OrderTrack& t : tracks_) {
        if (t.reserved > Money{}) ++n;
    }
    return n;
}

}  // namespace awet
