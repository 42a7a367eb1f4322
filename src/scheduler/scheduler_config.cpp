#include "awet/scheduler/scheduler_config.hpp"

#include <charconv>
#include <utility>

namespace awet {

std::optional<int> parse_clock_time(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    int h = 0, m = 0;
    const auto digits = [](std::string_view s, int& out) {
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && p == s.data() + s.size();
    };
    if (!digits(text.substr(0, 2), h) || !digits(text.substr(3, 2), m)) return std::nullopt;
    if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
    return h * 60 + m;
}

namespace {

void check(const SchedulerConfig& c, ConfigChecker& k) {
    for (const auto& [name, value] : {std::pair{"night_training_at", &c.night_training_at},
                                      std::pair{"morning_check_at", &c.morning_check_at}}) {
        if (!parse_clock_time(*value))
            k.fail(name, "must be a local time HH:MM", "'" + *value + "'");
    }
    k.one_of("night_training_missed", c.night_training_missed, {"catch_up", "latest", "skip"});
    k.one_of("morning_check_missed", c.morning_check_missed, {"catch_up", "latest", "skip"});
    k.one_of("watchdog_missed", c.watchdog_missed, {"catch_up", "latest", "skip"});
    k.one_of("eod_missed", c.eod_missed, {"catch_up", "latest", "skip"});
    if (c.promotion_coverage_min > c.promotion_coverage_max) {
        k.fail("promotion_coverage_min", "must not be above promotion_coverage_max",
               std::to_string(c.promotion_coverage_min));
    }
}

}  // namespace

const ConfigSection& scheduler_config_section() {
    static const ConfigSection kSection{
        "scheduler",
        {AWET_CONFIG_FIELD(SchedulerConfig, night_training_at,
                           "Night training: local time (HH:MM, New York) on nights before a "
                           "session."),
         AWET_CONFIG_FIELD(SchedulerConfig, morning_check_at,
                           "Morning check: local time (HH:MM) on session days."),
         AWET_CONFIG_FIELD(SchedulerConfig, watchdog_every_minutes, config_range::closed(1, 390),
                           "Trade watchdog: minutes between runs, from the open while the market "
                           "is open."),
         AWET_CONFIG_FIELD(SchedulerConfig, eod_after_close_minutes, config_range::closed(0, 480),
                           "EOD job: minutes after the close (early closes included)."),
         AWET_CONFIG_FIELD(SchedulerConfig, job_timeout_minutes, config_range::closed(1, 1'440),
                           "A job run still going after this many minutes is timed out."),
         AWET_CONFIG_FIELD(SchedulerConfig, night_training_missed,
                           "A night training slot missed while the scheduler was down: "
                           "catch_up, latest or skip."),
         AWET_CONFIG_FIELD(SchedulerConfig, morning_check_missed,
                           "A missed morning check: catch_up, latest or skip."),
         AWET_CONFIG_FIELD(SchedulerConfig, watchdog_missed,
                           "A missed watchdog slot: catch_up, latest or skip."),
         AWET_CONFIG_FIELD(SchedulerConfig, eod_missed,
                           "A missed EOD: catch_up (every missed day, in order), latest or skip."),
         AWET_CONFIG_FIELD(SchedulerConfig, watchdog_max_drawdown_usd,
                           config_range::left_open(0, config_range::kMaxUsd),
                           "Trade watchdog: a session loss (realized + unrealized) beyond this "
                           "trips the kill switch (the approval file is revoked)."),
         AWET_CONFIG_FIELD(SchedulerConfig, gate_sessions, config_range::closed(1, 20),
                           "Night training: the latest sessions held out of the candidate's "
                           "training, on which it and the green model are scored."),
         AWET_CONFIG_FIELD(SchedulerConfig, night_training_sessions,
                           config_range::closed(0, 10'000),
                           "Night training: sessions the candidate trains on, the latest before "
                           "the held-out ones (0: all of them)."),
         AWET_CONFIG_FIELD(SchedulerConfig, promotion_margin_pct, config_range::closed(0, 50),
                           "Promotion gate: the candidate's pinball loss must be at least this "
                           "many percent below the green model's on every horizon."),
         AWET_CONFIG_FIELD(SchedulerConfig, promotion_coverage_min, config_range::closed(0, 1),
                           "Promotion gate: the lowest q10-q90 coverage accepted on any horizon "
                           "(nominal 0.8)."),
         AWET_CONFIG_FIELD(SchedulerConfig, promotion_coverage_max, config_range::closed(0, 1),
                           "Promotion gate: the highest q10-q90 coverage accepted on any "
                           "horizon.")},
        &config_check<SchedulerConfig, check>};
    return kSection;
}

}  // namespace awet
