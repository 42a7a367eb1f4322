#include "awet/features/indicator_set.hpp"

#include "awet/calendar/calendar.hpp"

namespace awet {

namespace {
constexpr int64_t kNsPerDay = 86'400'000'000'000;
constexpr int64_t kNsPerMinute = 60'000'000'000;

int64_t floor_mod(int64_t a, int64_t b) {
    const int64_t r = a % b;
    return r < 0 ? r + b : r;
}
}  // namespace

LocalTimeCache::Fields LocalTimeCache::refresh(Timestamp t) {
    const LocalTime lt = SessionCalendar::to_local(t);
    const int offset = SessionCalendar::utc_offset_minutes(t);
    const int64_t start = t.ns() - static_cast<int64_t>(lt.minute_of_day) * kNsPerMinute -
                          floor_mod(t.ns(), kNsPerMinute);
    const int64_t end = start + kNsPerDay;
    // Cache the local day only if the offset is the same over all of it (not a DST-switch day).
    if (SessionCalendar::utc_offset_minutes(Timestamp::from_ns(start)) == offset &&
        SessionCalendar::utc_offset_minutes(Timestamp::from_ns(end - 1)) == offset) {
        day_start_ns_ = start;
        day_end_ns_ = end;
        weekday_ = lt.weekday;
    } else {
        day_start_ns_ = 0;
        day_end_ns_ = 0;
    }
    return {lt.minute_of_day, lt.minute_of_day / 60, lt.weekday};
}

}  // namespace awet
