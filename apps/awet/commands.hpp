#pragma once
// `awet` subcommands. Each returns the process exit code; errors print one line "awet: <reason>".
#include <optional>
#include <string>
#include <vector>

#include "awet/core/config.hpp"

namespace awet::cli {

/// Options every command takes.
struct Common {
    std::string config_path;  // --config (default: config/awet.yaml when it exists)
    std::string db_path;      // --db (overrides store.path)
    bool config_given = false;
};

/// Loads and validates the config; prints the error and returns nullopt on failure.
std::optional<Config> load(const Common& common);

struct DemoArgs {
    uint64_t seed = 42;
    int days = 5;
    int train_days = 3;
    std::string data_dir;
};
int demo(const Common& common, const DemoArgs& args, bool seed_given);

int ingest_csv(const Common& common, const std::vector<std::string>& paths);
int features(const Common& common, const std::string& out_path);

struct ReplayArgs {
    std::string from, to;  // dates (inclusive); empty: all stored bars
    uint64_t seed = 42;
    int days = 0;  // 0: every session in the range
    bool seed_given = false;
};
int replay(const Common& common, const ReplayArgs& args);

int train(const Common& common, const std::string& model_type);
int models_list(const Common& common);
int models_promote(const Common& common, const std::string& model_id);
int models_deprecate(const Common& common, const std::string& model_id);

int approve(const Common& common);
int revoke(const Common& common);

int pnl(const Common& common, const std::string& period, const std::string& date);
int eod(const Common& common, const std::string& date);
int trace(const Common& common, const std::string& correlation_id);
int positions(const Common& common);
int trades(const Common& common, const std::string& symbol, size_t limit);

}  // namespace awet::cli
