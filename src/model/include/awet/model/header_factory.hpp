#pragma once
// Builds the seed §6.2 header of each new event: a fresh event_id from the agent's seeded id
// stream, the correlation id inherited from the cause, the agent as source.
#include <string_view>

#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// One per agent; single-threaded. Seeded, so a replay with the same seed yields the same ids.
class HeaderFactory {
public:
    HeaderFactory(Source source, uint64_t seed)
        : source_(source),
          stream_seed_(seed * 31 + static_cast<uint64_t>(source) + 1),
          ids_(stream_seed_) {}

    /// Back to the first id of the seeded stream: the ids of a run do not depend on what was
    /// published before it started (a restarted run that has less to settle from earlier runs
    /// gets the same ids as an uninterrupted one). Ids stay unique: each carries its time.
    void restart_ids() { ids_ = IdGenerator(stream_seed_); }

    /// A header for an event caused by `parent` (same correlation id and symbol).
    EventHeader derive(const EventHeader& parent, std::string_view idempotency_key, Timestamp ts,
                       Timestamp ts_init) {
        return derive(parent, IdempotencyKey(idempotency_key), ts, ts_init);
    }
    // Exact match for literals (otherwise ambiguous between the string_view and key overloads).
    EventHeader derive(const EventHeader& parent, const char* idempotency_key, Timestamp ts,
                       Timestamp ts_init) {
        return derive(parent, std::string_view(idempotency_key), ts, ts_init);
    }
    /// The same with a ready key (the hot path: the key is copied as one block, not re-built).
    EventHeader derive(const EventHeader& parent, const IdempotencyKey& idempotency_key,
                       Timestamp ts, Timestamp ts_init) {
        EventHeader h;
        h.event_id = ids_.next(ts);
        h.correlation_id = parent.correlation_id;
        h.idempotency_key = idempotency_key;
        h.symbol = parent.symbol;
        h.ts = ts;
        h.ts_init = ts_init;
        h.source = source_;
        return h;
    }
    /// A header that starts a new chain (new correlation id), e.g. a market bar.
    EventHeader root(Symbol symbol, std::string_view idempotency_key, Timestamp ts,
                     Timestamp ts_init) {
        return root(symbol, IdempotencyKey(idempotency_key), ts, ts_init);
    }
    EventHeader root(Symbol symbol, const char* idempotency_key, Timestamp ts, Timestamp ts_init) {
        return root(symbol, std::string_view(idempotency_key), ts, ts_init);
    }
    EventHeader root(const Symbol& symbol, const IdempotencyKey& idempotency_key, Timestamp ts,
                     Timestamp ts_init) {
        EventHeader h;
        h.event_id = ids_.next(ts);
        h.correlation_id = ids_.next(ts);
        h.idempotency_key = idempotency_key;
        h.symbol = symbol;
        h.ts = ts;
        h.ts_init = ts_init;
        h.source = source_;
        return h;
    }
    Source source() const { return source_; }
    IdGenerator& ids() { return ids_; }

private:
    Source source_;
    uint64_t stream_seed_;
    IdGenerator ids_;
};

/// "<kind>:<symbol>:<ns>" — the idempotency key convention ("bar:AAPL:1773322200000000000").
/// Writes into a stack buffer; the result fits IdempotencyKey.
IdempotencyKey make_key(std::string_view kind, const Symbol& symbol, Timestamp ts);

}  // namespace awet
