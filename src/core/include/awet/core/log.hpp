#pragma once
// Structured logs: one named spdlog logger per component, JSON lines by default. The audit trail is
// data in the store, not log lines; logs carry correlation ids to join the two.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace awet {

/// Configures the default sink and level ("json" or "text"). Safe to call more than once.
void init_logging(const std::string& level, const std::string& format);
/// The named logger of a component ("risk", "execution", ...), created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace awet
