#include "awet/core/config_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace awet {
namespace {

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

std::string render_bound(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    return fmt::format("{}", v);
}

template <typename T>
bool between(T x, T lo, bool lo_open, T hi, bool hi_open) {
    return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
}

}  // namespace

const char* config_expectation(ConfigKind kind) {
    switch (kind) {
        case ConfigKind::kInt:
        case ConfigKind::kInt64:
            return "an integer";
        case ConfigKind::kUint64:
            return "a non-negative integer";
        case ConfigKind::kBool:
            return "a boolean (true/false)";
        case ConfigKind::kDouble:
            return "a number";
        case ConfigKind::kMoney:
            return "a decimal amount in USD (at most 6 decimals)";
        case ConfigKind::kQuantity:
            return "a decimal quantity (at most 6 decimals)";
        case ConfigKind::kString:
            return "a string";
        case ConfigKind::kStringList:
            return "a list of strings";
    }
    return "a value";
}

bool parse_config_value(ConfigKind kind, std::string_view text, void* dst) {
    switch (kind) {
        case ConfigKind::kInt:
            return parse_integer(text, *static_cast<int*>(dst));
        case ConfigKind::kInt64:
            return parse_integer(text, *static_cast<int64_t*>(dst));
        case ConfigKind::kUint64:
            return parse_integer(text, *static_cast<uint64_t*>(dst));
        case ConfigKind::kBool: {
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
        case ConfigKind::kDouble: {
            std::string t(text);
            if (t.empty()) return false;
            char* end = nullptr;
            double v = std::strtod(t.c_str(), &end);
            if (end != t.c_str() + t.size() || !std::isfinite(v)) return false;
            *static_cast<double*>(dst) = v;
            return true;
        }
        case ConfigKind::kMoney: {
            auto v = Money::parse(text);
            if (!v) return false;
            *static_cast<Money*>(dst) = *v;
            return true;
        }
        case ConfigKind::kQuantity: {
            auto v = Quantity::parse(text);
            if (!v) return false;
            *static_cast<Quantity*>(dst) = *v;
            return true;
        }
        case ConfigKind::kString:
            *static_cast<std::string*>(dst) = std::string(text);
            return true;
        case ConfigKind::kStringList: {
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

std::string render_config_value(ConfigKind kind, const void* src) {
    switch (kind) {
        case ConfigKind::kInt:
            return std::to_string(*static_cast<const int*>(src));
        case ConfigKind::kInt64:
            return std::to_string(*static_cast<const int64_t*>(src));
        case ConfigKind::kUint64:
            return std::to_string(*static_cast<const uint64_t*>(src));
        case ConfigKind::kBool:
            return *static_cast<const bool*>(src) ? "true" : "false";
        case ConfigKind::kDouble:
            return fmt::format("{}", *static_cast<const double*>(src));
        case ConfigKind::kMoney:
            return static_cast<const Money*>(src)->to_string();
        case ConfigKind::kQuantity:
            return static_cast<const Quantity*>(src)->to_string();
        case ConfigKind::kString:
            return *static_cast<const std::string*>(src);
        case ConfigKind::kStringList: {
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

namespace {

/// True if the value of the field (of the C++ type `kind` names) lies in `r`. Integers and
/// fixed-point raws are compared as integers (exact at any magnitude); NaN is never in range.
bool in_range(ConfigKind kind, const void* src, const ConfigRange& r) {
    auto ints = [&](int64_t x, int64_t scale) {
        return between<int64_t>(x, std::llround(r.lo * static_cast<double>(scale)), r.lo_open,
                                std::llround(r.hi * static_cast<double>(scale)), r.hi_open);
    };
    switch (kind) {
        case ConfigKind::kInt:
            return ints(*static_cast<const int*>(src), 1);
        case ConfigKind::kInt64:
            return ints(*static_cast<const int64_t*>(src), 1);
        case ConfigKind::kDouble:
            return between(*static_cast<const double*>(src), r.lo, r.lo_open, r.hi, r.hi_open);
        case ConfigKind::kMoney:
            return ints(static_cast<const Money*>(src)->raw(), kFixedScale);
        case ConfigKind::kQuantity:
            return ints(static_cast<const Quantity*>(src)->raw(), kFixedScale);
        default:
            return true;  // no numeric range (seed: every uint64 is a seed)
    }
}

}  // namespace

std::string render_config_range(const ConfigRange& r) {
    return fmt::format("{}{}, {}{}", r.lo_open ? '(' : '[', render_bound(r.lo), render_bound(r.hi),
                       r.hi_open ? ')' : ']');
}

std::optional<std::string> config_range_problem(const ConfigField& field, const void* value,
                                                std::string_view text) {
    if (!field.range.set) return std::nullopt;
    if (value != nullptr && in_range(field.kind, value, field.range)) return std::nullopt;
    return fmt::format("{} is out of range {}", text, render_config_range(field.range));
}

bool too_big_for_config_kind(ConfigKind kind, std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
        digits.remove_prefix(1);
    }
    if (digits.empty()) return false;
    auto all_digits = [](std::string_view t) {
        return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    switch (kind) {
        case ConfigKind::kInt:
        case ConfigKind::kInt64:
        case ConfigKind::kUint64:
            return all_digits(digits);
        case ConfigKind::kMoney:
        case ConfigKind::kQuantity: {
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

// ---- Rules across keys ----

std::string ConfigChecker::key(std::string_view name) const {
    return section_.empty() ? std::string(name) : section_ + "." + std::string(name);
}

void ConfigChecker::fail(std::string_view name, const std::string& rule, const std::string& got) {
    problems_.push_back(fmt::format("config key '{}': {}, got {}", key(name), rule, got));
}

void ConfigChecker::one_of(std::string_view name, const std::string& value,
                           std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
        if (value == a) return;
        if (!list.empty()) list += "|";
        list += a;
    }
    fail(name, "must be one of " + list, "'" + value + "'");
}

void ConfigChecker::non_empty(std::string_view name, const std::string& value) {
    if (value.empty()) fail(name, "must not be empty", "''");
}

}  // namespace awet
