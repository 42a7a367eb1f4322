#pragma once
// The awet binary as the CLI tests run it (AWET_CLI, defined by the test target): a command and
// its output, and the --json document a command prints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "awet_test_support.hpp"

namespace awet::testing {

/// `awet ARGS` with `env` (VAR=value ...) before it; stdout and stderr together.
inline CommandResult run_awet(const std::string& args, const std::string& env = "") {
    return run_command(env + " " + AWET_CLI + " " + args);
}

/// stdout alone (stderr dropped) of a shell command that must succeed, as JSON (discarded when
/// it does not parse).
inline nlohmann::json json_of(const std::string& command) {
    auto r = run_command("(" + command + " 2>/dev/null)");
    EXPECT_EQ(r.code, 0) << r.out;
    return nlohmann::json::parse(r.out, nullptr, false);
}

}  // namespace awet::testing
