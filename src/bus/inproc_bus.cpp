#include "awet/bus/inproc_bus.hpp"

#include <cstring>
#include <exception>
#include <type_traits>
#include <utility>

#include "awet/core/log.hpp"

namespace awet {
namespace {

/// Copies a trivially copyable object of n >= 16 bytes in 16-byte blocks (the last one overlapping
/// the one before when n is not a multiple of 16). Why not `dst = src`: for objects over 256 bytes
/// (most events: a FeatureVector is 264, the Event variant 376) GCC emits `rep movsq`, whose
/// start-up cost made the one copy per publish ~16 ns; these plain moves take ~5 ns.
void copy_blocks(void* dst, const void* src, size_t n) {
    auto* d = static_cast<char*>(dst);
    const auto* s = static_cast<const char*>(src);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) std::memcpy(d + i, s + i, 16);
    if (i < n) std::memcpy(d + n - 16, s + n - 16, 16);
}

/// "exception: <what>" or "unknown exception" for the exception being handled (cold path).
std::string current_exception_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        return std::string("exception: ") + e.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

InProcBus::Queued* InProcBus::claim(Topic topic) {
    auto t = static_cast<size_t>(topic);
    if (t >= kNumTopics) return nullptr;
    if (tail_ == chunks_.size() * kChunkEvents) chunks_.push_back(std::make_unique<Chunk>());
    Queued& q = slot(tail_++);
    q.topic = topic;
    q.offset = next_offset_[t]++;
    ++stats_.published;
    return &q;
}

Status InProcBus::publish(Topic topic, const Event& event) {
    Queued* q = claim(topic);
    if (q == nullptr) return make_error(ErrorCode::kInvalidArgument, "publish: invalid topic");
    // The one copy of the event, straight into its stable slot (same bytes as `q->event = event`).
    static_assert(std::is_trivially_copyable_v<Event> && sizeof(Event) >= 16);
    copy_blocks(&q->event, &event, sizeof(Event));
    return Status::Ok();
}

template <class T>
Status InProcBus::publish_as(Topic topic, const T& event) {
    Queued* q = claim(topic);
    if (q == nullptr) return make_error(ErrorCode::kInvalidArgument, "publish: invalid topic");
    // The slot's Event is switched to a T only if it holds another kind (slots are reused, and a
    // bar's events tend to land in the same slots bar after bar), then the T is copied over the
    // live T: legal for a trivially copyable T, and without the `rep movsq` of its copy
    // constructor. The result is the same as `q->event = Event(event)`.
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) >= 16);
    T* dst = std::get_if<T>(&q->event);
    if (dst == nullptr) dst = &q->event.template emplace<T>();
    copy_blocks(dst, &event, sizeof(T));
    return Status::Ok();
}

Status InProcBus::publish(Topic topic, const MarketBar& event) { return publish_as(topic, event); }
Status InProcBus::publish(Topic topic, const FeatureVector& event) {
    return publish_as(topic, event);
}
Status InProcBus::publish(Topic topic, const Prediction& event) { return publish_as(topic, event); }
Status InProcBus::publish(Topic topic, const RiskDecision& event) {
    return publish_as(topic, event);
}
Status InProcBus::publish(Topic topic, const ExecutionReport& event) {
    return publish_as(topic, event);
}
Status InProcBus::publish(Topic topic, const DeadLetter& event) { return publish_as(topic, event); }

void InProcBus::subscribe(Topic topic, std::string group, Handler handler) {
    auto t = static_cast<size_t>(topic);
    AWET_CHECK(t < kNumTopics);
    subscribers_[t].push_back(
        std::make_unique<Subscriber>(Subscriber{std::move(group), std::move(handler)}));
}

uint64_t InProcBus::poll(uint64_t max_events) {
    uint64_t processed = 0;
    ++poll_depth_;
    while (processed < max_events && head_ < tail_) {
        // Delivered in place: publishes from the handlers go to later slots (or new chunks) and
        // never move this one; it is only reused after the queue has drained.
        const Queued& item = slot(head_++);
        ++processed;
        const auto& subs = subscribers_[static_cast<size_t>(item.topic)];
        const Delivery delivery{item.topic, item.event, item.offset};
        // Handlers subscribed while this event is dispatched see only later events.
        const size_t count = subs.size();
        for (size_t i = 0; i < count; ++i) {
            ++stats_.delivered;
            // The error text is built only when a handler fails: a string per delivery (and the
            // frame of a function returning one) cost more than most handlers do.
            const Subscriber& sub = *subs[i];
            Status s;
            try {
                s = sub.handler(delivery);
            } catch (...) {
                dead_letter(item.topic, item.event, sub.group + ": " + current_exception_text());
            }
            if (!s.ok())
                dead_letter(item.topic, item.event, sub.group + ": " + s.error().to_string());
            ++stats_.acked;
        }
    }
    --poll_depth_;
    if (head_ == tail_ && poll_depth_ == 0) {  // drained: reuse the slots from the start
        head_ = 0;
        tail_ = 0;
    }
    return processed;
}

void InProcBus::dead_letter(Topic topic, const Event& event, const std::string& error) {
    ++stats_.dead_lettered;
    if (topic == Topic::kDeadLetter) {
        // A failing dead-letter handler must not feed itself forever: count, log, drop.
        logger("bus")->error("dead-letter handler failed, dropping event {}: {}",
                             header_of(event).event_id.str(), error);
        return;
    }
    logger("bus")->warn("dead-lettering event {} from {}: {}", header_of(event).event_id.str(),
                        topic_name(topic), error);
    DeadLetter dl;
    dl.header = header_of(event);
    dl.original_topic = FixedString<31>(topic_name(topic));
    dl.set_error(error);
    (void)publish(Topic::kDeadLetter, dl);
}

}  // namespace awet
