#pragma once
// US-equities session calendar: America/New_York (US DST rules since 2007), regular hours
// 09:30-16:00, NYSE full-day holidays and 13:00 early closes computed from their rules.
// Used by the synthetic generator, the features (local time of day), the risk gates, the exits
// and the EOD job. Pure computation, no tz database needed.
#include <optional>

#include "awet/core/time.hpp"

namespace awet {

struct LocalTime {
    Date date;              // local calendar date
    int minute_of_day = 0;  // minutes since local midnight
    int weekday = 0;        // 0 = Monday .. 6 = Sunday
};

struct Session {
    Date date;
    Timestamp open;   // 09:30 local, as UTC
    Timestamp close;  // 16:00 (or 13:00 on early-close days) local, as UTC
};

class SessionCalendar {
public:
    /// UTC offset of America/New_York at instant t, in minutes (-240 in DST, -300 otherwise).
    static int utc_offset_minutes(Timestamp t);
    static LocalTime to_local(Timestamp t);
    /// The UTC instant of a local wall time on a date (minute_of_day since local midnight).
    static Timestamp from_local(Date date, int minute_of_day);

    static bool is_holiday(Date d);
    static bool is_early_close(Date d);
    static bool is_trading_day(Date d);
    /// The regular session of a trading day; nullopt on weekends and holidays.
    static std::optional<Session> session(Date d);
    /// The session containing t (open <= t < close), if any.
    static std::optional<Session> session_at(Timestamp t);
    static bool is_open(Timestamp t) { return session_at(t).has_value(); }
    /// The first trading day strictly after d.
    static Date next_trading_day(Date d);
    /// The last trading day strictly before d.
    static Date previous_trading_day(Date d);
    /// The first trading day on or after d.
    static Date trading_day_on_or_after(Date d);
};

}  // namespace awet
