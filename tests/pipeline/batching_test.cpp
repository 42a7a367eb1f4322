// The prediction agent's batching by bar start (what the TFT asks for), with fake forecasters: no
// torch here.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "awet/bus/inproc_bus.hpp"
#include "awet/data/synthetic_market.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

using Call = std::vector<std::pair<std::string, Timestamp>>;  // (symbol, bar start) of one batch

/// What a fake forecaster was asked, shared with the test after the agent took ownership.
struct CallLog {
    std::vector<Call> batches;  // forecast_batch() calls
    int64_t single = 0;         // forecast() calls
};

/// Forecasts a function of the symbol and the bar; nothing on a symbol's first bar (warm-up).
class FakeForecaster final : public Forecaster {
public:
    FakeForecaster(bool batching, CallLog* log) : batching_(batching), log_(log) {}
    std::string_view model_id() const override { return "fake-1"; }
    std::optional<HorizonForecasts> forecast(const FeatureVector& fv) override {
        ++log_->single;
        return compute(fv);
    }
    void forecast_batch(std::span<const FeatureVector> features,
                        std::span<std::optional<HorizonForecasts>> out) override {
        Call call;
        for (size_t i = 0; i < features.size(); ++i) {
            call.emplace_back(features[i].header.symbol.str(), features[i].bar_start);
            out[i] = compute(features[i]);
        }
        log_->batches.push_back(call);
    }
    bool batches_by_timestamp() const override { return batching_; }
    InferenceStats inference_stats() const override {
        InferenceStats s;
        s.batches = static_cast<int64_t>(log_->batches.size());
        for (const auto& b : log_->batches) s.rows += static_cast<int64_t>(b.size());
        return s;
    }

private:
    std::optional<HorizonForecasts> compute(const FeatureVector& fv) {
        const std::string symbol = fv.header.symbol.str();
        if (seen_.insert(symbol).second) return std::nullopt;
        const double mid = (static_cast<double>(symbol[0] - 'A') - 2.0) * 1e-3 +
                           static_cast<double>(fv.bar_start.ns() / 60'000'000'000 % 7) * 1e-4;
        HorizonForecasts q{};
        for (size_t h = 0; h < kNumHorizons; ++h) q[h] = {mid - 1e-3, mid, mid + 1e-3};
        return q;
    }
    bool batching_;
    CallLog* log_;
    std::set<std::string> seen_;
};

const Timestamp kT0 = *Timestamp::parse("2026-03-16T14:00:00Z");
Timestamp bar(int i) { return kT0 + Duration::minutes(i); }

/// A prediction agent on its own bus with a fake forecaster; collects what it publishes.
class Harness {
public:
    explicit Harness(bool batching)
        : agent_(bus_, clock_, 9, Config{}, nullptr, ModelLoader{}),
          features_(Source::kFeatures, 9) {
        agent_.set_forecaster(std::make_unique<FakeForecaster>(batching, &log));
        agent_.attach();
        bus_.subscribe(Topic::kPredictionsTft, "test", [this](const Delivery& d) {
            published.push_back(std::get<Prediction>(d.event));
            return Status::Ok();
        });
    }
    /// One symbol's features at bar i, published and handled.
    void feed(const std::string& symbol, int i) {
        FeatureVector fv;
        fv.bar_start = bar(i);
        fv.close = Price::from_double(100.0 + i);
        const Symbol sym(symbol);
        fv.header = features_.root(sym, make_key("feat", sym, fv.bar_start),
                                   fv.bar_start + Duration::minutes(1), clock_.now());
        clock_.advance_to(fv.bar_start + Duration::minutes(1));
        ASSERT_TRUE(bus_.publish(Topic::kMarketEngineered, fv).ok());
        bus_.poll();
    }
    void flush() {
        ASSERT_TRUE(agent_.flush().ok());
        bus_.poll();
    }
    PredictionAgent& agent() { return agent_; }

    CallLog log;
    std::vector<Prediction> published;

private:
    InProcBus bus_;
    SimClock clock_;
    PredictionAgent agent_;
    HeaderFactory features_;
};

void expect_same_predictions(const std::vector<Prediction>& a, const std::vector<Prediction>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].header.event_id, b[i].header.event_id) << i;
        EXPECT_EQ(a[i].header.correlation_id, b[i].header.correlation_id) << i;
        EXPECT_EQ(a[i].header.idempotency_key, b[i].header.idempotency_key) << i;
        EXPECT_EQ(a[i].header.symbol, b[i].header.symbol) << i;
        EXPECT_EQ(a[i].header.ts, b[i].header.ts) << i;
        EXPECT_EQ(a[i].header.ts_init, b[i].header.ts_init) << i;
        EXPECT_EQ(a[i].bar_start, b[i].bar_start) << i;
        EXPECT_EQ(a[i].signal, b[i].signal) << i;
        for (size_t h = 0; h < kNumHorizons; ++h) {
            EXPECT_EQ(a[i].horizons[h].q50, b[i].horizons[h].q50) << i;
        }
    }
}

TEST(PredictionBatching, OneCallPerBarStartWithTheSamePredictionsAsOneByOne) {
    Harness batched(true), single(false);
    const std::vector<std::string> symbols = {"AAPL", "MSFT", "TSLA"};
    for (int i = 0; i < 5; ++i) {
        for (const auto& s : symbols) {
            batched.feed(s, i);
            single.feed(s, i);
        }
        if (i >= 1) {
            // From the second bar start on, a group is complete with its last symbol: its
            // predictions are out before any later bar arrives.
            EXPECT_EQ(batched.published.size(), single.published.size()) << "bar " << i;
        }
    }
    batched.flush();
    single.flush();

    EXPECT_EQ(batched.log.single, 0);
    EXPECT_TRUE(single.log.batches.empty());
    ASSERT_EQ(batched.log.batches.size(), 5u);
    for (size_t b = 0; b < batched.log.batches.size(); ++b) {
        const Call& call = batched.log.batches[b];
        ASSERT_EQ(call.size(), symbols.size()) << b;
        for (size_t k = 0; k < call.size(); ++k) {
            EXPECT_EQ(call[k].first, symbols[k]) << b;  // arrival order
            EXPECT_EQ(call[k].second, bar(static_cast<int>(b))) << b;
        }
    }
    // Warm-up (first bar) gives nothing; every later feature vector one prediction.
    EXPECT_EQ(batched.published.size(), 4 * symbols.size());
    expect_same_predictions(batched.published, single.published);
    const InferenceStats stats = batched.agent().inference_stats();
    EXPECT_EQ(stats.batches, 5);
    EXPECT_EQ(stats.rows, 15);
    EXPECT_EQ(single.agent().inference_stats().batches, 0);
}

TEST(PredictionBatching, MissingAndLateSymbolsKeepTheirPredictions) {
    Harness h(true);
    for (int i = 0; i < 2; ++i) {
        for (const char* s : {"AAPL", "MSFT", "TSLA"}) h.feed(s, i);
    }
    ASSERT_EQ(h.published.size(), 3u);  // bar 1 (bar 0 warms up)

    // Bar 2 lacks TSLA: the group waits for it...
    h.feed("AAPL", 2);
    h.feed("MSFT", 2);
    EXPECT_EQ(h.published.size(), 3u);
    EXPECT_TRUE(h.agent().has_pending_other_than(bar(3)));
    EXPECT_FALSE(h.agent().has_pending_other_than(bar(2)));
    // ...until flushed (what the pipeline does before a later bar start).
    h.flush();
    ASSERT_EQ(h.published.size(), 5u);
    EXPECT_EQ(h.published[3].bar_start, bar(2));
    EXPECT_EQ(h.published[4].bar_start, bar(2));
    EXPECT_FALSE(h.agent().has_pending_other_than(bar(3)));

    // Bar 3: two symbols were seen at bar 2, so the group is forecast after two; TSLA, late,
    // is forecast alone at once.
    h.feed("AAPL", 3);
    h.feed("MSFT", 3);
    EXPECT_EQ(h.published.size(), 7u);
    h.feed("TSLA", 3);
    ASSERT_EQ(h.published.size(), 8u);
    EXPECT_EQ(h.published.back().header.symbol.str(), "TSLA");
    EXPECT_EQ(h.published.back().bar_start, bar(3));
    const auto& b = h.log.batches;
    ASSERT_GE(b.size(), 2u);
    EXPECT_EQ(b[b.size() - 2].size(), 2u);
    ASSERT_EQ(b.back().size(), 1u);
    EXPECT_EQ(b.back()[0].first, "TSLA");

    // Bar 4 with all three: one call of three.
    for (const char* s : {"AAPL", "MSFT", "TSLA"}) h.feed(s, 4);
    EXPECT_EQ(h.published.size(), 11u);
    EXPECT_EQ(h.log.batches.back().size(), 3u);
}

TEST(PredictionBatching, ASymbolTwiceInOneBarStartIsForecastInOrder) {
    Harness h(true);
    for (const char* s : {"AAPL", "MSFT"}) h.feed(s, 0);
    h.feed("AAPL", 1);
    h.feed("AAPL", 1);  // a correction of the same bar
    // Two calls: the first AAPL alone, then the second one waits for MSFT.
    ASSERT_EQ(h.log.batches.size(), 2u);
    EXPECT_EQ(h.log.batches.back().size(), 1u);
    h.feed("MSFT", 1);
    ASSERT_EQ(h.log.batches.size(), 3u);
    EXPECT_EQ(h.log.batches.back().size(), 2u);
    ASSERT_EQ(h.published.size(), 3u);
    EXPECT_EQ(h.published[0].header.symbol.str(), "AAPL");
    EXPECT_EQ(h.published[1].header.symbol.str(), "AAPL");
    EXPECT_EQ(h.published[2].header.symbol.str(), "MSFT");
}

/// The linear baseline behind a batching facade: the same forecasts, grouped by bar start.
class BatchingLinear final : public Forecaster {
public:
    BatchingLinear(std::unique_ptr<Forecaster> inner, CallLog* log)
        : inner_(std::move(inner)), log_(log) {}
    std::string_view model_id() const override { return inner_->model_id(); }
    std::optional<HorizonForecasts> forecast(const FeatureVector& fv) override {
        ++log_->single;
        return inner_->forecast(fv);
    }
    void forecast_batch(std::span<const FeatureVector> features,
                        std::span<std::optional<HorizonForecasts>> out) override {
        Call call;
        for (size_t i = 0; i < features.size(); ++i) {
            call.emplace_back(features[i].header.symbol.str(), features[i].bar_start);
            out[i] = inner_->forecast(features[i]);
        }
        log_->batches.push_back(call);
    }
    bool batches_by_timestamp() const override { return true; }
    InferenceStats inference_stats() const override {
        InferenceStats s;
        s.batches = static_cast<int64_t>(log_->batches.size());
        for (const auto& b : log_->batches) s.rows += static_cast<int64_t>(b.size());
        s.p50_us = s.p99_us = s.max_us = 1;
        return s;
    }

private:
    std::unique_ptr<Forecaster> inner_;
    CallLog* log_;
};

class PipelineBatching : public ::testing::Test {
protected:
    void SetUp() override {
        config_.execution.dry_run = false;
        config_.execution.approval_file = dir_.file("APPROVE");
        config_.prediction.model_dir = dir_.file("models");
        ASSERT_TRUE(
            SafetyGate::approve(config_.execution.approval_file, "test", Timestamp::from_seconds(1))
                .ok());
        SyntheticMarketConfig market;
        market.seed = 11;
        market.days = 3;
        auto sessions = split_sessions(generate_synthetic_market(market));
        ASSERT_EQ(sessions.size(), 3u);
        for (size_t s = 0; s < 2; ++s)
            train_.insert(train_.end(), sessions[s].begin(), sessions[s].end());
        trade_ = sessions[2];
        auto store = SqliteStore::open(dir_.file("m.db"), 1000);
        ASSERT_TRUE(store.ok());
        ASSERT_TRUE((*store)->migrate().ok());
        auto outcome = train_and_register(**store, config_, compute_features(train_, config_.seed),
                                          train_.back().bar_start);
        ASSERT_TRUE(outcome.ok()) << outcome.error().message;
        record_ = outcome->record;
    }

    /// Replays the trading session with the linear model, batched or not; the predictions.
    std::vector<Prediction> run(bool batching, CallLog* log, InferenceStats* stats) {
        auto loaded = default_model_loader()(record_);
        EXPECT_TRUE(loaded.ok());
        SimBroker broker(SimBrokerConfig{});
        PipelineOptions options;
        options.persist = false;
        Pipeline pipeline(config_, nullptr, broker, default_model_loader(), options);
        pipeline.set_venue_step([&broker](const MarketBar& bar) { broker.on_bar(bar); });
        if (batching) {
            pipeline.prediction().set_forecaster(
                std::make_unique<BatchingLinear>(std::move(*loaded), log));
        } else {
            pipeline.prediction().set_forecaster(std::move(*loaded));
        }
        std::vector<Prediction> out;
        pipeline.bus().subscribe(Topic::kPredictionsTft, "test", [&out](const Delivery& d) {
            out.push_back(std::get<Prediction>(d.event));
            return Status::Ok();
        });
        EXPECT_TRUE(pipeline.start().ok());
        // Drop one symbol's bar now and then: those groups are completed by the next bar start.
        int n = 0;
        for (const auto& bar : trade_) {
            if (bar.header.symbol.str() == "TSLA" && ++n % 50 == 0) continue;
            EXPECT_TRUE(pipeline.process(bar).ok());
        }
        EXPECT_TRUE(pipeline.finish().ok());
        *stats = pipeline.inference_stats();
        return out;
    }

    testing::TempDir dir_;
    Config config_;
    std::vector<MarketBar> train_, trade_;
    ModelRecord record_;
};

TEST_F(PipelineBatching, BatchedLinearPublishesExactlyTheUnbatchedPredictions) {
    CallLog log, unused;
    InferenceStats batched_stats, single_stats;
    const auto batched = run(true, &log, &batched_stats);
    const auto single = run(false, &unused, &single_stats);
    ASSERT_GT(single.size(), 1000u);
    expect_same_predictions(batched, single);
    // Batches of one bar start and distinct symbols. A bar start is one call, except right after
    // a dropped TSLA bar: the group is complete after the six symbols seen the bar before, and
    // TSLA, late, is forecast alone.
    ASSERT_FALSE(log.batches.empty());
    std::map<int64_t, std::vector<Call>> by_start;
    for (const Call& call : log.batches) {
        for (const auto& entry : call) EXPECT_EQ(entry.second, call.front().second);
        by_start[call.front().second.ns()].push_back(call);
    }
    int late = 0;
    for (const auto& [start, calls] : by_start) {
        std::set<std::string> symbols;
        for (const Call& call : calls) {
            for (const auto& entry : call) {
                EXPECT_TRUE(symbols.insert(entry.first).second) << entry.first << " twice";
            }
        }
        ASSERT_LE(calls.size(), 2u);
        if (calls.size() == 2) {
            ++late;
            ASSERT_EQ(calls[1].size(), 1u);
            EXPECT_EQ(calls[1][0].first, "TSLA");
        }
    }
    EXPECT_GT(late, 0);
    EXPECT_EQ(log.single, 0);
    // The last bar start's group was forecast by finish().
    EXPECT_EQ(log.batches.back().front().second, trade_.back().bar_start);
    EXPECT_EQ(batched_stats.batches, static_cast<int64_t>(log.batches.size()));
    EXPECT_EQ(single_stats.rows, 0);  // the linear baseline measures nothing
}

}  // namespace
}  // namespace awet
