#include "awet/ops/catalog.hpp"

#include <array>

namespace awet::ops {

namespace {

using Runner = Result<Json> (*)(Context&, const Json&);

struct Entry {
    OperationInfo info;
    Runner run;
};

/// The JSON face of one typed operation: parse the request, run it, write the result.
template <class Request, class Res, Result<Res> (*Fn)(Context&, const Request&)>
Result<Json> run_json(Context& ctx, const Json& j) {
    auto request = request_from_json<Request>(j);
    if (!request.ok()) return request.error();
    auto result = Fn(ctx, *request);
    if (!result.ok()) return result.error();
    return to_json(*result);
}

#define AWET_OP(name, mutating, local_only, summary, Req, Res, fn) \
    Entry { OperationInfo{name, mutating, local_only, summary}, &run_json<Req, Res, &fn> }

const std::array kEntries = {
    AWET_OP("health", false, false, "every agent's GET /health", HealthRequest, HealthResult,
            health),
    AWET_OP("positions", false, false, "open positions (positions table)", PositionsRequest,
            PositionsResult, positions),
    AWET_OP("trades", false, false, "recent paper trades, newest last", TradesRequest, TradesResult,
            trades),
    AWET_OP("pnl", false, false, "daily PnL reports of a day or a week", PnlRequest, PnlResult,
            pnl),
    AWET_OP("eod", true, false, "recompute and save a day's daily_pnl_summary", EodRequest,
            EodResult, eod),
    AWET_OP("trace", false, false, "the audit chain of one correlation id", TraceRequest,
            TraceResult, trace),
    AWET_OP("models.list", false, false, "the model registry", ModelsListRequest, ModelsListResult,
            models_list),
    AWET_OP("models.promote", true, false, "make a model green", PromoteRequest, PromoteResult,
            models_promote),
    AWET_OP("models.deprecate", true, false, "retire a model", DeprecateRequest, DeprecateResult,
            models_deprecate),
    AWET_OP("models.export_onnx", true, true, "write a TFT model as an ONNX graph",
            ExportOnnxRequest, ExportOnnxResult, models_export_onnx),
    AWET_OP("train", true, false, "train a model on the stored features, register a candidate",
            TrainRequest, TrainResult, train),
    AWET_OP("evaluate", false, false, "the TFT against its baselines on unseen sessions",
            EvaluateRequest, EvaluateResult, evaluate),
    AWET_OP("predict", false, false, "one forecast of a symbol (and the TFT's explanation)",
            PredictRequest, PredictResult, predict),
    AWET_OP("approve", true, true, "create the approval file (a person at the machine)",
            ApproveRequest, ApproveResult, approve),
    AWET_OP("revoke", true, false, "remove the approval file: every order blocked", RevokeRequest,
            RevokeResult, revoke),
    AWET_OP("ingest.csv", true, true, "load CSV bars (files or directories) into the store",
            IngestCsvRequest, IngestCsvResult, ingest_csv),
    AWET_OP("ingest.vendor", true, true,
            "backfill bars from a vendor (polygon, yahoo, alpaca), resuming at its checkpoint",
            IngestVendorRequest, IngestVendorResult, ingest_vendor),
    AWET_OP("features", true, true, "compute, store and export the features of the stored bars",
            FeaturesRequest, FeaturesResult, features),
    AWET_OP("replay", true, false, "run the pipeline over stored bars with the green model",
            ReplayRequest, ReplayRunResult, replay),
    AWET_OP("demo", true, true,
            "the demo on a store of its own: train the baseline, trade the following sessions",
            DemoRequest, DemoRunResult, demo),
    AWET_OP("reconcile", false, false, "the store against the broker, read-only", ReconcileRequest,
            ReconcileResult, reconcile),
    AWET_OP("jobs.list", false, false, "the scheduler's record: job runs, newest last",
            JobsListRequest, JobsListResult, jobs_list),
    AWET_OP("jobs.morning_check", true, false,
            "go / no-go for a session (a no-go revokes the approval file)", MorningCheckRequest,
            MorningCheckResult, morning_check),
    AWET_OP("jobs.watchdog", true, false,
            "the session so far: drawdown, feed, stuck orders (beyond the limit: kill switch)",
            WatchdogRequest, WatchdogResult, watchdog),
    AWET_OP("jobs.night_training", true, false,
            "train a candidate and promote it only through the promotion gate",
            NightTrainingRequest, NightTrainingResult, night_training),
    AWET_OP("scheduler.simulate", true, true,
            "run the schedule over days of stored bars against a simulated clock", SimulateRequest,
            SimulateResult, scheduler_simulate),
};

#undef AWET_OP

const std::array<OperationInfo, kEntries.size()> kInfos = [] {
    std::array<OperationInfo, kEntries.size()> out{};
    for (size_t i = 0; i < kEntries.size(); ++i) out[i] = kEntries[i].info;
    return out;
}();

}  // namespace

std::span<const OperationInfo> catalog() { return kInfos; }

const OperationInfo* find_operation(std::string_view name) {
    for (const auto& info : kInfos) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

Result<Json> call(Context& ctx, std::string_view name, const Json& request) {
    for (const auto& entry : kEntries) {
        if (entry.info.name == name) return entry.run(ctx, request);
    }
    return make_error(ErrorCode::kNotFound, "no operation '" + std::string(name) + "'");
}

}  // namespace awet::ops
