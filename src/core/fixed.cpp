#include "awet/core/fixed.hpp"

#include <cstring>

namespace awet {
namespace {

__extension__ using i128 = __int128;

constexpr i128 kInt64Max = std::numeric_limits<int64_t>::max();
constexpr i128 kInt64Min = std::numeric_limits<int64_t>::min();

/// num / den rounded half away from zero; den != 0.
i128 div_round_half_away(i128 num, i128 den) {
    if (den < 0) {
        num = -num;
        den = -den;
    }
    i128 q = num / den;  // truncates toward zero
    i128 r = num % den;  // same sign as num
    i128 abs_r = r < 0 ? -r : r;
    if (2 * abs_r >= den) q += (num < 0) ? -1 : 1;
    return q;
}

/// Saturates a 128-bit result into int64 (results beyond ±9.2e12 dollars do not occur in practice;
/// saturating keeps them ordered instead of wrapping).
int64_t saturate(i128 v) {
    if (v > kInt64Max) return std::numeric_limits<int64_t>::max();
    if (v < kInt64Min) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(v);
}

}  // namespace

template <typename Tag>
std::optional<Fixed<Tag>> Fixed<Tag>::parse(std::string_view text) {
    size_t i = 0;
    const size_t n = text.size();
    bool negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
        negative = text[i] == '-';
        ++i;
    }
    i128 int_part = 0;
    size_t int_digits = 0;
    while (i < n && text[i] >= '0' && text[i] <= '9') {
        int_part = int_part * 10 + (text[i] - '0');
        if (int_part > kInt64Max) return std::nullopt;  // overflow even before scaling
        ++int_digits;
        ++i;
    }
    i128 frac = 0;
    size_t frac_digits = 0;
    if (i < n && text[i] == '.') {
        ++i;
        while (i < n && text[i] >= '0' && text[i] <= '9') {
            if (frac_digits < static_cast<size_t>(kFixedDecimals)) {
                frac = frac * 10 + (text[i] - '0');
            } else if (text[i] != '0') {
                return std::nullopt;  // precision beyond 1e-6 would be lost
            }
            ++frac_digits;
            ++i;
        }
    }
    if (i != n || int_digits + frac_digits == 0) return std::nullopt;
    for (size_t k = frac_digits; k < static_cast<size_t>(kFixedDecimals); ++k) frac *= 10;
    i128 raw = int_part * kFixedScale + frac;
    if (negative) raw = -raw;
    if (raw > kInt64Max || raw < kInt64Min) return std::nullopt;
    return Fixed(static_cast<int64_t>(raw));
}

size_t format_fixed(int64_t raw, char* out) {
    char buf[32];
    char* end = buf + sizeof(buf);
    char* p = end;
    uint64_t mag = raw < 0 ? uint64_t{0} - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
    uint64_t units = mag / kFixedScale;
    uint64_t frac = mag % kFixedScale;
    if (frac != 0) {
        int digits = kFixedDecimals;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        for (int k = 0; k < digits; ++k) {
            *--p = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        *--p = '.';
    }
    do {
        *--p = static_cast<char>('0' + units % 10);
        units /= 10;
    } while (units != 0);
    if (raw < 0) *--p = '-';
    const auto n = static_cast<size_t>(end - p);
    std::memcpy(out, p, n);
    return n;
}

template <typename Tag>
std::string Fixed<Tag>::to_string() const {
    char buf[kFixedTextMax];
    return std::string(buf, format_fixed(raw_, buf));
}

template class Fixed<PriceTag>;
template class Fixed<MoneyTag>;
template class Fixed<QuantityTag>;

Money notional(Price price, Quantity qty) {
    // Fast path (marks and exposures on every bar): when the product fits in 64 bits, the division
    // by the constant scale is a multiply; the 128-bit division is a libgcc call.
    int64_t small = 0;
    if (!__builtin_mul_overflow(price.raw(), qty.raw(), &small)) {
        int64_t q = small / kFixedScale;
        const int64_t r = small % kFixedScale;
        if (2 * (r < 0 ? -r : r) >= kFixedScale) q += small < 0 ? -1 : 1;  // half away from zero
        return Money::from_raw(q);
    }
    i128 prod = static_cast<i128>(price.raw()) * qty.raw();
    return Money::from_raw(saturate(div_round_half_away(prod, kFixedScale)));
}

Price average_price(Money total, Quantity qty) {
    if (qty.raw() == 0) return Price{};
    i128 num = static_cast<i128>(total.raw()) * kFixedScale;
    return Price::from_raw(saturate(div_round_half_away(num, qty.raw())));
}

Quantity whole_shares_affordable(Money budget, Price price) {
    if (price.raw() <= 0 || budget.raw() <= 0) return Quantity{};
    i128 shares = budget.raw() / price.raw();
    return Quantity::from_raw(saturate(shares * kFixedScale));
}

Price adjust_by_bps(Price p, int64_t bps) {
    i128 num = static_cast<i128>(p.raw()) * (static_cast<i128>(10000) + bps);
    return Price::from_raw(saturate(div_round_half_away(num, 10000)));
}

Money scale(Money m, int64_t num, int64_t den) {
    if (den == 0) return Money{};
    i128 prod = static_cast<i128>(m.raw()) * num;
    return Money::from_raw(saturate(div_round_half_away(prod, den)));
}

}  // namespace awet
