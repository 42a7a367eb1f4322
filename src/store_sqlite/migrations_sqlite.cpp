// The SQLite schema of AWET (seed §8), as ordered migrations. See src/store/README.md for the
// meaning of every column. Conventions:
//   - `ts TEXT` is ISO-8601 UTC for people; `ts_ns INTEGER` is the same instant in nanoseconds
//   since
//     the epoch and is what queries order and filter on. Other `*_ns` columns are exact instants
//     without a text twin.
//   - Prices, money and PnL are REAL dollars; quantities REAL shares (fixed-point at 1e-6 converts
//     exactly both ways); booleans INTEGER 0/1; JSON as TEXT.
//   - Event tables carry the seed §6.2 header: event_id, correlation_id, idempotency_key, symbol,
//     ts, schema_version, source.
// Never edit a migration that has shipped: append a new one.
#include <array>

#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet {
namespace {

constexpr std::string_view kMarketData = R"sql(
CREATE TABLE market_raw_minute (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    ts              TEXT    NOT NULL,
    ts_ns           INTEGER NOT NULL,
    event_ts_ns     INTEGER NOT NULL,
    ts_init_ns      INTEGER NOT NULL,
    schema_version  INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    open            REAL    NOT NULL,
    high            REAL    NOT NULL,
    low             REAL    NOT NULL,
    close           REAL    NOT NULL,
    volume          REAL    NOT NULL,
    UNIQUE (ts_ns, symbol)
);

CREATE TABLE market_raw_day (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    ts              TEXT    NOT NULL,
    ts_ns           INTEGER NOT NULL,
    event_ts_ns     INTEGER NOT NULL,
    ts_init_ns      INTEGER NOT NULL,
    schema_version  INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    open            REAL    NOT NULL,
    high            REAL    NOT NULL,
    low             REAL    NOT NULL,
    close           REAL    NOT NULL,
    volume          REAL    NOT NULL,
    UNIQUE (ts_ns, symbol)
);
)sql";

constexpr std::string_view kFeaturesPredictions = R"sql(
CREATE TABLE features_tft (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    ts              TEXT    NOT NULL,
    ts_ns           INTEGER NOT NULL,
    event_ts_ns     INTEGER NOT NULL,
    ts_init_ns      INTEGER NOT NULL,
    schema_version  INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    close           REAL    NOT NULL,
    volume          REAL    NOT NULL,
    rsi_14          REAL,
    sma_5           REAL,
    sma_20          REAL,
    ema_5           REAL,
    ema_20          REAL,
    returns_1       REAL,
    returns_5       REAL,
    returns_15      REAL,
    volatility_20   REAL,
    minute_of_day   REAL,
    hour_of_day     REAL,
    day_of_week     REAL,
    valid_mask      INTEGER NOT NULL,
    UNIQUE (ts_ns, symbol)
);

CREATE TABLE predictions_tft (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    symbol          TEXT    NOT NULL,
    ts              TEXT    NOT NULL,
    ts_ns           INTEGER NOT NULL,
    event_ts_ns     INTEGER NOT NULL,
    ts_init_ns      INTEGER NOT NULL,
    schema_version  INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    close           REAL    NOT NULL,
    q10_30          REAL    NOT NULL,
    q50_30          REAL    NOT NULL,
    q90_30          REAL    NOT NULL,
    q10_45          REAL    NOT NULL,
    q50_45          REAL    NOT NULL,
    q90_45          REAL    NOT NULL,
    q10_60          REAL    NOT NULL,
    q50_60          REAL    NOT NULL,
    q90_60          REAL    NOT NULL,
    direction       TEXT    NOT NULL,
    confidence      REAL    NOT NULL,
    signal          TEXT    NOT NULL,
    model_id        TEXT    NOT NULL
);
CREATE INDEX predictions_tft_ts_ns ON predictions_tft (ts_ns);
)sql";

constexpr std::string_view kTrading = R"sql(
CREATE TABLE risk_decisions (
    id                  INTEGER PRIMARY KEY,
    event_id            TEXT    NOT NULL,
    correlation_id      TEXT    NOT NULL,
    idempotency_key     TEXT    NOT NULL UNIQUE,
    symbol              TEXT    NOT NULL,
    ts                  TEXT    NOT NULL,
    ts_ns               INTEGER NOT NULL,
    ts_init_ns          INTEGER NOT NULL,
    schema_version      INTEGER NOT NULL,
    source              TEXT    NOT NULL,
    approved            INTEGER NOT NULL CHECK (approved IN (0, 1)),
    reasons             TEXT    NOT NULL,
    reasons_mask        INTEGER NOT NULL,
    intent              TEXT    NOT NULL,
    exit_reason         TEXT    NOT NULL,
    side                TEXT    NOT NULL,
    qty                 REAL    NOT NULL,
    ref_price           REAL    NOT NULL,
    notional            REAL    NOT NULL,
    cvar                REAL    NOT NULL,
    confidence          REAL    NOT NULL,
    prediction_event_id TEXT
);
CREATE INDEX risk_decisions_ts_ns ON risk_decisions (ts_ns);

CREATE TABLE trades (
    id              INTEGER PRIMARY KEY,
    ts              TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    side            TEXT    NOT NULL,
    qty             REAL    NOT NULL,
    filled_qty      REAL    NOT NULL,
    avg_fill_price  REAL    NOT NULL,
    status          TEXT    NOT NULL,
    alpaca_order_id TEXT,
    alpaca_status   TEXT,
    filled_at       TEXT,
    correlation_id  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    paper_trade     INTEGER NOT NULL CHECK (paper_trade IN (0, 1)),
    dry_run         INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    ts_ns           INTEGER NOT NULL,
    filled_at_ns    INTEGER,
    intent          TEXT    NOT NULL,
    exit_reason     TEXT    NOT NULL,
    fees            REAL    NOT NULL,
    block_reason    TEXT
);
CREATE INDEX trades_ts_ns ON trades (ts_ns);
CREATE INDEX trades_correlation_id ON trades (correlation_id);

CREATE TABLE positions (
    symbol          TEXT    PRIMARY KEY,
    qty             REAL    NOT NULL,
    avg_entry_price REAL    NOT NULL,
    market_value    REAL    NOT NULL,
    unrealized_pl   REAL    NOT NULL,
    cost_basis      REAL    NOT NULL,
    updated_at      TEXT,
    realized_pl     REAL    NOT NULL,
    opened_at       TEXT,
    opened_at_ns    INTEGER,
    updated_at_ns   INTEGER
);

CREATE TABLE audit_events (
    event_id        TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    ts              TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    seq             INTEGER PRIMARY KEY,
    ts_ns           INTEGER NOT NULL,
    UNIQUE (ts_ns, event_id)
);
CREATE INDEX audit_events_day_correlation_id
    ON audit_events (ts_ns / 86400000000000, correlation_id);
)sql";

constexpr std::string_view kMlOperations = R"sql(
CREATE TABLE models_registry (
    model_id       TEXT    PRIMARY KEY,
    model_type     TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('candidate', 'green', 'deprecated')),
    path           TEXT    NOT NULL,
    metrics_json   TEXT    NOT NULL,
    params_json    TEXT    NOT NULL,
    created_at     TEXT,
    created_at_ns  INTEGER,
    promoted_at    TEXT,
    promoted_at_ns INTEGER
);
CREATE UNIQUE INDEX models_registry_one_green ON models_registry (status) WHERE status = 'green';

CREATE TABLE backfill_checkpoints (
    source        TEXT    NOT NULL,
    symbol        TEXT    NOT NULL,
    last_ts       TEXT,
    last_ts_ns    INTEGER,
    rows          INTEGER NOT NULL,
    updated_at    TEXT,
    updated_at_ns INTEGER,
    PRIMARY KEY (source, symbol)
);
)sql";

constexpr std::string_view kObservability = R"sql(
CREATE TABLE llm_traces (
    id                INTEGER PRIMARY KEY,
    ts                TEXT    NOT NULL,
    ts_ns             INTEGER NOT NULL,
    agent             TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    prompt            TEXT    NOT NULL,
    response          TEXT,
    latency_ms        REAL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    correlation_id    TEXT
);
CREATE INDEX llm_traces_ts_ns ON llm_traces (ts_ns);

CREATE TABLE llm_daily_summary (
    report_date    TEXT    PRIMARY KEY,
    agent          TEXT,
    num_requests   INTEGER NOT NULL,
    total_tokens   INTEGER NOT NULL,
    avg_latency_ms REAL,
    summary        TEXT
);

CREATE TABLE daily_pnl_summary (
    report_date        TEXT    PRIMARY KEY,
    realized_pnl_usd   REAL    NOT NULL,
    unrealized_pnl_usd REAL    NOT NULL,
    total_pnl_usd      REAL    NOT NULL,
    num_trades         INTEGER NOT NULL,
    num_wins           INTEGER NOT NULL,
    num_losses         INTEGER NOT NULL,
    win_rate           REAL    NOT NULL,
    best_symbol        TEXT,
    worst_symbol       TEXT,
    created_at         TEXT,
    created_at_ns      INTEGER
);
)sql";

constexpr std::string_view kRuns = R"sql(
CREATE TABLE runs (
    run_id         TEXT    PRIMARY KEY,
    command        TEXT    NOT NULL,
    first_bar_ns   INTEGER NOT NULL,
    last_bar_ns    INTEGER,
    bars           INTEGER NOT NULL,
    started_at     TEXT    NOT NULL,
    started_at_ns  INTEGER NOT NULL,
    finished_at_ns INTEGER,
    pid            INTEGER NOT NULL
);
CREATE INDEX runs_unfinished ON runs (started_at_ns) WHERE finished_at_ns IS NULL;
)sql";

constexpr std::array<Migration, 6> kSqliteMigrations = {{
    {1, "market_data", kMarketData},
    {2, "features_predictions", kFeaturesPredictions},
    {3, "trading_audit", kTrading},
    {4, "ml_operations", kMlOperations},
    {5, "observability", kObservability},
    {6, "runs", kRuns},
}};

}  // namespace

std::span<const Migration> sqlite_migrations() { return kSqliteMigrations; }

}  // namespace awet
