#pragma once
// A pure parser for Alpaca `trade_updates` stream messages (transport: TradeUpdatesStream; applied
// to the execution engine by StreamSync).
// It turns one message into an order update and, for fill/partial_fill, a Fill, deduplicating
// fills by execution id. Control messages (authorization, listening), unknown event types and
// orders it cannot represent are skipped with a note and a log line, never an error: only text
// that is not JSON at all is.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "awet/core/result.hpp"
#include "awet/execution/broker.hpp"

namespace awet::alpaca {

struct TradeUpdate {
    enum class Kind { kOrderUpdate, kFill, kSkipped };
    Kind kind = Kind::kSkipped;
    std::string event;         // Alpaca's event word ("fill", "new", ...)
    BrokerOrder order;         // kOrderUpdate and kFill: the order after the event
    std::optional<Fill> fill;  // kFill
    std::string note;          // kSkipped: why
};

/// One per stream connection (or per account); remembers the execution ids it has produced fills
/// for. Not thread-safe: the stream reader's thread owns it.
class TradeUpdateParser {
public:
    /// Accepts the stream form {"stream":"trade_updates","data":{...}} and the Broker API event
    /// form {"event":..., "order":{...}, ...}.
    Result<TradeUpdate> parse(std::string_view message);
    size_t fills_seen() const { return seen_executions_.size(); }

private:
    std::unordered_set<std::string> seen_executions_;
};

}  // namespace awet::alpaca
