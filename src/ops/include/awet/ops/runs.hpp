#pragma once
// Operations that feed or run the pipeline over the store: ingest CSV bars, compute features,
// replay stored bars through every agent. All write; `ingest.csv` and `features` read or write
// files where they are told (local only).
#include <optional>
#include <string>
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
    std::string model_id;  // the green model it ran with
    bool dry_run = true;
    ReplayResult result;
};
/// Holds the store alone (a run), announces itself through the note sink, then replays.
Result<ReplayRunResult> replay(Context& ctx, const ReplayRequest& request);

}  // namespace awet::ops
