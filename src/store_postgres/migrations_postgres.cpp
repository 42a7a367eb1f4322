// The PostgreSQL schema of AWET: the same tables, columns (same names, same order) and versions as
// migrations_sqlite.cpp, with PostgreSQL types. Conventions:
//   - `ts TIMESTAMPTZ` (and other text-twin instants) are for people; `ts_ns BIGINT` is the exact
//     instant in nanoseconds since the epoch, what queries order and filter on.
//   - Prices, money, PnL and quantities are BIGINT micro-units (Fixed::raw(), 1e-6): exact.
//     Model outputs and ratios (quantiles, confidence, cvar, features) are DOUBLE PRECISION.
//   - UUIDs are UUID; booleans BOOLEAN; JSON as TEXT (kept byte for byte).
//   - The time-series tables (bars, features, audit) keep every unique key on ts_ns so that they
//     can become TimescaleDB hypertables partitioned on ts_ns (see PostgresStore::migrate).
// Never edit a migration that has shipped: append a new one.
#include <array>

#include "awet/store_postgres/postgres_store.hpp"

namespace awet {
namespace {

constexpr std::string_view kMarketData = R"sql(
CREATE TABLE market_raw_minute (
    id              BIGINT GENERATED ALWAYS AS IDENTITY,
    event_id        UUID        NOT NULL,
    correlation_id  UUID        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    symbol          TEXT        NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    ts_ns           BIGINT      NOT NULL,
    event_ts_ns     BIGINT      NOT NULL,
    ts_init_ns      BIGINT      NOT NULL,
    schema_version  INTEGER     NOT NULL,
    source          TEXT        NOT NULL,
    open            BIGINT      NOT NULL,
    high            BIGINT      NOT NULL,
    low             BIGINT      NOT NULL,
    close           BIGINT      NOT NULL,
    volume          BIGINT      NOT NULL,
    UNIQUE (ts_ns, symbol)
);

CREATE TABLE market_raw_day (
    id              BIGINT GENERATED ALWAYS AS IDENTITY,
    event_id        UUID        NOT NULL,
    correlation_id  UUID        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    symbol          TEXT        NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    ts_ns           BIGINT      NOT NULL,
    event_ts_ns     BIGINT      NOT NULL,
    ts_init_ns      BIGINT      NOT NULL,
    schema_version  INTEGER     NOT NULL,
    source          TEXT        NOT NULL,
    open            BIGINT      NOT NULL,
    high            BIGINT      NOT NULL,
    low             BIGINT      NOT NULL,
    close           BIGINT      NOT NULL,
    volume          BIGINT      NOT NULL,
    UNIQUE (ts_ns, symbol)
);
)sql";

constexpr std::string_view kFeaturesPredictions = R"sql(
CREATE TABLE features_tft (
    id              BIGINT GENERATED ALWAYS AS IDENTITY,
    event_id        UUID        NOT NULL,
    correlation_id  UUID        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    symbol          TEXT        NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    ts_ns           BIGINT      NOT NULL,
    event_ts_ns     BIGINT      NOT NULL,
    ts_init_ns      BIGINT      NOT NULL,
    schema_version  INTEGER     NOT NULL,
    source          TEXT        NOT NULL,
    close           BIGINT      NOT NULL,
    volume          BIGINT      NOT NULL,
    rsi_14          DOUBLE PRECISION,
    sma_5           DOUBLE PRECISION,
    sma_20          DOUBLE PRECISION,
    ema_5           DOUBLE PRECISION,
    ema_20          DOUBLE PRECISION,
    returns_1       DOUBLE PRECISION,
    returns_5       DOUBLE PRECISION,
    returns_15      DOUBLE PRECISION,
    volatility_20   DOUBLE PRECISION,
    minute_of_day   DOUBLE PRECISION,
    hour_of_day     DOUBLE PRECISION,
    day_of_week     DOUBLE PRECISION,
    valid_mask      BIGINT      NOT NULL,
    UNIQUE (ts_ns, symbol)
);

CREATE TABLE predictions_tft (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        UUID        NOT NULL,
    correlation_id  UUID        NOT NULL,
    idempotency_key TEXT        NOT NULL UNIQUE,
    symbol          TEXT        NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    ts_ns           BIGINT      NOT NULL,
    event_ts_ns     BIGINT      NOT NULL,
    ts_init_ns      BIGINT      NOT NULL,
    schema_version  INTEGER     NOT NULL,
    source          TEXT        NOT NULL,
    close           BIGINT      NOT NULL,
    q10_30          DOUBLE PRECISION NOT NULL,
    q50_30          DOUBLE PRECISION NOT NULL,
    q90_30          DOUBLE PRECISION NOT NULL,
    q10_45          DOUBLE PRECISION NOT NULL,
    q50_45          DOUBLE PRECISION NOT NULL,
    q90_45          DOUBLE PRECISION NOT NULL,
    q10_60          DOUBLE PRECISION NOT NULL,
    q50_60          DOUBLE PRECISION NOT NULL,
    q90_60          DOUBLE PRECISION NOT NULL,
    direction       TEXT        NOT NULL,
    confidence      DOUBLE PRECISION NOT NULL,
    signal          TEXT        NOT NULL,
    model_id        TEXT        NOT NULL
);
CREATE INDEX predictions_tft_ts_ns ON predictions_tft (ts_ns);
)sql";

constexpr std::string_view kTrading = R"sql(
CREATE TABLE risk_decisions (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id            UUID        NOT NULL,
    correlation_id      UUID        NOT NULL,
    idempotency_key     TEXT        NOT NULL UNIQUE,
    symbol              TEXT        NOT NULL,
    ts                  TIMESTAMPTZ NOT NULL,
    ts_ns               BIGINT      NOT NULL,
    ts_init_ns          BIGINT      NOT NULL,
    schema_version      INTEGER     NOT NULL,
    source              TEXT        NOT NULL,
    approved            BOOLEAN     NOT NULL,
    reasons             TEXT        NOT NULL,
    reasons_mask        BIGINT      NOT NULL,
    intent              TEXT        NOT NULL,
    exit_reason         TEXT        NOT NULL,
    side                TEXT        NOT NULL,
    qty                 BIGINT      NOT NULL,
    ref_price           BIGINT      NOT NULL,
    notional            BIGINT      NOT NULL,
    cvar                DOUBLE PRECISION NOT NULL,
    confidence          DOUBLE PRECISION NOT NULL,
    prediction_event_id UUID
);
CREATE INDEX risk_decisions_ts_ns ON risk_decisions (ts_ns);

CREATE TABLE trades (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts              TIMESTAMPTZ NOT NULL,
    symbol          TEXT        NOT NULL,
    side            TEXT        NOT NULL,
    qty             BIGINT      NOT NULL,
    filled_qty      BIGINT      NOT NULL,
    avg_fill_price  BIGINT      NOT NULL,
    status          TEXT        NOT NULL,
    alpaca_order_id TEXT,
    alpaca_status   TEXT,
    filled_at       TIMESTAMPTZ,
    correlation_id  UUID        NOT NULL,
    idempotency_key TEXT        NOT NULL UNIQUE,
    paper_trade     BOOLEAN     NOT NULL,
    dry_run         BOOLEAN     NOT NULL,
    ts_ns           BIGINT      NOT NULL,
    filled_at_ns    BIGINT,
    intent          TEXT        NOT NULL,
    exit_reason     TEXT        NOT NULL,
    fees            BIGINT      NOT NULL,
    block_reason    TEXT
);
CREATE INDEX trades_ts_ns ON trades (ts_ns);
CREATE INDEX trades_correlation_id ON trades (correlation_id);

CREATE TABLE positions (
    symbol          TEXT        PRIMARY KEY,
    qty             BIGINT      NOT NULL,
    avg_entry_price BIGINT      NOT NULL,
    market_value    BIGINT      NOT NULL,
    unrealized_pl   BIGINT      NOT NULL,
    cost_basis      BIGINT      NOT NULL,
    updated_at      TIMESTAMPTZ,
    realized_pl     BIGINT      NOT NULL,
    opened_at       TIMESTAMPTZ,
    opened_at_ns    BIGINT,
    updated_at_ns   BIGINT
);

CREATE TABLE audit_events (
    event_id        UUID        NOT NULL,
    correlation_id  UUID        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    symbol          TEXT        NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    source          TEXT        NOT NULL,
    event_type      TEXT        NOT NULL,
    payload         TEXT        NOT NULL,
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    ts_ns           BIGINT      NOT NULL,
    UNIQUE (ts_ns, event_id)
);
CREATE INDEX audit_events_correlation_id ON audit_events (correlation_id, seq);
)sql";

constexpr std::string_view kMlOperations = R"sql(
CREATE TABLE models_registry (
    model_id       TEXT        PRIMARY KEY,
    model_type     TEXT        NOT NULL,
    status         TEXT        NOT NULL CHECK (status IN ('candidate', 'green', 'deprecated')),
    path           TEXT        NOT NULL,
    metrics_json   TEXT        NOT NULL,
    params_json    TEXT        NOT NULL,
    created_at     TIMESTAMPTZ,
    created_at_ns  BIGINT,
    promoted_at    TIMESTAMPTZ,
    promoted_at_ns BIGINT
);
CREATE UNIQUE INDEX models_registry_one_green ON models_registry (status) WHERE status = 'green';

CREATE TABLE backfill_checkpoints (
    source        TEXT        NOT NULL,
    symbol        TEXT        NOT NULL,
    last_ts       TIMESTAMPTZ,
    last_ts_ns    BIGINT,
    rows          BIGINT      NOT NULL,
    updated_at    TIMESTAMPTZ,
    updated_at_ns BIGINT,
    PRIMARY KEY (source, symbol)
);
)sql";

constexpr std::string_view kObservability = R"sql(
CREATE TABLE llm_traces (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts                TIMESTAMPTZ NOT NULL,
    ts_ns             BIGINT      NOT NULL,
    agent             TEXT        NOT NULL,
    model             TEXT        NOT NULL,
    prompt            TEXT        NOT NULL,
    response          TEXT,
    latency_ms        DOUBLE PRECISION,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    correlation_id    UUID
);
CREATE INDEX llm_traces_ts_ns ON llm_traces (ts_ns);

CREATE TABLE llm_daily_summary (
    report_date    DATE        PRIMARY KEY,
    agent          TEXT,
    num_requests   INTEGER     NOT NULL,
    total_tokens   BIGINT      NOT NULL,
    avg_latency_ms DOUBLE PRECISION,
    summary        TEXT
);

CREATE TABLE daily_pnl_summary (
    report_date        DATE        PRIMARY KEY,
    realized_pnl_usd   BIGINT      NOT NULL,
    unrealized_pnl_usd BIGINT      NOT NULL,
    total_pnl_usd      BIGINT      NOT NULL,
    num_trades         INTEGER     NOT NULL,
    num_wins           INTEGER     NOT NULL,
    num_losses         INTEGER     NOT NULL,
    win_rate           DOUBLE PRECISION NOT NULL,
    best_symbol        TEXT,
    worst_symbol       TEXT,
    created_at         TIMESTAMPTZ,
    created_at_ns      BIGINT
);
)sql";

constexpr std::string_view kRuns = R"sql(
CREATE TABLE runs (
    run_id         TEXT        PRIMARY KEY,
    command        TEXT        NOT NULL,
    first_bar_ns   BIGINT      NOT NULL,
    last_bar_ns    BIGINT,
    bars           BIGINT      NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    started_at_ns  BIGINT      NOT NULL,
    finished_at_ns BIGINT,
    pid            BIGINT      NOT NULL
);
CREATE INDEX runs_unfinished ON runs (started_at_ns) WHERE finished_at_ns IS NULL;
)sql";

constexpr std::array<Migration, 6> kPostgresMigrations = {{
    {1, "market_data", kMarketData},
    {2, "features_predictions", kFeaturesPredictions},
    {3, "trading_audit", kTrading},
    {4, "ml_operations", kMlOperations},
    {5, "observability", kObservability},
    {6, "runs", kRuns},
}};

}  // namespace

std::span<const Migration> postgres_migrations() { return kPostgresMigrations; }

}  // namespace awet
