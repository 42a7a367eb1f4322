#pragma once
// `awet ingest polygon|yahoo|alpaca` (see backfill_command.cpp).
#include <string>
#include <vector>

#include "commands.hpp"

namespace awet::cli {

struct BackfillArgs {
    std::string vendor;  // polygon | yahoo | alpaca
    std::vector<std::string> symbols;
    std::string from, to;  // dates, inclusive
    std::string interval = "1m";
    std::string base_url;  // empty: the vendor's
    bool no_progress = false;
};
int ingest_vendor(const Common& common, const BackfillArgs& args);

}  // namespace awet::cli
