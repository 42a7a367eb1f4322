// docs/json.md is the contract of `--json`: every field of every command's JSON document is
// listed there, and nothing else. A field renamed, added or dropped fails here until the
// document says so. (AWET_PRINT_JSON_FIELDS=1 prints the field lists as the document has them.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "awet/ops/backfill.hpp"
#include "awet/ops/book.hpp"
#include "awet/ops/jobs.hpp"
#include "awet/ops/json.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/runs.hpp"
#include "awet/ops/system.hpp"

namespace awet::ops {
namespace {

/// Every field path of a document: "a", "a.b", "rows[].c". Objects whose keys are data (a symbol,
/// a table, a reason) are given empty in the samples below, so they are one field.
void flatten(const Json& j, const std::string& prefix, std::set<std::string>& out) {
    if (j.is_object() && !j.empty()) {
        for (const auto& [key, value] : j.items()) {
            flatten(value, prefix.empty() ? key : prefix + "." + key, out);
        }
        return;
    }
    if (j.is_array() && !j.empty() && j.front().is_object()) {
        flatten(j.front(), prefix + "[]", out);
        return;
    }
    out.insert(prefix);
}

std::set<std::string> fields(const Json& j) {
    std::set<std::string> out;
    flatten(j, "", out);
    return out;
}

ModelRecord sample_model() {
    ModelRecord m;
    m.model_id = "linear-2026-03-20-1";
    m.metrics_json = "{}";
    m.params_json = "{}";
    return m;
}

TftTrainReport sample_tft() {
    TftTrainReport r;
    r.warnings = {"test has 12 windows only"};
    return r;
}

ReplayResult sample_replay() {
    ReplayResult r;
    r.daily.push_back(DailyPnlRow{});
    return r;
}

/// One sample of each command's result, every optional part present, one row in every list.
std::map<std::string, Json> documents() {
    std::map<std::string, Json> d;
    d["positions"] = to_json(PositionsResult{{PositionRow{}}});
    TradesResult trades;
    trades.trades.push_back(TradeRow{});
    trades.round_trips.push_back(ClosedTrade{});
    d["trades"] = to_json(trades);
    PnlResult pnl;
    pnl.rows.push_back(DailyPnlRow{});
    d["pnl"] = to_json(pnl);
    d["eod"] = to_json(EodResult{});
    d["trace"] = to_json(TraceResult{Uuid{}, {AuditRecord{}}});
    d["models list"] = to_json(ModelsListResult{{sample_model()}});
    d["models promote"] = to_json(PromoteResult{sample_model()});
    d["models deprecate"] = to_json(DeprecateResult{sample_model()});
    d["models export-onnx"] = to_json(ExportOnnxResult{});
    TrainResult train;
    train.model = sample_model();
    train.tft = sample_tft();
    d["train"] = to_json(train);
    PredictResult predict;
    predict.realised = std::array<float, kNumHorizons>{};
    predict.explanation = TftExplanation{};
    d["predict"] = to_json(predict);
    d["health"] = to_json(HealthResult{{AgentHealthReport{}}, 0});
    d["approve"] = to_json(ApproveResult{});
    d["revoke"] = to_json(RevokeResult{});
    ReconcileResult reconcile;
    reconcile.orders.push_back(OrderCheck{});
    reconcile.positions.push_back(PositionMismatch{});
    d["reconcile"] = to_json(reconcile);
    d["ingest csv"] = to_json(IngestCsvResult{});
    d["ingest polygon|yahoo|alpaca"] = to_json(IngestVendorResult{});
    d["features"] = to_json(FeaturesResult{});
    ReplayRunResult replay;
    replay.removed.emplace();
    replay.in_sample = ReplayRunResult::Overlap{};
    replay.result = sample_replay();
    d["replay"] = to_json(replay);
    DemoRunResult demo;
    demo.run.replay = sample_replay();
    d["demo"] = to_json(demo);
    JobRunRecord job;
    job.details_json = "{}";
    d["jobs"] = to_json(JobsListResult{{job}});
    SimulateResult simulate;
    simulate.runs.push_back(job);
    d["scheduler --simulate"] = to_json(simulate);
    return d;
}

/// The document's lists: "## `awet NAME --json`" then a fenced block with one field per line
/// ("path  type  meaning": the path is the first word).
std::map<std::string, std::set<std::string>> documented() {
    std::ifstream in(std::string(AWET_SOURCE_DIR) + "/docs/json.md");
    std::map<std::string, std::set<std::string>> out;
    std::string line, command;
    bool in_block = false;
    while (std::getline(in, line)) {
        if (line.rfind("## `awet ", 0) == 0) {
            const size_t end = line.find(" --json`");
            command = end == std::string::npos ? "" : line.substr(9, end - 9);
            continue;
        }
        if (line.rfind("```", 0) == 0) {
            in_block = !in_block;
            continue;
        }
        if (in_block && !command.empty() && !line.empty()) {
            out[command].insert(line.substr(0, line.find(' ')));
        }
    }
    return out;
}

TEST(JsonDoc, EveryFieldOfEveryCommandIsDocumentedAndNothingElse) {
    const auto docs = documents();
    if (std::getenv("AWET_PRINT_JSON_FIELDS") != nullptr) {
        for (const auto& [command, j] : docs) {
            std::cout << "## `awet " << command << " --json`\n```\n";
            for (const auto& f : fields(j)) std::cout << f << "\n";
            std::cout << "```\n";
        }
    }
    const auto listed = documented();
    ASSERT_FALSE(listed.empty()) << "docs/json.md has no command sections";
    for (const auto& [command, j] : docs) {
        auto it = listed.find(command);
        ASSERT_NE(it, listed.end()) << "docs/json.md has no section for awet " << command;
        const std::set<std::string> actual = fields(j);
        for (const auto& f : actual) {
            EXPECT_TRUE(it->second.contains(f))
                << "awet " << command << " --json: " << f << " is not in docs/json.md";
        }
        for (const auto& f : it->second) {
            EXPECT_TRUE(actual.contains(f))
                << "docs/json.md lists " << f << " for awet " << command << ", which has none";
        }
    }
    for (const auto& [command, f] : listed) {
        EXPECT_TRUE(docs.contains(command)) << "docs/json.md documents awet " << command
                                            << " --json, which this test does not produce";
    }
}

}  // namespace
}  // namespace awet::ops
