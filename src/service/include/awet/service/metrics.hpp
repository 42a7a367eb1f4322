#pragma once
// The metrics of seed §10.2, one registry per agent process, served as Prometheus text by the
// agent's GET /metrics. Thread-safe (prometheus-cpp's counters, gauges and histograms are atomic).
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>

namespace awet {

class AgentMetrics {
public:
    explicit AgentMetrics(std::string agent);

    /// events_processed_total{agent, topic, status="ok"|"error"} and
    /// event_latency_seconds{agent, topic} (handling time).
    void record_event(std::string_view topic, bool ok, double latency_seconds);
    /// kafka_consumer_lag{group, topic, partition}: messages behind the partition's end.
    void set_consumer_lag(std::string_view group, std::string_view topic, int partition,
                          int64_t lag);
    /// model_inference_latency{model} in seconds (one forward pass / batch).
    void observe_inference(std::string_view model, double seconds);
    /// trade_count{symbol, side, status}.
    void count_trade(std::string_view symbol, std::string_view side, std::string_view status);

    /// reconciliation_mismatches{agent}: symbols whose position the last reconciliation could
    /// not bring to the broker's (non-zero: the execution agent halted trading).
    void set_reconciliation_mismatches(int symbols);

    /// awet_data_quality_issues_total{symbol, kind}: live-feed data-quality findings (kind: gap,
    /// duplicate, out_of_order, zero_volume, outside_session), `n` at a time.
    void count_data_quality_issue(std::string_view symbol, std::string_view kind, int64_t n = 1);
    /// awet_feed_last_bar_age_seconds{symbol} and awet_feed_stale{symbol} (0/1): how long ago the
    /// symbol's last live bar arrived, and whether the feed is stale (market open, none for too
    /// long).
    void set_feed_health(std::string_view symbol, int64_t last_bar_age_seconds, bool stale);

    /// awet_http_refused_total{agent, server, reason}: requests and connections an HTTP server of
    /// the process refused ("unauthorized", "too_large", "header_timeout", "evicted", "busy", ...;
    /// see HttpServerOptions::on_refused), server "agent" (/health, /metrics) or "venue".
    void count_http_refused(std::string_view server, std::string_view reason);

    /// Prometheus text exposition format (version 0.0.4) of every metric.
    std::string serialize() const;
    const std::string& agent() const { return agent_; }
    std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

private:
    std::string agent_;
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>& events_;
    prometheus::Family<prometheus::Histogram>& latency_;
    prometheus::Family<prometheus::Gauge>& lag_;
    prometheus::Family<prometheus::Histogram>& inference_;
    prometheus::Family<prometheus::Counter>& trades_;
    prometheus::Family<prometheus::Gauge>& mismatches_;
    prometheus::Family<prometheus::Counter>& data_issues_;
    prometheus::Family<prometheus::Gauge>& feed_age_;
    prometheus::Family<prometheus::Gauge>& feed_stale_;
    prometheus::Family<prometheus::Counter>& http_refused_;
};

}  // namespace awet
