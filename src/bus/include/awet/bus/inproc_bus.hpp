#pragma once
// In-process EventBus: a single FIFO queue dispatched on the caller's thread. Deterministic (same
// publishes, same delivery order), no locks, no heap per event beyond the queue's storage.
#include <array>
#include <deque>
#include <string>
#include <vector>

#include "awet/bus/event_bus.hpp"

namespace awet {

class InProcBus final : public EventBus {
public:
    InProcBus() = default;

    Status publish(Topic topic, const Event& event) override;
    void subscribe(Topic topic, std::string group, Handler handler) override;
    uint64_t poll(uint64_t max_events = UINT64_MAX) override;
    BusStats stats() const override { return stats_; }

    size_t queued() const { return queue_.size() - head_; }

private:
    struct Subscriber {
        std::string group;
        Handler handler;
    };
    struct Queued {
        Topic topic;
        uint64_t offset;
        Event event;
    };
    void dead_letter(Topic topic, const Event& event, const std::string& error);

    // A deque so that a handler may subscribe while it runs (no reallocation under it).
    std::array<std::deque<Subscriber>, kNumTopics> subscribers_;
    std::array<uint64_t, kNumTopics> next_offset_{};
    std::vector<Queued>
        queue_;  // FIFO: [head_, size) still to deliver; storage reused when drained
    size_t head_ = 0;
    BusStats stats_;
};

}  // namespace awet
