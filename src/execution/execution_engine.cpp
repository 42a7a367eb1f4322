#include "awet/execution/execution_engine.hpp"

#include <map>
#include <utility>

#include "awet/core/log.hpp"

namespace awet {
namespace {

constexpr std::string_view kOutcomeUnknown = "OUTCOME_UNKNOWN";

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

ExecutionEngine::ExecutionEngine(const ExecutionConfig& config, Broker& broker, Store* store,
                                 uint64_t seed)
    : gate_(config), broker_(broker), store_(store), headers_(Source::kExecution, seed) {
    broker_.set_listener(this);
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

    std::optional<std::string> block =
        key.empty()       ? std::optional<std::string>("MISSING_IDEMPOTENCY_KEY")
        : !halted_.empty() ? std::optional<std::string>("HALTED: " + halted_)
                           : gate_.check(broker_);
    if (block) {
        row.status = OrderStatus::kBlocked;
        row.dry_run = *block == kBlockDryRun;
        row.block_reason = std::move(*block);
    } else {
        row.status = OrderStatus::kPending;
    }

    // Write-ahead: the trade row is committed before the broker hears of the order, so a restart
    // can never send the same key twice.
    if (store_ != nullptr && !key.empty()) {
        Result<bool> inserted = store_->insert_trade(row);
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
                row.block_reason = "STORE_UNAVAILABLE: " + flushed.error().message;
                if (inserted.ok()) persist(row);
            }
        }
    }
    if (!key.empty()) seen_.insert(key);

    if (row.status == OrderStatus::kBlocked) {
        ++stats_.blocked;
        info.terminal = true;
        out.push_back(make_report(info, OrderStatus::kBlocked, now));
        if (!key.empty()) orders_.insert_or_assign(key, std::move(info));
        return;
    }

    // Kept before the call so a broker that reports synchronously finds the order.
    OrderInfo& kept = orders_.insert_or_assign(key, std::move(info)).first->second;
    Result<BrokerOrder> sent = broker_.submit(request_for(kept.row));

    TradeRow& r = kept.row;
    if (sent.ok()) {
        ++stats_.submitted;
        if (r.alpaca_order_id.empty()) r.alpaca_order_id = sent->broker_order_id;
        if (r.status == OrderStatus::kPending) r.alpaca_status = sent->broker_status;
        persist(r);
        out.push_back(make_report(kept, OrderStatus::kPending, now));
    } else if (sent.error().code == ErrorCode::kOutcomeUnknown) {
        // The broker may hold the order: keep it pending under its key, never resend; fills or a
        // reconciliation by client order id settle it.
        ++stats_.unknown;
        r.alpaca_status = "unknown";
        r.block_reason = std::string(kOutcomeUnknown) + ": " + sent.error().message;
        persist(r);
        out.push_back(make_report(kept, OrderStatus::kPending, now));
    } else {
        ++stats_.rejected;
        r.status = OrderStatus::kRejected;
        r.alpaca_status = "rejected";
        r.block_reason = "BROKER_REJECTED: " + sent.error().to_string();
        kept.terminal = true;
        persist(r);
        out.push_back(make_report(kept, OrderStatus::kRejected, now));
    }
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
        logger("execution")->warn("order {} pending after a restart, broker lookup failed: {}",
                                  key.view(), known.error().to_string());
        return;  // left pending: reconciliation settles it
    }
    send_unknown_order(*info, out);
}

bool ExecutionEngine::send_unknown_order(OrderInfo& info, std::vector<ExecutionReport>& out) {
    TradeRow& row = info.row;
    const std::string_view key = row.idempotency_key.view();
    if (std::optional<std::string> block = gate_.check(broker_)) {
        logger("execution")->warn("order {} not at the broker, not sent: {}", key, *block);
        return false;  // left pending
    }
    Result<BrokerOrder> sent = broker_.submit(request_for(row));
    if (!sent.ok()) {
        logger("execution")->warn("order {} not at the broker, sending failed: {}", key,
                                  sent.error().to_string());
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
            logger("execution")->warn("reconciliation: order {} not settled: {}", key,
                                      at_broker.error().to_string());
            continue;
        }
        const BrokerOrder& o = *at_broker;
        if (o.filled_qty > info->row.filled_qty) {
            // Fills the store never saw: one fill for the difference, priced so that the
            // order's average matches the broker's.
            const Quantity delta = o.filled_qty - info->row.filled_qty;
            const Money cost = notional(o.avg_fill_price, o.filled_qty) - info->fill_cost;
            Fill f;
            f.fill_id = "reconciled-" + o.broker_order_id + "-" + o.filled_qty.to_string();
            f.client_order_id = stored.idempotency_key;
            f.broker_order_id = o.broker_order_id;
            f.symbol = stored.symbol;
            f.side = stored.side;
            f.qty = delta;
            f.price = average_price(cost, delta);
            f.ts = o.updated_at.is_set() ? o.updated_at : now;
            f.order_done = o.status == OrderStatus::kFilled;
            f.cum_qty = o.filled_qty;
            on_fill(f);
            ++report.fills_recovered;
        }
        if (o.status == OrderStatus::kCanceled || o.status == OrderStatus::kRejected) {
            on_order_update(o);
            ++report.closed;
        }
    }
    if (report.fills_recovered + report.closed + report.resent > 0) {
        logger("execution")
            ->info("reconciliation: {} open orders checked, {} fills recovered, {} closed, {} "
                   "sent, {} unresolved",
                   report.checked, report.fills_recovered, report.closed, report.resent,
                   report.unresolved);
    }
    return report;
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
    std::map<Symbol, Quantity> broker;
    for (const BrokerPosition& p : *at_broker) broker[p.symbol] += p.qty;
    std::vector<PositionMismatch> out;
    for (const auto& [symbol, qty] : stored) {
        const auto it = broker.find(symbol);
        const Quantity b = it == broker.end() ? Quantity{} : it->second;
        if (!(b == qty)) out.push_back({symbol, qty, b});
    }
    for (const auto& [symbol, qty] : broker) {
        if (!stored.contains(symbol) && !qty.is_zero()) out.push_back({symbol, Quantity{}, qty});
    }
    return out;
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
    seen_.insert(key);
    return &orders_.insert_or_assign(key, std::move(info)).first->second;
}

void ExecutionEngine::on_fill(const Fill& fill) {
    if (!fill_ids_.insert(fill.fill_id).second) {
        ++stats_.duplicate_fills;
        return;
    }
    OrderInfo* info = find_or_restore(fill.client_order_id);
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
    if (row.block_reason.starts_with(kOutcomeUnknown)) row.block_reason.clear();
    info->terminal = done;
    persist(row);
    ++stats_.fills;

    ExecutionReport r = make_report(*info, row.status, fill.ts);
    r.fill_qty = fill.qty;
    r.fill_price = fill.price;
    r.fees = fill.fees;
    queue_.push_back(r);
}

void ExecutionEngine::on_order_update(const BrokerOrder& order) {
    if (order.status != OrderStatus::kCanceled && order.status != OrderStatus::kRejected) return;
    OrderInfo* info = find_or_restore(order.client_order_id);
    if (info == nullptr || info->terminal) return;
    TradeRow& row = info->row;
    row.status = order.status;
    row.alpaca_status = order.broker_status;
    if (row.alpaca_order_id.empty()) row.alpaca_order_id = order.broker_order_id;
    info->terminal = true;
    persist(row);
    queue_.push_back(make_report(*info, order.status, order.updated_at));
}

void ExecutionEngine::drain(std::vector<ExecutionReport>& out) {
    out.insert(out.end(), queue_.begin(), queue_.end());
    queue_.clear();
}

}  // namespace awet
