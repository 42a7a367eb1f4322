#pragma once
// In-process EventBus: a single FIFO queue dispatched on the caller's thread. Deterministic (same
// publishes, same delivery order), no locks, no heap per event beyond the queue's storage.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "awet/bus/event_bus.hpp"

namespace awet {

class InProcBus final : public EventBus {
public:
    InProcBus() = default;

    Status publish(Topic topic, const Event& event) override;
    Status publish(Topic topic, const MarketBar& event) override;
    Status publish(Topic topic, const FeatureVector& event) override;
    Status publish(Topic topic, const Prediction& event) override;
    Status publish(Topic topic, const RiskDecision& event) override;
    Status publish(Topic topic, const ExecutionReport& event) override;
    Status publish(Topic topic, const DeadLetter& event) override;
    void subscribe(Topic topic, std::string group, Handler handler) override;
    uint64_t poll(uint64_t max_events = UINT64_MAX) override;
    BusStats stats() const override { return stats_; }

    size_t queued() const { return tail_ - head_; }

private:
    struct Subscriber {
        std::string group;
        Handler handler;
    };
    struct Queued {
        Topic topic = Topic::kMarketRaw;
        uint64_t offset = 0;
        Event event;
    };
    // Events per chunk: 64 x ~400 bytes, so a chunk is ~25 KiB and one is enough for the few
    // events a bar causes; more are added only while many events are queued at once.
    static constexpr size_t kChunkEvents = 64;
    struct Chunk {
        std::array<Queued, kChunkEvents> items;
    };

    /// Queues one event given as its alternative type (see publish_as in the .cpp).
    template <class T>
    Status publish_as(Topic topic, const T& event);
    /// Claims the next slot for `topic` (sets its topic and offset); nullptr if the topic is bad.
    Queued* claim(Topic topic);

    Queued& slot(size_t index) {
        return chunks_[index / kChunkEvents]->items[index % kChunkEvents];
    }
    void dead_letter(Topic topic, const Event& event, const std::string& error);

    // Each subscriber on the heap so that a handler may subscribe while it runs: the vector may
    // reallocate, the Subscriber being called does not move. (Was a deque: its indexing cost
    // ~15 instructions per delivery, a vector of pointers costs two loads.)
    std::array<std::vector<std::unique_ptr<Subscriber>>, kNumTopics> subscribers_;
    std::array<uint64_t, kNumTopics> next_offset_{};
    // FIFO of slots [head_, tail_) in fixed-size chunks. Chunks are allocated once and never move
    // (only the vector of pointers to them grows), so poll() delivers each event in place: a
    // handler that publishes cannot invalidate the event being delivered, and the event is copied
    // once (into its slot) instead of twice (in, then out again before delivery). The slots are
    // reused from the start once the queue is drained by the outermost poll().
    std::vector<std::unique_ptr<Chunk>> chunks_;
    size_t head_ = 0;
    size_t tail_ = 0;
    int poll_depth_ = 0;  // > 0 while poll() runs; a nested poll must not rewind the slots
    BusStats stats_;
};

}  // namespace awet
