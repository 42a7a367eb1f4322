#pragma once
// `awet jobs` (the scheduler's record, job_runs) and `awet scheduler --simulate` (the schedule
// against a simulated clock): the orchestration layer's commands.
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace awet::cli {

/// Adds `jobs` and `scheduler` to `app`; their callbacks set `rc`. `add_common` / `add_json`
/// are the root's option helpers.
void add_orchestration(CLI::App& app, Common& common, int& rc,
                       void (*add_common)(CLI::App*, Common&),
                       void (*add_json)(CLI::App*, Common&));

}  // namespace awet::cli
