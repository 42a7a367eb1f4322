#pragma once
// How a command that is one operation prints its outcome: the result's JSON form with --json,
// else its text form; a failure as one line on stderr (exit 1).
#include <cstdio>

#include "awet/ops/json.hpp"
#include "awet/ops/text.hpp"
#include "commands.hpp"

namespace awet::cli {

template <class Res>
int show(const Common& common, const Result<Res>& result) {
    if (!result.ok()) {
        std::fprintf(stderr, "awet: %s\n", result.error().message.c_str());
        return 1;
    }
    if (common.json) {
        std::printf("%s\n", ops::to_json(*result).dump(2).c_str());
    } else {
        std::fputs(ops::to_text(*result).c_str(), stdout);
    }
    return 0;
}

}  // namespace awet::cli
