// The Avro event codec (src/model/avro): AvroEventCodec::decode, what the Kafka bus reads with
// bus.codec avro (Confluent wire format: 0x00, schema id, Avro binary), with the schemas of
// schemas/avro and no registry.
//
// Input: byte 0 picks the topic (low 3 bits) and whether to stamp a known schema id into the
// message (bit 3: the current schema of the topic's record; with bits 4-7 not zero, the catalogue
// entry of that index instead: older versions, other records); the rest is the message. The
// stamp keeps the seeds meaningful when a schema changes (its id is its fingerprint) and spends
// the fuzzing on the Avro body instead of on guessing 32-bit ids.
// Oracle: an event it accepts encodes again, and that encoding decodes and re-encodes unchanged.
#include <cstdlib>
#include <memory>
#include <string>

#include "awet/model_avro/avro_event_codec.hpp"
#include "awet/model_avro/schema_catalog.hpp"
#include "fuzz_support.hpp"

namespace {

// Destroyed at exit, before the final leak check: LeakSanitizer cannot follow avro-c's pointers
// from a live codec to the string buffers its values own, and would report them at exit.
std::unique_ptr<awet::AvroEventCodec> g_codec;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    awet::fuzz::quiet_logs();
    auto catalog = awet::SchemaCatalog::load(awet::default_schema_dir());
    if (!catalog.ok()) {
        std::fprintf(stderr, "avro fuzz: %s\n", catalog.error().message.c_str());
        std::abort();
    }
    auto codec = awet::AvroEventCodec::create(std::move(*catalog));
    if (!codec.ok()) {
        std::fprintf(stderr, "avro fuzz: %s\n", codec.error().message.c_str());
        std::abort();
    }
    g_codec = std::move(*codec);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t control = data[0];
    const auto topic = static_cast<awet::Topic>((control & 7U) % awet::kNumTopics);
    std::string message(awet::fuzz::as_text(data + 1, size - 1));
    if ((control & 8U) != 0 && message.size() >= awet::kAvroWireHeaderSize) {
        const auto& entries = g_codec->catalog().entries();
        const awet::SchemaEntry* entry = nullptr;
        if ((control >> 4) != 0 && !entries.empty()) {
            entry = &entries[(control >> 4) % entries.size()];
        } else {
            entry = g_codec->catalog().current(awet::record_name_of(topic));
        }
        if (entry != nullptr) {
            const auto id = static_cast<uint32_t>(entry->id);
            message[1] = static_cast<char>(id >> 24);
            message[2] = static_cast<char>(id >> 16);
            message[3] = static_cast<char>(id >> 8);
            message[4] = static_cast<char>(id);
        }
    }
    auto event = g_codec->decode(topic, message);
    if (!event.ok()) return 0;
    auto bytes = g_codec->encode(topic, *event);
    AWET_FUZZ_EXPECT(bytes.ok());
    auto again = g_codec->decode(topic, *bytes);
    AWET_FUZZ_EXPECT(again.ok());
    auto bytes2 = g_codec->encode(topic, *again);
    AWET_FUZZ_EXPECT(bytes2.ok() && *bytes2 == *bytes);
    return 0;
}
