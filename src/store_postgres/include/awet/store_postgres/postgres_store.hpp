#pragma once
// The server Store backend: PostgreSQL 15 (TimescaleDB hypertables where the extension exists).
// Same tables, columns and semantics as SqliteStore; see src/store/README.md (PostgreSQL).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "awet/store/migrations.hpp"
#include "awet/store/store.hpp"

namespace awet {

namespace pg_detail {
struct Impl;
}

/// Store on PostgreSQL. Like SqliteStore it is used from one owner thread: writes go into a
/// transaction on the writer connection, opened lazily and committed every `batch_size` writes,
/// on flush(), and in the destructor. Reads see the open batch (they run inside it while writes
/// are pending); otherwise they run on one of the other pooled connections (pool_size - 1 reader
/// connections, round robin), so they never wait for the writer's transaction.
///
/// Money, prices and quantities are BIGINT micro-units (Fixed::raw()); instants are TIMESTAMPTZ
/// for people plus exact `*_ns` BIGINT columns, which queries order and filter on.
class PostgresStore final : public Store {
public:
    /// Connects `pool_size` (>= 1) connections to `url` (a libpq URL or key=value string).
    /// Does not migrate: call migrate() before use. Errors name host, port and database, never
    /// the password. `batch_size` < 1 is taken as 1.
    /// "postgresql://host:port/db" of a connection string: what a user is shown, never its
    /// user, password or options.
    static std::string display_url(const std::string& url);
    static Result<std::unique_ptr<PostgresStore>> open(const std::string& url, int pool_size = 4,
                                                       int batch_size = 5000);
    ~PostgresStore() override;

    Status migrate() override;
    Result<int> schema_version() override;
    Status flush() override;
    std::string_view backend() const override { return "postgres"; }

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

    // PostgreSQL-specific (not part of Store).

    /// Bulk insert through COPY (into a temporary staging table, then one INSERT ... ON CONFLICT
    /// DO NOTHING), inside the open batch. Same semantics as put_bar per row: a repeated
    /// (symbol, bar start) is ignored. All bars must have the same interval (1 min or 1 day).
    /// Returns the number of rows actually inserted.
    Result<int64_t> put_bars(std::span<const MarketBar> bars);

    /// "host:port/db" of the connection (no user, no password): for logs and errors.
    const std::string& where() const;
    int pool_size() const;
    int batch_size() const;
    /// Writes in the open, not yet committed batch.
    int pending_writes() const;
    /// Whether migrate() turned the time-series tables into TimescaleDB hypertables.
    bool hypertables() const;

private:
    explicit PostgresStore(std::unique_ptr<pg_detail::Impl> impl);
    std::unique_ptr<pg_detail::Impl> impl_;
};

}  // namespace awet
