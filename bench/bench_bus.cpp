// The Kafka bus on librdkafka's mock cluster (in-process brokers, loopback): events/s through
// publish -> broker -> consumer group -> handler -> commit, and the end-to-end latency from
// publish to handler.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "awet/bus_kafka/kafka_bus.hpp"
#include "awet/bus_kafka/mock_cluster.hpp"
#include "awet/model_avro/codec_factory.hpp"

namespace {

using namespace awet;

struct Cluster {
    Cluster() {
        const std::string topics[] = {"market.raw"};
        auto c = MockKafkaCluster::create({.brokers = 3, .partitions = 8}, topics);
        if (c.ok()) cluster.emplace(std::move(*c));
    }
    std::string bootstraps() const { return cluster->bootstraps(); }
    std::optional<MockKafkaCluster> cluster;
};

std::unique_ptr<KafkaBus> bus_on(const Cluster& c, const char* codec = "json") {
    KafkaBusOptions o;
    o.brokers = c.bootstraps();
    auto made = make_event_codec(codec);
    o.codec = std::shared_ptr<EventCodec>(std::move(made.value()));
    o.poll_timeout_ms = 50;
    o.properties = {{"log_level", "0"}};
    auto bus = KafkaBus::create(o);
    return std::move(*bus);
}

MarketBar bar(int i) {
    static const char* kSymbols[] = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA"};
    MarketBar b;
    b.header.symbol = Symbol(kSymbols[i % 7]);
    b.header.event_id = Uuid{static_cast<uint64_t>(i) + 1, 7};
    b.bar_start = Timestamp::from_seconds(1'773'322'200 + i * 60);
    b.close = Price::from_units(100);
    return b;
}

/// Before timing: one event through, so that the consumer group has joined and been assigned its
/// partitions (a join on the mock cluster takes seconds; it used to land in the first iteration
/// and dominate the figure).
void join_group(KafkaBus& bus, const int64_t& handled) {
    const int64_t target = handled + 1;
    (void)bus.publish(Topic::kMarketRaw, bar(1'000'000));
    while (handled < target) bus.poll();
}

/// Batches of 20k events: publish all, then poll until the group has handled them.
void BM_KafkaBusThroughput(benchmark::State& state, const char* codec) {
    Cluster cluster;
    auto bus = bus_on(cluster, codec);
    int64_t handled = 0;
    bus->subscribe(Topic::kMarketRaw, "bench", [&handled](const Delivery&) {
        ++handled;
        return Status::Ok();
    });
    join_group(*bus, handled);
    const int n = 20000;
    int64_t events = 0;
    for (auto _ : state) {
        const int64_t target = handled + n;
        for (int i = 0; i < n; ++i) (void)bus->publish(Topic::kMarketRaw, bar(i));
        while (handled < target) bus->poll();
        events += n;
    }
    state.counters["events_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_KafkaBusThroughput, json, "json")
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KafkaBusThroughput, avro, "avro")
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// Publishing alone: 20k events, then flush (every one acknowledged by the brokers, acks=all).
void BM_KafkaBusProduce(benchmark::State& state) {
    Cluster cluster;
    auto bus = bus_on(cluster);
    const int n = 20000;
    int64_t events = 0;
    for (auto _ : state) {
        for (int i = 0; i < n; ++i) (void)bus->publish(Topic::kMarketRaw, bar(i));
        (void)bus->flush();
        events += n;
    }
    state.counters["events_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KafkaBusProduce)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();

/// One event at a time: publish, then poll until its handler ran.
void BM_KafkaBusLatency(benchmark::State& state) {
    Cluster cluster;
    auto bus = bus_on(cluster);
    int64_t handled = 0;
    bus->subscribe(Topic::kMarketRaw, "bench", [&handled](const Delivery&) {
        ++handled;
        return Status::Ok();
    });
    join_group(*bus, handled);
    std::vector<double> us;
    int i = 0;
    for (auto _ : state) {
        const int64_t target = handled + 1;
        const auto t0 = std::chrono::steady_clock::now();
        (void)bus->publish(Topic::kMarketRaw, bar(i++));
        while (handled < target) bus->poll();
        us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}
BENCHMARK(BM_KafkaBusLatency)->Iterations(300)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
