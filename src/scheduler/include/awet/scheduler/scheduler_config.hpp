#pragma once
// The scheduler's jobs and when they run: keys `scheduler.*` of config/awet.yaml (env
// AWET_SCHEDULER_*); composed with the other sections by awet/config/config.hpp.
#include <optional>
#include <string>
#include <string_view>

#include "awet/core/config_section.hpp"
#include "awet/core/fixed.hpp"

namespace awet {

struct SchedulerConfig {
    // When each job's slots are, in America/New_York on the US-equities session calendar.
    std::string night_training_at = "02:00";  // on each night before a session
    std::string morning_check_at = "08:30";   // on each session day
    int watchdog_every_minutes = 15;          // from the open, while the market is open
    int eod_after_close_minutes = 30;         // after the close (16:30; 13:30 on early closes)
    int job_timeout_minutes = 60;             // a run still going after this is timed_out
    // A slot missed while the scheduler was down: catch_up (run every missed slot, in order),
    // latest (run the latest missed slot, record the older ones skipped) or skip.
    std::string night_training_missed = "latest";
    std::string morning_check_missed = "latest";
    std::string watchdog_missed = "skip";
    std::string eod_missed = "catch_up";
    // The watchdog's limit: the session's loss beyond this trips the kill switch.
    Money watchdog_max_drawdown_usd = Money::from_units(1'000);
    // Night training: the candidate trains on the sessions before the last `gate_sessions`
    // (all of them, or the latest `night_training_sessions`), then it and the green model are
    // scored on those held-out sessions; the candidate is promoted only when its pinball loss
    // is at least `promotion_margin_pct` below the green's on every horizon and its q10-q90
    // coverage is within [promotion_coverage_min, promotion_coverage_max] on every horizon.
    int gate_sessions = 1;
    int night_training_sessions = 0;  // 0: every session before the held-out ones
    double promotion_margin_pct = 1.0;
    double promotion_coverage_min = 0.6;
    double promotion_coverage_max = 0.95;
};

/// The `scheduler` keys: name, meaning, range of each field above, and the rules across them.
const ConfigSection& scheduler_config_section();

/// "HH:MM" as minutes after local midnight; nullopt unless 00:00 .. 23:59.
std::optional<int> parse_clock_time(std::string_view text);

}  // namespace awet
