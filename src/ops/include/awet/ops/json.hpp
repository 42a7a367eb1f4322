#pragma once
// The JSON form of every operation's request and result: what the REST API answers, what an LLM
// tool or MCP client sends and gets. Money, prices and quantities are exact decimal strings
// ("123.45"), times ISO-8601 UTC, dates "YYYY-MM-DD", enums their lower-case names.
#include <nlohmann/json.hpp>

#include "awet/ops/backfill.hpp"
#include "awet/ops/book.hpp"
#include "awet/ops/jobs.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/runs.hpp"
#include "awet/ops/system.hpp"

namespace awet::ops {

using Json = nlohmann::json;

Json to_json(const PositionsResult& r);
Json to_json(const TradesResult& r);
Json to_json(const PnlResult& r);
Json to_json(const EodResult& r);
Json to_json(const TraceResult& r);
Json to_json(const ModelsListResult& r);
Json to_json(const PromoteResult& r);
Json to_json(const DeprecateResult& r);
Json to_json(const ExportOnnxResult& r);
Json to_json(const TrainResult& r);
Json to_json(const EvaluateResult& r);
Json to_json(const PredictResult& r);
Json to_json(const HealthResult& r);
Json to_json(const ApproveResult& r);
Json to_json(const RevokeResult& r);
Json to_json(const ReconcileResult& r);
Json to_json(const IngestCsvResult& r);
Json to_json(const IngestVendorResult& r);
Json to_json(const FeaturesResult& r);
Json to_json(const ReplayRunResult& r);
Json to_json(const DemoRunResult& r);
Json to_json(const JobsListResult& r);       // json_jobs.cpp
Json to_json(const SimulateResult& r);       // json_jobs.cpp
Json to_json(const MorningCheckResult& r);   // json_jobs.cpp
Json to_json(const WatchdogResult& r);       // json_jobs.cpp
Json to_json(const NightTrainingResult& r);  // json_jobs.cpp

/// A request from its JSON form: an object whose keys are the request's fields (each optional
/// unless the operation needs it); an unknown key, a wrong type or a bad value is an error that
/// names the field.
template <class Request>
Result<Request> request_from_json(const Json& j);

}  // namespace awet::ops
