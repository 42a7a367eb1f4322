#include "awet/marketdata/corporate_actions.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "awet/calendar/calendar.hpp"
#include "awet/marketdata/bar_parsers.hpp"
#include "json_text.hpp"

namespace awet::marketdata {

using nlohmann::json;

namespace {

Error bad(std::string_view source, const std::string& where, const std::string& why) {
    return make_error(ErrorCode::kParse, std::string(source) + ": " + where + ": " + why);
}

Result<json> parse_body(std::string_view body, std::string_view source) {
    json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return bad(source, "body", "malformed JSON");
    if (!j.is_object()) return bad(source, "body", "not a JSON object");
    return j;
}

/// results[] of a Polygon v3 reference response (absent: none), and its next_url.
Result<CorporateActionsPage> polygon_page(
    std::string_view body, std::string_view source,
    const std::function<Result<CorporateAction>(const json&, const std::string&)>& one) {
    auto j = parse_body(body, source);
    if (!j.ok()) return j.error();
    CorporateActionsPage page;
    if (j->contains("status") && (*j)["status"].is_string() && (*j)["status"] == "ERROR") {
        std::string text = message_member(*j, "error");
        if (text.empty()) text = message_member(*j, "message");
        return bad(source, "status", "ERROR: " + text);
    }
    if (j->contains("next_url") && (*j)["next_url"].is_string()) page.next = (*j)["next_url"];
    if (!j->contains("results") || (*j)["results"].is_null()) return page;
    if (!(*j)["results"].is_array()) return bad(source, "results", "not an array");
    size_t i = 0;
    for (const json& r : (*j)["results"]) {
        const std::string where = "results[" + std::to_string(i++) + "]";
        if (!r.is_object()) return bad(source, where, "not an object");
        auto action = one(r, where);
        if (!action.ok()) return action.error();
        action->source = "polygon";
        page.actions.push_back(std::move(*action));
    }
    return page;
}

Result<std::string> string_at(const json& o, const char* field, std::string_view source,
                              const std::string& where) {
    if (!o.contains(field) || !o[field].is_string())
        return bad(source, where + "." + field, "missing or not a string");
    return o[field].get<std::string>();
}

Result<Symbol> ticker_at(const json& o, std::string_view source, const std::string& where) {
    auto t = string_at(o, "ticker", source, where);
    if (!t.ok()) return t.error();
    if (t->empty() || t->size() > Symbol::capacity())
        return bad(source, where + ".ticker", "'" + *t + "' is empty or too long");
    return Symbol(*t);
}

Result<Date> date_at(const json& o, const char* field, std::string_view source,
                     const std::string& where) {
    auto t = string_at(o, field, source, where);
    if (!t.ok()) return t.error();
    auto d = Date::parse(*t);
    if (!d) return bad(source, where + "." + field, "not a date YYYY-MM-DD: '" + *t + "'");
    return *d;
}

/// A positive share count (Polygon sends numbers; fractional ratios are refused).
Result<int64_t> ratio_at(const json& o, const char* field, std::string_view source,
                         const std::string& where) {
    if (!o.contains(field) || !o[field].is_number())
        return bad(source, where + "." + field, "missing or not a number");
    const double v = o[field].get<double>();
    if (!(v > 0) || v != std::floor(v) || v > 1e9)
        return bad(source, where + "." + field, "not a positive whole number of shares");
    return static_cast<int64_t>(v);
}

Result<Price> cash_at(const json& o, const char* field, std::string_view source,
                      const std::string& where) {
    std::optional<int64_t> micro;
    if (o.contains(field) && o[field].is_number()) {
        micro = parse_decimal_micro(shortest_decimal(o[field].get<double>()));
    } else if (o.contains(field) && o[field].is_string()) {
        micro = parse_decimal_micro(o[field].get<std::string>());
    }
    if (!micro || *micro < 0)
        return bad(source, where + "." + field, "missing or not a non-negative amount");
    return Price::from_raw(*micro);
}

/// The New York date of an event at `seconds` after the epoch; nullopt outside the years a
/// Timestamp holds (1970 to 2262).
std::optional<Date> local_date_of_epoch_seconds(int64_t seconds) {
    constexpr int64_t kLastSecond = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 86'400;
    if (seconds < 0 || seconds > kLastSecond) return std::nullopt;
    return SessionCalendar::to_local(Timestamp::from_seconds(seconds)).date;
}

}  // namespace

std::string CorporateAction::describe() const {
    if (kind == Kind::kSplit) {
        return symbol.str() + " split " + std::to_string(split_to) + ":" +
               std::to_string(split_from) + " on " + effective.to_string();
    }
    return symbol.str() + " dividend " + cash_amount.to_string() + " ex " + effective.to_string();
}

Result<CorporateActionsPage> parse_polygon_splits(std::string_view body, std::string_view source) {
    return polygon_page(
        body, source, [source](const json& r, const std::string& where) -> Result<CorporateAction> {
            CorporateAction a;
            a.kind = CorporateAction::Kind::kSplit;
            auto symbol = ticker_at(r, source, where);
            if (!symbol.ok()) return symbol.error();
            auto date = date_at(r, "execution_date", source, where);
            if (!date.ok()) return date.error();
            auto from = ratio_at(r, "split_from", source, where);
            if (!from.ok()) return from.error();
            auto to = ratio_at(r, "split_to", source, where);
            if (!to.ok()) return to.error();
            a.symbol = *symbol;
            a.effective = *date;
            a.split_from = *from;
            a.split_to = *to;
            return a;
        });
}

Result<CorporateActionsPage> parse_polygon_dividends(std::string_view body,
                                                     std::string_view source) {
    return polygon_page(
        body, source, [source](const json& r, const std::string& where) -> Result<CorporateAction> {
            CorporateAction a;
            a.kind = CorporateAction::Kind::kDividend;
            auto symbol = ticker_at(r, source, where);
            if (!symbol.ok()) return symbol.error();
            auto date = date_at(r, "ex_dividend_date", source, where);
            if (!date.ok()) return date.error();
            auto cash = cash_at(r, "cash_amount", source, where);
            if (!cash.ok()) return cash.error();
            a.symbol = *symbol;
            a.effective = *date;
            a.cash_amount = *cash;
            return a;
        });
}

Result<std::vector<CorporateAction>> parse_yahoo_events(std::string_view body,
                                                        std::string_view source) {
    auto j = parse_body(body, source);
    if (!j.ok()) return j.error();
    const json* result = nullptr;
    if (j->contains("chart") && (*j)["chart"].is_object() && (*j)["chart"].contains("result") &&
        (*j)["chart"]["result"].is_array() && !(*j)["chart"]["result"].empty()) {
        result = &(*j)["chart"]["result"][0];
    }
    if (result == nullptr) return bad(source, "chart.result", "missing or empty");
    std::string ticker;
    if (result->contains("meta") && (*result)["meta"].is_object())
        ticker = text_member((*result)["meta"], "symbol", "").value_or("");
    if (ticker.empty() || ticker.size() > Symbol::capacity())
        return bad(source, "chart.result[0].meta.symbol", "missing, not a string or too long");
    std::vector<CorporateAction> out;
    if (!result->contains("events") || !(*result)["events"].is_object()) return out;
    const json& events = (*result)["events"];
    const auto each = [&](const char* kind, auto&& one) -> Status {
        if (!events.contains(kind)) return Status::Ok();
        if (!events[kind].is_object())
            return bad(source, std::string("events.") + kind, "not an object");
        for (const auto& [key, e] : events[kind].items()) {
            const std::string where = std::string("events.") + kind + "." + key;
            if (!e.is_object() || !e.contains("date") || !e["date"].is_number_integer())
                return bad(source, where + ".date", "missing or not epoch seconds");
            CorporateAction a;
            a.symbol = Symbol(ticker);
            const auto date = local_date_of_epoch_seconds(e["date"].template get<int64_t>());
            if (!date) return bad(source, where + ".date", "out of range: " + e["date"].dump());
            a.effective = *date;
            a.source = "yahoo";
            AWET_TRY(one(e, where, a));
            out.push_back(std::move(a));
        }
        return Status::Ok();
    };
    AWET_TRY(
        each("splits", [&](const json& e, const std::string& where, CorporateAction& a) -> Status {
            a.kind = CorporateAction::Kind::kSplit;
            auto num = ratio_at(e, "numerator", source, where);
            if (!num.ok()) return num.error();
            auto den = ratio_at(e, "denominator", source, where);
            if (!den.ok()) return den.error();
            a.split_to = *num;
            a.split_from = *den;
            return Status::Ok();
        }));
    AWET_TRY(each("dividends",
                  [&](const json& e, const std::string& where, CorporateAction& a) -> Status {
                      a.kind = CorporateAction::Kind::kDividend;
                      auto cash = cash_at(e, "amount", source, where);
                      if (!cash.ok()) return cash.error();
                      a.cash_amount = *cash;
                      return Status::Ok();
                  }));
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.effective < b.effective; });
    return out;
}

const char* to_string(SplitAdjustment a) {
    switch (a) {
        case SplitAdjustment::kAdjusted:
            return "adjusted";
        case SplitAdjustment::kRaw:
            return "raw";
        case SplitAdjustment::kNotCovered:
            return "not covered";
    }
    return "?";
}

SplitCheck check_split(const CorporateAction& split, std::span<const MarketBar> bars) {
    SplitCheck out;
    if (split.kind != CorporateAction::Kind::kSplit || split.split_from <= 0 ||
        split.split_to <= 0) {
        return out;
    }
    const MarketBar* before = nullptr;
    const MarketBar* after = nullptr;
    for (const MarketBar& b : bars) {
        if (b.header.symbol != split.symbol) continue;
        const Date d = SessionCalendar::to_local(b.bar_start).date;
        if (d < split.effective) {
            if (before == nullptr || before->bar_start < b.bar_start) before = &b;
        } else if (after == nullptr || b.bar_start < after->bar_start) {
            after = &b;
        }
    }
    if (before == nullptr || after == nullptr || before->close.raw() <= 0 ||
        after->open.raw() <= 0) {
        return out;
    }
    out.close_before = before->close;
    out.open_after = after->open;
    // A ratio for classification only (no money is computed from it).
    const double close = static_cast<double>(before->close.raw());
    const double open = static_cast<double>(after->open.raw());
    const double raw_expected =
        close * static_cast<double>(split.split_from) / static_cast<double>(split.split_to);
    const double d_raw = std::abs(std::log(open / raw_expected));
    const double d_adjusted = std::abs(std::log(open / close));
    out.adjustment = d_raw < d_adjusted ? SplitAdjustment::kRaw : SplitAdjustment::kAdjusted;
    return out;
}

}  // namespace awet::marketdata
