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

#define AWET_FUZZ_EXPECT(cond)                                      \
    do {                                                            \
        if (!(cond)) ::awet::fuzz::fail(#cond " (" __FILE__ ")"); \
    } while (0)

/// True with FUZZ_PENDING=1 in the environment: steer around findings that are reported but
/// whose fix is pending in a file this campaign may not edit (README.md, "Findings"), so that a
/// run can explore past them. Off by default: `make fuzz` and the smoke tests report them.
inline bool steer_around_pending() {
    static const bool on = [] {
        const char* v = std::getenv("FUZZ_PENDING");
        return v != nullptr && v[0] == '1';
    }();
    return on;
}

/// Runs one decoder call. A decoder promises errors as values, so an exception escaping it is a
/// finding and terminates the run (libFuzzer saves the input); with FUZZ_PENDING=1 it is
/// swallowed.
template <typename F>
void call(F&& f) {
    if (!steer_around_pending()) {
        f();
        return;
    }
    try {
        f();
    } catch (const std::exception&) {
    }
}

/// Logging off: the decoders log what they skip.
inline void quiet_logs() { init_logging("off", "text"); }

}  // namespace awet::fuzz
