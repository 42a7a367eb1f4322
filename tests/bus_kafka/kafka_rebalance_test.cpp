// Consumer-group rebalancing of the Kafka bus on librdkafka's mock cluster (3 brokers, 4
// partitions): consumer A works alone, B joins the same group mid-stream (the partitions are
// split), then A closes and B takes everything over. What is asserted:
//  - every published event is handled at least once;
//  - both consumers handle events between B's join and A's close, B alone after it;
//  - an event whose offset the group had committed (as read from the group coordinator before
//    the poll that handled it) is never handled again: redeliveries happen, but only of events
//    handled and not yet committed when the group rebalanced. The bus commits asynchronously after
//    each drain and never retries; the commits sent while a rebalance is in progress are refused,
//    and the eager assignor revokes every partition (also those a consumer keeps), so after each
//    rebalance a consumer resumes from the last accepted commit (typically tens to hundreds of
//    events here; the count is printed);
//  - within each consumer, the first deliveries of each symbol come in publish order.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "awet/bus_kafka/kafka_bus.hpp"
#include "kafka_mock.hpp"

namespace awet {
namespace {

constexpr int kPartitions = 4;
constexpr int kMinutes = 80;
const std::vector<std::string> kSymbols = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META",
                                           "TSLA", "AMD",  "INTC", "ORCL", "IBM",  "NFLX"};

using testing::MockCluster;

std::unique_ptr<KafkaBus> make_bus(const MockCluster& cluster) {
    return testing::make_test_bus(cluster, 50);
}

/// A plain consumer handle in the group's name that never joins it: reads the committed offsets.
class CommitProbe {
public:
    explicit CommitProbe(const MockCluster& cluster) {
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        char err[256];
        rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstraps().c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "group.id", "awet.G", err, sizeof err);
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    }
    ~CommitProbe() { rd_kafka_destroy(rk_); }
    /// Committed next offset per partition (0 where nothing is committed); unchanged on error.
    void update(std::array<int64_t, kPartitions>& floor) {
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
        for (int p = 0; p < kPartitions; ++p)
            rd_kafka_topic_partition_list_add(list, "market.raw", p);
        if (rd_kafka_committed(rk_, list, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            for (int i = 0; i < list->cnt; ++i) {
                const auto& e = list->elems[i];
                if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset > floor[e.partition]) {
                    floor[e.partition] = e.offset;
                }
            }
        }
        rd_kafka_topic_partition_list_destroy(list);
    }

private:
    rd_kafka_t* rk_ = nullptr;
};

/// The partition of each symbol, read back from the topic (the key is the symbol).
std::map<std::string, int> partitions_of_symbols(const MockCluster& cluster, size_t expected) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstraps().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "reader", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
    for (int p = 0; p < kPartitions; ++p) {
        rd_kafka_topic_partition_list_add(list, "market.raw", p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    std::map<std::string, int> out;
    size_t n = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (n < expected && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (m == nullptr) continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            ++n;
            const std::string key(static_cast<const char*>(m->key), m->key_len);
            auto [it, added] = out.emplace(key, m->partition);
            EXPECT_EQ(it->second, m->partition) << key << " in two partitions";
        }
        rd_kafka_message_destroy(m);
    }
    EXPECT_EQ(n, expected);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
}

struct Handled {
    char consumer;  // 'A' or 'B'
    std::string symbol;
    int minute;
    int64_t offset;
    std::array<int64_t, kPartitions> committed_before;  // the group's commits before this poll
    int phase;                                          // 0 A alone, 1 A and B, 2 B alone
};

TEST(KafkaRebalance, JoinAndLeaveMidStreamLoseNothingAndNeverRepeatACommittedEvent) {
    MockCluster cluster({"market.raw", "dead.letter"}, kPartitions);
    auto producer = make_bus(cluster);
    CommitProbe probe(cluster);
    std::array<int64_t, kPartitions> floor{};
    int phase = 0;
    std::vector<Handled> handled;
    const auto recorder = [&](char who) {
        return [&, who](const Delivery& d) {
            const auto& b = std::get<MarketBar>(d.event);
            handled.push_back(
                {who, b.header.symbol.str(),
                 static_cast<int>((b.bar_start.ns() / 1'000'000'000 - 1'773'322'200) / 60),
                 static_cast<int64_t>(d.offset), floor, phase});
            return Status::Ok();
        };
    };
    int published_minutes = 0;
    const auto publish_minute = [&] {
        if (published_minutes >= kMinutes) return;
        for (const auto& s : kSymbols) {
            MarketBar b;
            b.header.symbol = Symbol(s);
            b.header.event_id = Uuid{static_cast<uint64_t>(published_minutes) + 1, s.size()};
            b.bar_start = Timestamp::from_seconds(1'773'322'200 + published_minutes * 60);
            ASSERT_TRUE(producer->publish(Topic::kMarketRaw, b).ok());
        }
        ++published_minutes;
        ASSERT_TRUE(producer->flush().ok());
    };
    const auto poll = [&](KafkaBus& bus) {
        probe.update(floor);
        bus.poll(12);  // small bites, so that the stream is still flowing when the group changes
    };
    const auto count = [&](char who, int in_phase) {
        size_t n = 0;
        for (const auto& h : handled) n += (h.consumer == who && h.phase == in_phase) ? 1 : 0;
        return n;
    };
    const auto distinct = [&] {
        std::set<std::pair<std::string, int>> keys;
        for (const auto& h : handled) keys.insert({h.symbol, h.minute});
        return keys.size();
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    const auto in_time = [&] { return std::chrono::steady_clock::now() < deadline; };

    // Phase 0: A alone.
    for (int i = 0; i < 20; ++i) publish_minute();
    auto a = make_bus(cluster);
    a->subscribe(Topic::kMarketRaw, "G", recorder('A'));
    while (handled.size() < 60 && in_time()) poll(*a);
    ASSERT_GE(handled.size(), 60u) << "A never got its partitions";

    // Phase 1: B joins while events keep coming; both must work after the rebalance.
    phase = 1;
    auto b = make_bus(cluster);
    b->subscribe(Topic::kMarketRaw, "G", recorder('B'));
    size_t a_after_b_started = 0;
    while ((count('B', 1) < 24 || a_after_b_started < 24) && in_time()) {
        if (published_minutes < 60) publish_minute();
        poll(*a);
        poll(*b);
        if (count('B', 1) > 0) {
            a_after_b_started = 0;
            bool seen_b = false;
            for (const auto& h : handled) {
                seen_b = seen_b || (h.consumer == 'B');
                if (seen_b && h.consumer == 'A') ++a_after_b_started;
            }
        }
    }
    ASSERT_GE(count('B', 1), 24u) << "B never got partitions";
    ASSERT_GE(a_after_b_started, 24u) << "A handled nothing once B was in: no split";

    // Phase 2: A leaves (close commits what it handled); B takes over the rest.
    a->close();
    a.reset();
    phase = 2;
    const size_t total = kSymbols.size() * kMinutes;
    while ((published_minutes < kMinutes || distinct() < total) && in_time()) {
        publish_minute();
        poll(*b);
    }
    for (int i = 0; i < 5; ++i) poll(*b);  // whatever would come twice
    ASSERT_GT(count('B', 2), 0u);

    // Every event at least once.
    EXPECT_EQ(distinct(), total);
    const auto partition_of = partitions_of_symbols(cluster, total);
    ASSERT_EQ(partition_of.size(), kSymbols.size());
    std::set<int> used;
    for (const auto& [s, p] : partition_of) used.insert(p);
    EXPECT_GE(used.size(), 3u) << "symbols should spread over the partitions";

    // Nothing committed is handled again; count the redeliveries of uncommitted events.
    std::set<std::pair<std::string, int>> seen;
    size_t redelivered = 0;
    for (const auto& h : handled) {
        const int p = partition_of.at(h.symbol);
        EXPECT_GE(h.offset, h.committed_before[p])
            << h.consumer << " handled " << h.symbol << "@" << h.minute << " (offset " << h.offset
            << " of partition " << p << ") after the group committed past it";
        if (!seen.insert({h.symbol, h.minute}).second) ++redelivered;
    }
    // Per consumer and symbol, first deliveries in publish order.
    for (char who : {'A', 'B'}) {
        std::map<std::string, int> last;
        std::set<std::pair<std::string, int>> first;
        for (const auto& h : handled) {
            if (h.consumer != who || !first.insert({h.symbol, h.minute}).second) continue;
            auto it = last.find(h.symbol);
            if (it != last.end()) {
                EXPECT_GT(h.minute, it->second) << who << " " << h.symbol << " out of order";
            }
            last[h.symbol] = h.minute;
        }
    }
    std::printf(
        "handled %zu deliveries of %zu events: A alone %zu, A with B %zu, B with A %zu, "
        "B alone %zu; redelivered (uncommitted at the handover) %zu\n",
        handled.size(), total, count('A', 0), count('A', 1), count('B', 1), count('B', 2),
        redelivered);
}

}  // namespace
}  // namespace awet
