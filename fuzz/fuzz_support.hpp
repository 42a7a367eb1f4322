#pragma once
// Shared by the fuzz targets (fuzz/*_fuzz.cpp): the libFuzzer entry points, a way to fail an
// oracle loudly, and quiet logs (a decoder that logs every refused input would spend the fuzzing
// time formatting log lines).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "awet/core/log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace awet::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// A broken property of the decoder (not a refused input): print why and abort, which libFuzzer
/// (and the smoke driver) report as a crash with the input saved.
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz oracle failed: %s\n", what);
    std::abort();
}

#define AWET_FUZZ_EXPECT(cond)                                    \
    do {                                                          \
        if (!(cond)) ::awet::fuzz::fail(#cond " (" __FILE__ ")"); \
    } while (0)

/// Logging off: the decoders log what they skip.
inline void quiet_logs() { init_logging("off", "text"); }

}  // namespace awet::fuzz
