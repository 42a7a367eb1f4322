#pragma once
// Fixed-point money, prices and quantities: int64 raw values at 1e-6 units (micro-dollars,
// micro-shares). Exact arithmetic for the ledger; conversion to double only where features
// enter a model or values are shown. 1e-6 keeps a round trip through an IEEE double exact for
// magnitudes up to ~9e9, which is how SQLite REAL columns hold them in human units.
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace awet {

inline constexpr int64_t kFixedScale = 1'000'000;
inline constexpr int kFixedDecimals = 6;

template <typename Tag>
class Fixed {
public:
    constexpr Fixed() = default;
    static constexpr Fixed from_raw(int64_t raw) { return Fixed(raw); }
    static constexpr Fixed from_units(int64_t units) { return Fixed(units * kFixedScale); }
    /// Nearest representable value (half away from zero).
    static Fixed from_double(double v) {
        return Fixed(static_cast<int64_t>(std::llround(v * kFixedScale)));
    }
    /// Exact decimal parse ("258.640015", "-1.5", "100"); nullopt on malformed text or more than
    /// 6 decimals that are not zeros.
    static std::optional<Fixed> parse(std::string_view text);

    constexpr int64_t raw() const { return raw_; }
    double to_double() const { return static_cast<double>(raw_) / kFixedScale; }
    /// Whole units toward zero.
    constexpr int64_t units() const { return raw_ / kFixedScale; }
    /// Shortest exact decimal: "258.64", "-0.5", "100".
    std::string to_string() const;

    constexpr bool is_zero() const { return raw_ == 0; }
    constexpr Fixed abs() const { return Fixed(raw_ < 0 ? -raw_ : raw_); }

    constexpr Fixed operator+(Fixed o) const { return Fixed(raw_ + o.raw_); }
    constexpr Fixed operator-(Fixed o) const { return Fixed(raw_ - o.raw_); }
    constexpr Fixed operator-() const { return Fixed(-raw_); }
    constexpr Fixed& operator+=(Fixed o) {
        raw_ += o.raw_;
        return *this;
    }
    constexpr Fixed& operator-=(Fixed o) {
        raw_ -= o.raw_;
        return *this;
    }
    constexpr auto operator<=>(const Fixed&) const = default;

private:
    constexpr explicit Fixed(int64_t raw) : raw_(raw) {}
    int64_t raw_ = 0;
};

struct PriceTag {};
struct MoneyTag {};
struct QuantityTag {};
using Price = Fixed<PriceTag>;        // dollars per share
using Money = Fixed<MoneyTag>;        // dollars
using Quantity = Fixed<QuantityTag>;  // shares (signed where a position)

/// Longest text format_fixed writes ("-9223372036854.775808").
inline constexpr size_t kFixedTextMax = 24;
/// Writes the shortest exact decimal of a raw fixed-point value (as Fixed::to_string) to out,
/// which has room for kFixedTextMax chars; returns the length. No allocation (hot paths).
size_t format_fixed(int64_t raw, char* out);

/// price * qty, rounded half away from zero to the micro-dollar (128-bit intermediate).
Money notional(Price price, Quantity qty);
/// money / qty as a price (average cost), rounded half away from zero; qty must be non-zero.
Price average_price(Money total, Quantity qty);
/// floor(money / price) whole shares; 0 if price <= 0.
Quantity whole_shares_affordable(Money budget, Price price);
/// p * (10000 + bps) / 10000, rounded half away from zero (bps may be negative).
Price adjust_by_bps(Price p, int64_t bps);
/// Money scaled by a ratio num/den, rounded half away from zero (e.g. a fee share of a partial
/// fill).
Money scale(Money m, int64_t num, int64_t den);

}  // namespace awet
