#pragma once
// `awet completion bash`: the bash completion of the command line, generated from its CLI11
// definition (every command, sub-command and option), so it never falls behind.
#include <CLI/CLI.hpp>
#include <string>

namespace awet::cli {

/// A bash script defining `_awet` and registering it for `awet` (`complete -F _awet awet`).
std::string bash_completion(const CLI::App& app);

}  // namespace awet::cli
