#include "awet/ops/runs.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "awet/calendar/calendar.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/features/feature_engine.hpp"

namespace awet::ops {

namespace {

/// A run's progress as the context's progress lines ("replay [ 45%] 12000 of 26000 bars,
/// 2026-03-20"), each replacing the last.
ReplayProgressFn progress_lines(const Context& ctx, std::string what) {
    return [&ctx, what = std::move(what)](const ReplayProgress& p) {
        const Date day = SessionCalendar::to_local(p.bar).date;
        const int64_t percent = p.total > 0 ? p.bars * 100 / p.total : 0;
        ctx.progress(fmt::format("{} [{:3}%] {} of {} bars, {}", what, percent, p.bars, p.total,
                                 day.to_string()));
    };
}

/// Why there are no minute bars to run on: none at all, or (said exactly) only daily ones.
Error no_minute_bars(Store& store, const std::string& location, std::string_view range) {
    if (auto daily = only_daily_bars(store, location)) return *daily;
    return make_error(ErrorCode::kNotFound, "no stored bars" + std::string(range) + " in " +
                                                location + "; run `awet ingest csv FILE` first");
}

std::string line_of(const std::string& file, int64_t line) {
    return file + ":" + std::to_string(line) + ": ";
}

}  // namespace

Result<IngestCsvResult> ingest_csv(Context& ctx, const IngestCsvRequest& request) {
    auto store = ctx.writable_store("awet ingest");
    if (!store.ok()) return store.error();
    auto files = expand_csv_paths(request.paths);
    if (!files.ok()) return files.error();
    const BarLimits limits = bar_limits(ctx.config().data);
    IngestCsvResult out;
    out.files = files->size();
    Status write_status;
    for (const auto& file : *files) {
        auto report = read_bars_csv_lines(
            file,
            [&](const MarketBar& bar, int64_t line) {
                if (!write_status.ok()) return;
                auto r = (*store)->put_bar_checked(bar);
                if (!r.ok()) {
                    write_status = r.error();
                } else if (r->outcome == BarPutOutcome::kIdentical) {
                    ++out.duplicates;
                } else if (r->outcome == BarPutOutcome::kConflict) {
                    // The stored bar is kept: a later file never rewrites history silently.
                    if (++out.conflicts <= static_cast<int64_t>(CsvReadReport::kMaxIssues)) {
                        out.findings.push_back(
                            line_of(file, line) + bar.header.symbol.str() + " " +
                            bar.bar_start.iso() + ": conflicts with the stored bar (" +
                            bar_differences(*r->stored, "stored", bar, "in file") +
                            "); stored bar kept");
                    }
                }
            },
            Duration::minutes(1), limits);
        if (!report.ok()) return report.error();
        if (!write_status.ok()) return write_status.error();
        out.rows += report->rows;
        out.stored += report->accepted;
        out.rejected += report->rejected;
        for (const auto& issue : report->issues) {
            out.findings.push_back(line_of(issue.file, issue.line) + "field '" + issue.field +
                                   "': " + issue.reason);
        }
        for (const auto& note : report->notes) out.findings.push_back(note);
    }
    out.conflicts_not_listed =
        std::max<int64_t>(0, out.conflicts - static_cast<int64_t>(CsvReadReport::kMaxIssues));
    out.stored -= out.duplicates + out.conflicts;
    AWET_TRY((*store)->flush());
    out.store = ctx.store_location();
    return out;
}

Result<FeaturesResult> features(Context& ctx, const FeaturesRequest& request) {
    auto store = ctx.writable_store("awet features");
    if (!store.ok()) return store.error();
    auto bars = (*store)->load_bars(BarQuery{});
    if (!bars.ok()) return bars.error();
    if (bars->empty()) return no_minute_bars(**store, ctx.store_location(), "");
    auto fvs = compute_features(*bars, ctx.config().seed);
    for (const auto& fv : fvs) AWET_TRY((*store)->put_features(fv));
    AWET_TRY((*store)->flush());
    AWET_TRY(export_features_csv(request.out_path, fvs));
    return FeaturesResult{fvs.size(), bars->size(), request.out_path};
}

Result<ReplayRunResult> replay(Context& ctx, const ReplayRequest& request) {
    Config config = ctx.config();
    if (config.execution.broker != "sim") {
        return make_error(ErrorCode::kInvalidArgument,
                          "a replay trades with the simulated venue; execution.broker is '" +
                              config.execution.broker +
                              "' (live paper trading: `awet agent execution`)");
    }
    AWET_TRY(check_date_range(request.from, request.to));
    if (request.seed) config.seed = *request.seed;
    auto store = ctx.exclusive_store("awet replay");
    if (!store.ok()) return store.error();
    ReplayRunResult out;
    if (request.fresh) {
        auto removed = (*store)->clear_run_results();
        if (!removed.ok()) return removed.error();
        out.removed = std::move(*removed);
        std::string what;
        for (const auto& [table, n] : *out.removed) {
            if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + table;
        }
        ctx.note("--fresh: earlier results removed (" +
                 (what.empty() ? std::string("there were none") : what) +
                 "); bars and models kept");
    }
    auto bars = (*store)->load_bars(bars_between(request.from, request.to));
    if (!bars.ok()) return bars.error();
    if (bars->empty()) {
        return no_minute_bars(**store, ctx.store_location(),
                              request.from || request.to ? " in the range" : "");
    }
    out.skipped_symbols = keep_symbols(*bars, config.data.symbols);
    if (!out.skipped_symbols.empty()) {
        std::string skipped;
        for (const auto& [symbol, n] : out.skipped_symbols) {
            skipped += (skipped.empty() ? "" : ", ") + symbol + " (" + std::to_string(n) + ")";
        }
        ctx.note("bars of symbols not in data.symbols are not traded: " + skipped);
    }
    if (bars->empty()) {
        return make_error(ErrorCode::kNotFound,
                          "none of the stored bars is of data.symbols: list the symbols to trade "
                          "in data.symbols");
    }
    auto sessions = split_sessions(*bars);
    out.sessions = request.days > 0
                       ? std::min<size_t>(static_cast<size_t>(request.days), sessions.size())
                       : sessions.size();
    std::vector<MarketBar> selected;
    for (size_t s = 0; s < out.sessions; ++s)
        selected.insert(selected.end(), sessions[s].begin(), sessions[s].end());
    out.bars = selected.size();
    auto green = (*store)->green_model();
    if (!green.ok()) return green.error();
    if (!green->has_value()) {
        return make_error(ErrorCode::kNotFound,
                          "no green model in models_registry: run `awet train --model linear` "
                          "and `awet models promote ID`");
    }
    out.model_id = (*green)->model_id;
    const ModelRecord& model = **green;
    if (model.trained_to.is_set()) {
        const Timestamp from = std::max(selected.front().bar_start, model.trained_from);
        const Timestamp to = std::min(selected.back().bar_start, model.trained_to);
        if (from <= to) out.in_sample = ReplayRunResult::Overlap{from, to};
    }
    out.dry_run = config.execution.dry_run;
    AWET_TRY(check_replay_range(**store, selected.front().bar_start));
    ctx.note("AWET replay: " + std::to_string(out.sessions) + " sessions, " +
             std::to_string(out.bars) + " bars, model " + out.model_id +
             ", dry_run=" + (out.dry_run ? "true" : "false"));
    ReplayOptions options;
    options.progress = progress_lines(ctx, "replay");
    auto result = replay_bars(config, *store, selected, options);
    if (!result.ok()) return result.error();
    out.result = std::move(*result);
    return out;
}

Config with_demo_sandbox(Config base) {
    base.execution.broker = "sim";
    base.execution.dry_run = false;
    base.execution.approval_file = resolve_config_path(base, "var/demo/APPROVE_EXECUTION");
    base.prediction.model_dir = resolve_config_path(base, "var/demo/models");
    base.store.path = resolve_config_path(base, std::string(kDemoDatabase));
    base.logging.level = "warn";
    base.logging.format = "text";
    return base;
}

Result<DemoRunResult> demo(Context& ctx, const DemoRequest& request) {
    Config config = ctx.config();
    if (config.execution.broker != "sim") {
        return make_error(ErrorCode::kInvalidArgument,
                          "the demo opens the execution gates for the simulated broker only; "
                          "execution.broker is '" +
                              config.execution.broker + "'");
    }
    if (request.days < 1 || request.train_days < 1) {
        return make_error(ErrorCode::kInvalidArgument,
                          "--days and --train-days must be at least 1");
    }
    if (request.seed) config.seed = *request.seed;
    // The demo writes only to a store of its own; anything else is never touched.
    auto store = ctx.demo_store("awet demo");
    if (!store.ok()) return store.error();
    for (std::string_view table : kSchemaTables) {
        auto n = (*store)->count_rows(table);
        if (!n.ok()) return n.error();
        if (*n > 0) {
            return make_error(ErrorCode::kAlreadyExists,
                              "the demo runs on an empty database, and " + ctx.store_location() +
                                  " holds data (" + std::string(table) +
                                  "): it is never touched; point store.postgres_url at an empty "
                                  "database");
        }
    }
    if (!config.execution.dry_run) {
        AWET_TRY(SafetyGate::approve(config.execution.approval_file, "awet-cli", ctx.now()));
    }
    ctx.note("AWET demo (paper only; simulated broker)");
    DemoOptions options;
    options.seed = config.seed;
    options.days = request.days;
    options.train_days = request.train_days;
    options.data_dir = request.data_dir;
    options.progress = progress_lines(ctx, "demo: trading");
    auto run = run_demo(config, **store, options);
    if (!run.ok()) return run.error();
    DemoRunResult out;
    out.run = std::move(*run);
    out.seed = config.seed;
    out.sandbox = request.sandbox;
    out.dry_run = config.execution.dry_run;
    out.approval_file = config.execution.approval_file;
    out.store = ctx.store_location();
    return out;
}

}  // namespace awet::ops
