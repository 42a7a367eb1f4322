#include "awet/model/event_codec.hpp"

#include "awet/model/codec.hpp"

namespace awet {

Status EventCodec::encode_to(Topic topic, const Event& event, std::string& out) {
    auto bytes = encode(topic, event);
    if (!bytes.ok()) return bytes.error();
    out.append(*bytes);
    return Status::Ok();
}

Result<std::string> JsonEventCodec::encode(Topic, const Event& event) { return to_json(event); }

Status JsonEventCodec::encode_to(Topic, const Event& event, std::string& out) {
    encode_json(event, out);
    return Status::Ok();
}

Result<Event> JsonEventCodec::decode(Topic topic, std::string_view bytes) {
    auto event = decode_json(bytes);
    if (!event.ok()) {
        return make_error(event.error().code,
                          std::string(topic_name(topic)) + ": " + event.error().message);
    }
    return event;
}

}  // namespace awet
