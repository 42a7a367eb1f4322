#include <algorithm>
#include <cctype>

#include "awet/core/fixed.hpp"
#include "awet/model/bracket.hpp"
#include "codec_internal.hpp"

namespace awet::alpaca {

using nlohmann::json;

OrderStatus map_order_status(std::string_view s, bool has_fills) {
    if (s == "filled") return OrderStatus::kFilled;
    if (s == "partially_filled") return OrderStatus::kPartiallyFilled;
    if (s == "rejected") return OrderStatus::kRejected;
    if (s == "canceled" || s == "expired" || s == "replaced") return OrderStatus::kCanceled;
    // new, accepted, pending_new, pending_cancel, pending_replace, accepted_for_bidding, held,
    // calculated, stopped, suspended, done_for_day, and words Alpaca may add later: still live.
    return has_fills ? OrderStatus::kPartiallyFilled : OrderStatus::kPending;
}

template <typename F>
std::optional<F> parse_decimal(std::string_view text) {
    if (auto exact = F::parse(text)) return exact;
    // More than six decimals: round half away from zero at the sixth.
    const size_t dot = text.find('.');
    if (dot == std::string_view::npos ||
        text.size() - dot - 1 <= static_cast<size_t>(kFixedDecimals)) {
        return std::nullopt;
    }
    const std::string_view head = text.substr(0, dot + 1 + kFixedDecimals);
    const std::string_view tail = text.substr(dot + 1 + kFixedDecimals);
    if (!std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    auto truncated = F::parse(head);
    if (!truncated) return std::nullopt;
    if (tail[0] < '5') return truncated;
    const bool negative = !text.empty() && text[0] == '-';
    // Rounding away from the int64 edge ("9223372036854.7758079") does not fit: malformed.
    int64_t rounded = 0;
    if (__builtin_add_overflow(truncated->raw(), negative ? -1 : 1, &rounded)) return std::nullopt;
    return F::from_raw(rounded);
}

template std::optional<Price> parse_decimal<Price>(std::string_view);
template std::optional<Money> parse_decimal<Money>(std::string_view);
template std::optional<Quantity> parse_decimal<Quantity>(std::string_view);

namespace detail {

template <typename F>
Result<F> decimal_field(const json& j, const char* key, bool required) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required)
            return make_error(ErrorCode::kParse, std::string("missing field '") + key + "'");
        return F{};
    }
    std::string text;
    if (it->is_string()) {
        text = it->get<std::string>();
    } else if (it->is_number()) {
        text = it->dump();
    } else {
        return make_error(ErrorCode::kParse, std::string("field '") + key + "' is not a decimal");
    }
    auto v = parse_decimal<F>(text);
    if (!v) {
        return make_error(ErrorCode::kParse,
                          std::string("field '") + key + "': malformed decimal '" + text + "'");
    }
    return *v;
}

template Result<Price> decimal_field<Price>(const json&, const char*, bool);
template Result<Money> decimal_field<Money>(const json&, const char*, bool);
template Result<Quantity> decimal_field<Quantity>(const json&, const char*, bool);

Result<Timestamp> time_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return Timestamp{};
    if (!it->is_string()) {
        return make_error(ErrorCode::kParse, std::string("field '") + key + "' is not a string");
    }
    const std::string text = it->get<std::string>();
    auto ts = Timestamp::parse(text);
    if (!ts) {
        return make_error(ErrorCode::kParse,
                          std::string("field '") + key + "': malformed time '" + text + "'");
    }
    return *ts;
}

std::string string_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

namespace {

std::string trimmed(std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

#define ALPACA_TRY_ASSIGN(lhs, expr)                   \
    do {                                               \
        auto alpaca_r_ = (expr);                       \
        if (!alpaca_r_.ok()) return alpaca_r_.error(); \
        lhs = *alpaca_r_;                              \
    } while (0)

Error in(const char* what, const Error& e) {
    return make_error(e.code, std::string(what) + ": " + e.message);
}

}  // namespace

namespace {

/// Alpaca's legs do not nest (a bracket's or OTO's legs have none); a response nesting them
/// thousands deep would overflow the stack of this recursion.
constexpr int kMaxLegDepth = 4;

Result<BrokerOrder> order_at_depth(const json& j, int depth);

}  // namespace

Result<BrokerOrder> order_from(const json& j) { return order_at_depth(j, 0); }

namespace {

Result<BrokerOrder> order_at_depth(const json& j, int depth) {
    if (!j.is_object()) return make_error(ErrorCode::kParse, "order: not an object");
    BrokerOrder o;
    o.broker_order_id = string_field(j, "id");
    if (o.broker_order_id.empty())
        return make_error(ErrorCode::kParse, "order: missing field 'id'");
    const std::string client_id = string_field(j, "client_order_id");
    if (!o.client_order_id.assign(client_id)) {
        return make_error(ErrorCode::kParse,
                          "order " + o.broker_order_id + ": client_order_id longer than " +
                              std::to_string(IdempotencyKey::capacity()) + " chars");
    }
    const std::string symbol = trimmed(string_field(j, "symbol"));
    if (symbol.empty() || !o.symbol.assign(symbol)) {
        return make_error(ErrorCode::kParse,
                          "order " + o.broker_order_id + ": bad symbol '" + symbol + "'");
    }
    const std::string side = string_field(j, "side");
    if (side == "buy") {
        o.side = Side::kBuy;
    } else if (side == "sell") {
        o.side = Side::kSell;
    } else {
        return make_error(ErrorCode::kParse,
                          "order " + o.broker_order_id + ": bad side '" + side + "'");
    }
    auto wrap = [&](const Error& e) {
        return make_error(e.code, "order " + o.broker_order_id + ": " + e.message);
    };
    // qty is null for a notional (dollar) order.
    auto qty = decimal_field<Quantity>(j, "qty", false);
    if (!qty.ok()) return wrap(qty.error());
    o.qty = *qty;
    auto filled = decimal_field<Quantity>(j, "filled_qty", false);
    if (!filled.ok()) return wrap(filled.error());
    o.filled_qty = *filled;
    auto avg = decimal_field<Price>(j, "filled_avg_price", false);
    if (!avg.ok()) return wrap(avg.error());
    o.avg_fill_price = *avg;
    o.broker_status = string_field(j, "status");
    if (o.broker_status.empty())
        return make_error(ErrorCode::kParse,
                          "order " + o.broker_order_id + ": missing field 'status'");
    o.status = map_order_status(o.broker_status, !o.filled_qty.is_zero());
    auto submitted = time_field(j, "submitted_at");
    if (!submitted.ok()) return wrap(submitted.error());
    o.submitted_at = *submitted;
    auto updated = time_field(j, "updated_at");
    if (!updated.ok()) return wrap(updated.error());
    o.updated_at = *updated;
    auto limit = decimal_field<Price>(j, "limit_price", false);
    if (!limit.ok()) return wrap(limit.error());
    o.limit_price = *limit;
    auto stop = decimal_field<Price>(j, "stop_price", false);
    if (!stop.ok()) return wrap(stop.error());
    o.stop_price = *stop;
    // Legs (null for simple orders). A bracket's legs get AWET's names, "<parent id>:tp" for the
    // limit leg and ":sl" for the stop leg; Alpaca's own leg ids stay in broker_order_id.
    auto legs = j.find("legs");
    if (legs != j.end() && legs->is_array()) {
        const bool bracket = string_field(j, "order_class") == "bracket";
        if (!legs->empty() && depth >= kMaxLegDepth) {
            return wrap(make_error(ErrorCode::kParse,
                                   "legs nested deeper than " + std::to_string(kMaxLegDepth)));
        }
        for (size_t i = 0; i < legs->size(); ++i) {
            const json& lj = (*legs)[i];
            auto leg = order_at_depth(lj, depth + 1);
            if (!leg.ok()) {
                return wrap(make_error(leg.error().code,
                                       "legs[" + std::to_string(i) + "]: " + leg.error().message));
            }
            if (bracket) {
                std::string type = string_field(lj, "type");
                if (type.empty()) type = string_field(lj, "order_type");
                const std::optional<BracketLeg> kind =
                    type == "limit" ? std::optional(BracketLeg::kTakeProfit)
                    : type == "stop" || type == "stop_limit" ? std::optional(BracketLeg::kStopLoss)
                                                             : std::nullopt;
                const auto key = kind ? bracket_leg_key(o.client_order_id, *kind) : std::nullopt;
                if (!key) {
                    return wrap(make_error(ErrorCode::kParse, "legs[" + std::to_string(i) +
                                                                  "]: bracket leg of type '" +
                                                                  type + "' cannot be named"));
                }
                leg->client_order_id = *key;
            }
            o.legs.push_back(std::move(*leg));
        }
    }
    return o;
}

}  // namespace

Result<BrokerAccount> account_from(const json& j) {
    if (!j.is_object()) return make_error(ErrorCode::kParse, "account: not an object");
    BrokerAccount a;
    ALPACA_TRY_ASSIGN(a.cash, decimal_field<Money>(j, "cash", true));
    // portfolio_value is the deprecated synonym of equity (older payloads carry only it).
    ALPACA_TRY_ASSIGN(a.equity, decimal_field<Money>(
                                    j, j.contains("equity") ? "equity" : "portfolio_value", true));
    // Alpaca reports no cumulative realized PnL on the account; accrued_fees when present.
    ALPACA_TRY_ASSIGN(a.fees, decimal_field<Money>(j, "accrued_fees", false));
    return a;
}

Result<BrokerPosition> position_from(const json& j) {
    if (!j.is_object()) return make_error(ErrorCode::kParse, "position: not an object");
    BrokerPosition p;
    const std::string symbol = trimmed(string_field(j, "symbol"));
    if (symbol.empty() || !p.symbol.assign(symbol)) {
        return make_error(ErrorCode::kParse, "position: bad symbol '" + symbol + "'");
    }
    auto qty = decimal_field<Quantity>(j, "qty", true);
    if (!qty.ok()) return in("position", qty.error());
    p.qty = *qty;
    // Alpaca signs short quantities already; trust `side` if a positive qty says short.
    if (string_field(j, "side") == "short" && p.qty > Quantity{}) p.qty = -p.qty;
    auto avg = decimal_field<Price>(j, "avg_entry_price", true);
    if (!avg.ok()) return in("position", avg.error());
    p.avg_entry_price = *avg;
    return p;
}

Result<MarketClock> clock_from(const json& j) {
    if (!j.is_object()) return make_error(ErrorCode::kParse, "clock: not an object");
    MarketClock c;
    auto open = j.find("is_open");
    if (open == j.end() || !open->is_boolean()) {
        return make_error(ErrorCode::kParse, "clock: missing field 'is_open'");
    }
    c.is_open = open->get<bool>();
    ALPACA_TRY_ASSIGN(c.timestamp, time_field(j, "timestamp"));
    ALPACA_TRY_ASSIGN(c.next_open, time_field(j, "next_open"));
    ALPACA_TRY_ASSIGN(c.next_close, time_field(j, "next_close"));
    if (!c.timestamp.is_set())
        return make_error(ErrorCode::kParse, "clock: missing field 'timestamp'");
    return c;
}

Result<CalendarDay> calendar_day_from(const json& j) {
    if (!j.is_object()) return make_error(ErrorCode::kParse, "calendar: day is not an object");
    CalendarDay d{string_field(j, "date"), string_field(j, "open"), string_field(j, "close")};
    if (d.date.empty() || !Timestamp::parse(d.date)) {
        return make_error(ErrorCode::kParse, "calendar: bad date '" + d.date + "'");
    }
    if (d.open.empty() || d.close.empty()) {
        return make_error(ErrorCode::kParse, "calendar " + d.date + ": missing open/close");
    }
    return d;
}

}  // namespace detail

namespace {

Result<json> parse_json(std::string_view text, const char* what) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return make_error(ErrorCode::kParse, std::string(what) + ": body is not JSON");
    return j;
}

template <typename T, typename Fn>
Result<std::vector<T>> parse_array(std::string_view text, const char* what, Fn one) {
    auto j = parse_json(text, what);
    if (!j.ok()) return j.error();
    if (!j->is_array()) return make_error(ErrorCode::kParse, std::string(what) + ": not an array");
    std::vector<T> out;
    out.reserve(j->size());
    for (const json& item : *j) {
        auto v = one(item);
        if (!v.ok()) return v.error();
        out.push_back(std::move(*v));
    }
    return out;
}

}  // namespace

Result<BrokerOrder> parse_order(std::string_view text) {
    auto j = parse_json(text, "order");
    if (!j.ok()) return j.error();
    return detail::order_from(*j);
}

Result<std::vector<BrokerOrder>> parse_orders(std::string_view text) {
    return parse_array<BrokerOrder>(text, "orders", detail::order_from);
}

Result<BrokerAccount> parse_account(std::string_view text) {
    auto j = parse_json(text, "account");
    if (!j.ok()) return j.error();
    return detail::account_from(*j);
}

Result<BrokerPosition> parse_position(std::string_view text) {
    auto j = parse_json(text, "position");
    if (!j.ok()) return j.error();
    return detail::position_from(*j);
}

Result<std::vector<BrokerPosition>> parse_positions(std::string_view text) {
    return parse_array<BrokerPosition>(text, "positions", detail::position_from);
}

Result<MarketClock> parse_clock(std::string_view text) {
    auto j = parse_json(text, "clock");
    if (!j.ok()) return j.error();
    return detail::clock_from(*j);
}

Result<std::vector<CalendarDay>> parse_calendar(std::string_view text) {
    auto j = parse_json(text, "calendar");
    if (!j.ok()) return j.error();
    if (j->is_object()) {
        auto d = detail::calendar_day_from(*j);
        if (!d.ok()) return d.error();
        return std::vector<CalendarDay>{*d};
    }
    return parse_array<CalendarDay>(text, "calendar", detail::calendar_day_from);
}

}  // namespace awet::alpaca
