#pragma once
// The embedded Store backend: one SQLite file (WAL journal) or ":memory:".
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "awet/store/detail/statements.hpp"
#include "awet/store/migrations.hpp"
#include "awet/store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace awet {

/// Store on SQLite. Owned by the composition root (one per process, or one per tool run); used from
/// one thread only. Writes go into a transaction opened lazily and committed every `batch_size`
/// writes, on flush(), and in the destructor; so a crash loses at most the open
/// batch, and other connections to the same file see a write only once it is committed.
class SqliteStore final : public Store {
public:
    /// Opens (creating it and its parent directories if needed) the database at `path`, or an
    /// in-memory database for ":memory:". Does not migrate: call migrate() before use.
    /// An existing file is checked first (`PRAGMA quick_check`, O(size), read-only): a damaged
    /// one is refused with an error naming the file and SQLite's first finding, untouched.
    /// `batch_size` < 1 is taken as 1 (every write commits at once).
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                     int batch_size = 5000);
    ~SqliteStore() override;

    Status migrate() override;
    Result<int> schema_version() override;
    Status flush() override;
    std::string_view backend() const override { return "sqlite"; }

    Result<bool> put_bar(const MarketBar& bar) override;
    Result<std::vector<MarketBar>> load_bars(const BarQuery& query) override;
    Status put_features(const FeatureVector& features) override;
    Result<std::vector<FeatureVector>> load_features(const BarQuery& query) override;
    Status put_prediction(const Prediction& prediction) override;
    Result<std::vector<Prediction>> load_predictions(const BarQuery& query) override;
    Status put_risk_decision(const RiskDecision& decision) override;
    Result<std::vector<RiskDecision>> load_risk_decisions(Timestamp from, Timestamp to) override;

    Result<bool> insert_trade(const TradeRow& trade) override;
    Status update_trade(const TradeRow& trade) override;
    Result<std::optional<TradeRow>> find_trade(std::string_view idempotency_key) override;
    Result<std::vector<TradeRow>> load_trades(const TradeQuery& query) override;

    Status upsert_position(const PositionRow& position) override;
    Result<std::vector<PositionRow>> load_positions() override;

    Status put_audit(const EventHeader& header, std::string_view event_type,
                     std::string_view payload_json) override;
    Result<std::vector<AuditRecord>> load_audit(const Uuid& correlation_id) override;

    Status register_model(const ModelRecord& model) override;
    Result<std::vector<ModelRecord>> list_models() override;
    Result<std::optional<ModelRecord>> find_model(std::string_view model_id) override;
    Result<std::optional<ModelRecord>> green_model() override;
    Status promote_model(std::string_view model_id, Timestamp at) override;
    Status deprecate_model(std::string_view model_id) override;

    Status upsert_daily_pnl(const DailyPnlRow& row) override;
    /// Days from `from` to `to`, both included, in date order.
    Result<std::vector<DailyPnlRow>> load_daily_pnl(Date from, Date to) override;

    Status put_checkpoint(const BackfillCheckpoint& checkpoint) override;
    Result<std::optional<BackfillCheckpoint>> get_checkpoint(std::string_view source,
                                                             std::string_view symbol) override;

    Result<int64_t> count_rows(std::string_view table) override;
    Result<std::vector<std::pair<std::string, int64_t>>> clear_run_results() override;
    Status put_run(const RunRecord& run) override;
    Result<std::optional<RunRecord>> unfinished_run() override;
    Result<bool> claim_job_run(const JobRunRecord& run) override;
    Status update_job_run(const JobRunRecord& run) override;
    Result<std::vector<JobRunRecord>> load_job_runs(const JobRunQuery& query) override;
    Result<std::vector<std::pair<std::string, int64_t>>> discard_results_since(
        Timestamp since) override;
    Result<std::unique_ptr<WriterLease>> acquire_writer(WriterMode mode, std::string_view role,
                                                        std::string_view holder) override;

    // SQLite-specific (not part of Store).
    const std::string& path() const { return path_; }
    int batch_size() const { return batch_size_; }
    /// Writes in the open, not yet committed batch.
    int pending_writes() const { return pending_; }

    /// Every event table of the schema (what count_rows accepts), in schema order.
    static std::span<const std::string_view> table_names();

    /// SQLite's application_id header field: tags a database file with what made it (the demo
    /// marks its own databases, so it never replaces a file it did not create).
    Status set_application_id(int32_t id);
    /// The application_id of the database file at `path`, read without creating or changing
    /// anything; kParse when the file is not an SQLite database, kNotFound when it is absent.
    static Result<int32_t> application_id_of(const std::string& path);

private:
    // Cached prepared statements: the common ones (store_rows::Stmt), then SQLite's own.
    using StmtId = uint8_t;
    static constexpr StmtId kBegin = store_rows::kCommonStmts;
    static constexpr StmtId kCommit = kBegin + 1;
    static constexpr StmtId kStmtCount = kBegin + 2;

    SqliteStore(sqlite3* db, std::string path, int batch_size);

    /// The cached statement `id`, prepared on first use; nullptr (and `error` set) on failure.
    static const std::string& sql_for(StmtId id);
    sqlite3_stmt* statement(StmtId id, std::string_view op, Error& error);
    /// Opens the batch transaction if none is open.
    Status begin_write(std::string_view op);
    /// Counts one write; commits when the batch is full.
    Status end_write(std::string_view op);
    /// Commits pending writes before a read or an explicit transaction.
    Status flush_for(std::string_view op);
    /// Error for the last failed SQLite call; notes a batch rolled back by SQLite itself.
    Error sqlite_error(std::string_view op);
    Status exec(const char* sql, std::string_view op);
    /// clear_run_results (since unset) and discard_results_since, in one transaction.
    Result<std::vector<std::pair<std::string, int64_t>>> delete_run_results(
        std::string_view op, std::optional<Timestamp> since);

    template <typename Fill>
    Status write_one(StmtId id, std::string_view op, Fill&& fill, int* changes);
    /// The rows of cached statement `id` after `bind(binder)`, each parsed by `parse(reader)`.
    template <typename T, typename Bind, typename Parse>
    Result<std::vector<T>> select_rows(StmtId id, std::string_view op, Bind&& bind, Parse&& parse);
    /// The events of a bar-keyed table (features, predictions) in a query's range.
    template <typename E>
    Result<std::vector<E>> load_bar_keyed(StmtId id, std::string_view table, const BarQuery& query,
                                          std::string_view op);

    sqlite3* db_ = nullptr;
    std::string path_;
    int batch_size_ = 5000;
    int pending_ = 0;
    bool in_txn_ = false;
    std::array<sqlite3_stmt*, kStmtCount> stmts_{};
};

}  // namespace awet
