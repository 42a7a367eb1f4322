#include "awet/service/instrumented_bus.hpp"

#include <chrono>

namespace awet {

void InstrumentedBus::subscribe(Topic topic, std::string group, Handler handler) {
    inner_.subscribe(topic, std::move(group),
                     [this, topic, handler = std::move(handler)](const Delivery& d) -> Status {
                         const auto start = std::chrono::steady_clock::now();
                         bool ok = false;
                         // Record even when the handler throws (the inner bus dead-letters it).
                         struct Record {
                             InstrumentedBus* self;
                             Topic topic;
                             std::chrono::steady_clock::time_point start;
                             const bool* ok;
                             ~Record() {
                                 const std::chrono::duration<double> dt =
                                     std::chrono::steady_clock::now() - start;
                                 self->metrics_.record_event(topic_name(topic), *ok, dt.count());
                             }
                         } record{this, topic, start, &ok};
                         Status st = handler(d);
                         ok = st.ok();
                         return st;
                     });
}

}  // namespace awet
