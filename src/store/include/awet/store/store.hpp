#pragma once
// The record of everything AWET saw and did (seed §8): role interfaces (one per consumer) and
// Store, all of them at once; backends named for their engine: SqliteStore (embedded default),
// PostgresStore. Callers never see SQL.
//
// Columns hold human units (prices and PnL in dollars, quantities in shares, times as ISO-8601
// UTC text in SQLite / TIMESTAMPTZ in PostgreSQL); fixed-point values round-trip exactly.
// Writes may be batched into one transaction; `flush()` commits. Reads see earlier writes of the
// same Store object (reads run inside the open batch). Not thread-safe: one owner thread.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// Half-open time range [from, to) on bar start; empty symbols = all.
struct BarQuery {
    std::vector<std::string> symbols;
    Timestamp from = Timestamp::from_ns(INT64_MIN);
    Timestamp to = Timestamp::from_ns(INT64_MAX);
    Duration interval = Duration::minutes(1);  // 1 minute: market_raw_minute; 1 day: market_raw_day
};

/// What Store::put_bar_checked did with a bar. A stored bar is never overwritten.
enum class BarPutOutcome : uint8_t {
    kInserted,   // new (symbol, bar start): written
    kIdentical,  // already stored with the same open/high/low/close/volume: nothing written
    kConflict,   // already stored with other values: nothing written, the stored bar is kept
};

struct BarPut {
    BarPutOutcome outcome = BarPutOutcome::kInserted;
    /// kIdentical / kConflict: the bar as stored (the one kept), for the caller's message.
    std::optional<MarketBar> stored;
};

/// A row of `trades` (seed §8.2) plus AWET's own columns.
struct TradeRow {
    int64_t id = 0;  // assigned by the store
    Timestamp ts;    // order time
    Symbol symbol;
    Side side = Side::kBuy;
    Quantity qty;
    Quantity filled_qty;
    Price avg_fill_price;
    OrderStatus status = OrderStatus::kPending;
    std::string alpaca_order_id;  // broker order id (any broker; column name per seed)
    std::string alpaca_status;    // broker's own status word
    Timestamp filled_at;          // unset (0) while not filled
    Uuid correlation_id;
    IdempotencyKey idempotency_key;  // also the client order id
    bool paper_trade = true;         // always true: AWET is paper only
    bool dry_run = false;
    OrderIntent intent = OrderIntent::kEntry;
    ExitReason exit_reason = ExitReason::kNone;
    Money fees;
    std::string block_reason;
};

struct TradeQuery {
    std::optional<std::string> symbol;
    Timestamp from = Timestamp::from_ns(INT64_MIN);
    Timestamp to = Timestamp::from_ns(INT64_MAX);
    std::optional<Uuid> correlation_id;
    size_t limit = SIZE_MAX;
};

/// A row of `positions` (seed §8.2): the current holding of one symbol (qty 0 when flat).
struct PositionRow {
    Symbol symbol;
    Quantity qty;  // signed: negative is short
    Price avg_entry_price;
    Money market_value;
    Money unrealized_pl;
    Money cost_basis;
    Money realized_pl;  // cumulative, FIFO
    Timestamp opened_at;
    Timestamp updated_at;
};

/// A row of `audit_events` (seed §8.2).
struct AuditRecord {
    Uuid event_id;
    Uuid correlation_id;
    std::string idempotency_key;
    std::string symbol;
    Timestamp ts;
    std::string source;
    std::string event_type;
    std::string payload;  // JSON
    int64_t seq = 0;      // insertion order (ties on ts)
};

enum class ModelStatus : uint8_t { kCandidate, kGreen, kDeprecated };
std::string_view to_string(ModelStatus s);  // "candidate", "green", "deprecated"
std::optional<ModelStatus> model_status_from_string(std::string_view s);

/// A row of `models_registry` (seed §7.3).
struct ModelRecord {
    std::string model_id;
    std::string model_type;  // "linear_quantile", "tft"
    ModelStatus status = ModelStatus::kCandidate;
    std::string path;          // artifact file
    std::string metrics_json;  // validation metrics
    std::string params_json;   // hyper-parameters, feature list, data range
    Timestamp created_at;
    Timestamp promoted_at;  // unset unless it was ever green
    /// The bar starts of its first and last training features (unset on models registered before
    /// the registry held them): what a replay over the same bars would be in-sample on.
    Timestamp trained_from, trained_to;
};

/// A row of `daily_pnl_summary` (seed §8.2).
struct DailyPnlRow {
    Date report_date;
    Money realized_pnl_usd;
    Money unrealized_pnl_usd;
    Money total_pnl_usd;
    int num_trades = 0;  // round trips closed that day
    int num_wins = 0;
    int num_losses = 0;
    double win_rate = 0;  // percent, 0..100
    std::string best_symbol;
    std::string worst_symbol;
    Timestamp created_at;
};

/// A row of `backfill_checkpoints`: how far a (source, symbol) backfill got.
struct BackfillCheckpoint {
    std::string source;
    std::string symbol;
    Timestamp last_ts;
    int64_t rows = 0;
    Timestamp updated_at;
};

/// A row of `runs`: one run of a batch command over a range of bars (`awet replay`, the demo),
/// written before its first result and marked finished after its last. A row left unfinished is
/// a run that was killed or crashed: its partial results are what the next run of the same
/// range discards before it redoes it.
struct RunRecord {
    std::string run_id;
    std::string command;  // "awet replay"
    Timestamp first_bar;  // bar start of the first bar (the range: everything at or after it)
    Timestamp last_bar;   // bar start of the last bar (unset until finished)
    int64_t bars = 0;     // bars handled (0 until finished)
    Timestamp started_at;
    Timestamp finished_at;  // unset: running, or interrupted
    int64_t pid = 0;
};

/// A row of `job_runs`: one scheduled job's run for one slot (its scheduled time). (job, slot)
/// is the key: a slot is claimed once, so a job never runs twice for it, even across a restart
/// of the scheduler.
struct JobRunRecord {
    std::string job;           // "night_training", "morning_check", "watchdog", "eod"
    Timestamp slot;            // the scheduled time the run is for
    std::string trigger;       // "on_time", "catch_up" (a slot missed while down), "manual"
    std::string status;        // "running", "ok", "failed", "timed_out", "skipped"
    Timestamp started_at;      // unset for a skipped slot
    Timestamp finished_at;     // unset while running
    std::string summary;       // one line for a person
    std::string details_json;  // the job's figures ("{}" when none)
    Uuid correlation_id;       // of the run's audit events and traces
};

struct JobRunQuery {
    std::string job;                                 // empty: every job
    Timestamp from = Timestamp::from_ns(INT64_MIN);  // slots in [from, to)
    Timestamp to = Timestamp::from_ns(INT64_MAX);
    size_t limit = SIZE_MAX;  // the first this many, by slot
};

/// Who may write to a store at the same time (Store::acquire_writer).
enum class WriterMode : uint8_t {
    /// Agents and commands that add to the record (ingest, eod, the agents of one stack): any
    /// number at once, but not while a run holds the store.
    kShared,
    /// A run that produces derived results from the whole record (replay, demo): alone.
    kExclusive,
};

/// Held while a process writes to a store; released by its destructor, and by the operating
/// system (or the database server) when the process dies, so a crash never leaves it held.
class WriterLease {
public:
    virtual ~WriterLease() = default;
};

// The store's roles: each consumer takes the one it uses (the execution engine the trade
// ledger, the prediction agent the model registry, the recorder the event log, ...), and one
// backend implements them all (Store). Every role can commit its writes (Committer::flush); the
// roles derive from it virtually, so a Store has one flush.

/// Commits the open batch of writes.
class Committer {
public:
    virtual ~Committer() = default;
    virtual Status flush() = 0;
};

/// market_raw_minute / market_raw_day (by bar interval) and features_tft.
class BarStore : public virtual Committer {
public:
    /// false: already stored (symbol, ts); the stored bar is kept, whatever its values.
    virtual Result<bool> put_bar(const MarketBar& bar) = 0;
    /// put_bar, telling a new bar from an identical repeat and from a conflicting one (same
    /// symbol and bar start, other values), and giving back the stored bar. The stored bar is
    /// kept in both cases. The default writes with put_bar and reads the stored bar back with
    /// load_bars only when nothing was written.
    virtual Result<BarPut> put_bar_checked(const MarketBar& bar);
    virtual Result<std::vector<MarketBar>> load_bars(const BarQuery& query) = 0;
    /// One row per symbol and bar; a repeat is ignored.
    virtual Status put_features(const FeatureVector& features) = 0;
    virtual Result<std::vector<FeatureVector>> load_features(const BarQuery& query) = 0;
};

/// predictions_tft and risk_decisions (unique idempotency_key).
class DecisionLog : public virtual Committer {
public:
    virtual Status put_prediction(const Prediction& prediction) = 0;
    virtual Result<std::vector<Prediction>> load_predictions(const BarQuery& query) = 0;
    virtual Status put_risk_decision(const RiskDecision& decision) = 0;
    virtual Result<std::vector<RiskDecision>> load_risk_decisions(Timestamp from, Timestamp to) = 0;
};

/// audit_events (a repeated event_id is ignored).
class AuditLog : public virtual Committer {
public:
    virtual Status put_audit(const EventHeader& header, std::string_view event_type,
                             std::string_view payload_json) = 0;
    /// The chain of one correlation id, in insertion order.
    virtual Result<std::vector<AuditRecord>> load_audit(const Uuid& correlation_id) = 0;
};

/// What the recorder writes: every event to its table and to audit_events.
class EventLog : public virtual BarStore, public virtual DecisionLog, public virtual AuditLog {};

/// trades: the execution engine's ledger, and what restores the book, the risk limits and the
/// exits after a restart.
class TradeLedger : public virtual Committer {
public:
    /// Insert-once by idempotency_key (false: the key exists, nothing written).
    virtual Result<bool> insert_trade(const TradeRow& trade) = 0;
    /// Updates the mutable columns of the trade with trade.idempotency_key.
    virtual Status update_trade(const TradeRow& trade) = 0;
    virtual Result<std::optional<TradeRow>> find_trade(std::string_view idempotency_key) = 0;
    virtual Result<std::vector<TradeRow>> load_trades(const TradeQuery& query) = 0;
};

/// positions: the portfolio's book as the reconciler syncs it.
class PositionBook : public virtual Committer {
public:
    virtual Status upsert_position(const PositionRow& position) = 0;
    virtual Result<std::vector<PositionRow>> load_positions() = 0;
};

/// models_registry: the prediction agent's green model, training's candidates.
class ModelRegistry : public virtual Committer {
public:
    virtual Status register_model(const ModelRecord& model) = 0;
    virtual Result<std::vector<ModelRecord>> list_models() = 0;
    virtual Result<std::optional<ModelRecord>> find_model(std::string_view model_id) = 0;
    virtual Result<std::optional<ModelRecord>> green_model() = 0;
    /// candidate -> green; the previous green becomes deprecated in the same transaction.
    virtual Status promote_model(std::string_view model_id, Timestamp at) = 0;
    virtual Status deprecate_model(std::string_view model_id) = 0;
};

/// daily_pnl_summary (primary key report_date: a re-run replaces the day).
class PnlReports : public virtual Committer {
public:
    virtual Status upsert_daily_pnl(const DailyPnlRow& row) = 0;
    virtual Result<std::vector<DailyPnlRow>> load_daily_pnl(Date from, Date to) = 0;
};

/// backfill_checkpoints: how far each (source, symbol) backfill got.
class CheckpointStore : public virtual Committer {
public:
    virtual Status put_checkpoint(const BackfillCheckpoint& checkpoint) = 0;
    virtual Result<std::optional<BackfillCheckpoint>> get_checkpoint(std::string_view source,
                                                                     std::string_view symbol) = 0;
};

/// job_runs: the scheduler's record of every slot it ran or skipped.
class JobLog : public virtual Committer {
public:
    /// Inserts the row if its (job, slot) is new, committed before this returns: true when it
    /// did (the slot is this caller's to run), false when the slot was claimed before.
    virtual Result<bool> claim_job_run(const JobRunRecord& run) = 0;
    /// Writes the row of (run.job, run.slot) as it is now (status, finish, summary, details).
    virtual Status update_job_run(const JobRunRecord& run) = 0;
    virtual Result<std::vector<JobRunRecord>> load_job_runs(const JobRunQuery& query) = 0;
};

/// The whole record: every role, and what only a command that owns the store does (migrations,
/// runs, the writer lease).
class Store : public virtual EventLog,
              public virtual TradeLedger,
              public virtual PositionBook,
              public virtual ModelRegistry,
              public virtual PnlReports,
              public virtual CheckpointStore,
              public virtual JobLog {
public:
    ~Store() override = default;
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// Applies pending versioned migrations; idempotent.
    virtual Status migrate() = 0;
    virtual Result<int> schema_version() = 0;
    /// Backend name for logs: "sqlite", "postgres", "null".
    virtual std::string_view backend() const = 0;

    /// Row count of one of the tables above (for reports and tests).
    virtual Result<int64_t> count_rows(std::string_view table) = 0;

    /// Deletes the results of earlier runs (the tables of kRunResultTables) in one transaction,
    /// for a run that starts over (`awet replay --fresh`); bars, features, models and backfill
    /// checkpoints stay. Returns the rows deleted per table, in kRunResultTables order.
    virtual Result<std::vector<std::pair<std::string, int64_t>>> clear_run_results() = 0;

    /// Inserts or updates (by run_id) a row of `runs`, committed before this returns.
    virtual Status put_run(const RunRecord& run) = 0;
    /// The latest run (by started_at) left unfinished, if any.
    virtual Result<std::optional<RunRecord>> unfinished_run() = 0;
    /// Deletes in one transaction what a run from `since` on produced (the rows of
    /// kRunResultTables at or after `since`, daily_pnl_summary from its UTC date, and the runs
    /// that started their range there or later), for a run that redoes an interrupted one.
    /// `positions` is left to the rerun, which rewrites the rows it touches. Returns the rows
    /// deleted per table, in kRunResultTables order.
    virtual Result<std::vector<std::pair<std::string, int64_t>>> discard_results_since(
        Timestamp since) = 0;

    /// One writer per store at a time: `mode` as above; a non-empty `role` (an agent name) is
    /// also held alone, so a second execution agent on the same store is refused. `holder`
    /// describes this process for the message another process gets ("awet replay"). Busy:
    /// kAlreadyExists naming the store and, where the backend can tell, the holder's PID.
    virtual Result<std::unique_ptr<WriterLease>> acquire_writer(WriterMode mode,
                                                                std::string_view role,
                                                                std::string_view holder) = 0;
};

/// Every table of the schema (what count_rows accepts), in schema order.
inline constexpr std::array<std::string_view, 15> kSchemaTables = {
    "market_raw_minute", "market_raw_day",
    "features_tft",      "predictions_tft",
    "risk_decisions",    "trades",
    "positions",         "audit_events",
    "models_registry",   "backfill_checkpoints",
    "llm_traces",        "llm_daily_summary",
    "daily_pnl_summary", "runs",
    "job_runs"};

/// What runs produce (and clear_run_results() deletes): everything but the market data, the
/// features computed from it, the model registry and the backfill checkpoints.
inline constexpr std::array<std::string_view, 7> kRunResultTables = {
    "trades",       "positions", "risk_decisions", "predictions_tft", "daily_pnl_summary",
    "audit_events", "runs"};

}  // namespace awet
