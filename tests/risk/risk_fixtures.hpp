#pragma once
// Shared by the risk tests: the reference session time, fixed-point literals, bars and execution
// reports of a decision.
#include <string>

#include "awet/risk/risk_engine.hpp"

namespace awet::risk_test {

// 2026-03-12 is a Thursday in US daylight time (UTC-4): the session is 13:30Z-20:00Z.
inline const Timestamp kT0 = *Timestamp::parse("2026-03-12T14:00:00Z");  // 10:00 New York

inline Price P(const char* s) { return *Price::parse(s); }
inline Money M(const char* s) { return *Money::parse(s); }
inline Quantity Q(int64_t n) { return Quantity::from_units(n); }
inline uint32_t bit(RiskReason r) { return static_cast<uint32_t>(r); }

inline MarketBar bar(const std::string& symbol, Timestamp bar_start, Price close) {
    MarketBar b;
    b.header.symbol = Symbol(symbol);
    b.header.ts = bar_start + Duration::minutes(1);
    b.bar_start = bar_start;
    b.open = b.high = b.low = b.close = close;
    b.volume = Q(1000);
    return b;
}

/// The broker's report on a decision's order: `filled` cumulative at `price`.
inline ExecutionReport report(const RiskDecision& d, OrderStatus status, Quantity filled,
                              Price price) {
    ExecutionReport r;
    r.header = d.header;
    r.side = d.side;
    r.status = status;
    r.qty = d.qty;
    r.filled_qty = filled;
    r.avg_fill_price = price;
    r.fill_price = price;
    return r;
}

}  // namespace awet::risk_test
