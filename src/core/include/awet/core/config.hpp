#pragma once
// AWET configuration: every parameter of seed §2.3 with its default, read from YAML
// (config/awet.yaml), overridable by environment variables, validated at start.
//
// Override rule: key "risk.max_trade_notional_usd" <- env AWET_RISK_MAX_TRADE_NOTIONAL_USD.
// Unknown keys, wrong types, out-of-range values (every numeric key has a range, named in the
// error) and a key given twice in one file are errors naming the key (and the file and line).
// An AWET_* variable that starts like a section's (AWET_EXECUTION_...) but names no key is an
// error naming the closest key; other unknown AWET_* variables, outside non_config_env_vars(),
// are warned about on stderr.
#include <cstdint>
#include <string>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"

namespace awet {

struct RiskConfig {
    Money max_trade_notional_usd = Money::from_units(1000);
    Quantity max_qty_per_trade = Quantity::from_units(100);
    int max_orders_per_minute = 5;
    int max_orders_per_symbol_per_day = 3;
    int cooldown_minutes = 15;
    Money max_total_exposure_usd = Money::from_units(50000);
    Money max_symbol_exposure_usd = Money::from_units(10000);
    bool cvar_enabled = true;
    double cvar_alpha = 0.10;      // tail probability (matches the forecast's q10)
    double max_cvar_pct = 0.02;    // max expected tail loss over the horizon, fraction of notional
    int cvar_lookback_bars = 390;  // recent 1-minute returns for the historical estimate
    int no_entry_before_close_minutes = 15;
    double min_confidence = 0.10;  // predictions below this are HOLD: no trade intent
    bool allow_short = false;
    /// Where the cross-process risk state lives (orders per minute / per symbol per day,
    /// cooldowns, exposure reservations): "memory" (one process) or "redis" (shared, atomic).
    std::string state_backend = "memory";
    std::string redis_url = "redis://127.0.0.1:6379/0";
    std::string redis_namespace = "awet";  // awet:risk:<namespace>:...
};

struct ExitConfig {
    double take_profit_pct = 1.0;
    double stop_loss_pct = 0.5;
    int max_holding_minutes = 60;
    bool flat_at_close = true;
    int flat_before_close_minutes = 5;
};

struct ExecutionConfig {
    bool dry_run = true;  // seed §9.1 layer 2: true blocks every order
    std::string approval_file = ".tmp/APPROVE_EXECUTION";  // seed §9.1 layer 3
    std::string broker = "sim";                            // sim | alpaca
    std::string alpaca_base_url = "https://paper-api.alpaca.markets";
    int64_t slippage_bps = 2;
    Money fee_per_share_usd = Money::from_raw(0);
    Money min_fee_usd = Money::from_raw(0);
    double participation_rate =
        0.0;  // 0: fill whole order at next bar; else max fraction of bar volume
    /// Entries carry take-profit / stop-loss legs (exits.*_pct) held by the broker as OCO; the
    /// exit agent then leaves TP/SL to the broker and keeps only the time and session exits.
    bool bracket_orders = false;
};

struct PredictionConfig {
    std::string model_dir = "models";
    int reload_check_bars =
        60;  // how often (in bars) the agent checks models_registry for a new green
};

struct StoreConfig {
    std::string backend = "sqlite";  // sqlite | postgres
    std::string path = "var/awet.db";
    int batch_size = 5000;  // rows per transaction in replay
    std::string postgres_url = "postgresql://postgres@127.0.0.1:5432/awet";
    int postgres_pool_size = 4;
};

struct BusConfig {
    std::string backend = "inproc";  // inproc | kafka
    std::string kafka_brokers = "127.0.0.1:9092";
    std::string kafka_group = "awet";
    std::string codec = "json";       // json | avro
    std::string schema_registry_url;  // empty: schema ids from the local catalogue
};

struct DataConfig {
    std::vector<std::string> symbols = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA"};
    std::string source = "synthetic";
    // Live minute bars (`awet agent ingestion --live alpaca`).
    std::string alpaca_feed = "iex";  // iex|sip
    std::string alpaca_stream_url = "wss://stream.data.alpaca.markets";
    int stale_feed_seconds = 180;  // market open and no bar for longer: the feed is stale
    // Plausibility bounds on every ingested bar (CSV, vendor REST, live stream): a price or a
    // volume above them is refused as impossible, never stored. Their ranges stop where the
    // store's REAL columns stop holding every micro-unit exactly (1e9 USD, 5e11 shares).
    Money max_price_usd = Money::from_units(1'000'000);
    Quantity max_volume = Quantity::from_units(100'000'000'000);
};

struct LoggingConfig {
    std::string level = "info";   // trace|debug|info|warn|error|off
    std::string format = "json";  // json|text
};

struct Config {
    uint64_t seed = 42;
    RiskConfig risk;
    ExitConfig exits;
    ExecutionConfig execution;
    PredictionConfig prediction;
    StoreConfig store;
    BusConfig bus;
    DataConfig data;
    LoggingConfig logging;
};

/// One documented configuration key (drives validation, env overrides and the README table).
struct ConfigKey {
    std::string key;            // "risk.max_trade_notional_usd"
    std::string default_value;  // as text
    std::string description;
    std::string range;  // allowed values of a numeric key, "[0, 525600]"; empty for the others
};

/// Every key with its default and meaning.
const std::vector<ConfigKey>& config_keys();

/// Environment variable that overrides a key: "risk.cooldown_minutes" ->
/// "AWET_RISK_COOLDOWN_MINUTES".
std::string config_env_var(const std::string& key);

/// AWET_* environment variables that AWET (or its scripts) reads and that are not config keys:
/// AWET_SCHEMA_DIR, AWET_TFT_MODULE, AWET_PORT_BASE, ... The one list; any other AWET_* name
/// that is not a config key is reported by load_config.
const std::vector<std::string>& non_config_env_vars();

/// Loads defaults, then the YAML file (if path is non-empty), then env overrides; validates.
/// Errors name the file, the key and what is wrong.
Result<Config> load_config(const std::string& path);
/// Same from YAML text (tests); `origin` names it in errors.
Result<Config> load_config_from_string(const std::string& yaml, const std::string& origin);
/// Checks ranges and cross-field rules.
Status validate(const Config& config);

}  // namespace awet
