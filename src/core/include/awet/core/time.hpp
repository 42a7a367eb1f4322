#pragma once
// Time is int64 nanoseconds since the Unix epoch, UTC. Strong types keep instants and durations
// apart.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awet {

class Duration {
public:
    constexpr Duration() = default;
    static constexpr Duration nanos(int64_t n) { return Duration(n); }
    static constexpr Duration micros(int64_t n) { return Duration(n * 1'000); }
    static constexpr Duration millis(int64_t n) { return Duration(n * 1'000'000); }
    static constexpr Duration seconds(int64_t n) { return Duration(n * 1'000'000'000); }
    static constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
    static constexpr Duration hours(int64_t n) { return minutes(n * 60); }
    static constexpr Duration days(int64_t n) { return hours(n * 24); }

    constexpr int64_t ns() const { return ns_; }
    constexpr int64_t to_minutes() const { return ns_ / 60'000'000'000; }
    constexpr int64_t to_seconds() const { return ns_ / 1'000'000'000; }
    constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
    constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
    constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
    constexpr auto operator<=>(const Duration&) const = default;

private:
    constexpr explicit Duration(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

class Timestamp {
public:
    constexpr Timestamp() = default;
    static constexpr Timestamp from_ns(int64_t ns) { return Timestamp(ns); }
    static constexpr Timestamp from_seconds(int64_t s) { return Timestamp(s * 1'000'000'000); }
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

    constexpr Timestamp operator+(Duration d) const { return Timestamp(ns_ + d.ns()); }
    constexpr Timestamp operator-(Duration d) const { return Timestamp(ns_ - d.ns()); }
    constexpr Duration operator-(Timestamp o) const { return Duration::nanos(ns_ - o.ns_); }
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
