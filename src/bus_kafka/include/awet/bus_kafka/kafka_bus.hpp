#pragma once
// The Kafka EventBus (librdkafka): topics of seed §6.1, messages keyed by symbol (per-symbol order
// within a partition; consumer groups scale by partition), an idempotent producer (acks=all), one
// consumer group per subscriber (`<group_prefix>.<group>`), and offsets committed only after the
// subscriber's handlers returned (at-least-once). A handler error, an exception or an undecodable
// message goes to `dead.letter` with the error, then is committed: a poison event never blocks its
// partition. Duplicates after a crash (delivered, not yet committed) are absorbed downstream by the
// idempotency keys (trades.idempotency_key, the Recorder's event ids).
//
// Events are encoded by an EventCodec (JSON by default, Avro in the Confluent wire format when the
// composition root passes one). On a rebalance, the offsets of what was processed on the revoked
// partitions are committed synchronously (after the output was flushed and the store committed)
// before the partitions go, and the cooperative-sticky assignor keeps the others where they are:
// a consumer joining or leaving the group redelivers nothing that was already processed. Delivery
// is driven by poll(): it flushes what was published, then hands each consumer's messages to its
// handlers, waiting up to `poll_timeout_ms` for the first one.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "awet/bus/event_bus.hpp"
#include "awet/core/result.hpp"
#include "awet/model/event_codec.hpp"

namespace awet {

struct KafkaBusOptions {
    std::string brokers;  // bootstrap servers
    std::string group_prefix = "awet";
    int poll_timeout_ms = 100;  // how long poll() waits for a first message per consumer
    std::map<std::string, std::string> properties;  // librdkafka settings (both sides; override)
    /// Called before offsets are committed (after the handlers' output was flushed): the agent
    /// process makes its store writes durable here, so that a committed input always has its
    /// effects stored. An error skips the commit (the input is redelivered after a restart).
    std::function<Status()> before_commit;
    /// Wire format of the events (awet/model/event_codec.hpp): null means JSON. The composition
    /// root passes the Avro codec (Confluent wire format, Schema Registry) for bus.codec: avro.
    std::shared_ptr<EventCodec> codec;
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
    struct Impl;  // opaque (librdkafka handles); public so its callbacks can reach it
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
    /// Asks the brokers for cluster metadata: OK when at least one answers within the timeout.
    Status ping(int timeout_ms = 2000);
    /// Lag of every partition assigned to this process's consumers.
    std::vector<ConsumerLag> consumer_lag();

private:
    explicit KafkaBus(std::unique_ptr<Impl> impl);
    void dead_letter(Topic topic, const Event* event, const std::string& error);

    std::unique_ptr<Impl> impl_;
    BusStats stats_;
};

/// A monitor's view of consumer groups of any process: the committed-offset lag of (group, topic)
/// pairs, summed over the topic's partitions. Used by `awet health`-style checks and by the
/// lock-step replay driver, which waits for the whole system to be quiet (every published event
/// processed and committed by every group that subscribes to its topic) before the next bar.
/// Holds one non-subscribing consumer handle per group (it never joins the group).
class KafkaLagProbe {
public:
    static Result<std::unique_ptr<KafkaLagProbe>> create(const KafkaBusOptions& options);
    ~KafkaLagProbe();
    /// Sum of (end offset - committed offset) over the partitions of each pair; a group that never
    /// committed on a partition counts from the partition's start. A topic that does not exist yet
    /// counts 0 (nothing was published to it).
    Result<int64_t> total_lag(const std::vector<std::pair<std::string, Topic>>& subscriptions);

private:
    struct Impl;
    explicit KafkaLagProbe(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace awet
