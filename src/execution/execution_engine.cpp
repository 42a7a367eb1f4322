#include "awet/execution/execution_engine.hpp"

#include <algorithm>
#include <utility>

#include "awet/core/crash_point.hpp"
#include "awet/core/log.hpp"
#include "order_request.hpp"

namespace awet {

namespace {

std::optional<ExitConfig> bracket_percentages(const ExecutionConfig& config,
                                              const ExitConfig* exits) {
    if (!config.bracket_orders) return std::nullopt;
    if (exits == nullptr) {
        logger("execution")
            ->error(
                "execution.bracket_orders is set but this execution engine has no exits "
                "configuration: entries are sent without bracket legs");
        return std::nullopt;
    }
    return *exits;
}

}  // namespace

ExecutionEngine::ExecutionEngine(const ExecutionConfig& config, Broker& broker, TradeLedger* store,
                                 uint64_t seed, const ExitConfig* exits)
    : gate_(config),
      broker_(broker),
      store_(store),
      headers_(Source::kExecution, seed),
      brackets_(bracket_percentages(config, exits)) {
    broker_.set_listener(this);
    tracker_.set_restore_hook([this](const TrackedOrder& o) { brackets_.learn(o); });
}

ExecutionEngine::~ExecutionEngine() { broker_.set_listener(nullptr); }

ExecutionReport ExecutionEngine::make_report(const TrackedOrder& order, OrderStatus status,
                                             Timestamp ts) {
    const TradeRow& row = order.row;
    ExecutionReport r;
    r.header = headers_.derive(order.decision_header, row.idempotency_key, ts, ts);
    // The broker's id as it gave it, or none when it does not fit the event's field (the trade
    // row keeps it whole): never a cut id.
    if (auto id = BrokerOrderId::parse(row.alpaca_order_id)) r.broker_order_id = *id;
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
    if (tracker_.seen(key)) {
        ++stats_.duplicates;
        return;
    }

    TrackedOrder order;
    order.decision_header = d.header;
    TradeRow& row = order.row;
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
    if (brackets_.enabled() && d.intent == OrderIntent::kEntry &&
        row.status != OrderStatus::kBlocked) {
        bracket = brackets_.legs_for(d.side, d.ref_price, key);
    }

    // Write-ahead: the trade row is committed before the broker hears of the order, so a restart
    // can never send the same key twice. A bracket's leg rows are committed with it.
    if (store_ != nullptr && !key.empty()) {
        Result<bool> inserted = store_->insert_trade(row);
        if (inserted.ok() && *inserted && bracket) write_legs(order);
        // A blocked order never reaches the broker: it rides the batch like any other row.
        Status flushed = !inserted.ok()                        ? Status(inserted.error())
                         : row.status == OrderStatus::kBlocked ? Status::Ok()
                                                               : store_->flush();
        if (inserted.ok() && !*inserted) {
            tracker_.mark_seen(key);
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
                if (inserted.ok()) tracker_.persist(row);
            }
        }
    } else if (bracket && !key.empty()) {
        write_legs(order);
    }
    if (!key.empty()) tracker_.mark_seen(key);

    if (row.status == OrderStatus::kBlocked) {
        ++stats_.blocked;
        order.terminal = true;
        out.push_back(make_report(order, OrderStatus::kBlocked, now));
        if (bracket) block_legs(order, now, out);  // the legs never reach the broker either
        if (!key.empty()) tracker_.keep(std::move(order));
        return;
    }

    // Kept before the call so a broker that reports synchronously finds the order.
    TrackedOrder& kept = tracker_.keep(std::move(order));
    if (d.intent == OrderIntent::kExit) {
        if (std::optional<IdempotencyKey> parent = bracket_parent_of(kept)) {
            exit_bracket(kept, *parent, now, out);
            return;
        }
    }
    submit_row(kept, bracket, now, out);
}

void ExecutionEngine::write_legs(const TrackedOrder& entry) {
    const auto keys = BracketBook::leg_keys(entry.row.idempotency_key);
    for (size_t i = 0; i < kBracketLegs.size(); ++i) {
        TrackedOrder leg;
        leg.decision_header = entry.decision_header;
        leg.leg = BracketLegRef{entry.row.idempotency_key, kBracketLegs[i]};
        TradeRow& row = leg.row;
        row = entry.row;
        row.idempotency_key = keys[i];
        leg.decision_header.idempotency_key = row.idempotency_key;
        row.side = opposite(entry.row.side);
        row.intent = OrderIntent::kExit;
        row.exit_reason = exit_reason_of(kBracketLegs[i]);
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
        tracker_.mark_seen(row.idempotency_key);
        tracker_.keep(std::move(leg));
    }
    brackets_.remember_entry(entry.row.correlation_id, entry.row.idempotency_key);
}

void ExecutionEngine::block_legs(const TrackedOrder& entry, Timestamp now,
                                 std::vector<ExecutionReport>& out) {
    for (const IdempotencyKey& key : BracketBook::leg_keys(entry.row.idempotency_key)) {
        TrackedOrder* leg = tracker_.find(key);
        if (leg == nullptr || leg->terminal) continue;
        leg->row.status = OrderStatus::kBlocked;
        leg->row.block_reason = entry.row.block_reason;
        leg->terminal = true;
        tracker_.persist(leg->row);
        out.push_back(make_report(*leg, OrderStatus::kBlocked, now));
    }
}

void ExecutionEngine::submit_row(TrackedOrder& kept, const std::optional<BracketLegs>& bracket,
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
        tracker_.persist(r);
        out.push_back(make_report(kept, OrderStatus::kPending, now));
    } else if (sent.error().code == ErrorCode::kOutcomeUnknown) {
        // The broker may hold the order: keep it pending under its key, never resend; fills or a
        // reconciliation by client order id settle it.
        ++stats_.unknown;
        r.alpaca_status = "unknown";
        r.block_reason = Block{BlockReason::kOutcomeUnknown, sent.error().message}.text();
        tracker_.persist(r);
        out.push_back(make_report(kept, OrderStatus::kPending, now));
    } else {
        ++stats_.rejected;
        r.status = OrderStatus::kRejected;
        r.alpaca_status = "rejected";
        r.block_reason = Block{BlockReason::kBrokerRejected, sent.error().to_string()}.text();
        kept.terminal = true;
        tracker_.persist(r);
        out.push_back(make_report(kept, OrderStatus::kRejected, now));
    }
    if (!bracket) return;
    const OrderStatus parent_status = r.status;
    const std::string parent_reason = r.block_reason;
    const auto keys = BracketBook::leg_keys(r.idempotency_key);
    for (size_t i = 0; i < kBracketLegs.size(); ++i) {
        TrackedOrder* leg = tracker_.find(keys[i]);
        if (leg == nullptr || leg->terminal) continue;
        if (parent_status == OrderStatus::kRejected) {
            leg->row.status = OrderStatus::kRejected;
            leg->row.alpaca_status = "rejected";
            leg->row.block_reason = parent_reason;
            leg->terminal = true;
            tracker_.persist(leg->row);
            out.push_back(make_report(*leg, OrderStatus::kRejected, now));
            continue;
        }
        if (sent.ok()) {
            for (const BrokerOrder& l : sent->legs) {
                // By our id when the broker kept it, else by kind (limit: take-profit).
                const bool match =
                    l.client_order_id == keys[i] ||
                    (kBracketLegs[i] == BracketLeg::kTakeProfit ? l.limit_price > Price{}
                                                                : l.stop_price > Price{});
                if (!match) continue;
                leg->row.alpaca_order_id = l.broker_order_id;
                leg->row.alpaca_status = l.broker_status;
                brackets_.map_broker_id(l.broker_order_id, keys[i]);
                break;
            }
        } else {
            leg->row.alpaca_status = "unknown";
            leg->row.block_reason = parent_reason;
        }
        tracker_.persist(leg->row);
        out.push_back(make_report(*leg, OrderStatus::kPending, now));
    }
}

std::optional<IdempotencyKey> ExecutionEngine::bracket_parent_of(const TrackedOrder& exit) {
    const TradeRow& exit_row = exit.row;
    if (exit_row.intent != OrderIntent::kExit || exit.leg) return std::nullopt;
    IdempotencyKey parent;
    if (auto entry = brackets_.entry_of(exit_row.correlation_id)) {
        parent = *entry;
    } else if (brackets_.enabled() && store_ != nullptr) {
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
            const IdempotencyKey tp = BracketBook::leg_keys(t.idempotency_key)[0];
            if (!tp.empty() && tracker_.find_or_restore(tp) != nullptr) parent = t.idempotency_key;
        }
    }
    if (parent.empty()) return std::nullopt;
    const IdempotencyKey tp = BracketBook::leg_keys(parent)[0];
    if (tp.empty() || tracker_.find_or_restore(tp) == nullptr) return std::nullopt;
    return parent;
}

void ExecutionEngine::exit_bracket(TrackedOrder& exit, const IdempotencyKey& parent, Timestamp now,
                                   std::vector<ExecutionReport>& out) {
    // Not released from a callback while we work on it (a retry of a parked exit).
    const bool was_parked = brackets_.unpark(parent);
    const auto keys = BracketBook::leg_keys(parent);
    // 1. Cancel the legs still open (a synchronous broker reports the cancel at once).
    for (const IdempotencyKey& key : keys) {
        TrackedOrder* leg = tracker_.find_or_restore(key);
        if (leg == nullptr || leg->terminal) continue;
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
    for (const IdempotencyKey& key : keys) {
        TrackedOrder* leg = tracker_.find_or_restore(key);
        if (leg == nullptr || leg->terminal) continue;
        Result<BrokerOrder> o = broker_.get_order(key.view());
        if (o.ok()) apply_broker_truth(*leg, *o, now, nullptr);
    }
    // Leg reports produced above go out before the exit's own.
    drain(out);
    // 3. Sell what the legs left, once both are finished; else wait for the broker to end them.
    brackets_.park(parent, exit.row.idempotency_key);
    if (release_exit(exit, parent, now, out)) return;
    exit.row.alpaca_status = "awaiting_leg_cancel";
    exit.row.block_reason = Block{BlockReason::kAwaitingLegCancel}.text();
    tracker_.persist(exit.row);
    if (!was_parked) out.push_back(make_report(exit, OrderStatus::kPending, now));
}

bool ExecutionEngine::release_exit(TrackedOrder& exit, const IdempotencyKey& parent, Timestamp now,
                                   std::vector<ExecutionReport>& out) {
    Quantity legs_filled;
    for (const IdempotencyKey& key : BracketBook::leg_keys(parent)) {
        const TrackedOrder* leg = tracker_.find_or_restore(key);
        if (leg == nullptr) continue;
        if (!leg->terminal) return false;
        legs_filled += leg->row.filled_qty;
    }
    brackets_.unpark(parent);
    const TrackedOrder* entry = tracker_.find_or_restore(parent);
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
        tracker_.persist(row);
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
        tracker_.persist(row);
        out.push_back(make_report(exit, OrderStatus::kBlocked, now));
        return true;
    }
    row.alpaca_status.clear();
    submit_row(exit, std::nullopt, now, out);
    return true;
}

void ExecutionEngine::on_leg_update(const TrackedOrder& order, Timestamp ts) {
    if (!order.leg) return;
    const IdempotencyKey parent = order.leg->parent;
    const std::optional<IdempotencyKey> parked = brackets_.parked_exit(parent);
    if (!parked) return;
    TrackedOrder* exit = tracker_.find_or_restore(*parked);
    if (exit == nullptr || exit->terminal) {
        brackets_.unpark(parent);
        return;
    }
    release_exit(*exit, parent, ts, queue_);
}

void ExecutionEngine::on_fill(const Fill& fill) {
    if (!tracker_.first_fill(fill.fill_id)) {
        ++stats_.duplicate_fills;
        return;
    }
    const IdempotencyKey key = brackets_.our_key(fill.client_order_id, fill.broker_order_id);
    TrackedOrder* order = tracker_.find_or_restore(key);
    if (order == nullptr || order->row.status == OrderStatus::kBlocked) {
        ++stats_.orphan_fills;
        return;
    }
    TradeRow& row = order->row;
    if (!fill.cum_qty.is_zero() && row.filled_qty >= fill.cum_qty) {
        // Already in the stored row: a fill replayed to a restarted engine.
        ++stats_.duplicate_fills;
        return;
    }
    row.filled_qty += fill.qty;
    order->fill_cost += notional(fill.price, fill.qty);
    row.avg_fill_price = average_price(order->fill_cost, row.filled_qty);
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
    row.alpaca_status = to_string(row.status);
    if (block_reason_of(row.block_reason) == BlockReason::kOutcomeUnknown) {
        row.block_reason.clear();
    }
    order->terminal = done;
    tracker_.persist(row);
    crash_point("fill");
    ++stats_.fills;

    ExecutionReport r = make_report(*order, row.status, fill.ts);
    r.fill_qty = fill.qty;
    r.fill_price = fill.price;
    r.fees = fill.fees;
    queue_.push_back(r);
    if (done) on_leg_update(*order, fill.ts);
}

void ExecutionEngine::on_order_update(const BrokerOrder& update) {
    if (update.status != OrderStatus::kCanceled && update.status != OrderStatus::kRejected) return;
    const IdempotencyKey key = brackets_.our_key(update.client_order_id, update.broker_order_id);
    TrackedOrder* order = tracker_.find_or_restore(key);
    if (order == nullptr || order->terminal) return;
    TradeRow& row = order->row;
    row.status = update.status;
    row.alpaca_status = update.broker_status;
    if (row.alpaca_order_id.empty()) row.alpaca_order_id = update.broker_order_id;
    order->terminal = true;
    tracker_.persist(row);
    queue_.push_back(make_report(*order, update.status, update.updated_at));
    on_leg_update(*order, update.updated_at);
}

void ExecutionEngine::drain(std::vector<ExecutionReport>& out) {
    out.insert(out.end(), queue_.begin(), queue_.end());
    queue_.clear();
}

}  // namespace awet
