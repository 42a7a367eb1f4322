#include "awet/core/clock.hpp"

#include <chrono>

namespace awet {

// The one place in AWET that reads the system clock.
Timestamp WallClock::now() const {
    auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return Timestamp::from_ns(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}

int64_t monotonic_ns() {
    auto t = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t).count();
}

}  // namespace awet
