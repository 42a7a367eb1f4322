#include "awet/marketdata/bar_parsers.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace awet::marketdata {

using nlohmann::json;

std::optional<int64_t> parse_decimal_micro(std::string_view text) {
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
    const size_t int_start = i;
    uint64_t units = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        units = units * 10 + static_cast<uint64_t>(text[i++] - '0');
        if (units > kMax / kFixedScale) return std::nullopt;
    }
    const bool has_int = i > int_start;
    uint64_t micro = units * kFixedScale;
    bool has_frac = false;
    if (i < text.size() && text[i] == '.') {
        ++i;
        uint64_t place = kFixedScale / 10;
        bool round_up = false;
        int digit_index = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            const auto d = static_cast<uint64_t>(text[i++] - '0');
            if (digit_index < kFixedDecimals) {
                micro += d * place;
                place /= 10;
            } else if (digit_index == kFixedDecimals) {
                round_up = d >= 5;  // half away from zero: the 7th digit alone decides
            }
            ++digit_index;
            has_frac = true;
        }
        if (round_up) ++micro;
    }
    if (i != text.size() || (!has_int && !has_frac)) return std::nullopt;
    if (micro > kMax) return std::nullopt;
    const auto value = static_cast<int64_t>(micro);
    return negative ? -value : value;
}

std::string shortest_decimal(double v) {
    char buf[400];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    if (r.ec != std::errc()) return "nan";
    return std::string(buf, r.ptr);
}

namespace {

std::string where(std::string_view vendor, std::string_view source) {
    return std::string(vendor) + " " + std::string(source);
}

Error not_bars(std::string_view vendor, std::string_view source, const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "not a bars response: " + where(vendor, source) + ": " + why);
}

Error bad_field(std::string_view vendor, std::string_view source, const std::string& field,
                const std::string& why) {
    return make_error(ErrorCode::kParse, where(vendor, source) + ": " + field + ": " + why);
}

Result<json> parse_json(std::string_view body, std::string_view vendor, std::string_view source) {
    try {
        return json::parse(body.begin(), body.end());
    } catch (const json::exception& e) {
        return make_error(ErrorCode::kParse,
                          where(vendor, source) + ": malformed JSON: " + std::string(e.what()));
    }
}

/// A JSON number as micro-units, exactly: integers directly, floats through their shortest
/// decimal text (the text in the response for up to 15 significant digits).
std::optional<int64_t> json_micro(const json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / kFixedScale))
            return std::nullopt;
        return static_cast<int64_t>(u) * kFixedScale;
    }
    if (v.is_number_integer()) {
        const auto s = v.get<int64_t>();
        if (s > std::numeric_limits<int64_t>::max() / kFixedScale ||
            s < std::numeric_limits<int64_t>::min() / kFixedScale)
            return std::nullopt;
        return s * kFixedScale;
    }
    if (v.is_number_float()) return parse_decimal_micro(shortest_decimal(v.get<double>()));
    return std::nullopt;
}

/// Why a JSON value is not a usable price or volume: beyond int64 micro-units reads as above the
/// bound (as parse_bar_value says it for text), anything else as not a number.
std::string not_a_value(const json& v, BarValueKind kind, const BarLimits& limits) {
    if (v.is_number()) {
        const std::string text = v.is_number_float() ? shortest_decimal(v.get<double>()) : v.dump();
        if (!text.empty() && text.front() == '-')
            return std::string("negative ") +
                   (kind == BarValueKind::kPrice ? "price " : "volume ") + text;
        return above_limit_reason(text, kind, limits);
    }
    return "not a number (" + v.dump() + ")";
}

/// Reads one OHLCV field into `out`; an error names `field`.
Status read_number(const json& obj, const char* key, const std::string& path,
                   std::string_view vendor, std::string_view source, BarValueKind kind,
                   const BarLimits& limits, int64_t& out) {
    auto it = obj.find(key);
    if (it == obj.end()) return bad_field(vendor, source, path + "." + key, "missing");
    const auto micro = json_micro(*it);
    if (!micro) return bad_field(vendor, source, path + "." + key, not_a_value(*it, kind, limits));
    out = *micro;
    return {};
}

struct Ohlcv {
    int64_t o = 0, h = 0, l = 0, c = 0, v = 0;
};

/// The bar, checked by check_bar_values (bounds and OHLC order, the CSV reader's words); an
/// error names path.<field> ("results[3].high").
Result<MarketBar> make_bar(std::string_view symbol, Timestamp start, Duration interval,
                           const Ohlcv& x, const std::string& path, std::string_view vendor,
                           std::string_view source, const BarLimits& limits) {
    MarketBar bar;
    if (symbol.empty() || !bar.header.symbol.assign(symbol))
        return bad_field(vendor, source, path,
                         "symbol '" + std::string(symbol) + "' is empty or longer than 15 bytes");
    bar.open = Price::from_raw(x.o);
    bar.high = Price::from_raw(x.h);
    bar.low = Price::from_raw(x.l);
    bar.close = Price::from_raw(x.c);
    bar.volume = Quantity::from_raw(x.v);
    if (std::optional<BarProblem> problem = check_bar_values(bar, limits))
        return bad_field(vendor, source, path + "." + problem->field, problem->reason);
    bar.bar_start = start;
    bar.interval = interval;
    bar.header.ts = start + interval;
    bar.header.source = Source::kIngestion;
    return bar;
}

/// Reads o/h/l/c/v of a Polygon or Alpaca bar object.
Result<Ohlcv> read_ohlcv(const json& obj, const std::string& path, std::string_view vendor,
                         std::string_view source, const BarLimits& limits) {
    constexpr BarValueKind kP = BarValueKind::kPrice;
    Ohlcv x;
    AWET_TRY(read_number(obj, "o", path, vendor, source, kP, limits, x.o));
    AWET_TRY(read_number(obj, "h", path, vendor, source, kP, limits, x.h));
    AWET_TRY(read_number(obj, "l", path, vendor, source, kP, limits, x.l));
    AWET_TRY(read_number(obj, "c", path, vendor, source, kP, limits, x.c));
    AWET_TRY(read_number(obj, "v", path, vendor, source, BarValueKind::kVolume, limits, x.v));
    return x;
}

bool looks_like_bar(const json& item) {
    return item.is_object() && item.contains("o") && item.contains("c") && item.contains("t");
}

}  // namespace

Result<BarsPage> parse_polygon_aggs(std::string_view body, std::string_view source,
                                    std::string_view symbol, Duration interval,
                                    const BarLimits& limits) {
    constexpr std::string_view kVendor = "polygon aggs";
    auto parsed = parse_json(body, kVendor, source);
    if (!parsed.ok()) return parsed.error();
    const json& doc = *parsed;
    if (!doc.is_object()) return not_bars(kVendor, source, "top level is not an object");
    const std::optional<std::string> status = text_member(doc, "status", "");
    if (!status) return bad_field(kVendor, source, "status", "not a string");
    if (*status == "ERROR" || *status == "NOT_AUTHORIZED" || *status == "NOT_FOUND") {
        std::string text = message_member(doc, "error");
        if (text.empty()) text = message_member(doc, "message");
        return make_error(ErrorCode::kIo, where(kVendor, source) + ": status " + *status +
                                              (text.empty() ? "" : ": " + text));
    }
    BarsPage page;
    if (auto it = doc.find("next_url"); it != doc.end() && it->is_string())
        page.next = it->get<std::string>();
    auto results = doc.find("results");
    if (results == doc.end()) {
        // Polygon leaves `results` out when the window holds no bars.
        if (doc.contains("resultsCount") || doc.contains("queryCount")) return page;
        return not_bars(kVendor, source, "no \"results\" and no \"resultsCount\"");
    }
    if (!results->is_array()) return not_bars(kVendor, source, "\"results\" is not an array");
    if (!results->empty() && !looks_like_bar((*results)[0]))
        return not_bars(kVendor, source, "results[0] has no t/o/c (not aggregates)");
    const std::optional<std::string> doc_symbol = text_member(doc, "ticker", std::string(symbol));
    if (!doc_symbol) return bad_field(kVendor, source, "ticker", "not a string");
    for (size_t i = 0; i < results->size(); ++i) {
        const json& item = (*results)[i];
        const std::string path = "results[" + std::to_string(i) + "]";
        if (!item.is_object()) return bad_field(kVendor, source, path, "not an object");
        auto ohlcv = read_ohlcv(item, path, kVendor, source, limits);
        if (!ohlcv.ok()) return ohlcv.error();
        auto t = item.find("t");
        if (t == item.end() || !t->is_number())
            return bad_field(kVendor, source, path + ".t", "missing or not a number");
        const auto t_micro = json_micro(*t);  // ms in micro-units
        if (!t_micro || *t_micro % kFixedScale != 0)
            return bad_field(kVendor, source, path + ".t", "not whole milliseconds");
        const Timestamp start = Timestamp::from_ns(*t_micro / kFixedScale * 1'000'000);
        const std::optional<std::string> sym = text_member(item, "T", *doc_symbol);
        if (!sym) return bad_field(kVendor, source, path + ".T", "not a string");
        auto bar = make_bar(*sym, start, interval, *ohlcv, path, kVendor, source, limits);
        if (!bar.ok()) return bar.error();
        page.bars.push_back(*bar);
    }
    return page;
}

Result<BarsPage> parse_yahoo_chart(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval,
                                   const BarLimits& limits) {
    constexpr std::string_view kVendor = "yahoo chart";
    auto parsed = parse_json(body, kVendor, source);
    if (!parsed.ok()) return parsed.error();
    const json& doc = *parsed;
    if (!doc.is_object() || !doc.contains("chart") || !doc["chart"].is_object())
        return not_bars(kVendor, source, "no \"chart\" object");
    const json& chart = doc["chart"];
    if (auto err = chart.find("error"); err != chart.end() && !err->is_null()) {
        std::string text = err->is_object() ? message_member(*err, "code") + ": " +
                                                  message_member(*err, "description")
                                            : err->dump();
        return make_error(ErrorCode::kIo, where(kVendor, source) + ": chart.error " + text);
    }
    BarsPage page;
    auto result = chart.find("result");
    if (result == chart.end() || result->is_null() || (result->is_array() && result->empty()))
        return page;
    if (!result->is_array() || !(*result)[0].is_object())
        return bad_field(kVendor, source, "chart.result", "not an array of objects");
    const json& r = (*result)[0];
    std::string sym(symbol);
    Duration step = interval;
    if (auto meta = r.find("meta"); meta != r.end() && meta->is_object()) {
        const std::optional<std::string> meta_symbol = text_member(*meta, "symbol", sym);
        if (!meta_symbol)
            return bad_field(kVendor, source, "chart.result[0].meta.symbol", "not a string");
        sym = *meta_symbol;
        if (step == Duration{}) {
            // Not a string: unknown, as an absent one (the error below names the field).
            const std::string g = text_member(*meta, "dataGranularity", "").value_or("");
            if (auto d = parse_yahoo_interval(g)) step = *d;
        }
    }
    if (step == Duration{})
        return bad_field(kVendor, source, "chart.result[0].meta.dataGranularity",
                         "missing or unknown and no interval given");
    auto ts = r.find("timestamp");
    if (ts == r.end() || ts->is_null()) return page;  // no trading in the window
    if (!ts->is_array())
        return bad_field(kVendor, source, "chart.result[0].timestamp", "not an array");
    const json* quote = nullptr;
    if (auto ind = r.find("indicators"); ind != r.end() && ind->is_object()) {
        if (auto q = ind->find("quote"); q != ind->end() && q->is_array() && !q->empty())
            quote = &(*q)[0];
    }
    if (quote == nullptr || !quote->is_object())
        return bad_field(kVendor, source, "chart.result[0].indicators.quote[0]", "missing");
    static constexpr const char* kFields[5] = {"open", "high", "low", "close", "volume"};
    const json* cols[5];
    for (int k = 0; k < 5; ++k) {
        const std::string path = std::string("chart.result[0].indicators.quote[0].") + kFields[k];
        auto it = quote->find(kFields[k]);
        if (it == quote->end() || !it->is_array())
            return bad_field(kVendor, source, path, "missing or not an array");
        if (it->size() != ts->size())
            return bad_field(kVendor, source, path,
                             std::to_string(it->size()) + " values for " +
                                 std::to_string(ts->size()) + " timestamps");
        cols[k] = &*it;
    }
    for (size_t i = 0; i < ts->size(); ++i) {
        const json& t = (*ts)[i];
        const std::string tpath = "chart.result[0].timestamp[" + std::to_string(i) + "]";
        if (!t.is_number_integer()) return bad_field(kVendor, source, tpath, "not an integer");
        bool has_null = false;
        int64_t vals[5] = {};
        for (int k = 0; k < 5; ++k) {
            const json& v = (*cols[k])[i];
            if (v.is_null()) {
                has_null = true;
                continue;
            }
            const auto micro = json_micro(v);
            if (!micro)
                return bad_field(
                    kVendor, source,
                    std::string("chart.result[0].indicators.quote[0].") + kFields[k] + "[" +
                        std::to_string(i) + "]",
                    not_a_value(v, k == 4 ? BarValueKind::kVolume : BarValueKind::kPrice, limits));
            vals[k] = *micro;
        }
        if (has_null) {  // a missing bar: skipped and counted, never filled
            ++page.skipped_null_rows;
            continue;
        }
        const Ohlcv x{vals[0], vals[1], vals[2], vals[3], vals[4]};
        auto bar = make_bar(sym, Timestamp::from_seconds(t.get<int64_t>()), step, x,
                            "chart.result[0] row " + std::to_string(i), kVendor, source, limits);
        if (!bar.ok()) return bar.error();
        page.bars.push_back(*bar);
    }
    return page;
}

namespace {

Status parse_alpaca_item(const json& item, const std::string& sym, const std::string& path,
                         Duration interval, std::string_view source, const BarLimits& limits,
                         BarsPage& page) {
    constexpr std::string_view kVendor = "alpaca bars";
    if (!item.is_object()) return bad_field(kVendor, source, path, "not an object");
    auto ohlcv = read_ohlcv(item, path, kVendor, source, limits);
    if (!ohlcv.ok()) return ohlcv.error();
    auto t = item.find("t");
    if (t == item.end() || !t->is_string())
        return bad_field(kVendor, source, path + ".t", "missing or not a string");
    const auto start = Timestamp::parse(t->get<std::string>());
    if (!start) return bad_field(kVendor, source, path + ".t", "not RFC-3339: " + t->dump());
    auto bar = make_bar(sym, *start, interval, *ohlcv, path, kVendor, source, limits);
    if (!bar.ok()) return bar.error();
    page.bars.push_back(*bar);
    return {};
}

}  // namespace

Result<BarsPage> parse_alpaca_bars(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval,
                                   const BarLimits& limits) {
    constexpr std::string_view kVendor = "alpaca bars";
    auto parsed = parse_json(body, kVendor, source);
    if (!parsed.ok()) return parsed.error();
    const json& doc = *parsed;
    if (!doc.is_object()) return not_bars(kVendor, source, "top level is not an object");
    auto bars = doc.find("bars");
    if (bars == doc.end()) {
        if (auto msg = doc.find("message"); msg != doc.end() && msg->is_string())
            return not_bars(kVendor, source, "an error document: " + msg->get<std::string>());
        return not_bars(kVendor, source, "no \"bars\" key");
    }
    BarsPage page;
    if (auto tok = doc.find("next_page_token"); tok != doc.end() && tok->is_string())
        page.next = tok->get<std::string>();
    if (bars->is_null()) return page;
    if (bars->is_array()) {
        const std::optional<std::string> doc_symbol =
            text_member(doc, "symbol", std::string(symbol));
        if (!doc_symbol) return bad_field(kVendor, source, "symbol", "not a string");
        const std::string& sym = *doc_symbol;
        for (size_t i = 0; i < bars->size(); ++i) {
            AWET_TRY(parse_alpaca_item((*bars)[i], sym, "bars[" + std::to_string(i) + "]", interval,
                                       source, limits, page));
        }
        return page;
    }
    if (!bars->is_object()) return not_bars(kVendor, source, "\"bars\" is neither array nor map");
    for (const auto& [sym, list] : bars->items()) {
        if (list.is_object()) {  // /bars/latest: one bar per symbol
            AWET_TRY(parse_alpaca_item(list, sym, "bars." + sym, interval, source, limits, page));
            continue;
        }
        if (list.is_null()) continue;
        if (!list.is_array())
            return bad_field(kVendor, source, "bars." + sym, "not an array or object");
        for (size_t i = 0; i < list.size(); ++i) {
            AWET_TRY(parse_alpaca_item(list[i], sym, "bars." + sym + "[" + std::to_string(i) + "]",
                                       interval, source, limits, page));
        }
    }
    return page;
}

Result<MarketBar> parse_alpaca_bar(std::string_view object_json, std::string_view symbol,
                                   Duration interval, std::string_view source,
                                   std::string_view path, const BarLimits& limits) {
    auto parsed = parse_json(object_json, "alpaca bars", source);
    if (!parsed.ok()) return parsed.error();
    BarsPage page;
    AWET_TRY(parse_alpaca_item(*parsed, std::string(symbol), std::string(path), interval, source,
                               limits, page));
    return page.bars.front();
}

Result<BarsPage> parse_polygon_aggs(std::string_view body, std::string_view source,
                                    std::string_view symbol, Duration interval) {
    return parse_polygon_aggs(body, source, symbol, interval, BarLimits{});
}

Result<BarsPage> parse_yahoo_chart(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval) {
    return parse_yahoo_chart(body, source, symbol, interval, BarLimits{});
}

Result<BarsPage> parse_alpaca_bars(std::string_view body, std::string_view source,
                                   std::string_view symbol, Duration interval) {
    return parse_alpaca_bars(body, source, symbol, interval, BarLimits{});
}

std::optional<Duration> parse_yahoo_interval(std::string_view text) {
    if (text == "1h") return Duration::hours(1);
    if (text == "1wk") return Duration::days(7);
    if (text.size() < 2) return std::nullopt;
    const char unit = text.back();
    int64_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size() - 1, n);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() - 1 || n <= 0)
        return std::nullopt;
    if (unit == 'm') return Duration::minutes(n);
    if (unit == 'd') return Duration::days(n);
    return std::nullopt;
}

std::optional<std::string> yahoo_interval_name(Duration interval) {
    const int64_t m = interval.ns() % Duration::minutes(1).ns() == 0 ? interval.to_minutes() : 0;
    switch (m) {
        case 1:
        case 2:
        case 5:
        case 15:
        case 30:
        case 60:
        case 90:
            return std::to_string(m) + "m";
        case 1440:
            return "1d";
        case 7200:
            return "5d";
        case 10080:
            return "1wk";
        default:
            return std::nullopt;
    }
}

std::optional<std::string> alpaca_timeframe(Duration interval) {
    if (interval.ns() <= 0 || interval.ns() % Duration::minutes(1).ns() != 0) return std::nullopt;
    const int64_t m = interval.to_minutes();
    if (m < 60) return std::to_string(m) + "Min";
    if (m % 60 == 0 && m / 60 < 24) return std::to_string(m / 60) + "Hour";
    if (m == 1440) return "1Day";
    if (m == 10080) return "1Week";
    return std::nullopt;
}

std::optional<std::pair<int64_t, std::string>> polygon_range(Duration interval) {
    if (interval.ns() <= 0 || interval.ns() % Duration::minutes(1).ns() != 0) return std::nullopt;
    const int64_t m = interval.to_minutes();
    if (m % 10080 == 0) return std::make_pair(m / 10080, std::string("week"));
    if (m % 1440 == 0) return std::make_pair(m / 1440, std::string("day"));
    if (m % 60 == 0) return std::make_pair(m / 60, std::string("hour"));
    return std::make_pair(m, std::string("minute"));
}

}  // namespace awet::marketdata
