// The JSON event codec (src/model/codec.hpp, event_codec.hpp): decode_json and JsonEventCodec's
// decode of every topic, what the Kafka bus (codec json), the dead-letter path and `awet trace`
// read. Oracle: an event it accepts re-encodes to JSON that decodes again to the same encoding
// (the codec is lossless and stable on its own output).
#include <string>

#include "awet/model/codec.hpp"
#include "awet/model/event_codec.hpp"
#include "awet/model/topics.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    awet::fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = awet::fuzz::as_text(data, size);
    auto event = awet::decode_json(text);
    if (event.ok()) {
        const std::string once = awet::to_json(*event);
        auto again = awet::decode_json(once);
        AWET_FUZZ_EXPECT(again.ok());
        AWET_FUZZ_EXPECT(again->index() == event->index());
        AWET_FUZZ_EXPECT(awet::to_json(*again) == once);
    }
    // The bus's codec object, on every topic (the JSON codec ignores the topic: same answer).
    static awet::JsonEventCodec codec;
    for (size_t t = 0; t < awet::kNumTopics; ++t) {
        auto decoded = codec.decode(static_cast<awet::Topic>(t), text);
        AWET_FUZZ_EXPECT(decoded.ok() == event.ok());
    }
    return 0;
}
