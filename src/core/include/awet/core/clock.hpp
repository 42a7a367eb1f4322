#pragma once
// All time comes from an injected Clock; nothing else reads the system clock.
#include "awet/core/time.hpp"

namespace awet {

/// Source of "now". Simulated for replay and tests, wall clock for live.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

/// Settable clock for replay and tests; time only moves forward.
class SimClock final : public Clock {
public:
    explicit SimClock(Timestamp start = {}) : now_(start) {}
    Timestamp now() const override { return now_; }
    /// Moves the clock to t if t is later than now (replays never go back in time).
    void advance_to(Timestamp t) {
        if (t > now_) now_ = t;
    }
    void advance(Duration d) { now_ = now_ + d; }

private:
    Timestamp now_;
};

/// The real UTC wall clock (live mode).
class WallClock final : public Clock {
public:
    Timestamp now() const override;
};

/// Monotonic nanoseconds for measuring latencies (never for event time).
int64_t monotonic_ns();

}  // namespace awet
