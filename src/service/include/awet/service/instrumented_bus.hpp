#pragma once
// An EventBus decorator that measures every handler: events_processed_total{agent, topic, status}
// and event_latency_seconds{agent, topic} (seed §10.2), whatever the bus behind it (in-process or
// Kafka). The agents subscribe to it as to any bus; nothing in them changes.
#include "awet/bus/event_bus.hpp"
#include "awet/service/metrics.hpp"

namespace awet {

class InstrumentedBus final : public EventBus {
public:
    /// Both must outlive this object.
    InstrumentedBus(EventBus& inner, AgentMetrics& metrics) : inner_(inner), metrics_(metrics) {}

    Status publish(Topic topic, const Event& e) override { return inner_.publish(topic, e); }
    Status publish(Topic topic, const MarketBar& e) override { return inner_.publish(topic, e); }
    Status publish(Topic topic, const FeatureVector& e) override {
        return inner_.publish(topic, e);
    }
    Status publish(Topic topic, const Prediction& e) override { return inner_.publish(topic, e); }
    Status publish(Topic topic, const RiskDecision& e) override { return inner_.publish(topic, e); }
    Status publish(Topic topic, const ExecutionReport& e) override {
        return inner_.publish(topic, e);
    }
    Status publish(Topic topic, const DeadLetter& e) override { return inner_.publish(topic, e); }
    /// The handler, timed; its status (an error, or an exception the inner bus catches) counts
    /// as status="error".
    void subscribe(Topic topic, std::string group, Handler handler) override;
    uint64_t poll(uint64_t max_events = UINT64_MAX) override { return inner_.poll(max_events); }
    BusStats stats() const override { return inner_.stats(); }

private:
    EventBus& inner_;
    AgentMetrics& metrics_;
};

}  // namespace awet
