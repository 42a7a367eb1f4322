#include "awet/core/time.hpp"

#include <cstdio>
#include <limits>

namespace awet {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : kDays[m - 1];
}

bool valid_date(int y, int m, int d) {
    return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `count` digits at text[pos]; advances pos.
bool read_digits(std::string_view text, size_t& pos, size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int v = 0;
    for (size_t k = 0; k < count; ++k) {
        char c = text[pos + k];
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    pos += count;
    return true;
}

/// "YYYY-MM-DD" at pos.
bool read_date(std::string_view text, size_t& pos, Date& out) {
    int y = 0, m = 0, d = 0;
    if (!read_digits(text, pos, 4, y)) return false;
    if (pos >= text.size() || text[pos] != '-') return false;
    ++pos;
    if (!read_digits(text, pos, 2, m)) return false;
    if (pos >= text.size() || text[pos] != '-') return false;
    ++pos;
    if (!read_digits(text, pos, 2, d)) return false;
    if (!valid_date(y, m, d)) return false;
    out = Date{y, m, d};
    return true;
}

inline void put2(char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

inline void put4(char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 1000);
    p[1] = static_cast<char>('0' + (v / 100) % 10);
    p[2] = static_cast<char>('0' + (v / 10) % 10);
    p[3] = static_cast<char>('0' + v % 10);
}

/// Writes "YYYY-MM-DD" (10 chars) for years 0..9999; other years go through snprintf.
size_t write_date(char* out, const Date& d) {
    if (d.year >= 0 && d.year <= 9999) {
        put4(out, static_cast<unsigned>(d.year));
        out[4] = '-';
        put2(out + 5, static_cast<unsigned>(d.month));
        out[7] = '-';
        put2(out + 8, static_cast<unsigned>(d.day));
        return 10;
    }
    int n = std::snprintf(out, 24, "%d-%02d-%02d", d.year, d.month, d.day);
    return n > 0 ? static_cast<size_t>(n) : 0;
}

void split(int64_t ns, int64_t& days, int64_t& sec_of_day, int64_t& frac_ns) {
    int64_t secs = ns / kNsPerSecond;
    frac_ns = ns % kNsPerSecond;
    if (frac_ns < 0) {
        frac_ns += kNsPerSecond;
        --secs;
    }
    days = secs / kSecondsPerDay;
    sec_of_day = secs % kSecondsPerDay;
    if (sec_of_day < 0) {
        sec_of_day += kSecondsPerDay;
        --days;
    }
}

}  // namespace

int64_t days_from_civil(Date d) {
    int64_t y = d.year;
    const unsigned m = static_cast<unsigned>(d.month);
    const unsigned dd = static_cast<unsigned>(d.day);
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);             // [0, 399]
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;  // [0, 365]
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Date civil_from_days(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);                // [0, 146096]
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
    const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // [1, 31]
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // [1, 12]
    return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

int weekday(Date d) {
    int64_t z = days_from_civil(d);
    return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

std::string Date::to_string() const {
    char buf[32];
    size_t n = write_date(buf, *this);
    return std::string(buf, n);
}

std::optional<Date> Date::parse(std::string_view text) {
    size_t pos = 0;
    Date d;
    if (!read_date(text, pos, d) || pos != text.size()) return std::nullopt;
    return d;
}

std::optional<Timestamp> Timestamp::parse(std::string_view text) {
    if (text.empty()) return std::nullopt;

    // Epoch digits: magnitude tells the unit.
    bool all_digits = true;
    for (char c : text) all_digits = all_digits && is_digit(c);
    if (all_digits) {
        if (text.size() > 19) return std::nullopt;
        uint64_t v = 0;  // at most 19 digits: fits
        for (char c : text) v = v * 10 + static_cast<uint64_t>(c - '0');
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            return std::nullopt;
        }
        int64_t n = static_cast<int64_t>(v);
        int64_t unit = 1;  // >= 1e17: nanoseconds
        if (n < 100'000'000'000LL) {
            unit = kNsPerSecond;  // < 1e11: seconds
        } else if (n < 100'000'000'000'000LL) {
            unit = 1'000'000;  // < 1e14: milliseconds
        } else if (n < 100'000'000'000'000'000LL) {
            unit = 1'000;  // < 1e17: microseconds
        }
        if (n > std::numeric_limits<int64_t>::max() / unit) return std::nullopt;  // past 2262
        return from_ns(n * unit);
    }

    size_t pos = 0;
    Date date;
    if (!read_date(text, pos, date)) return std::nullopt;
    int64_t days = days_from_civil(date);
    if (pos == text.size()) {
        int64_t ns = 0;
        if (__builtin_mul_overflow(days, kSecondsPerDay * kNsPerSecond, &ns)) return std::nullopt;
        return from_ns(ns);
    }

    char sep = text[pos];
    if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
    ++pos;
    int hh = 0, mm = 0, ss = 0;
    if (!read_digits(text, pos, 2, hh)) return std::nullopt;
    if (pos >= text.size() || text[pos] != ':') return std::nullopt;
    ++pos;
    if (!read_digits(text, pos, 2, mm)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!read_digits(text, pos, 2, ss)) return std::nullopt;
    }
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;

    int64_t frac_ns = 0;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < text.size() && is_digit(text[pos])) {
            if (digits == 9) return std::nullopt;  // finer than a nanosecond
            frac_ns = frac_ns * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int k = digits; k < 9; ++k) frac_ns *= 10;
    }

    int64_t offset_s = 0;
    if (pos < text.size()) {
        char c = text[pos];
        if (c == 'Z' || c == 'z') {
            ++pos;
        } else if (c == '+' || c == '-') {
            ++pos;
            int oh = 0, om = 0;
            if (!read_digits(text, pos, 2, oh)) return std::nullopt;
            if (pos < text.size() && text[pos] == ':') {
                ++pos;
                if (!read_digits(text, pos, 2, om)) return std::nullopt;
            } else if (pos < text.size() && !read_digits(text, pos, 2, om)) {
                return std::nullopt;
            }
            if (oh > 23 || om > 59) return std::nullopt;
            offset_s = (oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    if (pos != text.size()) return std::nullopt;

    // Local time = UTC + offset, so UTC = local - offset.
    int64_t secs = days * kSecondsPerDay + hh * 3600 + mm * 60 + ss - offset_s;
    if (secs < 0 && frac_ns > 0) {  // borrow so that INT64_MIN ns stays reachable
        secs += 1;
        frac_ns -= kNsPerSecond;
    }
    int64_t ns = 0;
    if (__builtin_mul_overflow(secs, kNsPerSecond, &ns) ||
        __builtin_add_overflow(ns, frac_ns, &ns)) {
        return std::nullopt;  // outside 1677..2262
    }
    return from_ns(ns);
}

std::string Timestamp::iso() const {
    char buf[kIsoMaxLen];
    return std::string(buf, write_iso(buf));
}

size_t Timestamp::write_iso(char* buf) const {
    int64_t days = 0, sod = 0, frac = 0;
    split(ns_, days, sod, frac);
    Date d = civil_from_days(days);
    size_t n = write_date(buf, d);
    char* p = buf + n;
    *p++ = 'T';
    put2(p, static_cast<unsigned>(sod / 3600));
    p[2] = ':';
    put2(p + 3, static_cast<unsigned>((sod / 60) % 60));
    p[5] = ':';
    put2(p + 6, static_cast<unsigned>(sod % 60));
    p += 8;
    if (frac != 0) {
        char digits[9];
        int64_t f = frac;
        for (int k = 8; k >= 0; --k) {
            digits[k] = static_cast<char>('0' + f % 10);
            f /= 10;
        }
        int len = 9;
        while (digits[len - 1] == '0') --len;
        *p++ = '.';
        for (int k = 0; k < len; ++k) *p++ = digits[k];
    }
    *p++ = 'Z';
    return static_cast<size_t>(p - buf);
}

std::string Timestamp::date_utc() const {
    int64_t days = 0, sod = 0, frac = 0;
    split(ns_, days, sod, frac);
    return civil_from_days(days).to_string();
}

}  // namespace awet
