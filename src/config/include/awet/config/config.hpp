#pragma once
// AWET configuration: every component's section (risk's RiskConfig, exits' ExitConfig, ...: each
// owns its keys, defaults, ranges and rules, awet/core/config_section.hpp) composed into one
// Config, read from YAML (config/awet.yaml), overridable by environment variables, validated at
// start. Only what composes the components (pipeline, runtime, ops, the composition root)
// includes this; a component takes its own section.
//
// Override rule: key "risk.max_trade_notional_usd" <- env AWET_RISK_MAX_TRADE_NOTIONAL_USD.
// Unknown keys, wrong types, out-of-range values (every numeric key has a range, named in the
// error) and a key given twice in one file are errors naming the key (and the file and line).
// An AWET_* variable that starts like a section's (AWET_EXECUTION_...) but names no key is an
// error naming the closest key; other unknown AWET_* variables, outside non_config_env_vars(),
// are warned about on stderr.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "awet/bus/bus_config.hpp"
#include "awet/core/config_section.hpp"
#include "awet/core/logging_config.hpp"
#include "awet/core/result.hpp"
#include "awet/data/data_config.hpp"
#include "awet/execution/execution_config.hpp"
#include "awet/exits/exit_config.hpp"
#include "awet/ml/prediction_config.hpp"
#include "awet/risk/risk_config.hpp"
#include "awet/scheduler/scheduler_config.hpp"
#include "awet/store/store_config.hpp"

namespace awet {

struct Config {
    uint64_t seed = 42;
    /// The folder relative paths (store.path, execution.approval_file, prediction.model_dir)
    /// resolve against, whichever source set them; once loaded, absolute or empty. Empty in a
    /// file or unset: the config file's folder (no file: the current directory). A relative home
    /// in a file is relative to the file's folder; in AWET_HOME, to the current directory.
    std::string home;
    RiskConfig risk;
    ExitConfig exits;
    ExecutionConfig execution;
    PredictionConfig prediction;
    StoreConfig store;
    BusConfig bus;
    DataConfig data;
    LoggingConfig logging;
    SchedulerConfig scheduler;
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

/// Loads defaults, then the YAML file (if path is non-empty), then env overrides; resolves the
/// relative paths against `home`; validates. Errors name the file, the key and what is wrong.
Result<Config> load_config(const std::string& path);
/// Same from YAML text (tests); `origin` names it in errors.
Result<Config> load_config_from_string(const std::string& yaml, const std::string& origin);
/// `path` (a file or folder) as the config reads it: a relative one resolved against
/// config.home when home is set; otherwise as given.
std::string resolve_config_path(const Config& config, const std::string& path);
/// Checks ranges and cross-field rules.
Status validate(const Config& config);

}  // namespace awet
