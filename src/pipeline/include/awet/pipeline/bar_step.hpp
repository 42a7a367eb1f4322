#pragma once
// The order in which one bar moves the system, one definition for the embedded pipeline
// (Pipeline::process, one process and its in-process bus) and the lock-step replay of agents in
// processes of their own (src/runtime): the same causes, in the same order, whatever carries them.
#include "awet/core/result.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// What a deployment does at each point of a bar's step.
class BarStepper {
public:
    virtual ~BarStepper() = default;
    /// The event-time clock moves to `t` (it never goes back).
    virtual void clock_to(Timestamp t) = 0;
    /// The venue moves: resting orders fill at the bar's open (their reports are published by
    /// settle()).
    virtual Status venue_moves(const MarketBar& bar) = 0;
    /// The bar closes and is published on market.raw.
    virtual Status publish(const MarketBar& bar) = 0;
    /// Everything published so far, and every broker event it led to, is handled.
    virtual Status settle(const char* phase) = 0;
};

/// 1. the clock to the bar's start; the venue moves; everything that causes is handled;
/// 2. the clock to the bar's end; the bar is published; everything it causes is handled.
inline Status step_bar(BarStepper& s, const MarketBar& bar) {
    s.clock_to(bar.bar_start);
    AWET_TRY(s.venue_moves(bar));
    AWET_TRY(s.settle("venue step"));
    s.clock_to(bar.bar_start + bar.interval);
    AWET_TRY(s.publish(bar));
    return s.settle("bar");
}

}  // namespace awet
