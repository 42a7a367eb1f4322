// The schema of AWET (seed §8) as ordered migrations, written once for both backends. Each
// column's type is a token that the backend's dialect spells (see kTypes below):
//   {UUID}     a UUID: TEXT in SQLite, UUID in PostgreSQL
//   {INSTANT}  an instant for people (ISO-8601 UTC text / TIMESTAMPTZ); its `*_ns` twin is the
//              exact one, nanoseconds since the epoch, what queries order and filter on
//   {I64}      a 64-bit integer (INTEGER / BIGINT)
//   {FIXED}    a price, money, PnL or quantity: REAL dollars or shares in SQLite (fixed-point at
//              1e-6 converts exactly both ways), BIGINT micro-units (Fixed::raw()) in PostgreSQL
//   {F64}      a model output or ratio (quantiles, confidence, cvar, features): REAL / DOUBLE
//   {BOOL}     INTEGER 0/1 / BOOLEAN; {CHECK01 col} holds SQLite's to 0 and 1
//   {DATE}     a calendar day (YYYY-MM-DD text / DATE)
//   {ID}       a table's row id, its primary key
//   {SERIAL}   the row id of a time-series table: no primary key in PostgreSQL, so that the table
//              can become a TimescaleDB hypertable partitioned on ts_ns (see
//              PostgresStore::migrate)
//   {EVENT_HEADER}  the seed §6.2 header of a bar-keyed event table (row id, event_id,
//              correlation_id, idempotency_key, symbol, ts, ts_ns, event_ts_ns, ts_init_ns,
//              schema_version, source); {EVENT_HEADER unique_key}: its idempotency key is unique
//              and its row id the primary key.
//   {OHLCV}    a bar's open, high, low, close and volume, unique on (ts_ns, symbol).
// JSON is TEXT, kept byte for byte. The column names and order are those of the row layout both
// stores bind (detail/row_layout.hpp; a contract test checks every field has its column).
// Never edit a migration that has shipped: append a new one.
#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

#include "awet/core/log.hpp"
#include "awet/store/migrations.hpp"

namespace awet {
namespace {

constexpr std::string_view kMarketData = R"sql(
CREATE TABLE market_raw_minute (
    {EVENT_HEADER}
    {OHLCV}
);

CREATE TABLE market_raw_day (
    {EVENT_HEADER}
    {OHLCV}
);
)sql";

constexpr std::string_view kFeaturesPredictions = R"sql(
CREATE TABLE features_tft (
    {EVENT_HEADER}
    close           {FIXED}   NOT NULL,
    volume          {FIXED}   NOT NULL,
    rsi_14          {F64},
    sma_5           {F64},
    sma_20          {F64},
    ema_5           {F64},
    ema_20          {F64},
    returns_1       {F64},
    returns_5       {F64},
    returns_15      {F64},
    volatility_20   {F64},
    minute_of_day   {F64},
    hour_of_day     {F64},
    day_of_week     {F64},
    valid_mask      {I64}     NOT NULL,
    UNIQUE (ts_ns, symbol)
);

CREATE TABLE predictions_tft (
    {EVENT_HEADER unique_key}
    close           {FIXED}   NOT NULL,
    q10_30          {F64}     NOT NULL,
    q50_30          {F64}     NOT NULL,
    q90_30          {F64}     NOT NULL,
    q10_45          {F64}     NOT NULL,
    q50_45          {F64}     NOT NULL,
    q90_45          {F64}     NOT NULL,
    q10_60          {F64}     NOT NULL,
    q50_60          {F64}     NOT NULL,
    q90_60          {F64}     NOT NULL,
    direction       TEXT      NOT NULL,
    confidence      {F64}     NOT NULL,
    signal          TEXT      NOT NULL,
    model_id        TEXT      NOT NULL
);
CREATE INDEX predictions_tft_ts_ns ON predictions_tft (ts_ns);
)sql";

constexpr std::string_view kTrading = R"sql(
CREATE TABLE risk_decisions (
    id                  {ID},
    event_id            {UUID}    NOT NULL,
    correlation_id      {UUID}    NOT NULL,
    idempotency_key     TEXT      NOT NULL UNIQUE,
    symbol              TEXT      NOT NULL,
    ts                  {INSTANT} NOT NULL,
    ts_ns               {I64}     NOT NULL,
    ts_init_ns          {I64}     NOT NULL,
    schema_version      INTEGER   NOT NULL,
    source              TEXT      NOT NULL,
    approved            {BOOL}    NOT NULL{CHECK01 approved},
    reasons             TEXT      NOT NULL,
    reasons_mask        {I64}     NOT NULL,
    intent              TEXT      NOT NULL,
    exit_reason         TEXT      NOT NULL,
    side                TEXT      NOT NULL,
    qty                 {FIXED}   NOT NULL,
    ref_price           {FIXED}   NOT NULL,
    notional            {FIXED}   NOT NULL,
    cvar                {F64}     NOT NULL,
    confidence          {F64}     NOT NULL,
    prediction_event_id {UUID}
);
CREATE INDEX risk_decisions_ts_ns ON risk_decisions (ts_ns);

CREATE TABLE trades (
    id              {ID},
    ts              {INSTANT} NOT NULL,
    symbol          TEXT      NOT NULL,
    side            TEXT      NOT NULL,
    qty             {FIXED}   NOT NULL,
    filled_qty      {FIXED}   NOT NULL,
    avg_fill_price  {FIXED}   NOT NULL,
    status          TEXT      NOT NULL,
    alpaca_order_id TEXT,
    alpaca_status   TEXT,
    filled_at       {INSTANT},
    correlation_id  {UUID}    NOT NULL,
    idempotency_key TEXT      NOT NULL UNIQUE,
    paper_trade     {BOOL}    NOT NULL{CHECK01 paper_trade},
    dry_run         {BOOL}    NOT NULL{CHECK01 dry_run},
    ts_ns           {I64}     NOT NULL,
    filled_at_ns    {I64},
    intent          TEXT      NOT NULL,
    exit_reason     TEXT      NOT NULL,
    fees            {FIXED}   NOT NULL,
    block_reason    TEXT
);
CREATE INDEX trades_ts_ns ON trades (ts_ns);
CREATE INDEX trades_correlation_id ON trades (correlation_id);

CREATE TABLE positions (
    symbol          TEXT      PRIMARY KEY,
    qty             {FIXED}   NOT NULL,
    avg_entry_price {FIXED}   NOT NULL,
    market_value    {FIXED}   NOT NULL,
    unrealized_pl   {FIXED}   NOT NULL,
    cost_basis      {FIXED}   NOT NULL,
    updated_at      {INSTANT},
    realized_pl     {FIXED}   NOT NULL,
    opened_at       {INSTANT},
    opened_at_ns    {I64},
    updated_at_ns   {I64}
);

CREATE TABLE audit_events (
    event_id        {UUID}    NOT NULL,
    correlation_id  {UUID}    NOT NULL,
    idempotency_key TEXT      NOT NULL,
    symbol          TEXT      NOT NULL,
    ts              {INSTANT} NOT NULL,
    source          TEXT      NOT NULL,
    event_type      TEXT      NOT NULL,
    payload         TEXT      NOT NULL,
    seq             {SERIAL},
    ts_ns           {I64}     NOT NULL,
    UNIQUE (ts_ns, event_id)
);
)sql";

// The audit chain's index: SQLite's by day and correlation id (what the chain query scans),
// PostgreSQL's by correlation id in sequence order.
constexpr std::string_view kTradingSqlite = R"sql(
CREATE INDEX audit_events_day_correlation_id
    ON audit_events (ts_ns / 86400000000000, correlation_id);
)sql";
constexpr std::string_view kTradingPostgres = R"sql(
CREATE INDEX audit_events_correlation_id ON audit_events (correlation_id, seq);
)sql";

constexpr std::string_view kMlOperations = R"sql(
CREATE TABLE models_registry (
    model_id       TEXT      PRIMARY KEY,
    model_type     TEXT      NOT NULL,
    status         TEXT      NOT NULL CHECK (status IN ('candidate', 'green', 'deprecated')),
    path           TEXT      NOT NULL,
    metrics_json   TEXT      NOT NULL,
    params_json    TEXT      NOT NULL,
    created_at     {INSTANT},
    created_at_ns  {I64},
    promoted_at    {INSTANT},
    promoted_at_ns {I64}
);
CREATE UNIQUE INDEX models_registry_one_green ON models_registry (status) WHERE status = 'green';

CREATE TABLE backfill_checkpoints (
    source        TEXT      NOT NULL,
    symbol        TEXT      NOT NULL,
    last_ts       {INSTANT},
    last_ts_ns    {I64},
    rows          {I64}     NOT NULL,
    updated_at    {INSTANT},
    updated_at_ns {I64},
    PRIMARY KEY (source, symbol)
);
)sql";

constexpr std::string_view kObservability = R"sql(
CREATE TABLE llm_traces (
    id                {ID},
    ts                {INSTANT} NOT NULL,
    ts_ns             {I64}     NOT NULL,
    agent             TEXT      NOT NULL,
    model             TEXT      NOT NULL,
    prompt            TEXT      NOT NULL,
    response          TEXT,
    latency_ms        {F64},
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    correlation_id    {UUID}
);
CREATE INDEX llm_traces_ts_ns ON llm_traces (ts_ns);

CREATE TABLE llm_daily_summary (
    report_date    {DATE}    PRIMARY KEY,
    agent          TEXT,
    num_requests   INTEGER   NOT NULL,
    total_tokens   {I64}     NOT NULL,
    avg_latency_ms {F64},
    summary        TEXT
);

CREATE TABLE daily_pnl_summary (
    report_date        {DATE}    PRIMARY KEY,
    realized_pnl_usd   {FIXED}   NOT NULL,
    unrealized_pnl_usd {FIXED}   NOT NULL,
    total_pnl_usd      {FIXED}   NOT NULL,
    num_trades         INTEGER   NOT NULL,
    num_wins           INTEGER   NOT NULL,
    num_losses         INTEGER   NOT NULL,
    win_rate           {F64}     NOT NULL,
    best_symbol        TEXT,
    worst_symbol       TEXT,
    created_at         {INSTANT},
    created_at_ns      {I64}
);
)sql";

constexpr std::string_view kRuns = R"sql(
CREATE TABLE runs (
    run_id         TEXT      PRIMARY KEY,
    command        TEXT      NOT NULL,
    first_bar_ns   {I64}     NOT NULL,
    last_bar_ns    {I64},
    bars           {I64}     NOT NULL,
    started_at     {INSTANT} NOT NULL,
    started_at_ns  {I64}     NOT NULL,
    finished_at_ns {I64},
    pid            {I64}     NOT NULL
);
CREATE INDEX runs_unfinished ON runs (started_at_ns) WHERE finished_at_ns IS NULL;
)sql";

// Each ADD COLUMN alone: SQLite adds one column per statement.
constexpr std::string_view kTrainingRange = R"sql(
ALTER TABLE models_registry ADD COLUMN trained_from {INSTANT};
ALTER TABLE models_registry ADD COLUMN trained_from_ns {I64};
ALTER TABLE models_registry ADD COLUMN trained_to {INSTANT};
ALTER TABLE models_registry ADD COLUMN trained_to_ns {I64};
)sql";

constexpr std::string_view kJobRuns = R"sql(
CREATE TABLE job_runs (
    job            TEXT      NOT NULL,
    slot           {INSTANT} NOT NULL,
    slot_ns        {I64}     NOT NULL,
    trigger_kind   TEXT      NOT NULL CHECK (trigger_kind IN ('on_time', 'catch_up', 'manual')),
    status         TEXT      NOT NULL
                   CHECK (status IN ('running', 'ok', 'failed', 'timed_out', 'skipped')),
    started_at     {INSTANT},
    started_at_ns  {I64},
    finished_at    {INSTANT},
    finished_at_ns {I64},
    summary        TEXT      NOT NULL,
    details_json   TEXT      NOT NULL,
    correlation_id {UUID}    NOT NULL,
    PRIMARY KEY (job, slot_ns)
);
CREATE INDEX job_runs_slot ON job_runs (slot_ns);
)sql";

/// One migration as written: the text both dialects share, then each one's own statements.
struct Written {
    int version;
    std::string_view name;
    std::string_view sql;
    std::string_view sqlite_only;
    std::string_view postgres_only;
};

constexpr std::array<Written, 8> kWritten = {{
    {1, "market_data", kMarketData, {}, {}},
    {2, "features_predictions", kFeaturesPredictions, {}, {}},
    {3, "trading_audit", kTrading, kTradingSqlite, kTradingPostgres},
    {4, "ml_operations", kMlOperations, {}, {}},
    {5, "observability", kObservability, {}, {}},
    {6, "runs", kRuns, {}, {}},
    {7, "models_training_range", kTrainingRange, {}, {}},
    {8, "job_runs", kJobRuns, {}, {}},
}};

constexpr std::string_view kEventHeader = R"sql(id              {HEADER_ID},
    event_id        {UUID}    NOT NULL,
    correlation_id  {UUID}    NOT NULL,
    idempotency_key TEXT      NOT NULL{UNIQUE},
    symbol          TEXT      NOT NULL,
    ts              {INSTANT} NOT NULL,
    ts_ns           {I64}     NOT NULL,
    event_ts_ns     {I64}     NOT NULL,
    ts_init_ns      {I64}     NOT NULL,
    schema_version  INTEGER   NOT NULL,
    source          TEXT      NOT NULL,)sql";

constexpr std::string_view kOhlcv = R"sql(open            {FIXED}   NOT NULL,
    high            {FIXED}   NOT NULL,
    low             {FIXED}   NOT NULL,
    close           {FIXED}   NOT NULL,
    volume          {FIXED}   NOT NULL,
    UNIQUE (ts_ns, symbol))sql";

struct TypeName {
    std::string_view token;
    std::string_view sqlite;
    std::string_view postgres;
};

constexpr std::array<TypeName, 9> kTypes = {{
    {"UUID", "TEXT", "UUID"},
    {"INSTANT", "TEXT", "TIMESTAMPTZ"},
    {"I64", "INTEGER", "BIGINT"},
    {"FIXED", "REAL", "BIGINT"},
    {"F64", "REAL", "DOUBLE PRECISION"},
    {"BOOL", "INTEGER", "BOOLEAN"},
    {"DATE", "TEXT", "DATE"},
    {"ID", "INTEGER PRIMARY KEY", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
    {"SERIAL", "INTEGER PRIMARY KEY", "BIGINT GENERATED ALWAYS AS IDENTITY"},
}};

/// A token this file does not define is a bug in it: the tests render every migration in both
/// dialects, so it never reaches a user.
[[noreturn]] void unknown_token(std::string_view token) {
    logger("store")->critical("schema.cpp: unknown token {{{}}}", token);
    std::abort();
}

/// `text` with every {TOKEN} (and {TOKEN arg}) spelled in `dialect`; `unique_key` says what
/// {UNIQUE} is inside an event header.
void render(std::string_view text, SchemaDialect dialect, bool unique_key, std::string& out) {
    const bool sqlite = dialect == SchemaDialect::kSqlite;
    size_t at = 0;
    while (at < text.size()) {
        const size_t open = text.find('{', at);
        if (open == std::string_view::npos) break;
        out.append(text.substr(at, open - at));
        const size_t close = text.find('}', open);
        if (close == std::string_view::npos) unknown_token(text.substr(open));
        const std::string_view inner = text.substr(open + 1, close - open - 1);
        const size_t space = inner.find(' ');
        const std::string_view token = inner.substr(0, space);
        const std::string_view arg =
            space == std::string_view::npos ? std::string_view{} : inner.substr(space + 1);
        at = close + 1;
        if (token == "EVENT_HEADER") {
            if (!arg.empty() && arg != "unique_key") unknown_token(inner);
            render(kEventHeader, dialect, !arg.empty(), out);
        } else if (token == "OHLCV") {
            render(kOhlcv, dialect, false, out);
        } else if (token == "UNIQUE") {
            if (unique_key) out += " UNIQUE";
        } else if (token == "HEADER_ID") {
            // A table keyed by its idempotency key is no hypertable: its row id is its key.
            render(unique_key ? "{ID}" : "{SERIAL}", dialect, false, out);
        } else if (token == "CHECK01") {
            if (arg.empty()) unknown_token(inner);
            if (sqlite) out += " CHECK (" + std::string(arg) + " IN (0, 1))";
        } else {
            const TypeName* type = nullptr;
            for (const TypeName& t : kTypes) {
                if (t.token == token) type = &t;
            }
            if (type == nullptr || !arg.empty()) unknown_token(inner);
            out.append(sqlite ? type->sqlite : type->postgres);
        }
    }
    out.append(text.substr(std::min(at, text.size())));
}

struct Rendered {
    std::array<std::string, kWritten.size()> sql;
    std::array<Migration, kWritten.size()> migrations;

    explicit Rendered(SchemaDialect dialect) {
        for (size_t i = 0; i < kWritten.size(); ++i) {
            const Written& w = kWritten[i];
            render(w.sql, dialect, false, sql[i]);
            sql[i] += dialect == SchemaDialect::kSqlite ? w.sqlite_only : w.postgres_only;
            migrations[i] = Migration{w.version, w.name, sql[i]};
        }
    }
};

}  // namespace

std::span<const Migration> migrations(SchemaDialect dialect) {
    static const Rendered kSqlite(SchemaDialect::kSqlite);
    static const Rendered kPostgres(SchemaDialect::kPostgres);
    return dialect == SchemaDialect::kSqlite ? kSqlite.migrations : kPostgres.migrations;
}

}  // namespace awet
