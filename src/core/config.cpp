#include "awet/core/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

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

// ---- The one table: key -> field of Config, shared by defaults, YAML, env and docs. ----

struct Field {
    const char* key;
    const char* description;
    Kind kind;
    void* (*ref)(Config&);

    void* at(Config& c) const { return ref(c); }
    const void* at(const Config& c) const { return ref(const_cast<Config&>(c)); }
};

template <typename F>
Field make_field(const char* key, const char* description, F) {
    using T = std::remove_pointer_t<decltype(F{}(std::declval<Config&>()))>;
    return Field{key, description, kind_of<T>(), [](Config& c) -> void* { return F{}(c); }};
}

#define AWET_FIELD(path, description) \
    make_field(#path, description, [](Config& c) { return &c.path; })

const std::vector<Field>& fields() {
    static const std::vector<Field> kFields = {
        AWET_FIELD(seed, "Seed of every random stream (ids, synthetic data, model init)."),
        AWET_FIELD(risk.max_trade_notional_usd, "Max notional of one order in USD (seed 2.3)."),
        AWET_FIELD(risk.max_qty_per_trade, "Max shares in one order (seed 2.3)."),
        AWET_FIELD(risk.max_orders_per_minute, "Max entry orders per minute, all symbols."),
        AWET_FIELD(risk.max_orders_per_symbol_per_day,
                   "Max entry orders per symbol per trading day."),
        AWET_FIELD(risk.cooldown_minutes, "Minimum minutes between two entries on one symbol."),
        AWET_FIELD(risk.max_total_exposure_usd, "Max total open notional in USD (portfolio cap)."),
        AWET_FIELD(risk.max_symbol_exposure_usd, "Max open notional per symbol in USD."),
        AWET_FIELD(risk.cvar_enabled, "Enable the CVaR tail-loss gate."),
        AWET_FIELD(risk.cvar_alpha, "CVaR tail probability, in (0, 0.5]."),
        AWET_FIELD(risk.max_cvar_pct,
                   "Max expected tail loss over the horizon, fraction of notional."),
        AWET_FIELD(risk.cvar_lookback_bars, "Recent 1-minute returns used by the historical CVaR."),
        AWET_FIELD(risk.no_entry_before_close_minutes,
                   "No new entries this many minutes before close."),
        AWET_FIELD(risk.min_confidence, "Predictions below this confidence are HOLD, in [0, 1]."),
        AWET_FIELD(risk.allow_short, "Allow SELL signals to open short positions."),
        AWET_FIELD(risk.state_backend,
                   "Risk counters and exposure reservations: memory (one process) or redis "
                   "(shared by every risk agent)."),
        AWET_FIELD(risk.redis_url, "Redis server of the shared risk state (state_backend redis)."),
        AWET_FIELD(risk.redis_namespace,
                   "Key prefix awet:risk:<namespace>: engines sharing limits use the same one."),
        AWET_FIELD(exits.take_profit_pct, "Take-profit distance from entry, percent (1.0 = 1%)."),
        AWET_FIELD(exits.stop_loss_pct, "Stop-loss distance from entry, percent (0.5 = 0.5%)."),
        AWET_FIELD(exits.max_holding_minutes, "Close a position held this many minutes."),
        AWET_FIELD(exits.flat_at_close, "Close every position before the session ends."),
        AWET_FIELD(exits.flat_before_close_minutes,
                   "Minutes before close at which positions go flat."),
        AWET_FIELD(execution.dry_run, "Safety layer 2: true blocks every order (seed 9.1)."),
        AWET_FIELD(execution.approval_file,
                   "Safety layer 3: orders pass only while this file exists."),
        AWET_FIELD(execution.broker,
                   "Broker: sim (simulated paper venue) or alpaca (Alpaca paper, execution agent)."),
        AWET_FIELD(execution.alpaca_base_url,
                   "Alpaca REST base URL: the paper host (or loopback for tests), nothing else."),
        AWET_FIELD(execution.slippage_bps, "Simulated slippage against the trader, basis points."),
        AWET_FIELD(execution.fee_per_share_usd, "Simulated fee per share in USD."),
        AWET_FIELD(execution.min_fee_usd, "Simulated minimum fee per fill in USD."),
        AWET_FIELD(execution.participation_rate,
                   "Max fraction of a bar's volume filled (0 = whole order at the next bar)."),
        AWET_FIELD(execution.bracket_orders,
                   "Entries carry broker-held take-profit/stop-loss legs (OCO) from exits.*_pct."),
        AWET_FIELD(prediction.model_dir, "Directory of trained model files."),
        AWET_FIELD(prediction.reload_check_bars, "Bars between checks for a newly promoted model."),
        AWET_FIELD(store.backend, "Store backend: sqlite or postgres."),
        AWET_FIELD(store.path, "Database file of the store (sqlite)."),
        AWET_FIELD(store.batch_size, "Rows per transaction in replay."),
        AWET_FIELD(store.postgres_url, "libpq connection URI of the store (postgres)."),
        AWET_FIELD(store.postgres_pool_size, "Connections in the PostgreSQL pool."),
        AWET_FIELD(bus.backend, "Event bus: inproc (one process) or kafka (`awet agent` processes)."),
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
        AWET_FIELD(data.stale_feed_seconds,
                   "Market open and no live bar of a symbol for longer: the feed is stale."),
        AWET_FIELD(logging.level, "Log level: trace|debug|info|warn|error|off."),
        AWET_FIELD(logging.format, "Log format: json|text."),
    };
    return kFields;
}

#undef AWET_FIELD

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

Status apply_yaml_node(const YAML::Node& node, const std::string& path, Config& config,
                       const std::string& origin) {
    const Field* field = path.empty() ? nullptr : find_field(path);
    if (field == nullptr) {
        if (node.IsMap()) {
            if (!path.empty() && !is_section(path)) {
                return invalid(
                    fmt::format("unknown config key '{}' in {}{}", path, origin, line_of(node)));
            }
            for (const auto& kv : node) {
                if (!kv.first.IsScalar()) {
                    return invalid(
                        fmt::format("config in {}: non-scalar key{}", origin, line_of(kv.first)));
                }
                std::string child =
                    path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar();
                AWET_TRY(apply_yaml_node(kv.second, child, config, origin));
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
    if (!parse_scalar(field->kind, node.Scalar(), dst)) return type_error(node.Scalar());
    return Status::Ok();
}

Status apply_env(Config& config) {
    for (const auto& f : fields()) {
        std::string var = config_env_var(f.key);
        const char* value = std::getenv(var.c_str());
        if (value == nullptr) continue;
        std::string_view text = f.kind == Kind::kString ? std::string_view(value) : trim(value);
        if (!parse_scalar(f.kind, text, f.at(config))) {
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
        AWET_TRY(apply_yaml_node(root, "", config, origin));
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
    void in_range(const char* key, double v, double lo, bool lo_open, double hi, bool hi_open) {
        bool ok = (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
        if (!ok) {
            fail(key,
                 fmt::format("must be in {}{}, {}{}", lo_open ? '(' : '[', lo, hi,
                             hi_open ? ')' : ']'),
                 fmt::format("{}", v));
        }
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
            keys.push_back(ConfigKey{f.key, render(f.kind, f.at(defaults)), f.description});
        }
        return keys;
    }();
    return kKeys;
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
    const RiskConfig& r = c.risk;
    k.non_negative("risk.max_trade_notional_usd", r.max_trade_notional_usd);
    k.non_negative("risk.max_qty_per_trade", r.max_qty_per_trade);
    k.non_negative("risk.max_orders_per_minute", r.max_orders_per_minute);
    k.non_negative("risk.max_orders_per_symbol_per_day", r.max_orders_per_symbol_per_day);
    k.non_negative("risk.cooldown_minutes", r.cooldown_minutes);
    k.non_negative("risk.max_total_exposure_usd", r.max_total_exposure_usd);
    k.non_negative("risk.max_symbol_exposure_usd", r.max_symbol_exposure_usd);
    k.in_range("risk.cvar_alpha", r.cvar_alpha, 0.0, true, 0.5, false);
    k.positive("risk.max_cvar_pct", r.max_cvar_pct);
    if (r.cvar_lookback_bars < 2)
        k.fail("risk.cvar_lookback_bars", "must be >= 2", std::to_string(r.cvar_lookback_bars));
    k.non_negative("risk.no_entry_before_close_minutes", r.no_entry_before_close_minutes);
    k.in_range("risk.min_confidence", r.min_confidence, 0.0, false, 1.0, false);

    const ExitConfig& e = c.exits;
    k.positive("exits.take_profit_pct", e.take_profit_pct);
    k.positive("exits.stop_loss_pct", e.stop_loss_pct);
    k.positive("exits.max_holding_minutes", e.max_holding_minutes);
    k.non_negative("exits.flat_before_close_minutes", e.flat_before_close_minutes);

    const ExecutionConfig& x = c.execution;
    k.non_empty("execution.approval_file", x.approval_file);
    k.one_of("execution.broker", x.broker, {"sim", "alpaca"});
    k.non_empty("execution.alpaca_base_url", x.alpaca_base_url);
    k.non_negative("execution.slippage_bps", x.slippage_bps);
    if (x.slippage_bps >= 10000)
        k.fail("execution.slippage_bps", "must be < 10000", std::to_string(x.slippage_bps));
    k.non_negative("execution.fee_per_share_usd", x.fee_per_share_usd);
    k.non_negative("execution.min_fee_usd", x.min_fee_usd);
    k.in_range("execution.participation_rate", x.participation_rate, 0.0, false, 1.0, false);

    k.non_empty("prediction.model_dir", c.prediction.model_dir);
    k.positive("prediction.reload_check_bars", c.prediction.reload_check_bars);

    // kafka and redis are accepted once their backends are wired (issue 4).
    k.one_of("store.backend", c.store.backend, {"sqlite", "postgres"});
    k.non_empty("store.path", c.store.path);
    k.non_empty("store.postgres_url", c.store.postgres_url);
    k.positive("store.postgres_pool_size", c.store.postgres_pool_size);
    k.one_of("bus.backend", c.bus.backend, {"inproc", "kafka"});
    k.non_empty("bus.kafka_brokers", c.bus.kafka_brokers);
    k.non_empty("bus.kafka_group", c.bus.kafka_group);
    k.one_of("risk.state_backend", c.risk.state_backend, {"memory", "redis"});
    k.non_empty("risk.redis_namespace", c.risk.redis_namespace);
    k.one_of("bus.codec", c.bus.codec, {"json", "avro"});
    k.non_empty("risk.redis_url", c.risk.redis_url);
    k.positive("store.batch_size", c.store.batch_size);

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
    k.positive("data.stale_feed_seconds", c.data.stale_feed_seconds);

    k.one_of("logging.level", c.logging.level, {"trace", "debug", "info", "warn", "error", "off"});
    k.one_of("logging.format", c.logging.format, {"json", "text"});

    if (k.problems.empty()) return Status::Ok();
    std::string message = k.problems.front();
    for (size_t i = 1; i < k.problems.size(); ++i) message += "; " + k.problems[i];
    return invalid(std::move(message));
}

}  // namespace awet
