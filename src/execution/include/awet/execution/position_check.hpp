#pragma once
// The one rule for comparing AWET's positions with the broker's, used by the execution engine's
// start-up check (stored trades against the broker) and by the portfolio's Reconciler (the book
// against the broker): every symbol on either side is compared; a nonzero holding that the
// broker does not report is a mismatch, never taken as flat (a listing can be partial or fail);
// a flat holding the broker does not list is no mismatch (brokers list open positions only).
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/execution/broker.hpp"

namespace awet {

/// One symbol whose position differs between AWET's record and the broker.
struct PositionMismatch {
    Symbol symbol;
    Quantity stored;  // signed: AWET's record (stored trades, or the book)
    Quantity broker;  // signed: what the broker reports; 0 when it does not report the symbol
    bool broker_reported = true;  // false: the broker listed no position for the symbol
};

/// Compares `ours` (signed quantity per symbol) with the broker's positions (several rows of one
/// symbol add up); |ours - broker| > `tolerance` is a mismatch. Sorted by symbol.
std::vector<PositionMismatch> compare_positions(const std::map<Symbol, Quantity>& ours,
                                                std::span<const BrokerPosition> broker,
                                                Quantity tolerance = Quantity{});

/// "trades 10, broker 8" or "trades 10, broker reports none", with `ours_label` for the first
/// side: one wording for every face that prints a mismatch.
std::string describe(const PositionMismatch& m, std::string_view ours_label);

}  // namespace awet
