#pragma once
// The promise every bar decoder makes (src/data/bar_checks.hpp): a bar it returns is plausible.
#include <span>

#include "awet/data/bar_checks.hpp"
#include "fuzz_support.hpp"

namespace awet::fuzz {

inline void expect_plausible(std::span<const MarketBar> bars, const BarLimits& limits = {}) {
    for (const MarketBar& b : bars) AWET_FUZZ_EXPECT(!check_bar_values(b, limits).has_value());
}

}  // namespace awet::fuzz
