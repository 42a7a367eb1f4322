#include "awet/execution/execution_engine.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "awet/core/crash_point.hpp"
#include "awet/core/log.hpp"
#include "awet/model/bracket.hpp"

namespace awet {
namespace {

__extension__ typedef __int128 i128;  // GCC/Clang extension; __extension__ keeps -Wpedantic quiet
constexpr int64_t kPpm = 1'000'000;
constexpr int64_t kCent = kFixedScale / 100;  // raw units of one cent

constexpr BracketLeg kLegs[] = {BracketLeg::kTakeProfit, BracketLeg::kStopLoss};

std::string_view broker_word(OrderStatus s) { return to_string(s); }

/// The broker request of a trade row (written ahead with everything the order needs).
OrderRequest request_for(const TradeRow& row) {
    OrderRequest req;
    req.client_order_id = row.idempotency_key;
    req.symbol = row.symbol;
    req.side = row.side;
    req.qty = row.qty;
    req.ts = row.ts;
    req.correlation_id = row.correlation_id;
    req.intent = row.intent;
    req.exit_reason = row.exit_reason;
    return req;
}

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

ExecutionEngine::ExecutionEngine(const ExecutionConfig& config, Broker& broker, Store* store,
                                 uint64_t seed, const ExitConfig* exits)
    : gate_(config), broker_(broker), store_(store), headers_(Source::kExecution, seed) {
    broker_.set_listener(this);
    if (config.bracket_orders) {
        if (exits != nullptr) {
            brackets_ = *exits;
        } else {
            logger("execution")
                ->error(
                    "execution.bracket_orders is set but this execution engine has no exits "
                    "configuration: entries are sent without bracket legs");
        }
    }
}

ExecutionEngine::~ExecutionEngine() { broker_.set_listener(nullptr); }

void ExecutionEngine::persist(const TradeRow& row) {
    if (store_ == nullptr) return;
    // Committed with the store's next batch: a lost update is recovered from the broker's truth
    // by reconciliation; only the insert before a broker call must be durable at once.
    Status s = store_->update_trade(row);
    if (!s.ok()) ++stats_.store_errors;
}

ExecutionReport ExecutionEngine::make_report(OrderInfo& info, OrderStatus status, Timestamp ts) {
    const TradeRow& row = info.row;
    ExecutionReport r;
    r.header = headers_.derive(info.decision_header, row.idempotency_key, ts, ts);
    r.broker_order_id = FixedString<47>(row.alpaca_order_id);
    r.intent = row.intent;
    r.exit_reason = row.exit_reason;
    r.side = row.side;
    r.status = status;
    r.qty = row.qty;
    r.filled_qty = row.filled_qty;
    r.avg_fill_price = row.avg_fill_price;
    r.filled_at = row.filled_at;
    r.dry_run = row.dry_run;
    r.block_reason = FixedString<63>(row.block_reason);
    return r;
}

void ExecutionEngine::on_decision(const RiskDecision& d, Timestamp now,
                                  std::vector<ExecutionReport>& out) {
    if (!d.approved) return;
    const IdempotencyKey& key = d.header.idempotency_key;
    if (seen_.contains(key)) {
        ++stats_.duplicates;
        return;
    }

    OrderInfo info;
    info.decision_header = d.header;
    TradeRow& row = info.row;
    row.ts = now;
    row.symbol = d.header.symbol;
    row.side = d.side;
    row.qty = d.qty;
    row.correlation_id = d.header.correlation_id;
    row.idempotency_key = key;
    row.paper_trade = kPaperTradeOnly;
    row.intent = d.intent;
    row.exit_reason = d.exit_reason;

    std::optional<Block> block = key.empty()        ? Block{BlockReason::kMissingIdempotencyKey}
                                 : !halted_.empty() ? Block{BlockReason::kHalted, halted_}
                                                    : gate_.check(broker_);
    if (block) {
        row.status = OrderStatus::kBlocked;
        row.dry_run = block->reason == BlockReason::kDryRun;
        row.block_reason = block->text();
    } else {
        row.status = OrderStatus::kPending;
    }

    std::optional<BracketLegs> bracket;
    if (brackets_ && d.intent == OrderIntent::kEntry && row.status != OrderStatus::kBlocked) {
        bracket = bracket_legs_for(d.side, d.ref_price, brackets_->take_profit_pct,
                                   brackets_->stop_loss_pct);
        if (!bracket || !bracket_leg_key(key, BracketLeg::kTakeProfit)) {
            logger("execution")
                ->warn(
                    "entry {}: no bracket legs (reference price {}, or key too long); sent "
                    "plain, the exit agent keeps its take-profit / stop-loss",
                    key.view(), d.ref_price.to_string());
            bracket.reset();
        }
    }

    // Write-ahead: the trade row is committed before the broker hears of the order, so a restart
    // can never send the same key twice. A bracket's leg rows are committed with it.
    if (store_ != nullptr && !key.empty()) {
        Result<bool> inserted = store_->insert_trade(row);
        if (inserted.ok() && *inserted && bracket) write_legs(info);
        // A blocked order never reaches the broker: it rides the batch like any other row.
        Status flushed = !inserted.ok()                        ? Status(inserted.error())
                         : row.status == OrderStatus::kBlocked ? Status::Ok()
                                                               : store_->flush();
        if (inserted.ok() && !*inserted) {
            seen_.insert(key);
            ++stats_.duplicates;
            resume_after_restart(key, out);
            return;
        }
        if (!flushed.ok()) {
            ++stats_.store_errors;
            if (row.status != OrderStatus::kBlocked) {
                // Without a durable record the order could be sent twice after a restart.
                row.status = OrderStatus::kBlocked;
                row.block_reason =
                    Block{BlockReason::kStoreUnavailable, flushed.error().message}.text();
                if (inserted.ok()) persist(row);
            }
        }
    } else if (bracket && !key.empty()) {
        write_legs(info);
    }
    if (!key.empty()) seen_.insert(key);

    if (row.status == OrderStatus::kBlocked) {
        ++stats_.blocked;
        info.terminal = true;
        out.push_back(make_report(info, OrderStatus::kBlocked, now));
        if (bracket) {
            // The legs never reach the broker either.
            for (BracketLeg leg : kLegs) {
                auto it = orders_.find(*bracket_leg_key(key, leg));
                if (it == orders_.end() || it->second.terminal) continue;
                it->second.row.status = OrderStatus::kBlocked;
                it->second.row.block_reason = row.block_reason;
                it->second.terminal = true;
                persist(it->second.row);
                out.push_back(make_report(it->second, OrderStatus::kBlocked, now));
            }
        }
        if (!key.empty()) orders_.insert_or_assign(key, std::move(info));
        return;
    }

    // Kept before the call so a broker that reports synchronously finds the order.
    OrderInfo& kept = orders_.insert_or_assign(key, std::move(info)).first->second;
    if (d.intent == OrderIntent::kExit) {
        if (std::optional<IdempotencyKey> parent = bracket_parent_of(kept.row)) {
            exit_bracket(kept, *parent, now, out);
            return;
        }
    }
    submit_row(kept, bracket, now, out);
}

void ExecutionEngine::write_legs(const OrderInfo& entry) {
    for (BracketLeg leg : kLegs) {
        OrderInfo info;
        info.decision_header = entry.decision_header;
        TradeRow& row = info.row;
        row = entry.row;
        row.idempotency_key = *bracket_leg_key(entry.row.idempotency_key, leg);
        info.decision_header.idempotency_key = row.idempotency_key;
        row.side = opposite(entry.row.side);
        row.intent = OrderIntent::kExit;
        row.exit_reason = exit_reason_of(leg);
        row.status = OrderStatus::kPending;
        row.alpaca_status = "held";  // rests at the broker until the entry fills
        if (store_ != nullptr) {
            Result<bool> inserted = store_->insert_trade(row);
            if (!inserted.ok()) {
                ++stats_.store_errors;
            } else if (!*inserted) {
                logger("execution")
                    ->warn("bracket leg {} already in trades", row.idempotency_key.view());
            }
        }
        seen_.insert(row.idempotency_key);
        orders_.insert_or_assign(row.idempotency_key, std::move(info));
    }
    bracket_by_correlation_.insert_or_assign(entry.row.correlation_id, entry.row.idempotency_key);
}

void ExecutionEngine::submit_row(OrderInfo& kept, const std::optional<BracketLegs>& bracket,
                                 Timestamp now, std::vector<ExecutionReport>& out) {
    OrderRequest request = request_for(kept.row);
    request.bracket = bracket;
    Result<BrokerOrder> sent = broker_.submit(request);
    crash_point("order.submit");

    TradeRow& r = kept.row;
    if (sent.ok()) {
        ++stats_.submitted;
        if (bracket) ++stats_.bracket_entries;
        if (r.alpaca_order_id.empty()) r.alpaca_order_id = sent->broker_order_id;
        if (r.status == OrderStatus::kPending) r.alpaca_status = sent->broker_status;
        persist(r);
        out.push_back(make_report(kept, OrderStatus::kPending, now));
    } else if (sent.error().code == ErrorCode::kOutcomeUnknown) {
        // The broker may hold the order: keep it pending under its key, never resend; fills or a
        // reconciliation by client order id settle it.
        ++stats_.unknown;
        r.alpaca_status = "unknown";
        r.block_reason = Block{BlockReason::kOutcomeUnknown, sent.error().message}.text();
        persist(r);
        out.push_back(make_report(kept, OrderStatus::kPending, now));
    } else {
        ++stats_.rejected;
        r.status = OrderStatus::kRejected;
        r.alpaca_status = "rejected";
        r.block_reason = Block{BlockReason::kBrokerRejected, sent.error().to_string()}.text();
        kept.terminal = true;
        persist(r);
        out.push_back(make_report(kept, OrderStatus::kRejected, now));
    }
    if (!bracket) return;
    const IdempotencyKey parent = r.idempotency_key;
    const OrderStatus parent_status = r.status;
    const std::string parent_reason = r.block_reason;
    for (BracketLeg leg : kLegs) {
        const IdempotencyKey key = *bracket_leg_key(parent, leg);
        auto it = orders_.find(key);
        if (it == orders_.end() || it->second.terminal) continue;
        OrderInfo& info = it->second;
        if (parent_status == OrderStatus::kRejected) {
            info.row.status = OrderStatus::kRejected;
            info.row.alpaca_status = "rejected";
            info.row.block_reason = parent_reason;
            info.terminal = true;
            persist(info.row);
            out.push_back(make_report(info, OrderStatus::kRejected, now));
            continue;
        }
        if (sent.ok()) {
            for (const BrokerOrder& l : sent->legs) {
                // By our id when the broker kept it, else by kind (limit: take-profit).
                const bool match = l.client_order_id == key ||
                                   (leg == BracketLeg::kTakeProfit ? l.limit_price > Price{}
                                                                   : l.stop_price > Price{});
                if (!match) continue;
                info.row.alpaca_order_id = l.broker_order_id;
                info.row.alpaca_status = l.broker_status;
                leg_by_broker_id_.insert_or_assign(l.broker_order_id, key);
                break;
            }
        } else {
            info.row.alpaca_status = "unknown";
            info.row.block_reason = parent_reason;
        }
        persist(info.row);
        out.push_back(make_report(info, OrderStatus::kPending, now));
    }
}

std::optional<IdempotencyKey> ExecutionEngine::bracket_parent_of(const TradeRow& exit_row) {
    if (exit_row.intent != OrderIntent::kExit ||
        parse_bracket_leg_key(exit_row.idempotency_key.view())) {
        return std::nullopt;
    }
    IdempotencyKey parent;
    if (auto it = bracket_by_correlation_.find(exit_row.correlation_id);
        it != bracket_by_correlation_.end()) {
        parent = it->second;
    } else if (brackets_ && store_ != nullptr) {
        // After a restart: the entry of the same correlation id whose leg rows exist.
        TradeQuery query;
        query.correlation_id = exit_row.correlation_id;
        auto rows = store_->load_trades(query);
        if (!rows.ok()) {
            ++stats_.store_errors;
            return std::nullopt;
        }
        for (const TradeRow& t : *rows) {
            if (t.intent != OrderIntent::kEntry || !(t.symbol == exit_row.symbol)) continue;
            const auto tp = bracket_leg_key(t.idempotency_key, BracketLeg::kTakeProfit);
            if (tp && find_or_restore(*tp) != nullptr) parent = t.idempotency_key;
        }
    }
    if (parent.empty()) return std::nullopt;
    const auto tp = bracket_leg_key(parent, BracketLeg::kTakeProfit);
    if (!tp || find_or_restore(*tp) == nullptr) return std::nullopt;
    return parent;
}

void ExecutionEngine::exit_bracket(OrderInfo& exit, const IdempotencyKey& parent, Timestamp now,
                                   std::vector<ExecutionReport>& out) {
    // Not released from a callback while we work on it (a retry of a parked exit).
    const bool was_parked = parked_.erase(parent) > 0;
    // 1. Cancel the legs still open (a synchronous broker reports the cancel at once).
    for (BracketLeg leg : kLegs) {
        const IdempotencyKey key = *bracket_leg_key(parent, leg);
        OrderInfo* l = find_or_restore(key);
        if (l == nullptr || l->terminal) continue;
        Status st = broker_.cancel(key.view());
        if (st.ok()) {
            ++stats_.leg_cancels;
        } else {
            logger("execution")
                ->info("exit {}: cancel of leg {}: {}", exit.row.idempotency_key.view(), key.view(),
                       st.error().to_string());
        }
    }
    // 2. The broker's truth for legs not finished here: one may have filled while we canceled
    //    (its fill is applied now; the stream's copy later is recognised as a duplicate).
    for (BracketLeg leg : kLegs) {
        const IdempotencyKey key = *bracket_leg_key(parent, leg);
        OrderInfo* l = find_or_restore(key);
        if (l == nullptr || l->terminal) continue;
        Result<BrokerOrder> o = broker_.get_order(key.view());
        if (o.ok()) apply_broker_truth(*l, *o, now, nullptr);
    }
    // Leg reports produced above go out before the exit's own.
    drain(out);
    // 3. Sell what the legs left, once both are finished; else wait for the broker to end them.
    parked_.insert_or_assign(parent, exit.row.idempotency_key);
    if (release_exit(exit, parent, now, out)) return;
    exit.row.alpaca_status = "awaiting_leg_cancel";
    exit.row.block_reason = Block{BlockReason::kAwaitingLegCancel}.text();
    persist(exit.row);
    if (!was_parked) out.push_back(make_report(exit, OrderStatus::kPending, now));
}

bool ExecutionEngine::release_exit(OrderInfo& exit, const IdempotencyKey& parent, Timestamp now,
                                   std::vector<ExecutionReport>& out) {
    Quantity legs_filled;
    for (BracketLeg leg : kLegs) {
        const OrderInfo* l = find_or_restore(*bracket_leg_key(parent, leg));
        if (l == nullptr) continue;
        if (!l->terminal) return false;
        legs_filled += l->row.filled_qty;
    }
    parked_.erase(parent);
    const OrderInfo* entry = find_or_restore(parent);
    const Quantity held = entry != nullptr ? entry->row.filled_qty - legs_filled : Quantity{};
    TradeRow& row = exit.row;
    if (block_reason_of(row.block_reason) == BlockReason::kAwaitingLegCancel) {
        row.block_reason.clear();
    }
    if (held <= Quantity{}) {
        // A leg closed the position while we canceled: nothing left to sell.
        ++stats_.exits_closed_by_leg;
        row.status = OrderStatus::kCanceled;
        row.alpaca_status = "not_sent";
        row.block_reason = Block{BlockReason::kClosedByBracketLeg}.text();
        exit.terminal = true;
        persist(row);
        out.push_back(make_report(exit, OrderStatus::kCanceled, now));
        return true;
    }
    row.qty = std::min(row.qty, held);
    if (std::optional<Block> block = gate_.check(broker_)) {
        // The gate closed while the legs were being canceled.
        ++stats_.blocked;
        row.status = OrderStatus::kBlocked;
        row.dry_run = block->reason == BlockReason::kDryRun;
        row.block_reason = block->text();
        exit.terminal = true;
        persist(row);
        out.push_back(make_report(exit, OrderStatus::kBlocked, now));
        return true;
    }
    row.alpaca_status.clear();
    submit_row(exit, std::nullopt, now, out);
    return true;
}

void ExecutionEngine::on_leg_update(const IdempotencyKey& leg_key, Timestamp ts) {
    const std::optional<BracketLegRef> ref = parse_bracket_leg_key(leg_key.view());
    if (!ref) return;
    auto it = parked_.find(ref->parent);
    if (it == parked_.end()) return;
    OrderInfo* exit = find_or_restore(it->second);
    if (exit == nullptr || exit->terminal) {
        parked_.erase(it);
        return;
    }
    const IdempotencyKey parent = ref->parent;
    release_exit(*exit, parent, ts, queue_);
}

IdempotencyKey ExecutionEngine::our_key(const IdempotencyKey& cid,
                                        const std::string& broker_order_id) const {
    if (!broker_order_id.empty()) {
        if (auto it = leg_by_broker_id_.find(broker_order_id); it != leg_by_broker_id_.end()) {
            return it->second;
        }
    }
    return cid;
}

void ExecutionEngine::resume_after_restart(const IdempotencyKey& key,
                                           std::vector<ExecutionReport>& out) {
    if (orders_.contains(key)) return;  // handled by this process: a plain redelivery
    OrderInfo* info = find_or_restore(key);
    if (info == nullptr || info->terminal || info->row.status != OrderStatus::kPending) return;
    // The row was written ahead, then the process stopped: did the order reach the broker? Ask by
    // client order id; only a definite "no such order" sends it now (the same id, so even a
    // broker that raced us keeps one order).
    Result<BrokerOrder> known = broker_.get_order(key.view());
    if (known.ok()) return;  // it did; its fills arrive as usual
    if (known.error().code != ErrorCode::kNotFound) {
        logger("execution")
            ->warn("order {} pending after a restart, broker lookup failed: {}", key.view(),
                   known.error().to_string());
        return;  // left pending: reconciliation settles it
    }
    send_unknown_order(*info, out);
}

bool ExecutionEngine::send_unknown_order(OrderInfo& info, std::vector<ExecutionReport>& out) {
    TradeRow& row = info.row;
    const std::string_view key = row.idempotency_key.view();
    if (parse_bracket_leg_key(key)) {
        // Legs exist only as part of their entry's bracket at the broker; never sent alone.
        logger("execution")->warn("bracket leg {} not at the broker: not sent alone", key);
        return false;
    }
    if (row.intent == OrderIntent::kExit) {
        if (std::optional<IdempotencyKey> parent = bracket_parent_of(row)) {
            exit_bracket(info, *parent, row.ts, out);  // legs first, as for a fresh decision
            return !parked_.contains(*parent);         // false: still waiting for a leg
        }
    }
    if (row.intent == OrderIntent::kEntry) {
        // The leg prices were not stored: resent plain, its leg rows are closed, and the exit
        // agent keeps this lot's take-profit / stop-loss itself.
        for (BracketLeg leg : kLegs) {
            const auto leg_key = bracket_leg_key(row.idempotency_key, leg);
            OrderInfo* l = leg_key ? find_or_restore(*leg_key) : nullptr;
            if (l == nullptr || l->terminal) continue;
            l->row.status = OrderStatus::kCanceled;
            l->row.alpaca_status = "not_sent";
            l->row.block_reason =
                Block{BlockReason::kBracketNotResent, "entry resent after a restart"}.text();
            l->terminal = true;
            persist(l->row);
            out.push_back(make_report(*l, OrderStatus::kCanceled, row.ts));
        }
    }
    if (std::optional<Block> block = gate_.check(broker_)) {
        logger("execution")->warn("order {} not at the broker, not sent: {}", key, block->text());
        return false;  // left pending
    }
    Result<BrokerOrder> sent = broker_.submit(request_for(row));
    if (!sent.ok()) {
        logger("execution")
            ->warn("order {} not at the broker, sending failed: {}", key, sent.error().to_string());
        return false;
    }
    ++stats_.submitted;
    ++stats_.resumed;
    row.alpaca_order_id = sent->broker_order_id;
    row.alpaca_status = sent->broker_status;
    persist(row);
    out.push_back(make_report(info, OrderStatus::kPending, row.ts));
    return true;
}

Result<OrderSyncReport> ExecutionEngine::reconcile_with_broker(Timestamp since, Timestamp now) {
    OrderSyncReport report;
    if (store_ == nullptr) return report;
    TradeQuery query;
    query.from = since;
    auto rows = store_->load_trades(query);
    if (!rows.ok()) return rows.error();
    for (const TradeRow& stored : *rows) {
        if (stored.status != OrderStatus::kPending &&
            stored.status != OrderStatus::kPartiallyFilled) {
            continue;
        }
        ++report.checked;
        OrderInfo* info = find_or_restore(stored.idempotency_key);
        if (info == nullptr || info->terminal) continue;
        const std::string key(stored.idempotency_key.view());
        Result<BrokerOrder> at_broker = broker_.get_order(key);
        if (!at_broker.ok()) {
            if (at_broker.error().code == ErrorCode::kNotFound &&
                info->row.status == OrderStatus::kPending && info->row.filled_qty.is_zero()) {
                std::vector<ExecutionReport> sent;
                if (send_unknown_order(*info, sent)) {
                    ++report.resent;
                    queue_.insert(queue_.end(), sent.begin(), sent.end());
                    continue;
                }
            }
            ++report.unresolved;
            logger("execution")
                ->warn("reconciliation: order {} not settled: {}", key,
                       at_broker.error().to_string());
            continue;
        }
        const BrokerOrder& o = *at_broker;
        for (const BrokerOrder& l : o.legs) {
            if (parse_bracket_leg_key(l.client_order_id.view()) && !l.broker_order_id.empty()) {
                leg_by_broker_id_.insert_or_assign(l.broker_order_id, l.client_order_id);
            }
        }
        const Quantity before = info->row.filled_qty;
        bool closed = false;
        apply_broker_truth(*info, o, now, &closed);
        if (info->row.filled_qty > before) ++report.fills_recovered;
        if (closed) ++report.closed;
    }
    if (report.fills_recovered + report.closed + report.resent > 0) {
        logger("execution")
            ->info(
                "reconciliation: {} open orders checked, {} fills recovered, {} closed, {} "
                "sent, {} unresolved",
                report.checked, report.fills_recovered, report.closed, report.resent,
                report.unresolved);
    }
    return report;
}

bool ExecutionEngine::apply_broker_truth(OrderInfo& info, const BrokerOrder& o, Timestamp now,
                                         bool* closed) {
    bool changed = false;
    const IdempotencyKey key = info.row.idempotency_key;
    if (parse_bracket_leg_key(key.view()) && !o.broker_order_id.empty()) {
        leg_by_broker_id_.insert_or_assign(o.broker_order_id, key);
    }
    if (o.filled_qty > info.row.filled_qty) {
        // Fills the store never saw: one fill for the difference, priced so that the order's
        // average matches the broker's.
        const Quantity delta = o.filled_qty - info.row.filled_qty;
        const Money cost = notional(o.avg_fill_price, o.filled_qty) - info.fill_cost;
        Fill f;
        f.fill_id = "reconciled-" + o.broker_order_id + "-" + o.filled_qty.to_string();
        f.client_order_id = key;
        f.broker_order_id = o.broker_order_id;
        f.symbol = info.row.symbol;
        f.side = info.row.side;
        f.qty = delta;
        f.price = average_price(cost, delta);
        // The broker's fees of the fills the store never saw (SimBroker reports them; Alpaca
        // charges none).
        if (o.fees > info.row.fees) f.fees = o.fees - info.row.fees;
        f.ts = o.updated_at.is_set() ? o.updated_at : now;
        f.order_done = o.status == OrderStatus::kFilled;
        f.cum_qty = o.filled_qty;
        on_fill(f);
        changed = true;
    }
    if (o.status == OrderStatus::kCanceled || o.status == OrderStatus::kRejected) {
        BrokerOrder update = o;
        update.client_order_id = key;
        on_order_update(update);
        if (closed != nullptr) *closed = true;
        changed = true;
    }
    return changed;
}

Result<std::vector<PositionMismatch>> ExecutionEngine::check_positions(Timestamp since) {
    std::map<Symbol, Quantity> stored;
    if (store_ != nullptr) {
        TradeQuery query;
        query.from = since;
        auto rows = store_->load_trades(query);
        if (!rows.ok()) return rows.error();
        for (const TradeRow& t : *rows) {
            // The in-memory row is fresher than a batched store write.
            auto it = orders_.find(t.idempotency_key);
            const TradeRow& row = it != orders_.end() ? it->second.row : t;
            if (row.filled_qty.is_zero()) continue;
            stored[row.symbol] += row.side == Side::kBuy ? row.filled_qty : -row.filled_qty;
        }
    }
    auto at_broker = broker_.positions();
    if (!at_broker.ok()) return at_broker.error();
    return compare_positions(stored, *at_broker);
}

ExecutionEngine::OrderInfo* ExecutionEngine::find_or_restore(const IdempotencyKey& key) {
    if (auto it = orders_.find(key); it != orders_.end()) return &it->second;
    if (store_ == nullptr) return nullptr;
    Result<std::optional<TradeRow>> found = store_->find_trade(key.view());
    if (!found.ok()) {
        ++stats_.store_errors;
        return nullptr;
    }
    if (!found->has_value()) return nullptr;
    OrderInfo info;
    info.row = std::move(**found);
    info.decision_header.correlation_id = info.row.correlation_id;
    info.decision_header.symbol = info.row.symbol;
    info.decision_header.idempotency_key = key;
    info.fill_cost = notional(info.row.avg_fill_price, info.row.filled_qty);
    info.terminal =
        info.row.status == OrderStatus::kFilled || info.row.status == OrderStatus::kBlocked ||
        info.row.status == OrderStatus::kRejected || info.row.status == OrderStatus::kCanceled;
    if (auto leg = parse_bracket_leg_key(key.view())) {
        bracket_by_correlation_.emplace(info.row.correlation_id, leg->parent);
        if (!info.row.alpaca_order_id.empty()) {
            leg_by_broker_id_.insert_or_assign(info.row.alpaca_order_id, key);
        }
    }
    seen_.insert(key);
    return &orders_.insert_or_assign(key, std::move(info)).first->second;
}

void ExecutionEngine::on_fill(const Fill& fill) {
    if (!fill_ids_.insert(fill.fill_id).second) {
        ++stats_.duplicate_fills;
        return;
    }
    const IdempotencyKey key = our_key(fill.client_order_id, fill.broker_order_id);
    OrderInfo* info = find_or_restore(key);
    if (info == nullptr || info->row.status == OrderStatus::kBlocked) {
        ++stats_.orphan_fills;
        return;
    }
    TradeRow& row = info->row;
    if (!fill.cum_qty.is_zero() && row.filled_qty >= fill.cum_qty) {
        // Already in the stored row: a fill replayed to a restarted engine.
        ++stats_.duplicate_fills;
        return;
    }
    row.filled_qty += fill.qty;
    info->fill_cost += notional(fill.price, fill.qty);
    row.avg_fill_price = average_price(info->fill_cost, row.filled_qty);
    row.fees += fill.fees;
    row.filled_at = fill.ts;
    if (!fill.broker_order_id.empty()) row.alpaca_order_id = fill.broker_order_id;
    // An earlier execution of this order never reached us (the broker's cumulative quantity is
    // ahead of ours): the order stays open, so that reconcile_with_broker() fetches the rest at
    // the broker's average price, even when the broker says this fill completed it.
    const bool gap = !fill.cum_qty.is_zero() && row.filled_qty < fill.cum_qty;
    if (gap) ++stats_.fill_gaps;
    const bool done = !gap && (fill.order_done || row.filled_qty >= row.qty);
    row.status = done ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
    row.alpaca_status = broker_word(row.status);
    if (block_reason_of(row.block_reason) == BlockReason::kOutcomeUnknown) {
        row.block_reason.clear();
    }
    info->terminal = done;
    persist(row);
    crash_point("fill");
    ++stats_.fills;

    ExecutionReport r = make_report(*info, row.status, fill.ts);
    r.fill_qty = fill.qty;
    r.fill_price = fill.price;
    r.fees = fill.fees;
    queue_.push_back(r);
    if (done) on_leg_update(key, fill.ts);
}

void ExecutionEngine::on_order_update(const BrokerOrder& order) {
    if (order.status != OrderStatus::kCanceled && order.status != OrderStatus::kRejected) return;
    const IdempotencyKey key = our_key(order.client_order_id, order.broker_order_id);
    OrderInfo* info = find_or_restore(key);
    if (info == nullptr || info->terminal) return;
    TradeRow& row = info->row;
    row.status = order.status;
    row.alpaca_status = order.broker_status;
    if (row.alpaca_order_id.empty()) row.alpaca_order_id = order.broker_order_id;
    info->terminal = true;
    persist(row);
    queue_.push_back(make_report(*info, order.status, order.updated_at));
    on_leg_update(key, order.updated_at);
}

void ExecutionEngine::drain(std::vector<ExecutionReport>& out) {
    out.insert(out.end(), queue_.begin(), queue_.end());
    queue_.clear();
}

}  // namespace awet
