#pragma once
// The wire between agents. Same interface for the in-process bus (default: one thread, FIFO,
// deterministic) and for Kafka (later: keyed by symbol, offsets committed after the handler).
#include <cstdint>
#include <functional>
#include <string>

#include "awet/core/result.hpp"
#include "awet/model/events.hpp"
#include "awet/model/topics.hpp"

namespace awet {

/// One delivered message.
struct Delivery {
    Topic topic;
    const Event& event;
    uint64_t offset;  // position in the topic (in-process: publish sequence number)
};

/// A subscriber's handler. Returning OK acknowledges the delivery (the bus commits it); returning
/// an error sends the event to the dead-letter topic with the error, then acknowledges it. Handlers
/// must not throw; an exception that escapes is caught by the bus and dead-lettered the same way.
using Handler = std::function<Status(const Delivery&)>;

struct BusStats {
    uint64_t published = 0;
    uint64_t delivered = 0;
    uint64_t acked = 0;
    uint64_t dead_lettered = 0;
};

/// Publish/subscribe by topic. Owned by the composition root; agents hold a reference.
class EventBus {
public:
    virtual ~EventBus() = default;
    EventBus() = default;
    EventBus(const EventBus&) = delete;
    EventBus& operator=(const EventBus&) = delete;

    /// Queues the event on the topic. Safe to call from inside a handler (delivery happens after
    /// the current handler returns, in publish order).
    virtual Status publish(Topic topic, const Event& event) = 0;
    // The same for each kind of event, for callers that hold the event itself rather than an
    // Event: they no longer build a temporary Event first (for events over 256 bytes that copy
    // compiles to `rep movsq`, ~15 ns, a few times per bar). The defaults wrap the event and call
    // the overload above; InProcBus overrides them to copy the event straight into its queue.
    virtual Status publish(Topic topic, const MarketBar& e) { return publish(topic, Event(e)); }
    virtual Status publish(Topic topic, const FeatureVector& e) { return publish(topic, Event(e)); }
    virtual Status publish(Topic topic, const Prediction& e) { return publish(topic, Event(e)); }
    virtual Status publish(Topic topic, const RiskDecision& e) { return publish(topic, Event(e)); }
    virtual Status publish(Topic topic, const ExecutionReport& e) {
        return publish(topic, Event(e));
    }
    virtual Status publish(Topic topic, const DeadLetter& e) { return publish(topic, Event(e)); }
    /// Registers a handler; `group` names the consumer (Kafka consumer group; in-process a label
    /// for metrics). Handlers of one topic run in subscription order.
    virtual void subscribe(Topic topic, std::string group, Handler handler) = 0;
    /// Delivers queued events until none are left (in-process) or until `max_events` were
    /// delivered. Returns the number delivered.
    virtual uint64_t poll(uint64_t max_events = UINT64_MAX) = 0;
    virtual BusStats stats() const = 0;
};

}  // namespace awet
