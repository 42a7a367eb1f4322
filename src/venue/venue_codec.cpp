#include "venue_codec.hpp"

#include <limits>
#include <string>
#include <type_traits>

namespace awet::venue {
namespace {

using nlohmann::json;

/// Reads field `name` of `j` as T; the error names the field.
template <class T>
Result<T> field(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end())
        return make_error(ErrorCode::kParse, std::string("missing field '") + name + "'");
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        // An integer field takes a JSON integer within T's range; nlohmann would convert a float
        // (1e300: undefined, 1.5: silently 1) or narrow an out-of-range integer.
        const auto out_of_range = [&] {
            return make_error(ErrorCode::kParse,
                              std::string("field '") + name + "': out of range: " + it->dump());
        };
        if (it->is_number_unsigned()) {
            const auto u = it->get<uint64_t>();
            if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return out_of_range();
            return static_cast<T>(u);
        }
        if (it->is_number_integer()) {
            const auto v = it->get<int64_t>();
            if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                v > static_cast<int64_t>(std::numeric_limits<T>::max()))
                return out_of_range();
            return static_cast<T>(v);
        }
        return make_error(ErrorCode::kParse,
                          std::string("field '") + name + "': not an integer: " + it->dump());
    }
    try {
        return it->get<T>();
    } catch (const json::exception& e) {
        return make_error(ErrorCode::kParse, std::string("field '") + name + "': " + e.what());
    }
}

#define AWET_FIELD(var, T, j, name)            \
    auto var##_r = field<T>(j, name);          \
    if (!var##_r.ok()) return var##_r.error(); \
    const T& var = *var##_r

template <class S>
Result<S> fixed_string(const json& j, const char* name) {
    AWET_FIELD(text, std::string, j, name);
    if (text.size() > S::capacity()) {
        return make_error(ErrorCode::kParse, std::string("field '") + name + "': longer than " +
                                                 std::to_string(S::capacity()) + " characters");
    }
    return S(text);
}

template <class E>
Result<E> enum_field(const json& j, const char* name, int max_value) {
    AWET_FIELD(v, int, j, name);
    if (v < 0 || v > max_value) {
        return make_error(ErrorCode::kParse,
                          std::string("field '") + name + "': out of range: " + std::to_string(v));
    }
    return static_cast<E>(v);
}

constexpr int kMaxSide = static_cast<int>(Side::kSell);
constexpr int kMaxIntent = static_cast<int>(OrderIntent::kExit);
constexpr int kMaxExitReason = static_cast<int>(ExitReason::kSessionClose);
constexpr int kMaxStatus = static_cast<int>(OrderStatus::kCanceled);

}  // namespace

json to_json(const OrderRequest& r) {
    json j = {{"client_order_id", r.client_order_id.str()},
              {"symbol", r.symbol.str()},
              {"side", static_cast<int>(r.side)},
              {"qty", r.qty.raw()},
              {"ts", r.ts.ns()},
              {"correlation_id", r.correlation_id.str()},
              {"intent", static_cast<int>(r.intent)},
              {"exit_reason", static_cast<int>(r.exit_reason)}};
    if (r.bracket) {
        j["bracket"] = {{"take_profit_limit", r.bracket->take_profit_limit.raw()},
                        {"stop_loss_stop", r.bracket->stop_loss_stop.raw()}};
    }
    return j;
}

json to_json(const BrokerOrder& o) {
    json j = {{"client_order_id", o.client_order_id.str()},
              {"broker_order_id", o.broker_order_id},
              {"symbol", o.symbol.str()},
              {"side", static_cast<int>(o.side)},
              {"qty", o.qty.raw()},
              {"filled_qty", o.filled_qty.raw()},
              {"avg_fill_price", o.avg_fill_price.raw()},
              {"fees", o.fees.raw()},
              {"status", static_cast<int>(o.status)},
              {"broker_status", o.broker_status},
              {"submitted_at", o.submitted_at.ns()},
              {"updated_at", o.updated_at.ns()}};
    // Bracket parts only when present: a plain order's JSON is unchanged.
    if (!o.limit_price.is_zero()) j["limit_price"] = o.limit_price.raw();
    if (!o.stop_price.is_zero()) j["stop_price"] = o.stop_price.raw();
    if (!o.legs.empty()) {
        json legs = json::array();
        for (const BrokerOrder& l : o.legs) legs.push_back(to_json(l));
        j["legs"] = std::move(legs);
    }
    return j;
}

json to_json(const Fill& f) {
    return {{"fill_id", f.fill_id},
            {"client_order_id", f.client_order_id.str()},
            {"broker_order_id", f.broker_order_id},
            {"symbol", f.symbol.str()},
            {"side", static_cast<int>(f.side)},
            {"qty", f.qty.raw()},
            {"price", f.price.raw()},
            {"fees", f.fees.raw()},
            {"ts", f.ts.ns()},
            {"order_done", f.order_done},
            {"cum_qty", f.cum_qty.raw()}};
}

json to_json(const BrokerPosition& p) {
    return {{"symbol", p.symbol.str()},
            {"qty", p.qty.raw()},
            {"avg_entry_price", p.avg_entry_price.raw()}};
}

json to_json(const BrokerAccount& a) {
    return {{"cash", a.cash.raw()},
            {"equity", a.equity.raw()},
            {"realized_pnl", a.realized_pnl.raw()},
            {"fees", a.fees.raw()}};
}

Result<OrderRequest> order_request_from(const json& j) {
    OrderRequest r;
    auto id = fixed_string<IdempotencyKey>(j, "client_order_id");
    if (!id.ok()) return id.error();
    r.client_order_id = *id;
    auto sym = fixed_string<Symbol>(j, "symbol");
    if (!sym.ok()) return sym.error();
    r.symbol = *sym;
    auto side = enum_field<Side>(j, "side", kMaxSide);
    if (!side.ok()) return side.error();
    r.side = *side;
    AWET_FIELD(qty, int64_t, j, "qty");
    r.qty = Quantity::from_raw(qty);
    AWET_FIELD(ts, int64_t, j, "ts");
    r.ts = Timestamp::from_ns(ts);
    AWET_FIELD(corr, std::string, j, "correlation_id");
    auto uuid = Uuid::parse(corr);
    if (!uuid) return make_error(ErrorCode::kParse, "field 'correlation_id': not a UUID: " + corr);
    r.correlation_id = *uuid;
    auto intent = enum_field<OrderIntent>(j, "intent", kMaxIntent);
    if (!intent.ok()) return intent.error();
    r.intent = *intent;
    auto reason = enum_field<ExitReason>(j, "exit_reason", kMaxExitReason);
    if (!reason.ok()) return reason.error();
    r.exit_reason = *reason;
    if (auto it = j.find("bracket"); it != j.end()) {
        AWET_FIELD(tp, int64_t, *it, "take_profit_limit");
        AWET_FIELD(sl, int64_t, *it, "stop_loss_stop");
        r.bracket = BracketLegs{Price::from_raw(tp), Price::from_raw(sl)};
    }
    return r;
}

namespace {
/// Orders carry legs one level deep (a bracket's take-profit and stop); a deeper nesting is
/// refused rather than recursed into (a body of nested legs would overflow the stack).
constexpr int kMaxLegDepth = 4;
Result<BrokerOrder> broker_order_at_depth(const json& j, int depth);
}  // namespace

Result<BrokerOrder> broker_order_from(const json& j) { return broker_order_at_depth(j, 0); }

namespace {
Result<BrokerOrder> broker_order_at_depth(const json& j, int depth) {
    BrokerOrder o;
    auto id = fixed_string<IdempotencyKey>(j, "client_order_id");
    if (!id.ok()) return id.error();
    o.client_order_id = *id;
    AWET_FIELD(bid, std::string, j, "broker_order_id");
    o.broker_order_id = bid;
    auto sym = fixed_string<Symbol>(j, "symbol");
    if (!sym.ok()) return sym.error();
    o.symbol = *sym;
    auto side = enum_field<Side>(j, "side", kMaxSide);
    if (!side.ok()) return side.error();
    o.side = *side;
    AWET_FIELD(qty, int64_t, j, "qty");
    o.qty = Quantity::from_raw(qty);
    AWET_FIELD(filled, int64_t, j, "filled_qty");
    o.filled_qty = Quantity::from_raw(filled);
    AWET_FIELD(avg, int64_t, j, "avg_fill_price");
    o.avg_fill_price = Price::from_raw(avg);
    // Fees: absent from an older venue's answer (then 0).
    if (auto it = j.find("fees"); it != j.end() && it->is_number_integer()) {
        o.fees = Money::from_raw(it->get<int64_t>());
    }
    auto status = enum_field<OrderStatus>(j, "status", kMaxStatus);
    if (!status.ok()) return status.error();
    o.status = *status;
    AWET_FIELD(word, std::string, j, "broker_status");
    o.broker_status = word;
    AWET_FIELD(sub, int64_t, j, "submitted_at");
    o.submitted_at = Timestamp::from_ns(sub);
    AWET_FIELD(upd, int64_t, j, "updated_at");
    o.updated_at = Timestamp::from_ns(upd);
    if (j.contains("limit_price")) {
        AWET_FIELD(limit, int64_t, j, "limit_price");
        o.limit_price = Price::from_raw(limit);
    }
    if (j.contains("stop_price")) {
        AWET_FIELD(stop, int64_t, j, "stop_price");
        o.stop_price = Price::from_raw(stop);
    }
    if (auto it = j.find("legs"); it != j.end() && it->is_array()) {
        if (!it->empty() && depth >= kMaxLegDepth)
            return make_error(ErrorCode::kParse,
                              "legs: nested deeper than " + std::to_string(kMaxLegDepth));
        for (const json& l : *it) {
            auto leg = broker_order_at_depth(l, depth + 1);
            if (!leg.ok()) return make_error(leg.error().code, "legs: " + leg.error().message);
            o.legs.push_back(std::move(*leg));
        }
    }
    return o;
}
}  // namespace

Result<Fill> fill_from(const json& j) {
    Fill f;
    AWET_FIELD(fid, std::string, j, "fill_id");
    f.fill_id = fid;
    auto id = fixed_string<IdempotencyKey>(j, "client_order_id");
    if (!id.ok()) return id.error();
    f.client_order_id = *id;
    AWET_FIELD(bid, std::string, j, "broker_order_id");
    f.broker_order_id = bid;
    auto sym = fixed_string<Symbol>(j, "symbol");
    if (!sym.ok()) return sym.error();
    f.symbol = *sym;
    auto side = enum_field<Side>(j, "side", kMaxSide);
    if (!side.ok()) return side.error();
    f.side = *side;
    AWET_FIELD(qty, int64_t, j, "qty");
    f.qty = Quantity::from_raw(qty);
    AWET_FIELD(price, int64_t, j, "price");
    f.price = Price::from_raw(price);
    AWET_FIELD(fees, int64_t, j, "fees");
    f.fees = Money::from_raw(fees);
    AWET_FIELD(ts, int64_t, j, "ts");
    f.ts = Timestamp::from_ns(ts);
    AWET_FIELD(done, bool, j, "order_done");
    f.order_done = done;
    AWET_FIELD(cum, int64_t, j, "cum_qty");
    f.cum_qty = Quantity::from_raw(cum);
    return f;
}

Result<BrokerPosition> position_from(const json& j) {
    BrokerPosition p;
    auto sym = fixed_string<Symbol>(j, "symbol");
    if (!sym.ok()) return sym.error();
    p.symbol = *sym;
    AWET_FIELD(qty, int64_t, j, "qty");
    p.qty = Quantity::from_raw(qty);
    AWET_FIELD(avg, int64_t, j, "avg_entry_price");
    p.avg_entry_price = Price::from_raw(avg);
    return p;
}

Result<BrokerAccount> account_from(const json& j) {
    BrokerAccount a;
    AWET_FIELD(cash, int64_t, j, "cash");
    a.cash = Money::from_raw(cash);
    AWET_FIELD(equity, int64_t, j, "equity");
    a.equity = Money::from_raw(equity);
    AWET_FIELD(realized, int64_t, j, "realized_pnl");
    a.realized_pnl = Money::from_raw(realized);
    AWET_FIELD(fees, int64_t, j, "fees");
    a.fees = Money::from_raw(fees);
    return a;
}

}  // namespace awet::venue
