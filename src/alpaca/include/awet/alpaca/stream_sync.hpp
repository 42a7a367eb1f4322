#pragma once
// StreamSync: how the execution agent keeps its book equal to Alpaca's when trading live (paper).
//
// The trade_updates stream is fast but lossy (nothing is replayed after a disconnect), REST is
// slow but true. pump() drains the stream into the BrokerListener (the execution engine) through
// one long-lived TradeUpdateParser (fills deduplicated by execution id; the engine also drops a
// fill whose cumulative quantity is already stored), and says when a REST reconciliation is due:
//   - the stream got a new authorized connection since the last reconciliation (whatever happened
//     while it was down is only in REST),
//   - the stream is not authorized (down, reconnecting, or stopped for good) and `fallback_every`
//     has passed: polling carries the fills alone,
//   - `reconcile_every` has passed (a safety net: a message can be lost even on a healthy stream).
// The caller reconciles (ExecutionEngine::reconcile_with_broker) and calls reconciled().
//
// Messages are applied in arrival order on the caller's thread; a message that is not JSON is
// counted and skipped, never fatal. Single-threaded, like the engine.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "awet/alpaca/stream_common.hpp"
#include "awet/alpaca/trade_updates.hpp"
#include "awet/execution/broker.hpp"

namespace awet::alpaca {

/// Where the raw messages come from: TradeUpdatesStream in production (see
/// trade_stream_source()), a scripted source in tests.
struct TradeMessageSource {
    std::function<std::vector<std::string>()> drain;
    /// The connection state (StreamSync reads `connections` and `authorized`).
    std::function<StreamStatus()> status;
};

class TradeUpdatesStream;
/// The source reading `stream` (which must outlive it).
TradeMessageSource trade_stream_source(TradeUpdatesStream& stream);

struct StreamSyncOptions {
    int64_t reconcile_every_ms = 30'000;  // with a healthy stream
    int64_t fallback_every_ms = 5'000;    // while the stream is not authorized
};

struct StreamSyncStep {
    size_t messages = 0;   // raw messages drained
    size_t fills = 0;      // fills handed to the listener (new to the parser)
    size_t updates = 0;    // order updates handed to the listener
    size_t skipped = 0;    // control messages, unknown events, duplicate execution ids
    size_t bad = 0;        // not JSON: skipped
    std::string last_bad;  // why the last bad one was refused
    bool reconcile_due = false;
    std::string reconcile_why;  // "stream connected", "stream down", "periodic"
};

struct StreamSyncTotals {
    uint64_t messages = 0, fills = 0, updates = 0, skipped = 0, bad = 0, reconciliations = 0;
};

class StreamSync {
public:
    /// `now_ms` is a monotonic clock in milliseconds (steady_clock when empty).
    StreamSync(TradeMessageSource source, BrokerListener& listener, StreamSyncOptions options,
               std::function<int64_t()> now_ms = {});

    /// Applies every queued stream message, then says whether to reconcile now.
    StreamSyncStep pump();
    /// The caller reconciled (successfully) with REST after the last pump().
    void reconciled();

    const StreamSyncTotals& totals() const { return totals_; }

private:
    TradeMessageSource source_;
    BrokerListener& listener_;
    StreamSyncOptions options_;
    std::function<int64_t()> now_ms_;
    TradeUpdateParser parser_;
    StreamSyncTotals totals_;
    uint64_t connections_at_reconcile_ = 0;  // authorized connections covered by a reconcile
    uint64_t observed_connections_ = 0;      // as read by the last pump()
    int64_t last_reconcile_ms_ = 0;
};

}  // namespace awet::alpaca
