#pragma once
// Bracket orders (execution.bracket_orders): an entry sent with a take-profit limit leg and a
// stop-loss stop leg that the broker holds as one-cancels-other. Every component that meets a leg
// (execution, exits, the Alpaca adapter) names it the same way, by the client order id of its
// parent entry plus a suffix, so a leg is traceable to its entry without any other state:
//   <entry key>:tp   the take-profit leg (a limit order, exit reason take_profit)
//   <entry key>:sl   the stop-loss leg   (a stop order,  exit reason stop_loss)
// Entry keys ("entry:AAPL:<ns>") and exit keys ("exit:..." / "exit<n>:...") never end that way.
#include <optional>
#include <string_view>

#include "awet/core/ids.hpp"
#include "awet/model/events.hpp"

namespace awet {

enum class BracketLeg : uint8_t { kTakeProfit, kStopLoss };

inline std::string_view bracket_leg_suffix(BracketLeg leg) {
    return leg == BracketLeg::kTakeProfit ? ":tp" : ":sl";
}

inline ExitReason exit_reason_of(BracketLeg leg) {
    return leg == BracketLeg::kTakeProfit ? ExitReason::kTakeProfit : ExitReason::kStopLoss;
}

/// The client order id of a leg of `parent`; nullopt when it would not fit an IdempotencyKey
/// (the entry is then sent without legs).
inline std::optional<IdempotencyKey> bracket_leg_key(const IdempotencyKey& parent, BracketLeg leg) {
    const std::string_view suffix = bracket_leg_suffix(leg);
    if (parent.empty() || parent.size() + suffix.size() > IdempotencyKey::capacity()) {
        return std::nullopt;
    }
    char buf[IdempotencyKey::capacity() + 1];
    const std::string_view p = parent.view();
    p.copy(buf, p.size());
    suffix.copy(buf + p.size(), suffix.size());
    IdempotencyKey key;
    key.assign(std::string_view(buf, p.size() + suffix.size()));
    return key;
}

struct BracketLegRef {
    IdempotencyKey parent;
    BracketLeg leg = BracketLeg::kTakeProfit;
};

/// The parent and leg named by a leg's client order id; nullopt for any other key.
inline std::optional<BracketLegRef> parse_bracket_leg_key(std::string_view key) {
    for (BracketLeg leg : {BracketLeg::kTakeProfit, BracketLeg::kStopLoss}) {
        const std::string_view suffix = bracket_leg_suffix(leg);
        if (key.size() > suffix.size() && key.ends_with(suffix)) {
            BracketLegRef ref;
            ref.parent.assign(key.substr(0, key.size() - suffix.size()));
            ref.leg = leg;
            return ref;
        }
    }
    return std::nullopt;
}

}  // namespace awet
