#include "awet/bus/kafka_bus.hpp"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <exception>

#include "awet/core/log.hpp"
#include "awet/model/codec.hpp"

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

Result<ConfPtr> make_conf(const KafkaBusOptions& o,
                          const std::map<std::string, std::string>& settings) {
    ConfPtr conf(rd_kafka_conf_new());
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
        std::string group;  // the subscriber's name (the Kafka group is prefix.group)
        HandlePtr handle;
        std::map<Topic, std::vector<Handler>> handlers;
        bool subscription_changed = true;
    };
    std::vector<std::unique_ptr<Consumer>> consumers;
    std::string buffer;  // encoding scratch
};

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
    return std::unique_ptr<KafkaBus>(new KafkaBus(std::move(impl)));
}

Status KafkaBus::publish(Topic topic, const Event& event) {
    std::string& payload = impl_->buffer;
    payload.clear();
    encode_json(event, payload);
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
                                       {"fetch.wait.max.ms", "10"}});
        char err[512];
        rd_kafka_t* rk =
            conf.ok() ? rd_kafka_new(RD_KAFKA_CONSUMER, conf->release(), err, sizeof err) : nullptr;
        if (rk == nullptr) {
            logger("bus")->error("kafka consumer {}: {}", group,
                                 conf.ok() ? std::string(err) : conf.error().to_string());
            return;
        }
        rd_kafka_poll_set_consumer(rk);
        impl_->consumers.push_back(std::make_unique<Impl::Consumer>());
        consumer = impl_->consumers.back().get();
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
    const size_t n = std::min(error.size(), dl.error.size() - 1);
    std::memcpy(dl.error.data(), error.data(), n);
    dl.error[n] = '\0';
    (void)publish(Topic::kDeadLetter, dl);
}

uint64_t KafkaBus::poll(uint64_t max_events) {
    (void)flush();
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
        // Next offset to commit per (topic, partition): committed after the handlers ran, once
        // per drain (one OffsetCommit for the batch instead of one per message).
        std::map<std::pair<std::string, int32_t>, int64_t> processed;
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
            auto decoded =
                decode_json(std::string_view(static_cast<const char*>(msg->payload), msg->len));
            if (!topic || !decoded.ok()) {
                dead_letter(topic.value_or(Topic::kDeadLetter), nullptr,
                            c->group + ": undecodable message at " + rd_kafka_topic_name(msg->rkt) +
                                "[" + std::to_string(msg->partition) + "]@" +
                                std::to_string(msg->offset) + ": " +
                                (decoded.ok() ? "unknown topic" : decoded.error().to_string()));
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
            processed[{rd_kafka_topic_name(msg->rkt), msg->partition}] = msg->offset + 1;
            ++stats_.acked;
        }
        if (!processed.empty()) {
            rd_kafka_topic_partition_list_t* offsets =
                rd_kafka_topic_partition_list_new(static_cast<int>(processed.size()));
            for (const auto& [tp, next] : processed) {
                rd_kafka_topic_partition_list_add(offsets, tp.first.c_str(), tp.second)->offset =
                    next;
            }
            rd_kafka_commit(c->handle.get(), offsets, /*async=*/1);
            rd_kafka_topic_partition_list_destroy(offsets);
        }
    }
    (void)flush();  // what the handlers published
    return delivered;
}

Status KafkaBus::flush(int timeout_ms) {
    const rd_kafka_resp_err_t err = rd_kafka_flush(impl_->producer.get(), timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return make_error(ErrorCode::kIo, std::string("kafka flush: ") + rd_kafka_err2str(err));
    }
    return Status::Ok();
}

void KafkaBus::close() {
    if (!impl_) return;
    (void)flush();
    for (auto& c : impl_->consumers) {
        rd_kafka_commit(c->handle.get(), nullptr, /*async=*/0);  // what was processed
        rd_kafka_consumer_close(c->handle.get());
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
