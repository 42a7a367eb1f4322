#include "awet/alpaca/stream_sync.hpp"

#include <chrono>
#include <utility>

#include "awet/alpaca/trade_stream.hpp"
#include "awet/core/log.hpp"

namespace awet::alpaca {

TradeMessageSource trade_stream_source(TradeUpdatesStream& stream) {
    TradeMessageSource s;
    s.drain = [&stream] { return stream.drain(); };
    s.status = [&stream] { return stream.status(); };
    return s;
}

StreamSync::StreamSync(TradeMessageSource source, BrokerListener& listener,
                       StreamSyncOptions options, std::function<int64_t()> now_ms)
    : source_(std::move(source)),
      listener_(listener),
      options_(options),
      now_ms_(std::move(now_ms)) {
    if (!now_ms_) {
        now_ms_ = [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                .count();
        };
    }
    last_reconcile_ms_ = now_ms_();
}

StreamSyncStep StreamSync::pump() {
    StreamSyncStep step;
    for (const std::string& message : source_.drain()) {
        ++step.messages;
        auto update = parser_.parse(message);
        if (!update.ok()) {
            ++step.bad;
            step.last_bad = update.error().message;
            logger("execution")->warn("trade_updates: message skipped: {}", step.last_bad);
            continue;
        }
        switch (update->kind) {
            case TradeUpdate::Kind::kFill:
                listener_.on_fill(*update->fill);
                ++step.fills;
                break;
            case TradeUpdate::Kind::kOrderUpdate:
                listener_.on_order_update(update->order);
                ++step.updates;
                break;
            case TradeUpdate::Kind::kSkipped:
                ++step.skipped;
                break;
        }
    }
    totals_.messages += step.messages;
    totals_.fills += step.fills;
    totals_.updates += step.updates;
    totals_.skipped += step.skipped;
    totals_.bad += step.bad;

    const StreamStatus status = source_.status();
    const bool authorized = status.authorized;
    // Read before the caller's REST snapshot: a connection authorized after this point makes
    // the next pump() call for another reconciliation.
    if (authorized) observed_connections_ = status.connections;
    const int64_t since = now_ms_() - last_reconcile_ms_;
    if (authorized && observed_connections_ > connections_at_reconcile_) {
        step.reconcile_due = true;
        step.reconcile_why = "stream connected";
    } else if (!authorized && since >= options_.fallback_every_ms) {
        step.reconcile_due = true;
        step.reconcile_why = "stream down";
    } else if (since >= options_.reconcile_every_ms) {
        step.reconcile_due = true;
        step.reconcile_why = "periodic";
    }
    return step;
}

void StreamSync::reconciled() {
    connections_at_reconcile_ = observed_connections_;
    last_reconcile_ms_ = now_ms_();
    ++totals_.reconciliations;
}

}  // namespace awet::alpaca
