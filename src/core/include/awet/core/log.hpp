#pragma once
// Structured logs: one named spdlog logger per component, JSON lines by default. The audit trail is
// data in the store, not log lines; logs carry correlation ids to join the two.
#include <spdlog/spdlog.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace awet {

/// Configures the default sink and level; format "json", "text" or "auto" (text when stderr is a
/// terminal, JSON lines otherwise). Safe to call more than once.
void init_logging(const std::string& level, const std::string& format);
/// The named logger of a component ("risk", "execution", ...), created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

/// One structured field of a log_event(): a JSON string unless `quoted` is false (numbers, bools).
struct LogField {
    std::string_view key;
    std::string value;
    bool quoted = true;
};

/// A structured log line (seed §10.4): in JSON format the fields become members of the line,
/// `{"ts":..,"level":..,"logger":..,"msg":"trade_executed","correlation_id":"..","symbol":"AAPL",..}`;
/// in text format they follow the message. Formats nothing when the level is off.
void log_event(spdlog::logger& log, spdlog::level::level_enum level, std::string_view event,
               std::initializer_list<LogField> fields);

}  // namespace awet
