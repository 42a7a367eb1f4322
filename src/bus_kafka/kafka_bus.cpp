#include "awet/bus_kafka/kafka_bus.hpp"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <exception>

#include "awet/core/log.hpp"

namespace awet {

namespace {

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

/// librdkafka's own log lines, through our logger ("kafka"): its syslog levels mapped, so that
/// they follow logging.level and logging.format like every other line.
void log_through_ours(const rd_kafka_t*, int level, const char* facility, const char* text) {
    spdlog::level::level_enum ours = spdlog::level::debug;
    if (level <= 3) {
        ours = spdlog::level::err;  // emerg, alert, crit, err
    } else if (level == 4) {
        ours = spdlog::level::warn;
    } else if (level <= 6) {
        ours = spdlog::level::info;  // notice, info
    }
    logger("kafka")->log(ours, "librdkafka {}: {}", facility, text);
}

Result<ConfPtr> make_conf(const KafkaBusOptions& o,
                          const std::map<std::string, std::string>& settings) {
    ConfPtr conf(rd_kafka_conf_new());
    rd_kafka_conf_set_log_cb(conf.get(), &log_through_ours);
    char err[512];
    // The bus's settings first; the caller's `properties` override them.
    std::map<std::string, std::string> all = {{"bootstrap.servers", o.brokers}};
    for (const auto& [k, v] : settings) all[k] = v;
    for (const auto& [k, v] : o.properties) all[k] = v;
    for (const auto& [k, v] : all) {
        if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            return make_error(ErrorCode::kInvalidArgument,
                              "kafka setting '" + k + "': " + std::string(err));
        }
    }
    return conf;
}

std::string exception_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        return std::string("exception: ") + e.what();
    } catch (...) {
        return "unknown exception";
    }
}

std::string key_of(const Event& e) { return header_of(e).symbol.str(); }

}  // namespace

struct KafkaBus::Impl {
    KafkaBusOptions options;
    HandlePtr producer;
    struct Consumer {
        Impl* bus = nullptr;
        std::string group;  // the subscriber's name (the Kafka group is prefix.group)
        HandlePtr handle;
        std::map<Topic, std::vector<Handler>> handlers;
        bool subscription_changed = true;
        // Next offset to commit per (topic, partition): what the handlers finished and that is
        // not committed yet. Committed after each drain, and on revocation before a rebalance.
        std::map<std::pair<std::string, int32_t>, int64_t> processed;
    };
    std::vector<std::unique_ptr<Consumer>> consumers;
    std::string buffer;  // encoding scratch
    std::shared_ptr<EventCodec> codec;
    std::function<Status()> flush_outputs;  // producer flush + before_commit

    /// Commits `c`'s processed offsets (those of `only` when given), synchronously or not, after
    /// the output was flushed. Returns false (and keeps them) when they could not be committed.
    bool commit(Consumer& c, const rd_kafka_topic_partition_list_t* only, bool sync) {
        rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(8);
        for (const auto& [tp, next] : c.processed) {
            bool wanted = only == nullptr;
            for (int i = 0; only != nullptr && i < only->cnt; ++i) {
                wanted |= tp.first == only->elems[i].topic && tp.second == only->elems[i].partition;
            }
            if (wanted) {
                rd_kafka_topic_partition_list_add(offsets, tp.first.c_str(), tp.second)->offset =
                    next;
            }
        }
        bool ok = true;
        if (offsets->cnt > 0) {
            Status flushed = flush_outputs();
            if (!flushed.ok()) {
                logger("bus")->error("kafka consumer {}: not committing, {}", c.group,
                                     flushed.error().to_string());
                ok = false;
            } else {
                const rd_kafka_resp_err_t err =
                    rd_kafka_commit(c.handle.get(), offsets, sync ? 0 : 1);
                if (sync && err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    // During a rebalance the coordinator refuses commits: kept and retried (or
                    // redelivered to the next owner, absorbed by the idempotency keys).
                    const bool rebalancing = err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
                                             err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION;
                    logger("bus")->log(rebalancing ? spdlog::level::debug : spdlog::level::warn,
                                       "kafka consumer {}: commit: {}", c.group,
                                       rd_kafka_err2str(err));
                    ok = false;
                }
                if (ok) {
                    for (int i = 0; i < offsets->cnt; ++i) {
                        c.processed.erase({offsets->elems[i].topic, offsets->elems[i].partition});
                    }
                }
            }
        }
        rd_kafka_topic_partition_list_destroy(offsets);
        return ok;
    }
};

namespace {

/// librdkafka's rebalance callback (on the consumer's poll thread, i.e. inside poll()).
void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* c = static_cast<KafkaBus::Impl::Consumer*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (cooperative) {
            rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions);
            if (e != nullptr) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, partitions);
        }
        return;
    }
    // Revoked (or lost): what was processed on them is committed before they go, so the next
    // owner starts after it. A lost assignment cannot commit any more; the next owner redelivers
    // (absorbed by the idempotency keys).
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk)) {
        c->bus->commit(*c, partitions, /*sync=*/true);
    }
    for (int i = 0; i < partitions->cnt; ++i) {
        c->processed.erase({partitions->elems[i].topic, partitions->elems[i].partition});
    }
    if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions);
        if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
        rd_kafka_assign(rk, nullptr);
    }
}

}  // namespace

KafkaBus::KafkaBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaBus::~KafkaBus() { close(); }

Result<std::unique_ptr<KafkaBus>> KafkaBus::create(const KafkaBusOptions& options) {
    if (options.brokers.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "kafka bus: no bootstrap servers");
    }
    auto conf = make_conf(options, {{"enable.idempotence", "true"},
                                    {"acks", "all"},
                                    {"linger.ms", "2"},
                                    {"partitioner", "murmur2_random"}});
    if (!conf.ok()) return conf.error();
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), err, sizeof err);
    if (rk == nullptr) {
        return make_error(ErrorCode::kIo,
                          "kafka producer for " + options.brokers + ": " + std::string(err));
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->producer.reset(rk);
    impl->codec = options.codec ? options.codec : std::make_shared<JsonEventCodec>();
    Impl* raw = impl.get();
    impl->flush_outputs = [raw]() -> Status {
        if (rd_kafka_outq_len(raw->producer.get()) > 0) {
            const rd_kafka_resp_err_t err = rd_kafka_flush(raw->producer.get(), 10000);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                return make_error(ErrorCode::kIo,
                                  std::string("kafka flush: ") + rd_kafka_err2str(err));
            }
        }
        return raw->options.before_commit ? raw->options.before_commit() : Status::Ok();
    };
    return std::unique_ptr<KafkaBus>(new KafkaBus(std::move(impl)));
}

Status KafkaBus::publish(Topic topic, const Event& event) {
    std::string& payload = impl_->buffer;
    payload.clear();
    AWET_TRY(impl_->codec->encode_to(topic, event, payload));
    const std::string key = key_of(event);
    const std::string name(topic_name(topic));
    for (int attempt = 0;; ++attempt) {
        const rd_kafka_resp_err_t err =
            rd_kafka_producev(impl_->producer.get(), RD_KAFKA_V_TOPIC(name.c_str()),
                              RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 100) {
            rd_kafka_poll(impl_->producer.get(), 10);  // let deliveries drain the queue
            continue;
        }
        return make_error(ErrorCode::kIo,
                          "kafka publish to " + name + ": " + rd_kafka_err2str(err));
    }
    rd_kafka_poll(impl_->producer.get(), 0);
    ++stats_.published;
    return Status::Ok();
}

void KafkaBus::subscribe(Topic topic, std::string group, Handler handler) {
    Impl::Consumer* consumer = nullptr;
    for (auto& c : impl_->consumers) {
        if (c->group == group) consumer = c.get();
    }
    if (consumer == nullptr) {
        auto conf =
            make_conf(impl_->options, {{"group.id", impl_->options.group_prefix + "." + group},
                                       {"enable.auto.commit", "false"},
                                       {"auto.offset.reset", "earliest"},
                                       {"enable.partition.eof", "false"},
                                       // A fetch returns within 10 ms when there is nothing (the
                                       // default 500 ms is a 500 ms pipeline latency per hop).
                                       {"fetch.wait.max.ms", "10"},
                                       // A member that died without leaving (SIGKILL) holds its
                                       // partitions until its session times out: 10 s instead of
                                       // librdkafka's 45 s before a restarted agent takes over.
                                       {"session.timeout.ms", "10000"},
                                       {"heartbeat.interval.ms", "1000"},
                                       // Partitions that stay with a member are not revoked on
                                       // a rebalance (incremental), so nothing is redelivered.
                                       {"partition.assignment.strategy", "cooperative-sticky"}});
        char err[512];
        auto slot = std::make_unique<Impl::Consumer>();
        if (conf.ok()) {
            rd_kafka_conf_set_rebalance_cb(conf->get(), on_rebalance);
            rd_kafka_conf_set_opaque(conf->get(), slot.get());
        }
        rd_kafka_t* rk =
            conf.ok() ? rd_kafka_new(RD_KAFKA_CONSUMER, conf->release(), err, sizeof err) : nullptr;
        if (rk == nullptr) {
            logger("bus")->error("kafka consumer {}: {}", group,
                                 conf.ok() ? std::string(err) : conf.error().to_string());
            return;
        }
        impl_->consumers.push_back(std::move(slot));
        consumer = impl_->consumers.back().get();
        consumer->bus = impl_.get();
        rd_kafka_poll_set_consumer(rk);
        consumer->group = std::move(group);
        consumer->handle.reset(rk);
    }
    consumer->handlers[topic].push_back(std::move(handler));
    consumer->subscription_changed = true;
}

void KafkaBus::dead_letter(Topic topic, const Event* event, const std::string& error) {
    ++stats_.dead_lettered;
    if (topic == Topic::kDeadLetter) {
        logger("bus")->error("dead-letter handler failed, dropping: {}", error);
        return;
    }
    logger("bus")->warn("dead-lettering a message from {}: {}", topic_name(topic), error);
    DeadLetter dl;
    if (event != nullptr) dl.header = header_of(*event);
    dl.original_topic = FixedString<31>(topic_name(topic));
    dl.set_error(error);
    (void)publish(Topic::kDeadLetter, dl);
}

uint64_t KafkaBus::poll(uint64_t max_events) {
    // No flush here: what was published is on its way (linger.ms) while the consumers run, and
    // it is flushed before any input is committed (below), which is what correctness needs.
    rd_kafka_poll(impl_->producer.get(), 0);  // delivery reports
    uint64_t delivered = 0;
    for (auto& c : impl_->consumers) {
        if (c->subscription_changed) {
            rd_kafka_topic_partition_list_t* list =
                rd_kafka_topic_partition_list_new(static_cast<int>(c->handlers.size()));
            for (const auto& [topic, hs] : c->handlers) {
                rd_kafka_topic_partition_list_add(list, std::string(topic_name(topic)).c_str(),
                                                  RD_KAFKA_PARTITION_UA);
            }
            const rd_kafka_resp_err_t err = rd_kafka_subscribe(c->handle.get(), list);
            rd_kafka_topic_partition_list_destroy(list);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                logger("bus")->error("kafka subscribe {}: {}", c->group, rd_kafka_err2str(err));
                continue;
            }
            c->subscription_changed = false;
        }
        int timeout = impl_->options.poll_timeout_ms;
        while (delivered < max_events) {
            MessagePtr msg(rd_kafka_consumer_poll(c->handle.get(), timeout));
            if (!msg) break;
            if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                logger("bus")->warn("kafka consumer {}: {}", c->group,
                                    rd_kafka_message_errstr(msg.get()));
                continue;
            }
            timeout = 0;  // drain what is there, then move on
            ++delivered;
            ++stats_.delivered;
            const auto topic = topic_from_name(rd_kafka_topic_name(msg->rkt));
            const std::string_view bytes(static_cast<const char*>(msg->payload), msg->len);
            Result<Event> decoded =
                topic ? impl_->codec->decode(*topic, bytes)
                      : Result<Event>(make_error(ErrorCode::kParse, "unknown topic"));
            if (!decoded.ok()) {
                dead_letter(topic.value_or(Topic::kDeadLetter), nullptr,
                            c->group + ": undecodable message at " + rd_kafka_topic_name(msg->rkt) +
                                "[" + std::to_string(msg->partition) + "]@" +
                                std::to_string(msg->offset) + ": " + decoded.error().to_string());
            } else {
                const Delivery d{*topic, *decoded, static_cast<uint64_t>(msg->offset)};
                for (const Handler& h : c->handlers[*topic]) {
                    Status st = Status::Ok();
                    try {
                        st = h(d);
                    } catch (...) {
                        st = make_error(ErrorCode::kInternal, exception_text());
                    }
                    if (!st.ok())
                        dead_letter(*topic, &*decoded, c->group + ": " + st.error().to_string());
                }
            }
            // Processed (or dead-lettered): only now may its offset be committed.
            c->processed[{rd_kafka_topic_name(msg->rkt), msg->partition}] = msg->offset + 1;
            ++stats_.acked;
        }
        // One synchronous OffsetCommit per drain, after the handlers' output is at the brokers
        // and the store committed: a crash before it redelivers the input (absorbed downstream
        // by the idempotency keys) instead of losing the output; a refused commit (a rebalance
        // in progress) is kept and retried, or made on revocation.
        if (!c->processed.empty()) impl_->commit(*c, nullptr, /*sync=*/true);
    }
    return delivered;
}

Status KafkaBus::flush(int timeout_ms) {
    // Nothing in flight (the common case between drains): no flush round.
    if (rd_kafka_outq_len(impl_->producer.get()) == 0) return Status::Ok();
    const rd_kafka_resp_err_t err = rd_kafka_flush(impl_->producer.get(), timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return make_error(ErrorCode::kIo, std::string("kafka flush: ") + rd_kafka_err2str(err));
    }
    return Status::Ok();
}

Status KafkaBus::ping(int timeout_ms) {
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(impl_->producer.get(), 0, nullptr, &md, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return make_error(ErrorCode::kIo,
                          "kafka " + impl_->options.brokers + ": " + rd_kafka_err2str(err));
    }
    const int brokers = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    if (brokers == 0) {
        return make_error(ErrorCode::kIo, "kafka " + impl_->options.brokers + ": no brokers");
    }
    return Status::Ok();
}

void KafkaBus::close() {
    if (!impl_) return;
    (void)flush();
    for (auto& c : impl_->consumers) {
        impl_->commit(*c, nullptr, /*sync=*/true);  // what was processed
        rd_kafka_consumer_close(c->handle.get());   // leaves the group (revocation: nothing left)
    }
    impl_->consumers.clear();
}

std::vector<ConsumerLag> KafkaBus::consumer_lag() {
    std::vector<ConsumerLag> out;
    for (auto& c : impl_->consumers) {
        rd_kafka_topic_partition_list_t* assigned = nullptr;
        if (rd_kafka_assignment(c->handle.get(), &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        rd_kafka_committed(c->handle.get(), assigned, 5000);
        for (int i = 0; i < assigned->cnt; ++i) {
            const auto& p = assigned->elems[i];
            int64_t low = 0, high = 0;
            if (rd_kafka_query_watermark_offsets(c->handle.get(), p.topic, p.partition, &low, &high,
                                                 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                continue;
            }
            const int64_t committed = p.offset >= 0 ? p.offset : low;
            out.push_back({impl_->options.group_prefix + "." + c->group, p.topic, p.partition,
                           std::max<int64_t>(0, high - committed)});
        }
        rd_kafka_topic_partition_list_destroy(assigned);
    }
    return out;
}

}  // namespace awet

namespace awet {

struct KafkaLagProbe::Impl {
    KafkaBusOptions options;
    std::map<std::string, HandlePtr> groups;  // full group id -> handle
    HandlePtr meta;                           // metadata and end offsets

    Result<rd_kafka_t*> handle_for(const std::string& group_id) {
        if (auto it = groups.find(group_id); it != groups.end()) return it->second.get();
        // allow.auto.create.topics: the metadata request creates a topic nobody published to yet,
        // so its partitions exist (and are counted) before the first event lands there.
        auto conf = make_conf(options, {{"group.id", group_id},
                                        {"enable.auto.commit", "false"},
                                        {"allow.auto.create.topics", "true"}});
        if (!conf.ok()) return conf.error();
        char err[512];
        rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->release(), err, sizeof err);
        if (rk == nullptr) {
            return make_error(ErrorCode::kIo, "kafka lag probe " + group_id + ": " + err);
        }
        groups.emplace(group_id, HandlePtr(rk));
        return rk;
    }
};

KafkaLagProbe::KafkaLagProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaLagProbe::~KafkaLagProbe() = default;

Result<std::unique_ptr<KafkaLagProbe>> KafkaLagProbe::create(const KafkaBusOptions& options) {
    if (options.brokers.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "kafka lag probe: no bootstrap servers");
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    auto rk = impl->handle_for(options.group_prefix + ".lag-probe");
    if (!rk.ok()) return rk.error();
    impl->meta.reset(impl->groups.begin()->second.release());
    impl->groups.clear();
    return std::unique_ptr<KafkaLagProbe>(new KafkaLagProbe(std::move(impl)));
}

Result<int64_t> KafkaLagProbe::total_lag(
    const std::vector<std::pair<std::string, Topic>>& subscriptions) {
    constexpr int kTimeoutMs = 5000;
    // Partitions per topic (metadata of the topics asked about; missing topics have none).
    std::map<Topic, int> partitions;
    for (const auto& [group, topic] : subscriptions) partitions[topic] = 0;
    for (auto& [topic, count] : partitions) {
        const std::string name(topic_name(topic));
        rd_kafka_topic_t* rkt = rd_kafka_topic_new(impl_->meta.get(), name.c_str(), nullptr);
        const rd_kafka_metadata_t* md = nullptr;
        const rd_kafka_resp_err_t err =
            rd_kafka_metadata(impl_->meta.get(), 0, rkt, &md, kTimeoutMs);
        rd_kafka_topic_destroy(rkt);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return make_error(ErrorCode::kIo,
                              "kafka metadata of " + name + ": " + rd_kafka_err2str(err));
        }
        if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            count = md->topics[0].partition_cnt;
        }
        rd_kafka_metadata_destroy(md);
    }
    // Committed offsets first, end offsets second: a handler's output is flushed before its
    // input is committed, so once an input shows as committed its output is already counted in
    // the end offsets read after it. (The other order can miss an output published in between.)
    std::vector<std::pair<std::pair<std::string, int>, int64_t>> committed;
    // Committed offsets, one OffsetFetch per group.
    std::map<std::string, std::vector<Topic>> by_group;
    for (const auto& [group, topic] : subscriptions) by_group[group].push_back(topic);
    for (const auto& [group, topics] : by_group) {
        const std::string group_id = impl_->options.group_prefix + "." + group;
        auto rk = impl_->handle_for(group_id);
        if (!rk.ok()) return rk.error();
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(8);
        for (Topic t : topics) {
            for (int p = 0; p < partitions[t]; ++p) {
                rd_kafka_topic_partition_list_add(list, std::string(topic_name(t)).c_str(), p);
            }
        }
        if (list->cnt > 0) {
            const rd_kafka_resp_err_t err = rd_kafka_committed(*rk, list, kTimeoutMs);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_topic_partition_list_destroy(list);
                return make_error(ErrorCode::kIo, "kafka committed offsets of " + group_id + ": " +
                                                      rd_kafka_err2str(err));
            }
            for (int i = 0; i < list->cnt; ++i) {
                const auto& e = list->elems[i];
                committed.push_back({{e.topic, e.partition}, e.offset >= 0 ? e.offset : 0});
            }
        }
        rd_kafka_topic_partition_list_destroy(list);
    }
    // End offsets of every partition in one ListOffsets round (timestamp -1 = latest).
    rd_kafka_topic_partition_list_t* ends = rd_kafka_topic_partition_list_new(8);
    for (const auto& [topic, count] : partitions) {
        for (int p = 0; p < count; ++p) {
            rd_kafka_topic_partition_list_add(ends, std::string(topic_name(topic)).c_str(), p)
                ->offset = RD_KAFKA_OFFSET_END;
        }
    }
    std::map<std::pair<std::string, int>, int64_t> end_of;
    if (ends->cnt > 0) {
        const rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(impl_->meta.get(), ends, kTimeoutMs);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_topic_partition_list_destroy(ends);
            return make_error(ErrorCode::kIo,
                              std::string("kafka end offsets: ") + rd_kafka_err2str(err));
        }
        for (int i = 0; i < ends->cnt; ++i) {
            end_of[{ends->elems[i].topic, ends->elems[i].partition}] =
                std::max<int64_t>(0, ends->elems[i].offset);
        }
    }
    rd_kafka_topic_partition_list_destroy(ends);
    int64_t total = 0;
    for (const auto& [tp, offset] : committed) total += std::max<int64_t>(0, end_of[tp] - offset);
    return total;
}

}  // namespace awet
