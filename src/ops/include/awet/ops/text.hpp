#pragma once
// The text form of every operation's result: the tables and summaries a person reads (what the
// CLI prints, what an LLM tool or an MCP client gets as text content, what a scheduled job logs).
// Each ends with a newline; none writes anywhere. The JSON form is json.hpp's.
#include <string>

#include "awet/ops/backfill.hpp"
#include "awet/ops/book.hpp"
#include "awet/ops/jobs.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/runs.hpp"
#include "awet/ops/system.hpp"

namespace awet::ops {

std::string to_text(const PositionsResult& r);
std::string to_text(const TradesResult& r);
std::string to_text(const PnlResult& r);
std::string to_text(const EodResult& r);
std::string to_text(const TraceResult& r);
std::string to_text(const ModelsListResult& r);
std::string to_text(const PromoteResult& r);
std::string to_text(const DeprecateResult& r);
std::string to_text(const ExportOnnxResult& r);
std::string to_text(const TrainResult& r);
std::string to_text(const EvaluateResult& r);
/// `top`: attention positions shown per horizon when the result has an explanation.
std::string to_text(const PredictResult& r, int top = 5);
/// The table of agents (how many are not ok is the caller's to say: HealthResult::not_ok).
std::string to_text(const HealthResult& r);
std::string to_text(const ApproveResult& r);
std::string to_text(const RevokeResult& r);
/// Each open order and position mismatch, the count line and, when out of sync, what to do; a
/// positions error is the caller's to report (ReconcileResult::positions_error).
std::string to_text(const ReconcileResult& r);
/// The counts line (the findings are IngestCsvResult::findings, one line each).
std::string to_text(const IngestCsvResult& r);
/// The counts, the data quality, each corporate action and, when a split is unadjusted, a
/// warning (the conflicting bars are IngestVendorResult::findings, one line each).
std::string to_text(const IngestVendorResult& r);
std::string to_text(const FeaturesResult& r);
/// The replay summary (how to follow one trade, `awet trace`, is the face's to say: it knows how
/// its user names the store).
std::string to_text(const ReplayRunResult& r);
/// What the demo ran on and trained, the safety gates, the replay summary, the store.
std::string to_text(const DemoRunResult& r);
/// A table of job_runs rows: slot, job, trigger, status, summary.
std::string to_text(const JobsListResult& r);
/// GO / NO-GO, then each check.
std::string to_text(const MorningCheckResult& r);
/// The gate's verdict, then both models' figures per horizon.
std::string to_text(const NightTrainingResult& r);
/// The session's PnL against the limit, then each finding.
std::string to_text(const WatchdogResult& r);
/// What the simulation ran, per job and status, then the table of its rows.
std::string to_text(const SimulateResult& r);

/// The summary of one run of the pipeline (replay, demo): counts, PnL, reconciliation, latency.
std::string replay_summary_text(const ReplayResult& r);

}  // namespace awet::ops
