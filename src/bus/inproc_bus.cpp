#include "awet/bus/inproc_bus.hpp"

#include <cstring>
#include <exception>
#include <utility>

#include "awet/core/log.hpp"

namespace awet {
namespace {

/// Copies `text` into the NUL-terminated dead-letter buffer, cutting at a UTF-8 boundary.
void copy_error(std::array<char, 200>& dst, std::string_view text) {
    size_t n = std::min(text.size(), dst.size() - 1);
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    std::memcpy(dst.data(), text.data(), n);
    dst[n] = '\0';
}

}  // namespace

Status InProcBus::publish(Topic topic, const Event& event) {
    auto t = static_cast<size_t>(topic);
    if (t >= kNumTopics) return make_error(ErrorCode::kInvalidArgument, "publish: invalid topic");
    queue_.emplace_back(topic, next_offset_[t]++, event);  // one copy, straight into the queue
    ++stats_.published;
    return Status::Ok();
}

void InProcBus::subscribe(Topic topic, std::string group, Handler handler) {
    auto t = static_cast<size_t>(topic);
    AWET_CHECK(t < kNumTopics);
    subscribers_[t].push_back(Subscriber{std::move(group), std::move(handler)});
}

uint64_t InProcBus::poll(uint64_t max_events) {
    uint64_t processed = 0;
    while (processed < max_events && head_ < queue_.size()) {
        // Moved out first: handlers may publish, and the vector may then reallocate.
        Queued item = std::move(queue_[head_++]);
        ++processed;
        const auto& subs = subscribers_[static_cast<size_t>(item.topic)];
        // Handlers subscribed while this event is dispatched see only later events.
        const size_t count = subs.size();
        for (size_t i = 0; i < count; ++i) {
            Delivery delivery{item.topic, item.event, item.offset};
            ++stats_.delivered;
            std::string error;
            try {
                Status s = subs[i].handler(delivery);
                if (!s.ok()) error = subs[i].group + ": " + s.error().to_string();
            } catch (const std::exception& e) {
                error = subs[i].group + ": exception: " + e.what();
            } catch (...) {
                error = subs[i].group + ": unknown exception";
            }
            if (!error.empty()) dead_letter(item.topic, item.event, error);
            ++stats_.acked;
        }
    }
    if (head_ == queue_.size()) {  // drained: reuse the storage from the start
        queue_.clear();
        head_ = 0;
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
    copy_error(dl.error, error);
    (void)publish(Topic::kDeadLetter, Event(dl));
}

}  // namespace awet
