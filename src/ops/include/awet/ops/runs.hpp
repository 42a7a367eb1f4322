#pragma once
// Operations that feed or run the pipeline over the store: ingest CSV bars, compute features,
// replay stored bars through every agent, the demo. All write; `ingest.csv` and `features` read
// or write files where they are told, the demo opens the gates of the simulated broker (local
// only).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awet/ops/context.hpp"
#include "awet/pipeline/runner.hpp"

namespace awet::ops {

struct IngestCsvRequest {
    std::vector<std::string> paths;  // CSV files or directories of *.csv
};
struct IngestCsvResult {
    size_t files = 0;
    int64_t rows = 0, stored = 0, duplicates = 0, conflicts = 0, rejected = 0;
    /// What the user must see about the input, in file order: "file:line: field 'x': reason" per
    /// rejected row, each conflicting bar (the first CsvReadReport::kMaxIssues; the stored bar is
    /// kept), each note of a file.
    std::vector<std::string> findings;
    int64_t conflicts_not_listed = 0;
    std::string store;  // where they went
};
Result<IngestCsvResult> ingest_csv(Context& ctx, const IngestCsvRequest& request);

struct FeaturesRequest {
    std::string out_path;  // the CSV written (ts,symbol,<feature columns>)
};
struct FeaturesResult {
    size_t rows = 0, bars = 0;
    std::string out_path;
};
/// Features of every stored bar, stored in features_tft and exported.
Result<FeaturesResult> features(Context& ctx, const FeaturesRequest& request);

struct ReplayRequest {
    std::optional<Date> from, to;  // inclusive; default: every stored bar
    int days = 0;                  // at most this many sessions (0: all in the range)
    std::optional<uint64_t> seed;  // default: the config's
    bool fresh = false;            // discard earlier runs' results first (bars and models kept)
};
struct ReplayRunResult {
    /// --fresh: the rows removed per table (set only when fresh).
    std::optional<std::vector<std::pair<std::string, int64_t>>> removed;
    size_t sessions = 0, bars = 0;
    std::map<std::string, int64_t> skipped_symbols;  // stored bars not of data.symbols, per symbol
    std::string model_id;                            // the green model it ran with
    /// The bars of the run that the green model was trained on (models_registry's training
    /// range): its forecasts there are in-sample and its PnL flatters it. Unset: none.
    struct Overlap {
        Timestamp from, to;
    };
    std::optional<Overlap> in_sample;
    bool dry_run = true;
    ReplayResult result;
};
/// Holds the store alone (a run), announces itself through the note sink, then replays.
Result<ReplayRunResult> replay(Context& ctx, const ReplayRequest& request);

/// The demo sandbox on top of `base` (what `awet demo` runs with unless a config file is named;
/// config/sandbox.yaml holds the same): the simulated broker with layer 2 open (dry_run false)
/// and an approval file of the demo's own that the demo writes (layer 3), its model directory
/// and database, warnings-only text logs. Every other key keeps its value.
Config with_demo_sandbox(Config base);
/// The demo's database (SQLite) unless the user names another.
inline constexpr std::string_view kDemoDatabase = "var/demo.db";

struct DemoRequest {
    std::optional<uint64_t> seed;  // default: the config's
    int days = 5;                  // sessions traded
    int train_days = 3;            // sessions the baseline is trained on first
    std::string data_dir;          // empty: the seeded synthetic market; else CSV bars
    bool sandbox = false;          // the config is with_demo_sandbox's (said in the summary)
};
struct DemoRunResult {
    DemoResult run;
    uint64_t seed = 0;
    bool sandbox = false;
    bool dry_run = true;
    std::string approval_file;
    std::string store;  // where it ran (no credentials)
};
/// `awet demo` on a store of the demo's own (Backends::open_demo_store: on PostgreSQL an empty
/// database, refused when it holds anything), held alone for the run: with the simulated broker
/// only, and with the approval file written when the config opens layer 2 (dry_run false).
Result<DemoRunResult> demo(Context& ctx, const DemoRequest& request);

}  // namespace awet::ops
