#pragma once
// The agents of seed §5.2 as bus subscribers. Each wraps one pure engine (features, forecaster,
// risk, execution, exits, portfolio) and does only the wiring: consume a topic, call the engine,
// publish what it returns. The same agents run in demo, replay and (later) live processes.
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "awet/bus/event_bus.hpp"
#include "awet/config/config.hpp"
#include "awet/core/clock.hpp"
#include "awet/execution/execution_engine.hpp"
#include "awet/exits/exit_manager.hpp"
#include "awet/features/feature_engine.hpp"
#include "awet/ml/forecaster.hpp"
#include "awet/model/header_factory.hpp"
#include "awet/pipeline/agent.hpp"
#include "awet/portfolio/portfolio.hpp"
#include "awet/portfolio/stored_book.hpp"
#include "awet/risk/risk_engine.hpp"
#include "awet/risk/risk_state.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// The root header of a market bar (seed §6.2): a new chain (correlation id), key
/// "bar:<symbol>:<bar start ns>", event time = the bar's end. Used by the ingestion agent and by
/// the offline feature computation, so both stamp bars the same way.
EventHeader bar_header(HeaderFactory& headers, const MarketBar& bar, Timestamp ts_init);

/// DataIngestionAgent: stamps the seed §6.2 header on a bar from a MarketDataSource and publishes
/// it on market.raw.
class IngestionAgent {
public:
    IngestionAgent(EventBus& bus, const Clock& clock, uint64_t seed)
        : bus_(bus), clock_(clock), headers_(Source::kIngestion, seed) {}
    Status ingest(const MarketBar& bar);
    void restart_ids() { headers_.restart_ids(); }

private:
    EventBus& bus_;
    const Clock& clock_;
    HeaderFactory headers_;
};

/// FeatureEngineeringAgent: market.raw -> market.engineered.
class FeatureAgent final : public Agent {
public:
    FeatureAgent(EventBus& bus, const Clock& clock, uint64_t seed)
        : bus_(bus), clock_(clock), headers_(Source::kFeatures, seed) {}
    std::string_view name() const override { return "features"; }
    void attach() override;
    void restart_ids() { headers_.restart_ids(); }

private:
    EventBus& bus_;
    const Clock& clock_;
    HeaderFactory headers_;
    FeatureEngine engine_;
};

/// Loads a forecaster for a models_registry row (the composition root knows the model types).
using ModelLoader = std::function<Result<std::unique_ptr<Forecaster>>(const ModelRecord&)>;

/// TimeSeriesPredictionAgent: market.engineered -> predictions.tft with the registry's green model.
/// Checks models_registry every `reload_check_bars` feature events and swaps to a new green model
/// without a restart; a model that fails to load is reported and the previous one kept.
///
/// A forecaster that batches_by_timestamp() (the TFT) gets the feature vectors of one bar start in
/// one forecast_batch() call: they are buffered until the group is complete (as many as the
/// distinct symbols of the previous bar start), until a later bar start arrives, or until flush()
/// (Pipeline::process before a new bar start, Pipeline::finish). A symbol arriving after its group
/// was forecast is forecast at once, alone. Predictions go out in arrival order with the headers
/// the one-at-a-time path would give them. Other forecasters are called once per feature vector.
class PredictionAgent final : public Agent {
public:
    PredictionAgent(EventBus& bus, const Clock& clock, uint64_t seed, const Config& config,
                    ModelRegistry* registry, ModelLoader loader);
    std::string_view name() const override { return "prediction"; }
    /// Loads the registry's green model.
    Status on_start(const AgentStart& start) override;
    void attach() override;
    /// Forecasts the buffered group (flush).
    Status stop() override { return flush(); }
    /// Checks the registry now; returns true if the active model changed.
    bool reload_if_changed();
    /// Uses this forecaster (tests, benchmarks, or when no registry is available).
    void set_forecaster(std::unique_ptr<Forecaster> forecaster);
    std::string active_model() const;
    uint64_t load_failures() const { return load_failures_; }
    /// Forecasts and publishes the buffered group now (no-op when nothing is buffered).
    Status flush();
    /// True when feature vectors of a bar start other than `bar_start` wait in the buffer.
    bool has_pending_other_than(Timestamp bar_start) const {
        return !pending_.empty() && pending_.front().bar_start != bar_start;
    }
    /// model_inference_latency of the active forecaster (empty for the linear baseline).
    InferenceStats inference_stats() const;
    void restart_ids() { headers_.restart_ids(); }

private:
    Status handle(const FeatureVector& fv);
    Status handle_batched(const FeatureVector& fv);
    Status publish(const FeatureVector& fv, const HorizonForecasts& q);

    EventBus& bus_;
    const Clock& clock_;
    HeaderFactory headers_;
    double min_confidence_;
    int reload_every_;
    ModelRegistry* store_;
    ModelLoader loader_;
    std::unique_ptr<Forecaster> forecaster_;
    std::string active_model_id_;
    ModelId active_model_key_;     // active_model_id_ as stamped on each prediction (built once)
    std::string failed_model_id_;  // last green that failed to load (not retried until it changes)
    uint64_t since_check_ = 0;
    uint64_t load_failures_ = 0;
    bool warned_no_model_ = false;
    // Batching by bar start.
    std::vector<FeatureVector> pending_;  // of group_start_, in arrival order
    std::vector<std::optional<HorizonForecasts>> pending_out_;
    bool has_group_ = false;
    Timestamp group_start_;              // bar start of the current group
    std::vector<Symbol> group_symbols_;  // distinct symbols seen at group_start_ (flushed or not)
    size_t expected_group_ = 0;  // distinct symbols of the previous bar start (0: unknown yet)
};

/// RiskAgent: predictions.tft -> risk.approved / risk.rejected; tracks prices and executions.
class RiskAgent final : public Agent {
public:
    /// `limits`: where the shared limits live (null: in this process; see risk_state.hpp).
    RiskAgent(EventBus& bus, const Clock& clock, const RiskConfig& config, uint64_t seed,
              std::unique_ptr<SharedRiskLimits> limits = nullptr)
        : bus_(bus), clock_(clock), engine_(config, seed, std::move(limits)) {}
    std::string_view name() const override { return "risk"; }
    /// restore(start.trades, start.ledger, start.decisions).
    Status on_start(const AgentStart& start) override;
    void attach() override;
    const RiskEngine& engine() const { return engine_; }
    RiskEngine& engine() { return engine_; }

    /// Start-up on a store with earlier trades, the same in the embedded pipeline and in an agent
    /// process of its own: the book the trades explain (restore_risk_book) now, and that trading
    /// day's entries (restore_risk_entries) when the first bar arrives, before the bar is handled,
    /// so a restart resets neither the exposure nor the rate limits and cooldowns.
    size_t restore(std::span<const TradeRow> trades, TradeLedger* ledger, DecisionLog* decisions);

private:
    EventBus& bus_;
    const Clock& clock_;
    RiskEngine engine_;
    TradeLedger* entries_from_ = nullptr;  // set: restore the first bar's day's entries from here
};

/// Before the first bar a risk engine sees: entries already in `trades` for that bar's trading day
/// count towards the limits (orders per minute and per symbol per day, cooldowns), so a restart
/// does not reset them.
Status restore_risk_entries(RiskEngine& engine, TradeLedger& store, const MarketBar& first_bar);

/// On a store that already holds fills: the positions the trades explain (signed filled
/// quantities, priced at the symbol's last fill until a bar comes), the orders still open
/// (pending, partially filled: an entry's unfilled rest reserved again) and the orders that
/// finished, so the exposure gates count what earlier runs left open, a later report of an open
/// order adds only what it adds, and a report of a finished one delivered again changes
/// nothing. With `store`, open entries are reserved at their decisions' reference prices
/// (risk_decisions). Returns the number of open positions.
size_t restore_risk_book(RiskEngine& engine, std::span<const TradeRow> trades,
                         DecisionLog* decisions = nullptr);

/// After a restart of the exit agent: the lots of filled entries in `trades` that exits have not
/// closed yet, with their exit attempts (an exit still working is the one in flight), so open
/// positions keep their exits and none is exited twice. Returns the number of open lots.
Result<size_t> restore_exit_lots(ExitManager& manager, TradeLedger& store);
size_t restore_exit_lots(ExitManager& manager, std::span<const TradeRow> trades);

/// ExecutionAgent: risk.approved -> execution.completed / execution.blocked through the safety
/// gates and the broker. Broker callbacks (fills) are published by `publish_broker_events()`.
class ExecutionAgent final : public Agent {
public:
    /// `exits`: the take-profit / stop-loss percentages of bracket entries
    /// (execution.bracket_orders); without it entries are sent plain.
    ExecutionAgent(EventBus& bus, const Clock& clock, const ExecutionConfig& config, Broker& broker,
                   TradeLedger* store, uint64_t seed, const ExitConfig* exits = nullptr);
    std::string_view name() const override { return "execution"; }
    /// The engine resumes its orders from the store itself (ExecutionEngine); bringing open
    /// orders to the broker's truth is the host's step, when its broker answers (reconcile).
    void attach() override;
    /// Publishes the reports the broker produced since the last call (fills, status changes).
    Status publish_broker_events();
    /// Brings the open orders in `trades` to the broker's truth (ExecutionEngine::
    /// reconcile_with_broker) and publishes what that produced.
    Result<OrderSyncReport> reconcile(Timestamp since, Timestamp now);
    const ExecutionEngine& engine() const { return engine_; }
    ExecutionEngine& engine() { return engine_; }

private:
    Status publish(const std::vector<ExecutionReport>& reports);

    EventBus& bus_;
    const Clock& clock_;
    ExecutionEngine engine_;
    std::vector<ExecutionReport> out_;
};

/// ExitAgent: watches market.raw against open lots; exits go out on risk.approved (exempt from
/// entry limits, still through the execution safety gates).
class ExitAgent final : public Agent {
public:
    ExitAgent(EventBus& bus, const Clock& clock, const ExitConfig& config, uint64_t seed)
        : bus_(bus), clock_(clock), manager_(config, seed) {}
    std::string_view name() const override { return "exit"; }
    /// The open lots of start.trades keep their exits (restore_exit_lots).
    Status on_start(const AgentStart& start) override;
    void attach() override;
    const ExitManager& manager() const { return manager_; }
    ExitManager& manager() { return manager_; }

private:
    EventBus& bus_;
    const Clock& clock_;
    ExitManager manager_;
    std::vector<RiskDecision> out_;
};

/// Portfolio keeper: fills -> FIFO book; bars -> marks; positions persisted on every fill.
class PortfolioAgent final : public Agent {
public:
    PortfolioAgent(EventBus& bus, const Clock& clock, PositionBook* store)
        : bus_(bus), clock_(clock), store_(store) {}
    std::string_view name() const override { return "reconciler"; }
    /// restore(book_from_trades(start.trades)).
    Status on_start(const AgentStart& start) override;
    void attach() override;
    /// Starts from the book the stored trades explain (before attach(); see stored_book.hpp).
    void restore(StoredBook stored);
    const Portfolio& portfolio() const { return portfolio_; }
    /// Trade rows with a fill that the restored book was rebuilt from.
    size_t restored_fills() const { return restored_fills_; }

private:
    EventBus& bus_;
    const Clock& clock_;
    PositionBook* store_;
    Portfolio portfolio_;
    size_t restored_fills_ = 0;
    std::unordered_map<IdempotencyKey, Quantity> filled_by_order_;  // cumulative qty applied
};

/// WatchtowerAgent: counts what flows on every topic (the run summary and, later, /metrics).
struct PipelineCounters {
    uint64_t bars = 0;
    uint64_t features = 0;
    uint64_t predictions = 0;
    uint64_t signals = 0;  // predictions with BUY/SELL
    uint64_t approved = 0;
    uint64_t rejected = 0;
    std::map<std::string, uint64_t> rejections_by_reason;
    uint64_t orders_submitted = 0;  // pending reports (accepted by the broker)
    uint64_t orders_blocked = 0;
    uint64_t orders_rejected = 0;
    uint64_t fills = 0;
    uint64_t exits = 0;
    std::map<std::string, uint64_t> exits_by_reason;
    uint64_t dead_letters = 0;
    Uuid example_correlation_id;  // the first chain that reached an exit fill (or an entry fill)
    bool example_has_exit = false;
};

class WatchtowerAgent final : public Agent {
public:
    explicit WatchtowerAgent(EventBus& bus) : bus_(bus) {}
    std::string_view name() const override { return "watchtower"; }
    void attach() override;
    /// The counters so far (rejection reasons are tallied per bit on the hot path and named here).
    const PipelineCounters& counters() const;

private:
    EventBus& bus_;
    mutable PipelineCounters counters_;
    std::array<uint64_t, kNumRiskReasons> rejections_by_bit_{};
};

}  // namespace awet
