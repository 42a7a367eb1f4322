#pragma once
// Helpers of the seeded property tests (issue 11): a fixed list of seeds, a shrinker that cuts a
// failing step sequence down to a minimal one, and the case/step counters each property prints.
//
// A property is written as two pure functions: `generate(seed) -> std::vector<Step>` and
// `run(steps) -> std::optional<std::string>` (the first broken invariant, nullopt when all hold).
// run() must be deterministic in its steps, so that a failure can be shrunk and replayed.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace awet::testing {

/// Seeds 1..n: the same cases on every run and every machine.
inline std::vector<uint64_t> property_seeds(int n) {
    std::vector<uint64_t> v;
    v.reserve(static_cast<size_t>(n));
    for (int i = 1; i <= n; ++i) v.push_back(static_cast<uint64_t>(i));
    return v;
}

/// The category of a failure: the "[...]" it starts with, or "" (any failure is the same).
inline std::string failure_category(const std::string& message) {
    if (message.empty() || message[0] != '[') return {};
    const size_t end = message.find(']');
    return end == std::string::npos ? std::string() : message.substr(0, end + 1);
}

/// Delta debugging over a step list: removes chunks (halving their size) as long as the run still
/// fails the same way (same failure_category); at most `max_runs` re-runs. Returns the smallest
/// failing list found.
template <typename Step>
std::vector<Step> shrink_steps(
    std::vector<Step> steps,
    const std::function<std::optional<std::string>(const std::vector<Step>&)>& run,
    int max_runs = 3000) {
    const std::optional<std::string> original = run(steps);
    const std::string category = original ? failure_category(*original) : std::string();
    auto fails = [&](const std::vector<Step>& candidate) {
        std::optional<std::string> f = run(candidate);
        return f.has_value() && failure_category(*f) == category;
    };
    int runs = 0;
    size_t chunk = steps.size() / 2;
    if (chunk == 0) chunk = 1;
    while (chunk >= 1 && runs < max_runs) {
        bool removed = false;
        for (size_t i = 0; i < steps.size() && runs < max_runs;) {
            std::vector<Step> candidate;
            candidate.reserve(steps.size());
            for (size_t j = 0; j < steps.size(); ++j) {
                if (j < i || j >= i + chunk) candidate.push_back(steps[j]);
            }
            ++runs;
            if (candidate.size() < steps.size() && fails(candidate)) {
                steps = std::move(candidate);
                removed = true;
            } else {
                i += chunk;
            }
        }
        if (!removed) {
            if (chunk == 1) break;
            chunk /= 2;
        }
    }
    return steps;
}

/// What one property ran, printed at its end (and recorded in the test's XML properties).
struct PropertyTally {
    int64_t cases = 0;
    int64_t steps = 0;
    int64_t checks = 0;  // invariant evaluations
    int64_t failures = 0;

    void report(const std::string& name) const {
        ::testing::Test::RecordProperty("cases", std::to_string(cases));
        ::testing::Test::RecordProperty("steps", std::to_string(steps));
        ::testing::Test::RecordProperty("checks", std::to_string(checks));
        GTEST_LOG_(INFO) << "property " << name << ": " << cases << " cases, " << steps
                         << " steps, " << checks << " invariant checks, " << failures
                         << " failing cases";
    }
};

/// Runs `run` over the cases of every seed; a failing case is shrunk and reported with its seed,
/// the violation and the minimal sequence (`describe`).
template <typename Step>
void check_property(const std::string& name, const std::vector<uint64_t>& seeds,
                    const std::function<std::vector<Step>(uint64_t)>& generate,
                    const std::function<std::optional<std::string>(const std::vector<Step>&)>& run,
                    const std::function<std::string(const std::vector<Step>&)>& describe,
                    PropertyTally& tally, int max_reported = 3) {
    for (uint64_t seed : seeds) {
        std::vector<Step> steps = generate(seed);
        ++tally.cases;
        tally.steps += static_cast<int64_t>(steps.size());
        std::optional<std::string> failure = run(steps);
        if (!failure) continue;
        ++tally.failures;
        if (tally.failures > max_reported) {
            ADD_FAILURE() << name << ": seed " << seed << " fails too: " << *failure;
            continue;
        }
        std::vector<Step> minimal = shrink_steps<Step>(steps, run);
        std::optional<std::string> again = run(minimal);
        ADD_FAILURE() << name << ": seed " << seed << " (" << steps.size()
                      << " steps) breaks an invariant: " << *failure << "\n  minimal sequence ("
                      << minimal.size() << " steps):\n"
                      << describe(minimal) << "  which fails with: " << again.value_or("?");
    }
}

}  // namespace awet::testing
