#pragma once
// Order sizing (seed §6.3): the largest whole number of shares that stays within the per-trade
// notional cap and the per-trade quantity cap.
#include "awet/core/fixed.hpp"

namespace awet {

/// min(floor(max_notional / price), max_qty) whole shares; 0 when price <= 0 or the price is
/// above max_notional. Example (seed §6.3): size_order($1000, $175, 100) = 5.
Quantity size_order(Money max_notional, Price price, Quantity max_qty);

}  // namespace awet
