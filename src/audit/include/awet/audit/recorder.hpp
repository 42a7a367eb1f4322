#pragma once
// The audit sink of seed §6.1 ("all events logged"): subscribes to every topic and writes each
// event once to its table (market_raw_minute, features_tft, predictions_tft, risk_decisions) and to
// audit_events under its correlation id. Agents stay free of persistence; running without a
// Recorder is "persistence off". Single-threaded, on the bus's loop.
#include <string>

#include "awet/bus/event_bus.hpp"
#include "awet/store/store.hpp"

namespace awet {

class Recorder {
public:
    explicit Recorder(EventLog& store) : store_(store) {}
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Subscribes to every topic (group "audit").
    void attach(EventBus& bus);
    /// Writes one event (its table row, if it has one, and its audit row).
    Status record(Topic topic, const Event& event);

    uint64_t recorded() const { return recorded_; }

private:
    EventLog& store_;
    std::string payload_;  // reused encoding buffer
    uint64_t recorded_ = 0;
};

}  // namespace awet
