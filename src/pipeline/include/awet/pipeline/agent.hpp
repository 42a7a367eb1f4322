#pragma once
// The lifecycle every agent has, the same in the embedded pipeline (Pipeline::start) and in an
// agent process of its own (runtime): on_start takes over what an earlier life of the stack left
// in the store, attach subscribes to the agent's topics, stop hands on what it still holds at the
// end of input. start() is on_start then attach; a host that checks something between the two
// (the pipeline compares the restored book with the broker) calls them itself, in that order.
#include <span>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// What an agent takes over when it starts.
struct AgentStart {
    /// Every trades row an earlier life left, as load_trades gives them for an empty query
    /// (empty on a fresh store).
    std::span<const TradeRow> trades;
    TradeLedger* ledger = nullptr;     // the stored trades (risk: the first bar's day's entries)
    DecisionLog* decisions = nullptr;  // the stored decisions (risk: open entries' prices)
};

class Agent {
public:
    virtual ~Agent() = default;
    /// The agent's name, as `awet agent NAME` and the consumer groups spell it.
    virtual std::string_view name() const = 0;
    /// Once, before attach: rebuilds the agent's state from `start`. Default: nothing to take over.
    virtual Status on_start(const AgentStart& start) {
        (void)start;
        return Status::Ok();
    }
    /// Subscribes to the agent's topics.
    virtual void attach() = 0;
    /// At the end of input: publishes what the agent holds back. Default: nothing held.
    virtual Status stop() { return Status::Ok(); }

    /// on_start, then attach.
    Status start(const AgentStart& start) {
        AWET_TRY(on_start(start));
        attach();
        return Status::Ok();
    }
};

}  // namespace awet
