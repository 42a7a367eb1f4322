#include "awet/ops/models.hpp"

#include <array>
#include <cstdio>
#include <filesystem>

#include "awet/pipeline/runner.hpp"

namespace awet::ops {

namespace {

Result<ModelRecord> registry_row(Store& store, const std::string& model_id) {
    auto found = store.find_model(model_id);
    if (!found.ok()) return found.error();
    if (!found->has_value()) {
        return make_error(
            ErrorCode::kNotFound,
            "no model '" + model_id + "' in models_registry (see `awet models list`)");
    }
    return **found;
}

/// The registry row of `model_id`, or of the green model when it is empty.
Result<ModelRecord> find_record(Store& store, const std::string& model_id) {
    if (!model_id.empty()) return registry_row(store, model_id);
    auto green = store.green_model();
    if (!green.ok()) return green.error();
    if (!green->has_value()) {
        return make_error(ErrorCode::kNotFound,
                          "no green model in models_registry: promote one (`awet models "
                          "promote ID`) or pass --model ID");
    }
    return **green;
}

/// features_tft, computed from the stored bars (and stored) when empty.
Result<std::vector<FeatureVector>> training_features(Context& ctx, Store& store,
                                                     size_t& computed_from) {
    auto fvs = store.load_features(BarQuery{});
    if (!fvs.ok()) return fvs.error();
    if (!fvs->empty()) return fvs;
    auto bars = store.load_bars(BarQuery{});
    if (!bars.ok()) return bars.error();
    if (bars->empty()) {
        if (auto daily = only_daily_bars(store, ctx.store_location())) return *daily;
        return make_error(ErrorCode::kNotFound, "no features and no bars in " +
                                                    ctx.store_location() + "; ingest data first");
    }
    ctx.note("features_tft is empty: computing features from " + std::to_string(bars->size()) +
             " stored bars");
    computed_from = bars->size();
    *fvs = compute_features(*bars, ctx.config().seed);
    for (const auto& fv : *fvs) AWET_TRY(store.put_features(fv));
    return fvs;
}

}  // namespace

Result<ModelsListResult> models_list(Context& ctx, const ModelsListRequest&) {
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    auto models = (*store)->list_models();
    if (!models.ok()) return models.error();
    return ModelsListResult{std::move(*models)};
}

Result<PromoteResult> models_promote(Context& ctx, const PromoteRequest& request) {
    auto store = ctx.writable_store("awet models promote");
    if (!store.ok()) return store.error();
    AWET_TRY((*store)->promote_model(request.model_id, ctx.now()));
    auto row = registry_row(**store, request.model_id);
    if (!row.ok()) return row.error();
    return PromoteResult{std::move(*row)};
}

Result<DeprecateResult> models_deprecate(Context& ctx, const DeprecateRequest& request) {
    auto store = ctx.writable_store("awet models deprecate");
    if (!store.ok()) return store.error();
    AWET_TRY((*store)->deprecate_model(request.model_id));
    auto row = registry_row(**store, request.model_id);
    if (!row.ok()) return row.error();
    return DeprecateResult{std::move(*row)};
}

Result<ExportOnnxResult> models_export_onnx(Context& ctx, const ExportOnnxRequest& request) {
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    auto record = registry_row(**store, request.model_id);
    if (!record.ok()) return record.error();
    if (record->model_type != kTftModelType) {
        return make_error(ErrorCode::kInvalidArgument,
                          "model " + request.model_id + " is a " + record->model_type +
                              " model; only tft models export to ONNX");
    }
    namespace fs = std::filesystem;
    const std::string out =
        request.out_path.empty()
            ? (fs::path(ctx.config().prediction.model_dir) / (request.model_id + ".onnx")).string()
            : request.out_path;
    const auto parent = fs::path(out).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec)
        return make_error(ErrorCode::kIo, "cannot create " + parent.string() + ": " + ec.message());
    auto module = load_tft_module();
    if (!module.ok()) return on_one_line(module.error());
    AWET_TRY((*module)->export_onnx(record->path, out));
    const auto size = fs::file_size(out, ec);
    return ExportOnnxResult{out, ec ? 0 : static_cast<uint64_t>(size)};
}

Result<TrainResult> train(Context& ctx, const TrainRequest& request) {
    TrainSpec spec;
    if (request.model == "tft") {
        spec.model = TrainSpec::Model::kTft;
    } else if (request.model != "linear") {
        return make_error(ErrorCode::kInvalidArgument,
                          "model: unknown model type '" + request.model + "' (linear or tft)");
    }
    auto store = ctx.writable_store("awet train");
    if (!store.ok()) return store.error();
    AWET_TRY(check_date_range(request.from, request.to));
    TrainResult out;
    auto fvs = training_features(ctx, **store, out.features_computed);
    if (!fvs.ok()) return fvs.error();
    if (request.from || request.to) {
        // Features are computed over every stored bar (warm-up included), then the range kept.
        const BarQuery range = bars_between(request.from, request.to);
        std::erase_if(*fvs, [&](const FeatureVector& fv) {
            return fv.bar_start < range.from || fv.bar_start >= range.to;
        });
        if (fvs->empty()) {
            return make_error(ErrorCode::kNotFound,
                              "no stored features or bars from " +
                                  (request.from ? request.from->to_string() : "the first") +
                                  " to " + (request.to ? request.to->to_string() : "the last") +
                                  " in " + ctx.store_location());
        }
    }
    spec.tft = request.tft;
    spec.tft.git_revision = git_revision();
    auto outcome = train_and_register(**store, ctx.config(), *fvs, ctx.now(), spec);
    if (!outcome.ok()) return outcome.error();
    out.model = std::move(outcome->record);
    out.summary = std::move(outcome->summary);
    out.tft = std::move(outcome->tft);
    return out;
}

Result<EvaluateResult> evaluate(Context& ctx, const EvaluateRequest& request) {
    TftEvalOptions options = request.options;
    if (!std::filesystem::exists(options.data_dir)) {
        return make_error(ErrorCode::kNotFound,
                          "eval: data directory " + options.data_dir + " does not exist");
    }
    if (options.model_dir.empty()) {
        options.model_dir =
            (std::filesystem::path(ctx.config().prediction.model_dir) / "eval").string();
    }
    options.seed = ctx.config().seed;
    options.git_revision = git_revision();
    auto report = run_tft_eval(options);
    if (!report.ok()) return on_one_line(report.error());
    return EvaluateResult{std::move(*report)};
}

Result<PredictResult> predict(Context& ctx, const PredictRequest& request) {
    if (request.symbol.empty()) return make_error(ErrorCode::kInvalidArgument, "symbol: required");
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    auto record = find_record(**store, request.model_id);
    if (!record.ok()) return record.error();
    const bool tft = record->model_type == kTftModelType;
    if (request.explain && !tft) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "--explain needs a tft model; " + record->model_id + " is " + record->model_type);
    }
    BarQuery query;
    query.symbols = {request.symbol};
    if (request.at) query.to = *request.at + Duration::nanos(1);
    auto fvs = (*store)->load_features(query);
    if (!fvs.ok()) return fvs.error();
    if (fvs->empty()) {
        auto bars = (*store)->load_bars(query);
        if (!bars.ok()) return bars.error();
        *fvs = compute_features(*bars, ctx.config().seed);
    }
    if (fvs->empty()) {
        return make_error(ErrorCode::kNotFound,
                          "no features or bars of " + request.symbol + " in " +
                              ctx.config().store.path +
                              (request.at ? " up to " + request.at->iso() : std::string()));
    }
    PredictResult out;
    out.model = *record;
    out.symbol = request.symbol;
    out.min_confidence = ctx.config().risk.min_confidence;
    if (!tft) {
        auto loaded = default_model_loader()(*record);
        if (!loaded.ok()) return loaded.error();
        const FeatureVector& last = fvs->back();
        auto q = (*loaded)->forecast(last);
        if (!q) {
            return make_error(ErrorCode::kNotFound,
                              "the features of " + request.symbol + " at " + last.bar_start.iso() +
                                  " are incomplete (warming up): no forecast");
        }
        out.bar_start = last.bar_start;
        out.q = *q;
    } else {
        auto module = load_tft_module();
        if (!module.ok()) return on_one_line(module.error());
        auto e = (*module)->explain(record->path, *fvs, request.symbol,
                                    request.at.value_or(fvs->back().bar_start));
        if (!e.ok()) return e.error();
        out.bar_start = e->forecast.bar_start;
        out.q = e->forecast.q;
        if (e->forecast.has_target) out.realised = e->forecast.target;
        if (request.explain) out.explanation = std::move(*e);
    }
    out.call = call_signal(out.q, out.min_confidence);
    return out;
}

std::string git_revision() {
    FILE* pipe = popen("git rev-parse --short HEAD 2>/dev/null", "r");
    if (pipe == nullptr) return "unknown";
    std::array<char, 128> buf{};
    std::string out;
    while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
    const int status = pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (status != 0 || out.empty()) return "unknown";
    return out;
}

}  // namespace awet::ops
