#pragma once
// Time is int64 nanoseconds since the Unix epoch, UTC. Strong types keep instants and durations
// apart.
//
// Arithmetic saturates at the ends of int64 instead of wrapping: a duration built from a huge
// user value ("cooldown 999999999 minutes") is "longer than anything", never a negative one that
// switches a limit off.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace awet {

/// a * b, clamped to [INT64_MIN, INT64_MAX] instead of overflowing.
constexpr int64_t saturating_mul(int64_t a, int64_t b) {
    int64_t r = 0;
    if (!__builtin_mul_overflow(a, b, &r)) return r;
    return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                              : std::numeric_limits<int64_t>::max();
}
/// a + b, clamped to [INT64_MIN, INT64_MAX] instead of overflowing.
constexpr int64_t saturating_add(int64_t a, int64_t b) {
    int64_t r = 0;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}
/// a - b, clamped to [INT64_MIN, INT64_MAX] instead of overflowing.
constexpr int64_t saturating_sub(int64_t a, int64_t b) {
    int64_t r = 0;
    if (!__builtin_sub_overflow(a, b, &r)) return r;
    return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

class Duration {
public:
    constexpr Duration() = default;
    static constexpr Duration nanos(int64_t n) { return Duration(n); }
    // The unit constructors saturate: minutes(INT64_MAX) == max(), minutes(INT64_MIN) == min().
    static constexpr Duration micros(int64_t n) { return Duration(saturating_mul(n, 1'000)); }
    static constexpr Duration millis(int64_t n) { return Duration(saturating_mul(n, 1'000'000)); }
    static constexpr Duration seconds(int64_t n) {
        return Duration(saturating_mul(n, 1'000'000'000));
    }
    static constexpr Duration minutes(int64_t n) {
        return Duration(saturating_mul(n, 60'000'000'000));
    }
    static constexpr Duration hours(int64_t n) {
        return Duration(saturating_mul(n, 3'600'000'000'000));
    }
    static constexpr Duration days(int64_t n) {
        return Duration(saturating_mul(n, 86'400'000'000'000));
    }
    /// The longest durations (about +/-292 years): where saturated arithmetic ends.
    static constexpr Duration max() { return Duration(std::numeric_limits<int64_t>::max()); }
    static constexpr Duration min() { return Duration(std::numeric_limits<int64_t>::min()); }

    constexpr int64_t ns() const { return ns_; }
    constexpr int64_t to_minutes() const { return ns_ / 60'000'000'000; }
    constexpr int64_t to_seconds() const { return ns_ / 1'000'000'000; }
    constexpr Duration operator+(Duration o) const { return Duration(saturating_add(ns_, o.ns_)); }
    constexpr Duration operator-(Duration o) const { return Duration(saturating_sub(ns_, o.ns_)); }
    constexpr Duration operator*(int64_t k) const { return Duration(saturating_mul(ns_, k)); }
    constexpr auto operator<=>(const Duration&) const = default;

private:
    constexpr explicit Duration(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

class Timestamp {
public:
    constexpr Timestamp() = default;
    static constexpr Timestamp from_ns(int64_t ns) { return Timestamp(ns); }
    static constexpr Timestamp from_seconds(int64_t s) {
        return Timestamp(saturating_mul(s, 1'000'000'000));
    }
    /// "2026-03-12T13:30:00Z", "2026-03-12T13:30:00.123Z", "2026-03-12 13:30:00", "...+00:00",
    /// "...-04:00", a date "2026-03-12", or epoch seconds/milliseconds/nanoseconds as digits
    /// (told apart by magnitude). nullopt if malformed.
    static std::optional<Timestamp> parse(std::string_view text);

    constexpr int64_t ns() const { return ns_; }
    constexpr bool is_set() const { return ns_ != 0; }
    /// ISO-8601 UTC with seconds, and with fractional digits only when present:
    /// "2026-03-12T13:30:00Z".
    std::string iso() const;
    /// Writes iso() into out (room for kIsoMaxLen bytes, no terminator); returns the length. For
    /// encoders on the hot path (no allocation).
    size_t write_iso(char* out) const;
    static constexpr size_t kIsoMaxLen = 48;
    /// "2026-03-12" (UTC date).
    std::string date_utc() const;

    // Saturating, like Duration: now + Duration::max() is the last representable instant.
    constexpr Timestamp operator+(Duration d) const {
        return Timestamp(saturating_add(ns_, d.ns()));
    }
    constexpr Timestamp operator-(Duration d) const {
        return Timestamp(saturating_sub(ns_, d.ns()));
    }
    constexpr Duration operator-(Timestamp o) const {
        return Duration::nanos(saturating_sub(ns_, o.ns_));
    }
    constexpr auto operator<=>(const Timestamp&) const = default;

private:
    constexpr explicit Timestamp(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

/// A calendar date (proleptic Gregorian).
struct Date {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    auto operator<=>(const Date&) const = default;
    std::string to_string() const;  // "2026-03-12"
    static std::optional<Date> parse(std::string_view text);
};

/// Days since 1970-01-01 for a civil date, and back (Howard Hinnant's algorithms).
int64_t days_from_civil(Date d);
Date civil_from_days(int64_t days);
/// 0 = Sunday .. 6 = Saturday.
int weekday(Date d);

}  // namespace awet
