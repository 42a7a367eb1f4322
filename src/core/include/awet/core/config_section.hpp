#pragma once
// The pieces every component's configuration is made of. A component owns its section: a struct
// of plain fields with their defaults (risk's RiskConfig, exits' ExitConfig, ...) and a
// ConfigSection that names each field's key, meaning and allowed range, and checks the rules
// across its keys. The config component (awet/config/config.hpp) composes the sections into one
// Config and reads them from YAML and AWET_* variables; nothing here reads a file.
//
//     struct ExitConfig { double take_profit_pct = 1.0; ... };
//     const ConfigSection& exit_config_section() {
//         static const ConfigSection kSection{
//             "exits",
//             {AWET_CONFIG_FIELD(ExitConfig, take_profit_pct, config_range::left_open(0, 100),
//                                "Take-profit distance from entry, percent.")},
//             &config_check<ExitConfig, check_exits>};  // or nullptr: no rule across keys
//         return kSection;
//     }
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "awet/core/fixed.hpp"

namespace awet {

/// The C++ type of a config field: one parser and one renderer each.
enum class ConfigKind {
    kInt,
    kInt64,
    kUint64,
    kBool,
    kDouble,
    kMoney,
    kQuantity,
    kString,
    kStringList
};

template <typename T>
constexpr ConfigKind config_kind_of() {
    if constexpr (std::is_same_v<T, int>) return ConfigKind::kInt;
    if constexpr (std::is_same_v<T, int64_t>) return ConfigKind::kInt64;
    if constexpr (std::is_same_v<T, uint64_t>) return ConfigKind::kUint64;
    if constexpr (std::is_same_v<T, bool>) return ConfigKind::kBool;
    if constexpr (std::is_same_v<T, double>) return ConfigKind::kDouble;
    if constexpr (std::is_same_v<T, Money>) return ConfigKind::kMoney;
    if constexpr (std::is_same_v<T, Quantity>) return ConfigKind::kQuantity;
    if constexpr (std::is_same_v<T, std::string>) return ConfigKind::kString;
    if constexpr (std::is_same_v<T, std::vector<std::string>>) return ConfigKind::kStringList;
}

/// Allowed values of a numeric key, in human units (USD, shares, minutes, ...). The bounds are
/// integers or short decimals: exact as doubles, and exact once scaled to fixed-point raws.
struct ConfigRange {
    bool set = false;
    double lo = 0;
    double hi = 0;
    bool lo_open = false;
    bool hi_open = false;
};

namespace config_range {
constexpr ConfigRange closed(double lo, double hi) {
    return ConfigRange{true, lo, hi, false, false};
}
constexpr ConfigRange left_open(double lo, double hi) {
    return ConfigRange{true, lo, hi, true, false};
}
constexpr ConfigRange right_open(double lo, double hi) {
    return ConfigRange{true, lo, hi, false, true};
}

// Plausibility bounds shared by several keys.
constexpr double kMaxMinutes = 525'600;       // one year: longer cooldowns or holdings are mistakes
constexpr double kMaxSessionMinutes = 1'440;  // offsets from the close: at most a day
constexpr double kMaxUsd = 1e9;               // per-order and exposure caps
constexpr double kMaxShares = 1e9;
}  // namespace config_range

/// One key of a section: "take_profit_pct" of "exits" is the key "exits.take_profit_pct".
struct ConfigField {
    const char* name;
    const char* description;
    ConfigKind kind;
    void* (*ref)(void* section);  // the field inside its section struct
    ConfigRange range;            // numeric keys only (every one but seed, whose type is its range)
    bool path = false;  // a file or folder: a relative one resolves against the `home` key

    void* at(void* section) const { return ref(section); }
    const void* at(const void* section) const { return ref(const_cast<void*>(section)); }
};

/// The rules across the keys of one section; each problem names its full key.
class ConfigChecker {
public:
    explicit ConfigChecker(std::string_view section) : section_(section) {}

    void fail(std::string_view name, const std::string& rule, const std::string& got);
    void one_of(std::string_view name, const std::string& value,
                std::initializer_list<const char*> allowed);
    void non_empty(std::string_view name, const std::string& value);

    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::string key(std::string_view name) const;

    std::string section_;
    std::vector<std::string> problems_;
};

/// A component's section of the configuration: its keys and its cross-key rules.
struct ConfigSection {
    std::string name;  // "risk"; empty for top-level keys (seed)
    std::vector<ConfigField> fields;
    void (*check)(const void* section, ConfigChecker& checker) = nullptr;

    /// "risk.max_qty_per_trade"
    std::string key(const ConfigField& field) const {
        return name.empty() ? std::string(field.name) : name + "." + field.name;
    }
};

/// The type-erased form of a section's rule `Check` over its struct S, for ConfigSection::check.
template <class S, void (*Check)(const S&, ConfigChecker&)>
void config_check(const void* section, ConfigChecker& checker) {
    Check(*static_cast<const S*>(section), checker);
}

/// Marks a field that names a file or folder: AWET_CONFIG_FIELD(S, path, kConfigPath, "...").
struct ConfigPathTag {};
inline constexpr ConfigPathTag kConfigPath{};

// clang-format off
/// One field of section struct S: its key is the member's name; before the description, a range
/// (numeric keys) or kConfigPath (paths).
#define AWET_CONFIG_FIELD(S, member, ...)                                    \
    ::awet::ConfigField{#member, ::awet::config_detail::description_of(__VA_ARGS__), \
                        ::awet::config_kind_of<decltype(S::member)>(),       \
                        [](void* s) -> void* { return &static_cast<S*>(s)->member; }, \
                        ::awet::config_detail::range_of(__VA_ARGS__),        \
                        ::awet::config_detail::path_of(__VA_ARGS__)}
// clang-format on

namespace config_detail {
constexpr const char* description_of(const char* description) { return description; }
constexpr const char* description_of(ConfigRange, const char* description) { return description; }
constexpr const char* description_of(ConfigPathTag, const char* description) { return description; }
constexpr ConfigRange range_of(const char*) { return {}; }
constexpr ConfigRange range_of(ConfigRange range, const char*) { return range; }
constexpr ConfigRange range_of(ConfigPathTag, const char*) { return {}; }
constexpr bool path_of(const char*) { return false; }
constexpr bool path_of(ConfigRange, const char*) { return false; }
constexpr bool path_of(ConfigPathTag, const char*) { return true; }
}  // namespace config_detail

// ---- Values as text: what YAML, the environment and the README table hold. ----

/// "an integer", "a decimal amount in USD (at most 6 decimals)", ...
const char* config_expectation(ConfigKind kind);
/// Parses `text` into the field at `dst` (of the C++ type `kind` names); false if malformed.
/// A list is comma-separated ("AAPL,MSFT", the environment's form).
bool parse_config_value(ConfigKind kind, std::string_view text, void* dst);
std::string render_config_value(ConfigKind kind, const void* src);
/// "[0, 525600]", "(0, 0.5]"
std::string render_config_range(const ConfigRange& range);
/// "V is out of range [lo, hi]" if the field has a range and its value (just parsed from `text`;
/// null when `text` did not fit the field's type at all) is outside it.
std::optional<std::string> config_range_problem(const ConfigField& field, const void* value,
                                                std::string_view text);
/// True if `text` is a well-formed number that failed to parse only because the field's type
/// cannot hold it ("99999999999" for an int, "1e13"-sized amounts for Money).
bool too_big_for_config_kind(ConfigKind kind, std::string_view text);

}  // namespace awet
