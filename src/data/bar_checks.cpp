#include "awet/data/bar_checks.hpp"

#include <algorithm>
#include <utility>

namespace awet {
namespace {

constexpr size_t kMaxShown = 40;

/// The text as a message shows it: at most kMaxShown characters, control bytes replaced.
std::string shown(std::string_view s) {
    std::string out;
    const size_t n = std::min(s.size(), kMaxShown);
    for (size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        out.push_back(c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c));
    }
    if (s.size() > n) out += "...";
    return out;
}

const char* kind_word(BarValueKind kind) {
    return kind == BarValueKind::kPrice ? "price" : "volume";
}

}  // namespace

BarLimits bar_limits(const DataConfig& data) {
    return BarLimits{Price::from_raw(data.max_price_usd.raw()), data.max_volume};
}

std::string above_limit_reason(std::string_view text, BarValueKind kind, const BarLimits& limits) {
    return shown(text) +
           (kind == BarValueKind::kPrice
                ? " is above data.max_price_usd (" + limits.max_price.to_string() + ")"
                : " is above data.max_volume (" + limits.max_volume.to_string() + ")");
}

std::optional<int64_t> parse_bar_value(std::string_view text, BarValueKind kind,
                                       const BarLimits& limits, std::string& reason) {
    if (text.empty()) {
        reason = "empty value";
        return std::nullopt;
    }
    // The shape first: [+-]digits[.digits], at least one digit.
    size_t i = 0;
    const size_t n = text.size();
    bool negative = false;
    if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
    size_t digits = 0;
    bool nonzero = false;
    while (i < n && text[i] >= '0' && text[i] <= '9') {
        nonzero = nonzero || text[i] != '0';
        ++digits;
        ++i;
    }
    bool excess_decimals = false;
    if (i < n && text[i] == '.') {
        ++i;
        size_t frac = 0;
        while (i < n && text[i] >= '0' && text[i] <= '9') {
            nonzero = nonzero || text[i] != '0';
            if (frac >= static_cast<size_t>(kFixedDecimals) && text[i] != '0')
                excess_decimals = true;
            ++frac;
            ++digits;
            ++i;
        }
    }
    if (i != n || digits == 0) {
        reason = "not a decimal number '" + shown(text) + "'";
        return std::nullopt;
    }
    if (negative && nonzero) {
        reason = std::string("negative ") + kind_word(kind) + " '" + shown(text) + "'";
        return std::nullopt;
    }
    const int64_t max =
        kind == BarValueKind::kPrice ? limits.max_price.raw() : limits.max_volume.raw();
    if (excess_decimals) {
        // Too precise; if the whole part is already beyond the bound, that is the bigger problem.
        std::string_view whole = text.substr(0, text.find('.'));
        if (!whole.empty() && whole.front() == '+') whole.remove_prefix(1);
        const std::optional<Price> w = whole.empty() ? Price{} : Price::parse(whole);
        if (!w || w->raw() > max) {
            reason = above_limit_reason(text, kind, limits);
        } else {
            reason = shown(text) + " has more than " + std::to_string(kFixedDecimals) + " decimals";
        }
        return std::nullopt;
    }
    // Fixed::parse fails here only beyond int64 micro-units: above any bound.
    const std::optional<Price> parsed = Price::parse(text);
    if (!parsed || parsed->raw() > max) {
        reason = above_limit_reason(text, kind, limits);
        return std::nullopt;
    }
    return parsed->raw();
}

std::optional<BarProblem> check_bar_values(const MarketBar& bar, const BarLimits& limits) {
    const std::pair<const char*, Price> prices[] = {
        {"open", bar.open}, {"high", bar.high}, {"low", bar.low}, {"close", bar.close}};
    for (const auto& [field, p] : prices) {
        if (p.raw() < 0) return BarProblem{field, "negative price " + p.to_string()};
        if (p > limits.max_price)
            return BarProblem{field,
                              above_limit_reason(p.to_string(), BarValueKind::kPrice, limits)};
    }
    if (bar.volume.raw() < 0)
        return BarProblem{"volume", "negative volume " + bar.volume.to_string()};
    if (bar.volume > limits.max_volume)
        return BarProblem{
            "volume", above_limit_reason(bar.volume.to_string(), BarValueKind::kVolume, limits)};
    if (bar.low.raw() <= 0) return BarProblem{"low", "low must be > 0, got " + bar.low.to_string()};
    const Price max_oc = std::max(bar.open, bar.close);
    const Price min_oc = std::min(bar.open, bar.close);
    if (bar.high < max_oc)
        return BarProblem{
            "high", "high " + bar.high.to_string() + " < max(open, close) " + max_oc.to_string()};
    if (bar.low > min_oc)
        return BarProblem{
            "low", "low " + bar.low.to_string() + " > min(open, close) " + min_oc.to_string()};
    return std::nullopt;
}

bool same_bar_values(const MarketBar& a, const MarketBar& b) {
    return a.open == b.open && a.high == b.high && a.low == b.low && a.close == b.close &&
           a.volume == b.volume;
}

std::string bar_differences(const MarketBar& a, std::string_view a_word, const MarketBar& b,
                            std::string_view b_word) {
    std::string out;
    auto add = [&](const char* field, const std::string& x, const std::string& y) {
        if (x == y) return;
        if (!out.empty()) out += "; ";
        out += std::string(field) + " " + x + " " + std::string(a_word) + ", " + y + " " +
               std::string(b_word);
    };
    add("open", a.open.to_string(), b.open.to_string());
    add("high", a.high.to_string(), b.high.to_string());
    add("low", a.low.to_string(), b.low.to_string());
    add("close", a.close.to_string(), b.close.to_string());
    add("volume", a.volume.to_string(), b.volume.to_string());
    return out;
}

}  // namespace awet
