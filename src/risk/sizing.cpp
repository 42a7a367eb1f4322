#include "awet/risk/sizing.hpp"

namespace awet {

Quantity size_order(Money max_notional, Price price, Quantity max_qty) {
    if (price.raw() <= 0 || max_notional.raw() <= 0) return Quantity{};
    Quantity affordable = whole_shares_affordable(max_notional, price);
    return affordable < max_qty ? affordable : max_qty;
}

}  // namespace awet
