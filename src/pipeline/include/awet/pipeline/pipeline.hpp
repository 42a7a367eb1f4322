#pragma once
// Every agent of seed §5.2 on one in-process bus and one simulated clock: the embedded pipeline
// behind `awet demo`, `awet replay`, the integration tests and the benchmarks. It owns the bus, the
// clock and the agents; the store, broker and model loader are chosen by the composition root.
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "awet/audit/recorder.hpp"
#include "awet/bus/inproc_bus.hpp"
#include "awet/config/config.hpp"
#include "awet/core/clock.hpp"
#include "awet/pipeline/agents.hpp"
#include "awet/pipeline/bar_step.hpp"
#include "awet/pipeline/eod_job.hpp"
#include "awet/portfolio/reconciler.hpp"
#include "awet/store/store.hpp"

namespace awet {

struct PipelineOptions {
    /// Attach the Recorder (every event to its table and to audit_events). Off: nothing persisted
    /// but the execution engine's trades rows when a store is given.
    bool persist = true;
    /// Run the EOD job at each session close (daily_pnl_summary).
    bool run_eod = true;
};

/// What a pipeline took over from the store at start (all zero on an empty store).
struct RestoredState {
    size_t fills = 0;           // trade rows with fills replayed into the book
    size_t open_positions = 0;  // symbols not flat
    size_t open_lots = 0;       // entries the exit agent keeps managing
    size_t open_orders = 0;     // orders still open in trades, brought to the broker's truth
    Money realized;             // the book's realized PnL before this run
    size_t closed_trades = 0;   // the book's closed trades before this run
    Timestamp last_activity;    // latest order or fill time in trades (unset: none)
};

/// The latest order or fill time of `trades` (unset when there are none).
Timestamp last_trade_activity(std::span<const TradeRow> trades);
/// The same over the store's `trades`.
Result<Timestamp> last_trade_activity(Store& store);
/// A run whose first bar starts before `last_activity` would mix its results with an earlier
/// run's: kAlreadyExists with one line saying how to proceed (a later range, --fresh, --db).
Status check_range_not_run(Timestamp last_activity, Timestamp first_bar_start);

/// The simulated venue's step: fills resting orders against a bar (SimBroker::on_bar). Live brokers
/// have none; their fills arrive on their own.
using VenueStep = std::function<void(const MarketBar&)>;

class Pipeline {
public:
    Pipeline(const Config& config, Store* store, Broker& broker, ModelLoader loader,
             PipelineOptions options = {});
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    void set_venue_step(VenueStep step) { venue_step_ = std::move(step); }
    /// Takes over what the store holds (the book, the exit lots and the exposure the stored trades
    /// explain: see restore_from_store), reconciles with the broker and subscribes the agents;
    /// writes nothing. Trading does not start (error) if the book and the broker disagree.
    Status start();
    /// The same with the store's `trades` already loaded (all of them, as load_trades gives them
    /// for an empty query), so that a caller that needs them too reads them once.
    Status start(std::span<const TradeRow> stored_trades);
    /// One bar through the whole chain: venue fills at the bar's open, then the bar is published at
    /// its end and every consequence is handled before this returns; EOD when a session closed.
    /// The first bar must come after everything the store recorded (kAlreadyExists otherwise,
    /// with nothing written); then the orders earlier runs left open are brought to the broker's
    /// truth before it is handled.
    Status process(const MarketBar& bar);
    /// End of data: EOD for the last session, flush, final reconciliation.
    Status finish();

    const PipelineCounters& counters() const { return watchtower_.counters(); }
    const Portfolio& portfolio() const { return portfolio_.portfolio(); }
    const std::vector<DailyPnlRow>& daily_rows() const { return eod_.rows(); }
    const std::optional<ReconcileReport>& last_reconcile() const { return last_reconcile_; }
    const RestoredState& restored() const { return restored_state_; }
    PredictionAgent& prediction() { return prediction_; }
    const PredictionAgent& prediction() const { return prediction_; }
    /// model_inference_latency of the serving forecaster (empty for the linear baseline).
    InferenceStats inference_stats() const { return prediction_.inference_stats(); }
    const ExecutionAgent& execution() const { return execution_; }
    const ExitAgent& exits() const { return exits_; }
    const RiskAgent& risk() const { return risk_; }
    InProcBus& bus() { return bus_; }
    SimClock& clock() { return clock_; }

private:
    /// A store with fills from earlier runs (or an earlier life of this process): the book, the
    /// risk engine's positions and open orders and the exit lots are rebuilt from `trades`.
    Status restore_from_store(std::span<const TradeRow> trades);
    /// The agents in subscription order (each one's start-up is its own: agent.hpp).
    std::array<Agent*, 7> agents();
    /// The first bar must come after everything the store recorded: a range already run would
    /// mix its results with this run's (refused: kAlreadyExists, saying how to proceed).
    Status check_not_run_before(const MarketBar& first_bar);
    /// The orders earlier runs left open, reconciled with the broker (reports on the bus).
    Status settle_open_orders();
    /// Every agent's event ids from the start of its seeded stream (HeaderFactory::restart_ids).
    void restart_ids();
    Status run_eod(const Date& date, Timestamp close);
    Config config_;
    Store* store_;
    Broker& broker_;
    PipelineOptions options_;
    InProcBus bus_;
    SimClock clock_;
    VenueStep venue_step_;
    IngestionAgent ingestion_;
    FeatureAgent features_;
    PredictionAgent prediction_;
    RiskAgent risk_;
    ExecutionAgent execution_;
    ExitAgent exits_;
    PortfolioAgent portfolio_;
    WatchtowerAgent watchtower_;
    std::unique_ptr<Recorder> recorder_;
    bool started_ = false;
    bool restored_ = false;
    std::optional<Date> session_date_;
    Timestamp session_close_;
    EodJob eod_;
    /// This process's part in step_bar: its clock, venue, ingestion agent and bus.
    struct Stepper final : BarStepper {
        explicit Stepper(Pipeline& pipeline) : p(pipeline) {}
        void clock_to(Timestamp t) override;
        Status venue_moves(const MarketBar& bar) override;
        Status publish(const MarketBar& bar) override;
        Status settle(const char* phase) override;
        Pipeline& p;
        bool nothing_moved = false;
    } stepper_{*this};
    std::optional<std::pair<Date, Timestamp>> eod_due_;  // close reached, EOD at the next bar start
    std::optional<Timestamp> last_bar_start_;
    std::optional<Reconciler> reconciler_;
    std::optional<ReconcileReport> last_reconcile_;
    RestoredState restored_state_;
    std::vector<TradeRow> open_orders_;  // left open by earlier runs, settled at the first bar
};

}  // namespace awet
