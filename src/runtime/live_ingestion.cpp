// The ingestion agent's live mode. Each turn of the agent's loop (run_loop, process.cpp):
//   1. drain the BarStream (its own thread keeps the WebSocket connected, authorized, subscribed);
//   2. parse each message (parse_stream_bars): bars; trades/quotes/statuses counted and skipped;
//      a malformed bar logged with its field and skipped;
//   3. each bar goes through the LiveFeedMonitor (arrival = wall clock): its findings are counted
//      in awet_data_quality_issues_total{symbol,kind} and logged; a repeated bar (same symbol and
//      bar_start) is not published again, every other bar is, through IngestionAgent::ingest on
//      market.raw, with the process clock at the bar's end (as in a replay); the bus is flushed;
//   4. once a second: awet_feed_last_bar_age_seconds / awet_feed_stale per symbol, and /health:
//      degraded while the stream is not authorized (connecting, reconnecting, refused) or a feed
//      is stale during market hours, ok otherwise.
// Nothing is made up: a minute without a bar stays missing (counted as a gap when the next bar
// comes, reported as stale while none comes). SIGTERM ends run_loop; the stream stops with it.
#include "awet/runtime/live_ingestion.hpp"

#include <chrono>
#include <memory>
#include <thread>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/bar_stream.hpp"
#include "awet/core/log.hpp"
#include "awet/core/secrets.hpp"
#include "awet/marketdata/live_feed_monitor.hpp"

namespace awet::runtime {

namespace {

class LiveIngestion {
public:
    LiveIngestion(std::unique_ptr<alpaca::BarStream> stream, marketdata::LiveFeedMonitor monitor,
                  LiveIngestionContext context, BarLimits limits, std::vector<std::string> secrets)
        : stream_(std::move(stream)),
          monitor_(std::move(monitor)),
          ctx_(std::move(context)),
          limits_(limits),
          secrets_(std::move(secrets)) {}
    ~LiveIngestion() { stream_->stop(); }

    Status step() {
        const Timestamp now = WallClock().now();
        const std::vector<std::string> messages = stream_->drain();
        size_t published = 0;
        for (const std::string& m : messages) {
            auto parsed = alpaca::parse_stream_bars(m, limits_);
            if (!parsed.ok()) {
                ++unreadable_;
                warn(parsed.error().message + " (" + std::to_string(unreadable_) +
                     " unreadable messages so far)");
                continue;
            }
            for (const std::string& note : parsed->notes) warn(note);
            for (const MarketBar& bar : parsed->bars) {
                bool repeat = false;
                for (const auto& issue : monitor_.on_bar(bar, now)) {
                    ctx_.metrics.count_data_quality_issue(
                        issue.symbol, marketdata::feed_issue_name(issue.kind), 1);
                    logger("ingestion")->info("data quality {}: {}", issue.symbol, issue.detail);
                    repeat = repeat || issue.kind == marketdata::FeedIssueKind::kDuplicate;
                }
                if (repeat) continue;  // published already
                ctx_.clock.advance_to(bar.bar_start + bar.interval);
                AWET_TRY(ctx_.ingestion.ingest(bar));
                ++published;
            }
        }
        if (published > 0) AWET_TRY(ctx_.flush());
        if (std::chrono::steady_clock::now() - last_health_ > std::chrono::seconds(1)) {
            last_health_ = std::chrono::steady_clock::now();
            update_health(now);
        }
        if (messages.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return Status::Ok();
    }

private:
    void update_health(Timestamp now) {
        std::string stale;
        for (const auto& h : monitor_.check(now)) {
            ctx_.metrics.set_feed_health(h.symbol, h.last_bar_age_s, h.stale);
            if (h.stale) {
                stale += (stale.empty() ? "" : ", ") + h.symbol + " (" +
                         std::to_string(h.last_bar_age_s) + " s)";
            }
        }
        const alpaca::StreamStatus s = stream_->status();
        DependencyHealth state{true, "streaming live bars (" + stream_->url() + ")"};
        if (!s.authorized) {
            state = {false, std::string("alpaca bar stream ") +
                                (s.fatal ? "stopped: " : "not authorized yet: ") +
                                (s.last_error.empty() ? "connecting" : s.last_error)};
        } else if (!stale.empty()) {
            state = {false, "stale live bars during market hours: " + stale};
        }
        state.detail = redact(std::move(state.detail), secrets_);  // /health is unauthenticated
        if (state.ok != last_ok_ || state.detail != last_detail_) {
            if (!state.ok) logger("ingestion")->warn("degraded: {}", state.detail);
            last_ok_ = state.ok;
            last_detail_ = state.detail;
            ctx_.set_state(std::move(state));
        }
    }
    /// At most one warning every 10 s (a broken feed must not flood the log).
    void warn(const std::string& what) {
        const auto t = std::chrono::steady_clock::now();
        if (t - last_warn_ < std::chrono::seconds(10)) return;
        last_warn_ = t;
        // A server may echo the auth message: the keys never reach the log.
        logger("ingestion")->warn("alpaca stream: {}", redacted_excerpt(what, secrets_, 600));
    }

    std::unique_ptr<alpaca::BarStream> stream_;
    marketdata::LiveFeedMonitor monitor_;
    LiveIngestionContext ctx_;
    uint64_t unreadable_ = 0;
    BarLimits limits_;
    std::vector<std::string> secrets_;  // the Alpaca keys
    bool last_ok_ = true;
    std::string last_detail_;
    std::chrono::steady_clock::time_point last_health_{};
    std::chrono::steady_clock::time_point last_warn_{};
};

}  // namespace

Result<std::function<Status()>> start_live_ingestion(const Config& config,
                                                     const std::string& vendor,
                                                     std::vector<std::string> symbols,
                                                     LiveIngestionContext context) {
    if (vendor != "alpaca") {
        return make_error(ErrorCode::kInvalidArgument,
                          "--live: unknown vendor '" + vendor + "' (alpaca)");
    }
    if (symbols.empty()) symbols = config.data.symbols;
    auto keys = alpaca::options_from_env();
    if (!keys.ok()) return keys.error();
    alpaca::BarStreamOptions options =
        alpaca::bar_stream_options(*keys, symbols, config.data.alpaca_feed);
    options.base_url = config.data.alpaca_stream_url;
    auto stream = alpaca::BarStream::create(options);
    if (!stream.ok()) return stream.error();
    marketdata::LiveFeedOptions monitor_options;
    monitor_options.stale_after_seconds = config.data.stale_feed_seconds;
    marketdata::LiveFeedMonitor monitor(symbols, WallClock().now(), monitor_options);
    context.set_state({false, "alpaca bar stream connecting to " + (*stream)->url()});
    if (Status s = (*stream)->start(); !s.ok()) return s.error();
    logger("ingestion")->info("live bars from {} for {} symbols", (*stream)->url(), symbols.size());
    auto live = std::make_shared<LiveIngestion>(
        std::move(*stream), std::move(monitor), std::move(context), bar_limits(config.data),
        std::vector<std::string>{keys->key_id, keys->secret_key});
    return std::function<Status()>([live] { return live->step(); });
}

}  // namespace awet::runtime
