#pragma once
// The Kafka EventBus (librdkafka): topics of seed §6.1, messages keyed by symbol (per-symbol order
// within a partition; consumer groups scale by partition), an idempotent producer (acks=all), one
// consumer group per subscriber (`<group_prefix>.<group>`), and offsets committed only after the
// subscriber's handlers returned (at-least-once). A handler error, an exception or an undecodable
// message goes to `dead.letter` with the error, then is committed: a poison event never blocks its
// partition. Duplicates after a crash (delivered, not yet committed) are absorbed downstream by the
// idempotency keys (trades.idempotency_key, the Recorder's event ids).
//
// Events are JSON (awet/model/codec.hpp). Delivery is driven by poll(): it flushes what was
// published, then hands each consumer's messages to its handlers, waiting up to
// `poll_timeout_ms` for the first one.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "awet/bus/event_bus.hpp"
#include "awet/core/result.hpp"

namespace awet {

struct KafkaBusOptions {
    std::string brokers;  // bootstrap servers
    std::string group_prefix = "awet";
    int poll_timeout_ms = 100;  // how long poll() waits for a first message per consumer
    std::map<std::string, std::string> properties;  // librdkafka settings (both sides; override)
};

/// kafka_consumer_lag of one partition: messages between the group's committed offset and the
/// partition's end (high watermark).
struct ConsumerLag {
    std::string group, topic;
    int partition = 0;
    int64_t lag = 0;
};

class KafkaBus final : public EventBus {
public:
    /// Connects the producer (consumers are created by subscribe()). Errors name the brokers.
    static Result<std::unique_ptr<KafkaBus>> create(const KafkaBusOptions& options);
    ~KafkaBus() override;

    Status publish(Topic topic, const Event& event) override;
    void subscribe(Topic topic, std::string group, Handler handler) override;
    uint64_t poll(uint64_t max_events = UINT64_MAX) override;
    BusStats stats() const override { return stats_; }

    /// Waits until every published message is acknowledged by the brokers (or the timeout).
    Status flush(int timeout_ms = 10000);
    /// Commits what was processed and leaves the consumer groups (clean shutdown, SIGTERM).
    void close();
    /// Lag of every partition assigned to this process's consumers.
    std::vector<ConsumerLag> consumer_lag();

private:
    struct Impl;
    explicit KafkaBus(std::unique_ptr<Impl> impl);
    void dead_letter(Topic topic, const Event* event, const std::string& error);

    std::unique_ptr<Impl> impl_;
    BusStats stats_;
};

}  // namespace awet
