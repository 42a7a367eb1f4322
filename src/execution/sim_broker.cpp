#include "awet/execution/sim_broker.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace awet {
namespace {

bool is_open(OrderStatus s) {
    return s == OrderStatus::kPending || s == OrderStatus::kPartiallyFilled;
}

/// |qty| * price with the sign of qty.
Money signed_value(Price price, Quantity qty) {
    Money v = notional(price, qty.abs());
    return qty < Quantity{} ? -v : v;
}

}  // namespace

SimBrokerConfig SimBrokerConfig::from(const ExecutionConfig& config) {
    SimBrokerConfig c;
    c.slippage_bps = config.slippage_bps;
    c.fee_per_share = config.fee_per_share_usd;
    c.min_fee = config.min_fee_usd;
    c.participation_rate = config.participation_rate;
    c.starting_cash = config.starting_cash_usd;
    return c;
}

SimBroker::SimBroker(SimBrokerConfig config) : config_(config), cash_(config.starting_cash) {}

void SimBroker::fail_next_submit(ErrorCode code, bool accept_anyway) {
    fail_next_ = code;
    fail_accept_ = accept_anyway;
}

Result<BrokerOrder> SimBroker::submit(const OrderRequest& request) {
    std::optional<ErrorCode> fail = fail_next_;
    const bool accept = fail_accept_;
    fail_next_.reset();
    fail_accept_ = false;
    if (fail && !accept) return make_error(*fail, "sim broker: simulated submit failure");

    if (auto it = by_client_.find(request.client_order_id); it != by_client_.end()) {
        if (fail) return make_error(*fail, "sim broker: simulated submit failure");
        return view(it->second);
    }
    if (request.client_order_id.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "sim broker: client_order_id is empty");
    }
    if (request.symbol.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "sim broker: symbol is empty");
    }
    if (request.qty <= Quantity{}) {
        return make_error(ErrorCode::kInvalidArgument,
                          "sim broker: qty must be positive, got " + request.qty.to_string());
    }
    if (request.qty > kMaxOrderQty) {
        return make_error(ErrorCode::kInvalidArgument,
                          "sim broker: qty " + request.qty.to_string() + " above the limit of " +
                              kMaxOrderQty.to_string() + " shares");
    }
    if (request.bracket && (request.bracket->take_profit_limit > kMaxOrderPrice ||
                            request.bracket->stop_loss_stop > kMaxOrderPrice)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "sim broker: bracket price above the limit of " + kMaxOrderPrice.to_string());
    }
    if (request.side == Side::kBuy) {
        // Buying power: what the buy would cost at the symbol's last close (or its take-profit
        // limit before any bar), slippage and fees included, plus what the open buys would, must
        // be covered by the cash. The part of a buy that covers a short needs none.
        const Book* b = nullptr;
        for (const Book& x : books_) {
            if (x.symbol == request.symbol) b = &x;
        }
        std::optional<Price> ref;
        if (b != nullptr && b->has_mark) {
            ref = b->mark;
        } else if (request.bracket) {
            ref = request.bracket->take_profit_limit;
        }
        if (ref) {
            const Quantity covering =
                b != nullptr && b->qty < Quantity{} ? std::min(request.qty, -b->qty) : Quantity{};
            const Price at = adjust_by_bps(*ref, config_.slippage_bps);
            const Money need = notional(at, request.qty - covering) + fee_for(request.qty);
            if (notional(*ref, request.qty) > kMaxOrderNotional) {
                return make_error(ErrorCode::kInvalidArgument,
                                  "sim broker: notional of " + request.qty.to_string() + " " +
                                      request.symbol.str() + " at " + ref->to_string() +
                                      " above the limit of " + kMaxOrderNotional.to_string());
            }
            __extension__ using i128 = __int128;
            i128 committed = 0;  // open buys at their symbol's last close
            for (size_t i = first_open_; i < orders_.size(); ++i) {
                const SimOrder& o = orders_[i];
                if (!is_open(o.order.status) || o.order.side != Side::kBuy || o.parent != kNone)
                    continue;
                for (const Book& x : books_) {
                    if (x.symbol == o.order.symbol && x.has_mark) {
                        committed += notional(x.mark, o.order.qty - o.order.filled_qty).raw();
                    }
                }
            }
            if (static_cast<i128>(need.raw()) + committed > cash_.raw()) {
                return make_error(
                    ErrorCode::kBroker,
                    "sim broker: insufficient buying power: buy " + request.qty.to_string() + " " +
                        request.symbol.str() + " needs about " + need.to_string() + " (at " +
                        at.to_string() + "), cash " + cash_.to_string() +
                        (committed > 0
                             ? ", open buys about " +
                                   Money::from_raw(static_cast<int64_t>(committed)).to_string()
                             : std::string()));
            }
        }
    }
    std::optional<IdempotencyKey> tp_key, sl_key;
    if (request.bracket) {
        const BracketLegs& legs = *request.bracket;
        const bool long_entry = request.side == Side::kBuy;
        if (legs.take_profit_limit <= Price{} || legs.stop_loss_stop <= Price{} ||
            (long_entry ? !(legs.stop_loss_stop < legs.take_profit_limit)
                        : !(legs.take_profit_limit < legs.stop_loss_stop))) {
            return make_error(ErrorCode::kInvalidArgument,
                              "sim broker: bracket legs of " + request.client_order_id.str() +
                                  " out of order: take-profit " +
                                  legs.take_profit_limit.to_string() + ", stop-loss " +
                                  legs.stop_loss_stop.to_string());
        }
        tp_key = bracket_leg_key(request.client_order_id, BracketLeg::kTakeProfit);
        sl_key = bracket_leg_key(request.client_order_id, BracketLeg::kStopLoss);
        if (!tp_key || !sl_key || by_client_.contains(*tp_key) || by_client_.contains(*sl_key)) {
            return make_error(ErrorCode::kInvalidArgument, "sim broker: no leg ids for " +
                                                               request.client_order_id.str() +
                                                               " (too long, or already used)");
        }
    }

    auto add = [&](const IdempotencyKey& id, Side side, Quantity qty, const char* status) {
        SimOrder o;
        char broker_id[32];
        std::snprintf(broker_id, sizeof broker_id, "sim-%06llu",
                      static_cast<unsigned long long>(++last_id_number_));
        o.order.client_order_id = id;
        o.order.broker_order_id = broker_id;
        o.order.symbol = request.symbol;
        o.order.side = side;
        o.order.qty = qty;
        o.order.status = OrderStatus::kPending;
        o.order.broker_status = status;
        o.order.submitted_at = request.ts;
        o.order.updated_at = request.ts;
        o.not_before = request.ts;
        by_client_.emplace(id, orders_.size());
        orders_.push_back(std::move(o));
        return orders_.size() - 1;
    };
    const size_t parent = add(request.client_order_id, request.side, request.qty, "new");
    if (request.bracket) {
        const Side exit_side = opposite(request.side);
        const size_t tp = add(*tp_key, exit_side, request.qty, "held");
        const size_t sl = add(*sl_key, exit_side, request.qty, "held");
        orders_[tp].parent = orders_[sl].parent = parent;
        orders_[tp].leg = BracketLeg::kTakeProfit;
        orders_[sl].leg = BracketLeg::kStopLoss;
        orders_[tp].order.limit_price = request.bracket->take_profit_limit;
        orders_[sl].order.stop_price = request.bracket->stop_loss_stop;
        orders_[parent].tp_leg = tp;
        orders_[parent].sl_leg = sl;
    }
    book(request.symbol);  // positions() lists symbols in first-seen order
    if (fail) return make_error(*fail, "sim broker: simulated submit failure (order accepted)");
    return view(parent);
}

BrokerOrder SimBroker::view(size_t index) const {
    const SimOrder& o = orders_[index];
    BrokerOrder out = o.order;
    for (size_t leg : {o.tp_leg, o.sl_leg}) {
        if (leg != kNone) out.legs.push_back(orders_[leg].order);
    }
    return out;
}

void SimBroker::cancel_order(size_t index, Timestamp at) {
    BrokerOrder& o = orders_[index].order;
    o.status = OrderStatus::kCanceled;
    o.broker_status = "canceled";
    o.updated_at = std::max(o.updated_at, at);
    BrokerOrder copy = o;
    if (listener_ != nullptr) listener_->on_order_update(copy);
}

void SimBroker::settle_legs(size_t parent) {
    const SimOrder& p = orders_[parent];
    if (p.tp_leg == kNone) return;
    for (size_t leg : {p.tp_leg, p.sl_leg}) {
        SimOrder& l = orders_[leg];
        if (!is_open(l.order.status) || l.armed) continue;
        if (p.order.filled_qty.is_zero()) {
            cancel_order(leg, p.order.updated_at);  // nothing to protect
            continue;
        }
        l.armed = true;
        l.order.qty = p.order.filled_qty;
        l.order.broker_status = "new";
        l.order.updated_at = p.order.updated_at;
    }
}

Status SimBroker::cancel(std::string_view client_order_id) {
    // A client id longer than any key is no order of ours (looked up as the empty key).
    auto it = by_client_.find(IdempotencyKey::parse(client_order_id).value_or(IdempotencyKey{}));
    if (it == by_client_.end() || client_order_id.size() > IdempotencyKey::capacity()) {
        return make_error(ErrorCode::kNotFound,
                          "sim broker: no order " + std::string(client_order_id));
    }
    const size_t index = it->second;
    const BrokerOrder& o = orders_[index].order;
    if (!is_open(o.status)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "sim broker: order " + std::string(client_order_id) + " is " +
                              std::string(to_string(o.status)) + ", not open");
    }
    // Canceled "now": the close of the latest bar seen (the sim's clock), or the order's time.
    cancel_order(index, last_bar_end_);
    settle_legs(index);  // a bracket entry: legs cover what filled, or go with it
    return Status::Ok();
}

Result<BrokerOrder> SimBroker::get_order(std::string_view client_order_id) {
    auto it = by_client_.find(IdempotencyKey::parse(client_order_id).value_or(IdempotencyKey{}));
    if (it == by_client_.end() || client_order_id.size() > IdempotencyKey::capacity()) {
        return make_error(ErrorCode::kNotFound,
                          "sim broker: no order " + std::string(client_order_id));
    }
    return view(it->second);
}

Result<std::vector<BrokerOrder>> SimBroker::open_orders() {
    std::vector<BrokerOrder> out;
    for (const SimOrder& o : orders_) {
        if (is_open(o.order.status)) out.push_back(o.order);
    }
    return out;
}

Result<std::vector<BrokerPosition>> SimBroker::positions() {
    std::vector<BrokerPosition> out;
    for (const Book& b : books_) {
        if (b.qty.is_zero()) continue;
        Money cost;
        for (const Lot& l : b.lots) cost += notional(l.price, l.qty.abs());
        BrokerPosition p;
        p.symbol = b.symbol;
        p.qty = b.qty;
        p.avg_entry_price = average_price(cost, b.qty.abs());
        out.push_back(p);
    }
    return out;
}

Result<BrokerAccount> SimBroker::account() {
    BrokerAccount a;
    a.cash = cash_;
    a.equity = cash_;
    for (const Book& b : books_) {
        if (b.qty.is_zero()) continue;
        if (b.has_mark) {
            a.equity += signed_value(b.mark, b.qty);
        } else {
            for (const Lot& l : b.lots) a.equity += signed_value(l.price, l.qty);
        }
    }
    a.realized_pnl = realized_;
    a.fees = fees_;
    return a;
}

SimBroker::Book& SimBroker::book(const Symbol& symbol) {
    for (Book& b : books_) {
        if (b.symbol == symbol) return b;
    }
    Book b;
    b.symbol = symbol;
    books_.push_back(std::move(b));
    return books_.back();
}

Money SimBroker::fee_for(Quantity qty) const {
    if (config_.fee_per_share <= Money{} && config_.min_fee <= Money{}) return Money{};
    Money fee = notional(Price::from_raw(config_.fee_per_share.raw()), qty);
    return std::max(fee, config_.min_fee);
}

void SimBroker::apply_fill(Book& b, Side side, Quantity qty, Price price, Money fee) {
    cash_ -= fee;
    fees_ += fee;
    realized_ -= fee;
    if (side == Side::kBuy) {
        cash_ -= notional(price, qty);
    } else {
        cash_ += notional(price, qty);
    }
    const bool buy = side == Side::kBuy;
    Quantity remaining = qty;
    while (remaining > Quantity{} && !b.lots.empty()) {
        Lot& lot = b.lots.front();
        const bool lot_long = lot.qty > Quantity{};
        if (lot_long == buy) break;  // same direction: adds to the position
        const Quantity lot_abs = lot.qty.abs();
        const Quantity m = std::min(remaining, lot_abs);
        const Money gain = notional(price, m) - notional(lot.price, m);
        realized_ += lot_long ? gain : -gain;
        lot.qty = lot_long ? lot.qty - m : lot.qty + m;
        remaining -= m;
        if (lot.qty.is_zero()) b.lots.pop_front();
    }
    if (remaining > Quantity{}) b.lots.push_back(Lot{buy ? remaining : -remaining, price});
    b.qty = buy ? b.qty + qty : b.qty - qty;
}

void SimBroker::fill_order(size_t index, Quantity qty, Price price, const MarketBar& bar) {
    SimOrder& o = orders_[index];
    const Money fee = fee_for(qty);
    apply_fill(book(o.order.symbol), o.order.side, qty, price, fee);

    o.order.filled_qty += qty;
    o.fill_cost += notional(price, qty);
    o.order.avg_fill_price = average_price(o.fill_cost, o.order.filled_qty);
    o.order.fees += fee;
    const bool done = o.order.filled_qty >= o.order.qty;
    o.order.status = done ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
    o.order.broker_status = done ? "filled" : "partially_filled";
    o.order.updated_at = bar.bar_start;
    ++o.fills;

    Fill f;
    f.fill_id = o.order.broker_order_id + "-" + std::to_string(o.fills);
    f.client_order_id = o.order.client_order_id;
    f.broker_order_id = o.order.broker_order_id;
    f.symbol = o.order.symbol;
    f.side = o.order.side;
    f.qty = qty;
    f.price = price;
    f.fees = fee;
    f.ts = bar.bar_start;
    f.order_done = done;
    f.cum_qty = o.order.filled_qty;
    BrokerOrder snapshot = o.order;
    if (listener_ != nullptr) {
        listener_->on_fill(f);
        listener_->on_order_update(snapshot);
    }
}

void SimBroker::on_bar(const MarketBar& bar) {
    last_bar_end_ = std::max(last_bar_end_, bar.header.ts);
    const bool limited = config_.participation_rate > 0;
    Quantity capacity;  // shares left on this bar when limited
    if (limited) {
        double shares = std::floor(config_.participation_rate * bar.volume.to_double() + 1e-9);
        capacity = Quantity::from_units(static_cast<int64_t>(std::max(0.0, shares)));
    }
    const bool tradable = bar.volume > Quantity{} && (!limited || capacity > Quantity{});
    const size_t n = orders_.size();  // orders submitted from a callback wait for the next bar
    // Orders before first_open_ are all done: each bar looks only at the tail that may be open.
    while (first_open_ < n && !is_open(orders_[first_open_].order.status)) ++first_open_;
    for (size_t i = first_open_; tradable && i < n; ++i) {
        SimOrder& o = orders_[i];
        if (!is_open(o.order.status) || !(o.order.symbol == bar.header.symbol)) continue;
        if (o.parent != kNone) continue;  // bracket legs: trigger_legs
        if (o.not_before > bar.bar_start) continue;
        Quantity take = o.order.qty - o.order.filled_qty;
        if (limited) {
            if (capacity.is_zero()) break;
            take = std::min(take, capacity);
            capacity -= take;
        }
        const int64_t bps =
            o.order.side == Side::kBuy ? config_.slippage_bps : -config_.slippage_bps;
        const Price price = adjust_by_bps(bar.open, bps);
        if (o.order.side == Side::kBuy) {
            // Buying power at the fill: a buy priced at submit without a known price, or one
            // the market moved away from, never takes more than the cash.
            const Quantity held = book(o.order.symbol).qty;
            const Quantity covering = held < Quantity{} ? std::min(take, -held) : Quantity{};
            if (notional(price, take - covering) + fee_for(take) > cash_) {
                if (limited) capacity += take;
                BrokerOrder& r = orders_[i].order;
                r.status = OrderStatus::kRejected;
                r.broker_status = "rejected";
                r.updated_at = std::max(r.updated_at, bar.bar_start);
                BrokerOrder copy = r;
                if (listener_ != nullptr) listener_->on_order_update(copy);
                settle_legs(i);
                continue;
            }
        }
        fill_order(i, take, price, bar);
        if (orders_[i].order.status == OrderStatus::kFilled) settle_legs(i);
    }
    if (bar.volume > Quantity{}) trigger_legs(bar, n);
    Book& b = book(bar.header.symbol);
    b.mark = bar.close;
    b.has_mark = true;
}

void SimBroker::trigger_legs(const MarketBar& bar, size_t end) {
    // Stop-loss legs first: when one bar touches both levels the stop is assumed to come first
    // (the range does not tell the order; the worse outcome is the conservative one).
    for (BracketLeg kind : {BracketLeg::kStopLoss, BracketLeg::kTakeProfit}) {
        for (size_t i = first_open_; i < end; ++i) {
            SimOrder& o = orders_[i];
            if (o.parent == kNone || o.leg != kind || !o.armed || !is_open(o.order.status) ||
                !(o.order.symbol == bar.header.symbol)) {
                continue;
            }
            const bool sell = o.order.side == Side::kSell;  // legs of a long entry sell
            std::optional<Price> price;
            if (kind == BracketLeg::kStopLoss) {
                const Price stop = o.order.stop_price;
                if (sell ? bar.low <= stop : bar.high >= stop) {
                    // At the stop, or at the open when the bar opened beyond it (a gap).
                    price = sell ? std::min(bar.open, stop) : std::max(bar.open, stop);
                }
            } else {
                const Price limit = o.order.limit_price;
                // At the limit, never better: no price improvement is assumed.
                if (sell ? bar.high >= limit : bar.low <= limit) price = limit;
            }
            if (!price) continue;
            const SimOrder& parent = orders_[o.parent];
            const size_t sibling = kind == BracketLeg::kStopLoss ? parent.tp_leg : parent.sl_leg;
            fill_order(i, orders_[i].order.qty - orders_[i].order.filled_qty, *price, bar);
            if (is_open(orders_[sibling].order.status))
                cancel_order(sibling, bar.bar_start);  // OCO
        }
    }
}

namespace {

/// 42 for "sim-000042"; 0 for any other broker id.
uint64_t sim_id_number(std::string_view broker_id) {
    constexpr std::string_view kPrefix = "sim-";
    if (!broker_id.starts_with(kPrefix)) return 0;
    uint64_t n = 0;
    const char* first = broker_id.data() + kPrefix.size();
    const char* last = broker_id.data() + broker_id.size();
    const auto [ptr, ec] = std::from_chars(first, last, n);
    return ec == std::errc() && ptr == last ? n : 0;
}

}  // namespace

Status SimBroker::restore(std::span<const TradeRow> trades) {
    if (!orders_.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "sim broker: restore() after orders were placed");
    }
    std::vector<const TradeRow*> filled;
    Timestamp last;
    for (const TradeRow& t : trades) {
        last = std::max({last, t.ts, t.filled_at});
        if (t.filled_qty > Quantity{} && t.filled_at.is_set()) filled.push_back(&t);
        last_id_number_ = std::max(last_id_number_, sim_id_number(t.alpaca_order_id));
    }
    std::stable_sort(filled.begin(), filled.end(), [](const TradeRow* a, const TradeRow* b) {
        if (a->filled_at != b->filled_at) return a->filled_at < b->filled_at;
        return a->id < b->id;
    });
    for (const TradeRow* t : filled) {
        Book& b = book(t->symbol);
        apply_fill(b, t->side, t->filled_qty, t->avg_fill_price, t->fees);
        b.mark = t->avg_fill_price;
        b.has_mark = true;
    }
    for (const TradeRow& t : trades) {
        if (t.status != OrderStatus::kPending && t.status != OrderStatus::kPartiallyFilled)
            continue;
        if (t.idempotency_key.empty() || by_client_.contains(t.idempotency_key)) continue;
        SimOrder o;
        char broker_id[32];
        if (t.alpaca_order_id.empty()) {
            std::snprintf(broker_id, sizeof broker_id, "sim-%06llu",
                          static_cast<unsigned long long>(++last_id_number_));
        }
        o.order.client_order_id = t.idempotency_key;
        o.order.broker_order_id = t.alpaca_order_id.empty() ? broker_id : t.alpaca_order_id;
        o.order.symbol = t.symbol;
        o.order.side = t.side;
        o.order.qty = t.qty;
        o.order.filled_qty = t.filled_qty;
        o.order.avg_fill_price = t.avg_fill_price;
        o.order.fees = t.fees;
        o.order.status = OrderStatus::kCanceled;
        o.order.broker_status = "expired";
        o.order.submitted_at = t.ts;
        o.order.updated_at = last;
        o.not_before = t.ts;
        o.fill_cost = notional(t.avg_fill_price, t.filled_qty);
        by_client_.emplace(t.idempotency_key, orders_.size());
        orders_.push_back(std::move(o));
    }
    first_open_ = orders_.size();
    last_bar_end_ = std::max(last_bar_end_, last);
    return Status::Ok();
}

}  // namespace awet
