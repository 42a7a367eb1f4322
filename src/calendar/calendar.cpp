#include "awet/calendar/calendar.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace awet {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kNsPerMinute = 60 * kNsPerSecond;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kNsPerDay = kSecondsPerDay * kNsPerSecond;

constexpr int kOpenMinute = 9 * 60 + 30;
constexpr int kCloseMinute = 16 * 60;
constexpr int kEarlyCloseMinute = 13 * 60;
constexpr int kEstOffset = -300;
constexpr int kEdtOffset = -240;

// Precomputed years; others are computed on demand (same code, just not cached).
constexpr int kFirstYear = 1900;
constexpr int kLastYear = 2199;

enum DayKind : uint8_t { kTrading = 0, kWeekend = 1, kHoliday = 2, kEarlyClose = 3 };

constexpr int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr int64_t days_of(int y, int m, int d) {
    int64_t yy = y;
    const unsigned mm = static_cast<unsigned>(m);
    const unsigned dd = static_cast<unsigned>(d);
    yy -= mm <= 2;
    const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(yy - era * 400);
    const unsigned doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr Date date_of(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

/// 0 = Monday .. 6 = Sunday (1970-01-01, day 0, was a Thursday).
constexpr int monday_weekday(int64_t days) {
    return static_cast<int>(days + 3 - 7 * floor_div(days + 3, 7));
}

/// Day number of the n-th (1-based) `wd` (0 = Monday) of a month.
constexpr int64_t nth_weekday(int y, int m, int wd, int n) {
    int64_t first = days_of(y, m, 1);
    int delta = (wd - monday_weekday(first) + 7) % 7;
    return first + delta + 7 * (n - 1);
}

/// Day number of the last `wd` (0 = Monday) of a month.
constexpr int64_t last_weekday(int y, int m, int wd) {
    int64_t last = days_of(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
    int delta = (monday_weekday(last) - wd + 7) % 7;
    return last - delta;
}

/// Gregorian Easter Sunday (anonymous Gregorian computus, Meeus/Jones/Butcher).
constexpr int64_t easter_sunday(int y) {
    int a = y % 19;
    int b = y / 100;
    int c = y % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;
    return days_of(y, month, day);
}

/// A fixed-date holiday moved off the weekend: Saturday -> Friday, Sunday -> Monday.
constexpr int64_t observed(int64_t day) {
    int wd = monday_weekday(day);
    if (wd == 5) return day - 1;
    if (wd == 6) return day + 1;
    return day;
}

// Closures not given by a rule (national days of mourning, weather, 9/11).
constexpr std::array<Date, 12> kUnscheduledClosures = {{
    {1985, 9, 27},  // Hurricane Gloria
    {1994, 4, 27},  // President Nixon
    {2001, 9, 11},  // September 11
    {2001, 9, 12},
    {2001, 9, 13},
    {2001, 9, 14},
    {2004, 6, 11},   // President Reagan
    {2007, 1, 2},    // President Ford
    {2012, 10, 29},  // Hurricane Sandy
    {2012, 10, 30},
    {2018, 12, 5},  // President G. H. W. Bush
    {2025, 1, 9},   // President Carter
}};

/// UTC ns of an hour on a day, saturated outside the int64 ns range (years before 1678 or after
/// 2261 have no Timestamp; their holidays are still computed).
constexpr int64_t day_hour_ns(int64_t day, int hour) {
    constexpr int64_t kMaxDays = std::numeric_limits<int64_t>::max() / kNsPerDay - 1;
    if (day > kMaxDays) return std::numeric_limits<int64_t>::max();
    if (day < -kMaxDays) return std::numeric_limits<int64_t>::min();
    return day * kNsPerDay + hour * 3600 * kNsPerSecond;
}

struct YearInfo {
    int64_t dst_start_ns = 0;  // UTC instant the clocks go forward
    int64_t dst_end_ns = 0;    // UTC instant the clocks go back
    int64_t jan1 = 0;          // day number of January 1
    std::array<uint8_t, 366> kind{};
};

void compute_year(int y, YearInfo& info) {
    // DST: 2nd Sunday of March 02:00 EST (07:00 UTC) to 1st Sunday of November 02:00 EDT
    // (06:00 UTC) since 2007; 1st Sunday of April to last Sunday of October before.
    int64_t start_day = y >= 2007 ? nth_weekday(y, 3, 6, 2) : nth_weekday(y, 4, 6, 1);
    int64_t end_day = y >= 2007 ? nth_weekday(y, 11, 6, 1) : last_weekday(y, 10, 6);
    info.dst_start_ns = day_hour_ns(start_day, 7);
    info.dst_end_ns = day_hour_ns(end_day, 6);
    info.jan1 = days_of(y, 1, 1);
    const int64_t next_jan1 = days_of(y + 1, 1, 1);
    const int ndays = static_cast<int>(next_jan1 - info.jan1);

    for (int k = 0; k < ndays; ++k) {
        info.kind[static_cast<size_t>(k)] =
            monday_weekday(info.jan1 + k) >= 5 ? kWeekend : kTrading;
    }
    for (int k = ndays; k < 366; ++k) info.kind[static_cast<size_t>(k)] = kWeekend;

    auto mark = [&](int64_t day, DayKind kind) {
        int64_t k = day - info.jan1;
        if (k < 0 || k >= ndays) return;
        uint8_t& slot = info.kind[static_cast<size_t>(k)];
        if (slot == kWeekend) return;
        if (kind == kEarlyClose && slot == kHoliday) return;
        slot = kind;
    };

    // New Year's Day: Sunday -> Monday; Saturday -> not observed (NYSE stays open on Dec 31).
    {
        int64_t d = days_of(y, 1, 1);
        int wd = monday_weekday(d);
        if (wd == 6)
            mark(d + 1, kHoliday);
        else if (wd != 5)
            mark(d, kHoliday);
    }
    if (y >= 1998) mark(nth_weekday(y, 1, 0, 3), kHoliday);      // Martin Luther King Jr. Day
    mark(nth_weekday(y, 2, 0, 3), kHoliday);                     // Washington's Birthday
    mark(easter_sunday(y) - 2, kHoliday);                        // Good Friday
    mark(last_weekday(y, 5, 0), kHoliday);                       // Memorial Day
    if (y >= 2022) mark(observed(days_of(y, 6, 19)), kHoliday);  // Juneteenth
    mark(observed(days_of(y, 7, 4)), kHoliday);                  // Independence Day
    mark(nth_weekday(y, 9, 0, 1), kHoliday);                     // Labor Day
    const int64_t thanksgiving = nth_weekday(y, 11, 3, 4);
    mark(thanksgiving, kHoliday);                  // Thanksgiving
    mark(observed(days_of(y, 12, 25)), kHoliday);  // Christmas
    for (const Date& c : kUnscheduledClosures) {
        if (c.year == y) mark(days_of(c.year, c.month, c.day), kHoliday);
    }

    // Early closes (13:00): day after Thanksgiving; Christmas Eve on a weekday that is not the
    // observed Christmas; July 3 when both July 3 and July 4 are weekdays.
    mark(thanksgiving + 1, kEarlyClose);
    mark(days_of(y, 12, 24), kEarlyClose);
    {
        int64_t jul3 = days_of(y, 7, 3);
        int wd3 = monday_weekday(jul3);
        if (wd3 <= 3) mark(jul3, kEarlyClose);  // Monday..Thursday: July 4 is Tuesday..Friday
    }
}

struct YearTable {
    std::array<YearInfo, kLastYear - kFirstYear + 1> years;
    YearTable() {
        for (int y = kFirstYear; y <= kLastYear; ++y) {
            compute_year(y, years[static_cast<size_t>(y - kFirstYear)]);
        }
    }
};

const YearTable& table() {
    static const YearTable kTable;
    return kTable;
}

/// Year info for y: from the table, or computed into `scratch` outside the cached range.
const YearInfo& year_info(int y, YearInfo& scratch) {
    if (y >= kFirstYear && y <= kLastYear) {
        return table().years[static_cast<size_t>(y - kFirstYear)];
    }
    compute_year(y, scratch);
    return scratch;
}

uint8_t day_kind(int64_t day) {
    Date d = date_of(day);
    YearInfo scratch;
    const YearInfo& info = year_info(d.year, scratch);
    return info.kind[static_cast<size_t>(day - info.jan1)];
}

int offset_at(int64_t ns, int64_t& dst_start, int64_t& dst_end) {
    int year = date_of(floor_div(ns, kNsPerDay)).year;
    YearInfo scratch;
    const YearInfo& info = year_info(year, scratch);
    dst_start = info.dst_start_ns;
    dst_end = info.dst_end_ns;
    return (ns >= dst_start && ns < dst_end) ? kEdtOffset : kEstOffset;
}

/// The last to_local answer's validity span [lo, hi): same local date and same offset; and,
/// lazily, that date's session.
struct LocalCache {
    int64_t lo = 1;
    int64_t hi = 0;
    int64_t local_midnight_utc = 0;  // UTC instant of local midnight, with `offset`
    int offset = 0;
    int weekday = 0;
    Date date;
    bool session_known = false;
    std::optional<Session> session;
};

thread_local LocalCache t_cache;

/// The cache entry covering ns, refreshed if needed.
const LocalCache& local_cache(int64_t ns) {
    LocalCache& c = t_cache;
    if (ns >= c.lo && ns < c.hi) return c;
    int64_t dst_start = 0, dst_end = 0;
    int offset = offset_at(ns, dst_start, dst_end);
    // Saturated at the ends of int64: the first and last days a Timestamp holds (1677, 2262)
    // have their midnights or the next day's outside it.
    int64_t local_ns = saturating_add(ns, offset * kNsPerMinute);
    int64_t local_day = floor_div(local_ns, kNsPerDay);
    int64_t midnight_utc =
        saturating_sub(saturating_mul(local_day, kNsPerDay), offset * kNsPerMinute);
    // The first day's midnight is before the first instant: the day starts there instead.
    if (midnight_utc > ns) midnight_utc = std::numeric_limits<int64_t>::min();
    int64_t lo = midnight_utc;
    int64_t hi = saturating_add(midnight_utc, kNsPerDay);
    for (int64_t transition : {dst_start, dst_end}) {
        if (transition > lo && transition < hi) {
            if (ns < transition) {
                hi = transition;
            } else {
                lo = transition;
            }
        }
    }
    c.lo = lo;
    c.hi = hi;
    c.local_midnight_utc = midnight_utc;
    c.offset = offset;
    c.weekday = monday_weekday(local_day);
    c.date = date_of(local_day);
    c.session_known = false;
    return c;
}

}  // namespace

int SessionCalendar::utc_offset_minutes(Timestamp t) { return local_cache(t.ns()).offset; }

LocalTime SessionCalendar::to_local(Timestamp t) {
    const LocalCache& c = local_cache(t.ns());
    LocalTime out;
    out.date = c.date;
    out.minute_of_day = static_cast<int>((t.ns() - c.local_midnight_utc) / kNsPerMinute);
    out.weekday = c.weekday;
    return out;
}

Timestamp SessionCalendar::from_local(Date date, int minute_of_day) {
    // Ambiguous wall times (the repeated hour in November) resolve to the first (EDT) instant;
    // wall times that do not exist (the skipped hour in March) are read as EST, landing after
    // the jump (02:30 -> 03:30 EDT).
    const int64_t local_ns =
        saturating_add(saturating_mul(days_of(date.year, date.month, date.day), kNsPerDay),
                       static_cast<int64_t>(minute_of_day) * kNsPerMinute);
    const int64_t as_edt = saturating_sub(local_ns, kEdtOffset * kNsPerMinute);
    int64_t dst_start = 0, dst_end = 0;  // offset_at, not the cache: session_at relies on that
    if (offset_at(as_edt, dst_start, dst_end) == kEdtOffset) {
        return Timestamp::from_ns(as_edt);
    }
    return Timestamp::from_ns(saturating_sub(local_ns, kEstOffset * kNsPerMinute));
}

bool SessionCalendar::is_holiday(Date d) {
    return day_kind(days_of(d.year, d.month, d.day)) == kHoliday;
}

bool SessionCalendar::is_early_close(Date d) {
    return day_kind(days_of(d.year, d.month, d.day)) == kEarlyClose;
}

bool SessionCalendar::is_trading_day(Date d) {
    uint8_t k = day_kind(days_of(d.year, d.month, d.day));
    return k == kTrading || k == kEarlyClose;
}

std::optional<Session> SessionCalendar::session(Date d) {
    uint8_t k = day_kind(days_of(d.year, d.month, d.day));
    if (k != kTrading && k != kEarlyClose) return std::nullopt;
    Session s;
    s.date = d;
    s.open = from_local(d, kOpenMinute);
    s.close = from_local(d, k == kEarlyClose ? kEarlyCloseMinute : kCloseMinute);
    return s;
}

std::optional<Session> SessionCalendar::session_at(Timestamp t) {
    LocalCache& c = t_cache;
    local_cache(t.ns());
    const int minute = static_cast<int>((t.ns() - c.local_midnight_utc) / kNsPerMinute);
    if (minute < kOpenMinute || minute >= kCloseMinute) return std::nullopt;
    if (!c.session_known) {
        c.session = session(c.date);  // via from_local, which leaves t_cache alone
        c.session_known = true;
    }
    const std::optional<Session>& s = c.session;
    if (!s || t < s->open || t >= s->close) return std::nullopt;
    return s;
}

Date SessionCalendar::next_trading_day(Date d) {
    int64_t day = days_of(d.year, d.month, d.day) + 1;
    while (true) {
        uint8_t k = day_kind(day);
        if (k == kTrading || k == kEarlyClose) return date_of(day);
        ++day;
    }
}

Date SessionCalendar::previous_trading_day(Date d) {
    int64_t day = days_of(d.year, d.month, d.day) - 1;
    while (true) {
        uint8_t k = day_kind(day);
        if (k == kTrading || k == kEarlyClose) return date_of(day);
        --day;
    }
}

Date SessionCalendar::trading_day_on_or_after(Date d) {
    int64_t day = days_of(d.year, d.month, d.day);
    while (true) {
        uint8_t k = day_kind(day);
        if (k == kTrading || k == kEarlyClose) return date_of(day);
        ++day;
    }
}

}  // namespace awet
