#include "awet/service/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace awet {

namespace {

/// Seconds: 100 us .. 10 s (event handling and model inference both fall in it).
prometheus::Histogram::BucketBoundaries latency_buckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
}

}  // namespace

AgentMetrics::AgentMetrics(std::string agent)
    : agent_(std::move(agent)),
      registry_(std::make_shared<prometheus::Registry>()),
      events_(prometheus::BuildCounter()
                  .Name("events_processed_total")
                  .Help("Events processed, by agent, topic and status (ok|error)")
                  .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("event_latency_seconds")
                   .Help("Time to handle one event, by agent and topic")
                   .Register(*registry_)),
      lag_(prometheus::BuildGauge()
               .Name("kafka_consumer_lag")
               .Help("Messages a consumer group is behind the end of a partition")
               .Register(*registry_)),
      inference_(prometheus::BuildHistogram()
                     .Name("model_inference_latency")
                     .Help("Seconds per model forward pass (one batch of symbols)")
                     .Register(*registry_)),
      trades_(prometheus::BuildCounter()
                  .Name("trade_count")
                  .Help("Trades by symbol, side and status")
                  .Register(*registry_)),
      mismatches_(prometheus::BuildGauge()
                      .Name("reconciliation_mismatches")
                      .Help("Symbols whose position differs from the broker's after reconciling")
                      .Register(*registry_)),
      data_issues_(prometheus::BuildCounter()
                       .Name("awet_data_quality_issues_total")
                       .Help("Live market-data quality findings, by symbol and kind (gap, "
                             "duplicate, out_of_order, zero_volume, outside_session)")
                       .Register(*registry_)),
      feed_age_(prometheus::BuildGauge()
                    .Name("awet_feed_last_bar_age_seconds")
                    .Help("Seconds since the last live bar of the symbol arrived")
                    .Register(*registry_)),
      feed_stale_(prometheus::BuildGauge()
                      .Name("awet_feed_stale")
                      .Help("1 while the market is open and the symbol's live feed sent no bar "
                            "for too long, else 0")
                      .Register(*registry_)),
      http_refused_(prometheus::BuildCounter()
                        .Name("awet_http_refused_total")
                        .Help("Requests and connections an HTTP server of the process refused, "
                              "by server (agent, venue) and reason")
                        .Register(*registry_)) {}

void AgentMetrics::count_data_quality_issue(std::string_view symbol, std::string_view kind,
                                            int64_t n) {
    if (n <= 0) return;
    data_issues_.Add({{"symbol", std::string(symbol)}, {"kind", std::string(kind)}})
        .Increment(static_cast<double>(n));
}

void AgentMetrics::set_feed_health(std::string_view symbol, int64_t last_bar_age_seconds,
                                   bool stale) {
    const std::string s(symbol);
    feed_age_.Add({{"symbol", s}}).Set(static_cast<double>(last_bar_age_seconds));
    feed_stale_.Add({{"symbol", s}}).Set(stale ? 1.0 : 0.0);
}

void AgentMetrics::count_http_refused(std::string_view server, std::string_view reason) {
    http_refused_
        .Add({{"agent", agent_}, {"server", std::string(server)}, {"reason", std::string(reason)}})
        .Increment();
}

void AgentMetrics::set_reconciliation_mismatches(int symbols) {
    mismatches_.Add({{"agent", agent_}}).Set(static_cast<double>(symbols));
}

void AgentMetrics::record_event(std::string_view topic, bool ok, double latency_seconds) {
    const std::string t(topic);
    events_.Add({{"agent", agent_}, {"topic", t}, {"status", ok ? "ok" : "error"}}).Increment();
    latency_.Add({{"agent", agent_}, {"topic", t}}, latency_buckets()).Observe(latency_seconds);
}

void AgentMetrics::set_consumer_lag(std::string_view group, std::string_view topic, int partition,
                                    int64_t lag) {
    lag_.Add({{"group", std::string(group)},
              {"topic", std::string(topic)},
              {"partition", std::to_string(partition)}})
        .Set(static_cast<double>(lag));
}

void AgentMetrics::observe_inference(std::string_view model, double seconds) {
    inference_.Add({{"model", std::string(model)}}, latency_buckets()).Observe(seconds);
}

void AgentMetrics::count_trade(std::string_view symbol, std::string_view side,
                               std::string_view status) {
    trades_
        .Add({{"symbol", std::string(symbol)},
              {"side", std::string(side)},
              {"status", std::string(status)}})
        .Increment();
}

std::string AgentMetrics::serialize() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
}

}  // namespace awet
