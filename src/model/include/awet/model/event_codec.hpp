#pragma once
// The byte format of events on a wire (Kafka message values). The bus owns a codec and calls it
// on publish and on delivery; which codec is a deployment choice made by the composition root
// (`make_event_codec` in awet/model_avro/codec_factory.hpp), so the bus never sees Avro or JSON.
#include <memory>
#include <string>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/model/events.hpp"
#include "awet/model/topics.hpp"

namespace awet {

/// Encodes/decodes the events of one topic. The topic is passed because schema-based formats
/// pick the schema (and the registry subject, `<topic>-value`) by topic. Errors name the topic
/// and the field at fault; decoding never trusts its input (bad bytes are an Error, not a crash).
/// Not thread-safe: one codec per bus (per thread).
class EventCodec {
public:
    virtual ~EventCodec() = default;
    EventCodec() = default;
    EventCodec(const EventCodec&) = delete;
    EventCodec& operator=(const EventCodec&) = delete;

    /// The message value of `event` on `topic`.
    virtual Result<std::string> encode(Topic topic, const Event& event) = 0;
    /// The same, appended to `out` (a reused buffer on the publish path). The default calls
    /// encode(); on error `out` is left as it was.
    virtual Status encode_to(Topic topic, const Event& event, std::string& out);
    virtual Result<Event> decode(Topic topic, std::string_view bytes) = 0;
    /// "json" or "avro" (logs, metrics labels).
    virtual std::string_view name() const = 0;
};

/// The JSON codec of awet/model/codec.hpp (the bus's original format): self-describing, no
/// schema ids, the topic is ignored.
class JsonEventCodec final : public EventCodec {
public:
    Result<std::string> encode(Topic topic, const Event& event) override;
    Status encode_to(Topic topic, const Event& event, std::string& out) override;
    Result<Event> decode(Topic topic, std::string_view bytes) override;
    std::string_view name() const override { return "json"; }
};

}  // namespace awet
