#include "awet/core/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

extern char** environ;  // POSIX: the process environment (scanned for mistyped AWET_* names)

namespace awet {
namespace {

// ---- Value kinds: one parser and one renderer per C++ type of a Config field. ----

enum class Kind { kInt, kInt64, kUint64, kBool, kDouble, kMoney, kQuantity, kString, kStringList };

template <typename T>
constexpr Kind kind_of();
template <>
constexpr Kind kind_of<int>() {
    return Kind::kInt;
}
template <>
constexpr Kind kind_of<int64_t>() {
    return Kind::kInt64;
}
template <>
constexpr Kind kind_of<uint64_t>() {
    return Kind::kUint64;
}
template <>
constexpr Kind kind_of<bool>() {
    return Kind::kBool;
}
template <>
constexpr Kind kind_of<double>() {
    return Kind::kDouble;
}
template <>
constexpr Kind kind_of<Money>() {
    return Kind::kMoney;
}
template <>
constexpr Kind kind_of<Quantity>() {
    return Kind::kQuantity;
}
template <>
constexpr Kind kind_of<std::string>() {
    return Kind::kString;
}
template <>
constexpr Kind kind_of<std::vector<std::string>>() {
    return Kind::kStringList;
}

const char* expectation(Kind kind) {
    switch (kind) {
        case Kind::kInt:
        case Kind::kInt64:
            return "an integer";
        case Kind::kUint64:
            return "a non-negative integer";
        case Kind::kBool:
            return "a boolean (true/false)";
        case Kind::kDouble:
            return "a number";
        case Kind::kMoney:
            return "a decimal amount in USD (at most 6 decimals)";
        case Kind::kQuantity:
            return "a decimal quantity (at most 6 decimals)";
        case Kind::kString:
            return "a string";
        case Kind::kStringList:
            return "a list of strings";
    }
    return "a value";
}

template <typename T>
bool parse_integer(std::string_view text, T& out) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return false;
    T v{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return false;
    out = v;
    return true;
}

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

/// Parses `text` into the field at `dst` (of the C++ type that `kind` names). false if malformed.
bool parse_scalar(Kind kind, std::string_view text, void* dst) {
    switch (kind) {
        case Kind::kInt:
            return parse_integer(text, *static_cast<int*>(dst));
        case Kind::kInt64:
            return parse_integer(text, *static_cast<int64_t*>(dst));
        case Kind::kUint64:
            return parse_integer(text, *static_cast<uint64_t*>(dst));
        case Kind::kBool: {
            std::string t = lower(text);
            if (t == "true" || t == "yes" || t == "on" || t == "1") {
                *static_cast<bool*>(dst) = true;
                return true;
            }
            if (t == "false" || t == "no" || t == "off" || t == "0") {
                *static_cast<bool*>(dst) = false;
                return true;
            }
            return false;
        }
        case Kind::kDouble: {
            std::string t(text);
            if (t.empty()) return false;
            char* end = nullptr;
            double v = std::strtod(t.c_str(), &end);
            if (end != t.c_str() + t.size() || !std::isfinite(v)) return false;
            *static_cast<double*>(dst) = v;
            return true;
        }
        case Kind::kMoney: {
            auto v = Money::parse(text);
            if (!v) return false;
            *static_cast<Money*>(dst) = *v;
            return true;
        }
        case Kind::kQuantity: {
            auto v = Quantity::parse(text);
            if (!v) return false;
            *static_cast<Quantity*>(dst) = *v;
            return true;
        }
        case Kind::kString:
            *static_cast<std::string*>(dst) = std::string(text);
            return true;
        case Kind::kStringList: {
            // Comma-separated (environment variables): "AAPL,MSFT".
            std::vector<std::string> items;
            size_t start = 0;
            while (start <= text.size()) {
                size_t comma = text.find(',', start);
                if (comma == std::string_view::npos) comma = text.size();
                std::string_view item = trim(text.substr(start, comma - start));
                if (!item.empty()) items.emplace_back(item);
                start = comma + 1;
            }
            *static_cast<std::vector<std::string>*>(dst) = std::move(items);
            return true;
        }
    }
    return false;
}

std::string render(Kind kind, const void* src) {
    switch (kind) {
        case Kind::kInt:
            return std::to_string(*static_cast<const int*>(src));
        case Kind::kInt64:
            return std::to_string(*static_cast<const int64_t*>(src));
        case Kind::kUint64:
            return std::to_string(*static_cast<const uint64_t*>(src));
        case Kind::kBool:
            return *static_cast<const bool*>(src) ? "true" : "false";
        case Kind::kDouble:
            return fmt::format("{}", *static_cast<const double*>(src));
        case Kind::kMoney:
            return static_cast<const Money*>(src)->to_string();
        case Kind::kQuantity:
            return static_cast<const Quantity*>(src)->to_string();
        case Kind::kString:
            return *static_cast<const std::string*>(src);
        case Kind::kStringList: {
            std::string out;
            for (const auto& s : *static_cast<const std::vector<std::string>*>(src)) {
                if (!out.empty()) out += ',';
                out += s;
            }
            return out;
        }
    }
    return {};
}

// ---- Ranges: what a numeric key may hold (its type's limits and what is plausible). ----

/// Allowed values of a numeric key, in human units (USD, shares, minutes, ...). The bounds are
/// integers or short decimals: exact as doubles, and exact once scaled to fixed-point raws.
struct Range {
    bool set = false;
    double lo = 0;
    double hi = 0;
    bool lo_open = false;
    bool hi_open = false;
};

constexpr Range closed(double lo, double hi) { return Range{true, lo, hi, false, false}; }
constexpr Range left_open(double lo, double hi) { return Range{true, lo, hi, true, false}; }
constexpr Range right_open(double lo, double hi) { return Range{true, lo, hi, false, true}; }

// Plausibility bounds shared by several keys.
constexpr double kMaxMinutes = 525'600;       // one year: longer cooldowns or holdings are mistakes
constexpr double kMaxSessionMinutes = 1'440;  // offsets from the close: at most a day
constexpr double kMaxUsd = 1e9;               // per-order and exposure caps
constexpr double kMaxShares = 1e9;

std::string render_bound(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    return fmt::format("{}", v);
}

std::string render_range(const Range& r) {
    return fmt::format("{}{}, {}{}", r.lo_open ? '(' : '[', render_bound(r.lo), render_bound(r.hi),
                       r.hi_open ? ')' : ']');
}

template <typename T>
bool between(T x, T lo, bool lo_open, T hi, bool hi_open) {
    return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
}

/// True if the value of the field (of the C++ type `kind` names) lies in `r`. Integers and
/// fixed-point raws are compared as integers (exact at any magnitude); NaN is never in range.
bool in_range(Kind kind, const void* src, const Range& r) {
    auto ints = [&](int64_t x, int64_t scale) {
        return between<int64_t>(x, std::llround(r.lo * static_cast<double>(scale)), r.lo_open,
                                std::llround(r.hi * static_cast<double>(scale)), r.hi_open);
    };
    switch (kind) {
        case Kind::kInt:
            return ints(*static_cast<const int*>(src), 1);
        case Kind::kInt64:
            return ints(*static_cast<const int64_t*>(src), 1);
        case Kind::kDouble:
            return between(*static_cast<const double*>(src), r.lo, r.lo_open, r.hi, r.hi_open);
        case Kind::kMoney:
            return ints(static_cast<const Money*>(src)->raw(), kFixedScale);
        case Kind::kQuantity:
            return ints(static_cast<const Quantity*>(src)->raw(), kFixedScale);
        default:
            return true;  // no numeric range (seed: every uint64 is a seed)
    }
}

/// True if `text` is a well-formed number that failed to parse only because the field's type
/// cannot hold it ("99999999999" for an int, "1e13"-sized amounts for Money).
bool too_big_for_type(Kind kind, std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
        digits.remove_prefix(1);
    }
    if (digits.empty()) return false;
    auto all_digits = [](std::string_view t) {
        return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    switch (kind) {
        case Kind::kInt:
        case Kind::kInt64:
        case Kind::kUint64:
            return all_digits(digits);
        case Kind::kMoney:
        case Kind::kQuantity: {
            const size_t dot = digits.find('.');
            const std::string_view whole = digits.substr(0, dot);
            if (whole.empty() || !all_digits(whole)) return false;
            if (dot != std::string_view::npos && !all_digits(digits.substr(dot + 1))) return false;
            return std::strtod(std::string(whole).c_str(), nullptr) >= 9e12;
        }
        default:
            return false;
    }
}

// ---- The one table: key -> field of Config, shared by defaults, YAML, env and docs. ----

struct Field {
    const char* key;
    const char* description;
    Kind kind;
    void* (*ref)(Config&);
    Range range;  // numeric keys only (every one but seed, whose type is its range)

    void* at(Config& c) const { return ref(c); }
    const void* at(const Config& c) const { return ref(const_cast<Config&>(c)); }
};

template <typename F>
Field make_field(const char* key, const char* description, F, Range range = {}) {
    using T = std::remove_pointer_t<decltype(F{}(std::declval<Config&>()))>;
    return Field{key, description, kind_of<T>(), [](Config& c) -> void* { return F{}(c); }, range};
}

#define AWET_FIELD(path, description) \
    make_field(#path, description, [](Config& c) { return &c.path; })
// clang-format off
#define AWET_FIELD_IN(path, range, description) \
    make_field(#path, description, [](Config& c) { return &c.path; }, range)
// clang-format on

const std::vector<Field>& fields() {
    static const std::vector<Field> kFields = {
        AWET_FIELD(seed, "Seed of every random stream (ids, synthetic data, model init)."),
        AWET_FIELD_IN(risk.max_trade_notional_usd, closed(0, kMaxUsd),
                      "Max notional of one order in USD (seed 2.3)."),
        AWET_FIELD_IN(risk.max_qty_per_trade, closed(0, kMaxShares),
                      "Max shares in one order (seed 2.3)."),
        AWET_FIELD_IN(risk.max_orders_per_minute, closed(0, 10'000),
                      "Max entry orders per minute, all symbols."),
        AWET_FIELD_IN(risk.max_orders_per_symbol_per_day, closed(0, 100'000),
                      "Max entry orders per symbol per trading day."),
        AWET_FIELD_IN(risk.cooldown_minutes, closed(0, kMaxMinutes),
                      "Minimum minutes between two entries on one symbol."),
        AWET_FIELD_IN(risk.max_total_exposure_usd, closed(0, kMaxUsd),
                      "Max total open notional in USD (portfolio cap)."),
        AWET_FIELD_IN(risk.max_symbol_exposure_usd, closed(0, kMaxUsd),
                      "Max open notional per symbol in USD."),
        AWET_FIELD(risk.cvar_enabled, "Enable the CVaR tail-loss gate."),
        AWET_FIELD_IN(risk.cvar_alpha, left_open(0, 0.5), "CVaR tail probability, in (0, 0.5]."),
        AWET_FIELD_IN(risk.max_cvar_pct, left_open(0, 1),
                      "Max expected tail loss over the horizon, fraction of notional."),
        AWET_FIELD_IN(risk.cvar_lookback_bars, closed(2, 100'000),
                      "Recent 1-minute returns used by the historical CVaR."),
        AWET_FIELD_IN(risk.no_entry_before_close_minutes, closed(0, kMaxSessionMinutes),
                      "No new entries this many minutes before close."),
        AWET_FIELD_IN(risk.min_confidence, closed(0, 1),
                      "Predictions below this confidence are HOLD, in [0, 1]."),
        AWET_FIELD(risk.allow_short, "Allow SELL signals to open short positions."),
        AWET_FIELD(risk.state_backend,
                   "Risk counters and exposure reservations: memory (one process) or redis "
                   "(shared by every risk agent)."),
        AWET_FIELD(risk.redis_url, "Redis server of the shared risk state (state_backend redis)."),
        AWET_FIELD(risk.redis_namespace,
                   "Key prefix awet:risk:<namespace>: engines sharing limits use the same one."),
        AWET_FIELD_IN(exits.take_profit_pct, left_open(0, 100),
                      "Take-profit distance from entry, percent (1.0 = 1%)."),
        AWET_FIELD_IN(exits.stop_loss_pct, left_open(0, 100),
                      "Stop-loss distance from entry, percent (0.5 = 0.5%)."),
        AWET_FIELD_IN(exits.max_holding_minutes, closed(1, kMaxMinutes),
                      "Close a position held this many minutes."),
        AWET_FIELD(exits.flat_at_close, "Close every position before the session ends."),
        AWET_FIELD_IN(exits.flat_before_close_minutes, closed(0, kMaxSessionMinutes),
                      "Minutes before close at which positions go flat."),
        AWET_FIELD(execution.dry_run, "Safety layer 2: true blocks every order (seed 9.1)."),
        AWET_FIELD(execution.approval_file,
                   "Safety layer 3: orders pass only while this file exists."),
        AWET_FIELD(
            execution.broker,
            "Broker: sim (simulated paper venue) or alpaca (Alpaca paper, execution agent)."),
        AWET_FIELD(execution.alpaca_base_url,
                   "Alpaca REST base URL: the paper host (or loopback for tests), nothing else."),
        AWET_FIELD_IN(execution.slippage_bps, right_open(0, 10'000),
                      "Simulated slippage against the trader, basis points."),
        AWET_FIELD_IN(execution.fee_per_share_usd, closed(0, 1'000),
                      "Simulated fee per share in USD."),
        AWET_FIELD_IN(execution.min_fee_usd, closed(0, 1'000'000),
                      "Simulated minimum fee per fill in USD."),
        AWET_FIELD_IN(execution.participation_rate, closed(0, 1),
                      "Max fraction of a bar's volume filled (0 = whole order at the next bar)."),
        AWET_FIELD(execution.bracket_orders,
                   "Entries carry broker-held take-profit/stop-loss legs (OCO) from exits.*_pct."),
        AWET_FIELD(prediction.model_dir, "Directory of trained model files."),
        AWET_FIELD_IN(prediction.reload_check_bars, closed(1, 1'000'000),
                      "Bars between checks for a newly promoted model."),
        AWET_FIELD(store.backend, "Store backend: sqlite or postgres."),
        AWET_FIELD(store.path, "Database file of the store (sqlite)."),
        AWET_FIELD_IN(store.batch_size, closed(1, 1'000'000), "Rows per transaction in replay."),
        AWET_FIELD(store.postgres_url, "libpq connection URI of the store (postgres)."),
        AWET_FIELD_IN(store.postgres_pool_size, closed(1, 1'024),
                      "Connections in the PostgreSQL pool."),
        AWET_FIELD(bus.backend,
                   "Event bus: inproc (one process) or kafka (`awet agent` processes)."),
        AWET_FIELD(bus.kafka_brokers, "Kafka bootstrap servers, comma-separated (bus kafka)."),
        AWET_FIELD(bus.kafka_group, "Kafka consumer group prefix (one group per agent)."),
        AWET_FIELD(bus.codec, "Wire format on Kafka: json or avro (Confluent wire format)."),
        AWET_FIELD(bus.schema_registry_url,
                   "Confluent Schema Registry URL; empty: the local schema catalogue."),
        AWET_FIELD(data.symbols, "Symbols traded (YAML list; env: comma-separated)."),
        AWET_FIELD(data.source, "Market data source (e.g. synthetic)."),
        AWET_FIELD(data.alpaca_feed, "Alpaca live bars feed: iex (free) or sip (paid plan)."),
        AWET_FIELD(data.alpaca_stream_url,
                   "Alpaca market-data stream host (wss; a loopback ws:// URL for tests)."),
        AWET_FIELD_IN(data.stale_feed_seconds, closed(1, 86'400),
                      "Market open and no live bar of a symbol for longer: the feed is stale."),
        // Above these caps a value no longer round-trips exactly through a REAL column (2^53).
        AWET_FIELD_IN(data.max_price_usd, left_open(0, 1e9),
                      "Largest plausible bar price in USD; a higher open/high/low/close is refused "
                      "(at most 1000000000)."),
        AWET_FIELD_IN(data.max_volume, left_open(0, 5e11),
                      "Largest plausible bar volume in shares; a higher volume is refused (at most "
                      "500000000000)."),
        AWET_FIELD(logging.level, "Log level: trace|debug|info|warn|error|off."),
        AWET_FIELD(logging.format, "Log format: json|text."),
    };
    return kFields;
}

#undef AWET_FIELD
#undef AWET_FIELD_IN

const Field* find_field(std::string_view key) {
    for (const auto& f : fields()) {
        if (key == f.key) return &f;
    }
    return nullptr;
}

/// True if some key starts with "prefix." (a section such as "risk").
bool is_section(std::string_view prefix) {
    for (const auto& f : fields()) {
        std::string_view k = f.key;
        if (k.size() > prefix.size() && k.substr(0, prefix.size()) == prefix &&
            k[prefix.size()] == '.') {
            return true;
        }
    }
    return false;
}

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return "";
    return fmt::format(" (line {})", mark.line + 1);
}

std::string node_text(const YAML::Node& node) {
    if (node.IsScalar()) return node.Scalar();
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a map";
    return "";
}

/// "config key 'k' ...: V is out of range [lo, hi]" if the field has a range and its value (just
/// parsed from `text`) is outside it, or `text` was too big for the field's type at all.
std::optional<std::string> range_problem(const Field& field, const void* value,
                                         std::string_view text) {
    if (!field.range.set) return std::nullopt;
    if (value != nullptr && in_range(field.kind, value, field.range)) return std::nullopt;
    return fmt::format("{} is out of range {}", text, render_range(field.range));
}

/// Where each key (and each section key of a map) was first set in one YAML document: a key
/// given twice is ambiguous, whichever copy would win.
using FirstSeen = std::map<std::string, int>;  // full key -> 1-based line

Status apply_yaml_node(const YAML::Node& node, const std::string& path, Config& config,
                       const std::string& origin, FirstSeen& seen) {
    const Field* field = path.empty() ? nullptr : find_field(path);
    if (field == nullptr) {
        if (node.IsMap()) {
            if (!path.empty() && !is_section(path)) {
                return invalid(
                    fmt::format("unknown config key '{}' in {}{}", path, origin, line_of(node)));
            }
            FirstSeen here;  // this map's own keys: a repeated section is caught here
            for (const auto& kv : node) {
                if (!kv.first.IsScalar()) {
                    return invalid(
                        fmt::format("config in {}: non-scalar key{}", origin, line_of(kv.first)));
                }
                std::string child =
                    path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar();
                const int line = kv.first.Mark().line + 1;
                auto [first, fresh] = here.emplace(kv.first.Scalar(), line);
                if (!fresh) {
                    return invalid(
                        fmt::format("duplicate config key '{}' in {} (line {}; first at line {})",
                                    child, origin, line, first->second));
                }
                if (find_field(child) != nullptr) {
                    // Also across spellings: a dotted "risk.cooldown_minutes" and the nested one.
                    auto [prev, unseen] = seen.emplace(child, line);
                    if (!unseen) {
                        return invalid(fmt::format(
                            "duplicate config key '{}' in {} (line {}; first at line {})", child,
                            origin, line, prev->second));
                    }
                }
                AWET_TRY(apply_yaml_node(kv.second, child, config, origin, seen));
            }
            return Status::Ok();
        }
        if (node.IsNull() && !path.empty() && is_section(path))
            return Status::Ok();  // empty section
        if (path.empty()) {
            if (node.IsNull()) return Status::Ok();  // empty document
            return invalid(
                fmt::format("config in {}: top level must be a map{}", origin, line_of(node)));
        }
        return invalid(fmt::format("unknown config key '{}' in {}{}", path, origin, line_of(node)));
    }

    auto type_error = [&](const std::string& got) {
        return invalid(fmt::format("config key '{}' in {}: expected {}, got '{}'{}", path, origin,
                                   expectation(field->kind), got, line_of(node)));
    };
    auto range_error = [&](const std::string& problem) {
        return invalid(
            fmt::format("config key '{}' in {}: {}{}", path, origin, problem, line_of(node)));
    };
    void* dst = field->at(config);
    if (field->kind == Kind::kStringList) {
        if (!node.IsSequence()) return type_error(node_text(node));
        std::vector<std::string> items;
        for (const auto& item : node) {
            if (!item.IsScalar()) return type_error("a list of " + node_text(item) + "s");
            items.push_back(item.Scalar());
        }
        *static_cast<std::vector<std::string>*>(dst) = std::move(items);
        return Status::Ok();
    }
    if (!node.IsScalar()) return type_error(node_text(node));
    if (!parse_scalar(field->kind, node.Scalar(), dst)) {
        if (too_big_for_type(field->kind, node.Scalar())) {
            if (auto p = range_problem(*field, nullptr, node.Scalar())) return range_error(*p);
        }
        return type_error(node.Scalar());
    }
    if (auto p = range_problem(*field, dst, node.Scalar())) return range_error(*p);
    return Status::Ok();
}

/// Levenshtein distance (for "did you mean").
size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_distance = std::string::npos;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(name, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

/// Every AWET_* variable in the environment must be a config key or on the allowlist. One that
/// starts like a config section's variables (AWET_EXECUTION_...) but names no key is a typo of a
/// setting the user meant to change (AWET_EXECUTION_DRYRUN=false would leave dry_run as it is):
/// an error. Any other unknown AWET_* variable gets a warning on stderr.
Status check_env_names() {
    std::vector<std::string> keys;
    std::vector<std::string> prefixes = {"AWET_SEED"};
    for (const auto& f : fields()) {
        keys.push_back(config_env_var(f.key));
        std::string_view k = f.key;
        if (const size_t dot = k.find('.'); dot != std::string_view::npos) {
            std::string prefix = config_env_var(std::string(k.substr(0, dot))) + "_";
            if (std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) {
                prefixes.push_back(std::move(prefix));
            }
        }
    }
    const std::vector<std::string>& allowed = non_config_env_vars();
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        std::string_view name = entry.substr(0, entry.find('='));
        if (name.substr(0, 5) != "AWET_") continue;
        if (std::find(keys.begin(), keys.end(), name) != keys.end()) continue;
        if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
        names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    std::string errors;
    for (const auto& name : names) {
        const bool in_section = std::any_of(prefixes.begin(), prefixes.end(), [&](const auto& p) {
            return name.compare(0, p.size(), p) == 0;
        });
        if (in_section) {
            if (!errors.empty()) errors += "; ";
            errors += fmt::format("environment variable {} is not a config key (did you mean {}?)",
                                  name, closest(name, keys));
        } else {
            std::vector<std::string> known = keys;
            known.insert(known.end(), allowed.begin(), allowed.end());
            fmt::print(stderr,
                       "awet: WARNING: environment variable {} is neither a config key nor a "
                       "variable AWET reads; it is ignored (did you mean {}?)\n",
                       name, closest(name, known));
        }
    }
    if (!errors.empty()) return invalid(std::move(errors));
    return Status::Ok();
}

Status apply_env(Config& config) {
    AWET_TRY(check_env_names());
    for (const auto& f : fields()) {
        std::string var = config_env_var(f.key);
        const char* value = std::getenv(var.c_str());
        if (value == nullptr) continue;
        std::string_view text = f.kind == Kind::kString ? std::string_view(value) : trim(value);
        void* dst = f.at(config);
        const bool parsed = parse_scalar(f.kind, text, dst);
        std::optional<std::string> problem;
        if (parsed) {
            problem = range_problem(f, dst, text);
        } else if (too_big_for_type(f.kind, text)) {
            problem = range_problem(f, nullptr, text);
        }
        if (problem) {
            return invalid(
                fmt::format("environment variable {} (config key '{}'): {}", var, f.key, *problem));
        }
        if (!parsed) {
            return invalid(
                fmt::format("environment variable {} (config key '{}'): expected {}, got '{}'", var,
                            f.key, expectation(f.kind), value));
        }
    }
    return Status::Ok();
}

Result<Config> finish(Config config, const std::string& origin) {
    AWET_TRY(apply_env(config));
    Status s = validate(config);
    if (!s.ok()) {
        return invalid(
            fmt::format("{} (config from {} and AWET_* environment)", s.error().message, origin));
    }
    return config;
}

Result<Config> load_yaml(const std::string& yaml, const std::string& origin) {
    Config config;
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        return make_error(ErrorCode::kParse,
                          fmt::format("config {}: YAML syntax error at line {}, column {}: {}",
                                      origin, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    try {
        FirstSeen seen;
        AWET_TRY(apply_yaml_node(root, "", config, origin, seen));
    } catch (const YAML::Exception& e) {
        return make_error(ErrorCode::kParse,
                          fmt::format("config {}: {} (line {})", origin, e.msg, e.mark.line + 1));
    }
    return finish(std::move(config), origin);
}

// ---- Validation rules (each error names the key). ----

struct Checker {
    std::vector<std::string> problems;

    void fail(const char* key, const std::string& rule, const std::string& got) {
        problems.push_back(fmt::format("config key '{}': {}, got {}", key, rule, got));
    }
    template <typename T>
    void non_negative(const char* key, T v) {
        if (v < T{}) fail(key, "must be >= 0", render_value(v));
    }
    template <typename T>
    void positive(const char* key, T v) {
        if (!(v > T{})) fail(key, "must be > 0", render_value(v));
    }
    void one_of(const char* key, const std::string& v, std::initializer_list<const char*> allowed) {
        std::string list;
        for (const char* a : allowed) {
            if (v == a) return;
            if (!list.empty()) list += "|";
            list += a;
        }
        fail(key, "must be one of " + list, "'" + v + "'");
    }
    void non_empty(const char* key, const std::string& v) {
        if (v.empty()) fail(key, "must not be empty", "''");
    }

    template <typename T>
    static std::string render_value(const T& v) {
        if constexpr (std::is_arithmetic_v<T>) {
            return fmt::format("{}", v);
        } else {
            return v.to_string();
        }
    }
};

bool valid_symbol(const std::string& s) {
    if (s.empty() || s.size() > 15) return false;
    for (char c : s) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> kKeys = [] {
        const Config defaults;
        std::vector<ConfigKey> keys;
        for (const auto& f : fields()) {
            keys.push_back(ConfigKey{f.key, render(f.kind, f.at(defaults)), f.description,
                                     f.range.set ? render_range(f.range) : std::string()});
        }
        return keys;
    }();
    return kKeys;
}

const std::vector<std::string>& non_config_env_vars() {
    static const std::vector<std::string> kVars = {
        "AWET_SCHEMA_DIR",             // Avro schema catalogue (model/avro)
        "AWET_TFT_MODULE",             // TFT forecaster shared library (ml)
        "AWET_API_TOKEN",              // service HTTP API bearer token
        "AWET_VENUE_TOKEN",            // simulated venue token
        "AWET_RUN_DIR",                // run directory of the local stack
        "AWET_PORT_BASE",              // scripts/awet_start.sh: agent ports
        "AWET_BIN",                    // scripts/awet_start.sh: the awet binary
        "AWET_REPLAY_EXIT_WHEN_DONE",  // scripts/awet_start.sh: ingestion exits after the replay
        "AWET_CRASH_AT",               // crash-consistency tests: kill at a crash point (core)
    };
    return kVars;
}

std::string config_env_var(const std::string& key) {
    std::string var = "AWET_";
    for (char c : key) {
        var += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return var;
}

Result<Config> load_config(const std::string& path) {
    if (path.empty()) return finish(Config{}, "defaults");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIo, fmt::format("cannot open config file '{}'", path));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return make_error(ErrorCode::kIo, fmt::format("cannot read config file '{}'", path));
    return load_yaml(text.str(), path);
}

Result<Config> load_config_from_string(const std::string& yaml, const std::string& origin) {
    return load_yaml(yaml, origin);
}

Status validate(const Config& c) {
    Checker k;
    // Every numeric key against its range (the table's; the same check YAML and env values get).
    for (const auto& f : fields()) {
        if (auto p = range_problem(f, f.at(c), render(f.kind, f.at(c)))) {
            k.problems.push_back(fmt::format("config key '{}': {}", f.key, *p));
        }
    }

    const ExecutionConfig& x = c.execution;
    k.non_empty("execution.approval_file", x.approval_file);
    k.one_of("execution.broker", x.broker, {"sim", "alpaca"});
    k.non_empty("execution.alpaca_base_url", x.alpaca_base_url);

    k.non_empty("prediction.model_dir", c.prediction.model_dir);

    // kafka and redis are accepted once their backends are wired (issue 4).
    k.one_of("store.backend", c.store.backend, {"sqlite", "postgres"});
    k.non_empty("store.path", c.store.path);
    k.non_empty("store.postgres_url", c.store.postgres_url);
    k.one_of("bus.backend", c.bus.backend, {"inproc", "kafka"});
    k.non_empty("bus.kafka_brokers", c.bus.kafka_brokers);
    k.non_empty("bus.kafka_group", c.bus.kafka_group);
    k.one_of("risk.state_backend", c.risk.state_backend, {"memory", "redis"});
    k.non_empty("risk.redis_namespace", c.risk.redis_namespace);
    k.one_of("bus.codec", c.bus.codec, {"json", "avro"});
    k.non_empty("risk.redis_url", c.risk.redis_url);

    if (c.data.symbols.empty())
        k.fail("data.symbols", "must list at least one symbol", "an empty list");
    std::set<std::string> seen;
    for (const auto& s : c.data.symbols) {
        if (!valid_symbol(s)) {
            k.fail("data.symbols", "each symbol must be 1-15 chars of A-Z 0-9 . -", "'" + s + "'");
        } else if (!seen.insert(s).second) {
            k.fail("data.symbols", "symbols must be unique", "'" + s + "' twice");
        }
    }
    k.non_empty("data.source", c.data.source);
    k.one_of("data.alpaca_feed", c.data.alpaca_feed, {"iex", "sip"});
    k.non_empty("data.alpaca_stream_url", c.data.alpaca_stream_url);

    k.one_of("logging.level", c.logging.level, {"trace", "debug", "info", "warn", "error", "off"});
    k.one_of("logging.format", c.logging.format, {"json", "text"});

    if (k.problems.empty()) return Status::Ok();
    std::string message = k.problems.front();
    for (size_t i = 1; i < k.problems.size(); ++i) message += "; " + k.problems[i];
    return invalid(std::move(message));
}

}  // namespace awet
