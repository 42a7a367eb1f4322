#include "awet/execution/position_check.hpp"

#include <string>

namespace awet {

std::vector<PositionMismatch> compare_positions(const std::map<Symbol, Quantity>& ours,
                                                std::span<const BrokerPosition> broker,
                                                Quantity tolerance) {
    struct Sides {
        Quantity ours;
        Quantity broker;
        bool reported = false;
    };
    std::map<Symbol, Sides> all;
    for (const auto& [symbol, qty] : ours) all[symbol].ours = qty;
    for (const BrokerPosition& p : broker) {
        Sides& s = all[p.symbol];
        s.broker += p.qty;
        s.reported = true;
    }
    const Quantity tol = tolerance.abs();
    std::vector<PositionMismatch> out;
    for (const auto& [symbol, s] : all) {
        if ((s.ours - s.broker).abs() > tol) {
            out.push_back(PositionMismatch{symbol, s.ours, s.broker, s.reported});
        }
    }
    return out;
}

std::string describe(const PositionMismatch& m, std::string_view ours_label) {
    std::string out = std::string(ours_label) + " " + m.stored.to_string() + ", broker ";
    out += m.broker_reported ? m.broker.to_string() : std::string("reports none");
    return out;
}

}  // namespace awet
