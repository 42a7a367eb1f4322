// The commands that are one operation each (src/ops): parse, call the operation, print its
// result as a table (or, with --json, in its JSON form).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "awet/audit/trace.hpp"
#include "awet/core/clock.hpp"
#include "awet/ops/book.hpp"
#include "awet/ops/json.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/system.hpp"
#include "awet/ops/text.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"
#include "brokers.hpp"
#include "commands.hpp"
#include "show.hpp"

namespace awet::cli {

namespace {

WallClock& wall_clock() {
    static WallClock clock;
    return clock;
}

int fail(const Error& error, int rc = 1) {
    std::fprintf(stderr, "awet: %s\n", error.message.c_str());
    return rc;
}

std::optional<Date> date_arg(const std::string& text, const char* option, int& rc) {
    auto date = ops::parse_date_field(text, option);
    if (!date.ok()) {
        rc = fail(date.error());
        return std::nullopt;
    }
    return *date;
}

}  // namespace

std::unique_ptr<ops::Context> ops_context_for(Config config, bool json) {
    ops::Backends backends;
    backends.open_store = [](const Config& c) { return open_store(c); };
    backends.open_broker = [](const Config& c, const std::string& venue_url) {
        return open_broker(c, venue_url);
    };
    backends.open_demo_store = [](const Config& c) { return open_demo_store(c); };
    backends.store_location = [](const Config& c) { return store_location(c); };
    backends.store_exists = [](const Config& c) { return store_exists(c); };
    auto ctx = std::make_unique<ops::Context>(std::move(config), std::move(backends), wall_clock());
    FILE* notes = json ? stderr : stdout;
    ctx->set_note_sink([notes](std::string_view line) {
        std::fprintf(notes, "%.*s\n", static_cast<int>(line.size()), line.data());
        std::fflush(notes);
    });
    return ctx;
}

std::unique_ptr<ops::Context> ops_context(const Common& common) {
    auto config = load(common);
    if (!config) return nullptr;
    return ops_context_for(std::move(*config), common.json);
}

int train(const Common& common, const TrainArgs& args) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    if (args.model == "linear" && !args.tft_option_given.empty()) {
        return fail(make_error(ErrorCode::kInvalidArgument,
                               args.tft_option_given + " applies to --model tft only"));
    }
    ops::TrainRequest request;
    request.model = args.model;
    int rc = 0;
    request.from = date_arg(args.from, "--from", rc);
    if (rc != 0) return rc;
    request.to = date_arg(args.to, "--to", rc);
    if (rc != 0) return rc;
    request.tft.hp = args.tft.hp;
    request.tft.validation_sessions = args.validation_sessions;
    request.tft.test_sessions = args.test_sessions;
    request.tft.max_train_windows = args.tft.max_train_windows;
    request.tft.threads = args.tft.threads;
    request.tft.progress = !args.tft.no_progress && progress_on_tty(common);
    return show(common, ops::train(*ctx, request));
}

int eval(const Common& common, const EvalArgs& args) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    ops::EvaluateRequest request;
    TftEvalOptions& o = request.options;
    o.data_dir = args.data_dir;
    o.symbols = args.symbols;
    o.train_sessions = args.train_sessions;
    o.test_sessions = args.test_sessions;
    o.hp = args.tft.hp;
    o.threads = args.tft.threads;
    o.max_train_windows = args.tft.max_train_windows;
    o.progress = !args.tft.no_progress && progress_on_tty(common);
    o.model_dir = args.model_dir;
    auto result = ops::evaluate(*ctx, request);
    if (!result.ok()) return fail(result.error());
    std::fputs(ops::to_text(*result).c_str(), stdout);
    if (!args.json_path.empty()) {
        std::ofstream out(args.json_path);
        out << result->report.json() << "\n";
        if (!out) return fail(make_error(ErrorCode::kIo, "eval: cannot write " + args.json_path));
        std::printf("\nreport written to %s\n", args.json_path.c_str());
    }
    return 0;
}

int models_list(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_list(*ctx, {}));
}

int models_promote(const Common& common, const std::string& model_id) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_promote(*ctx, {model_id}));
}

int models_deprecate(const Common& common, const std::string& model_id) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_deprecate(*ctx, {model_id}));
}

int models_export_onnx(const Common& common, const std::string& model_id,
                       const std::string& out_path) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_export_onnx(*ctx, {model_id, out_path}));
}

int predict(const Common& common, const PredictArgs& args) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    ops::PredictRequest request;
    auto at = ops::parse_time_field(args.at, "--at");
    if (!at.ok()) return fail(at.error());
    request.symbol = args.symbol;
    request.at = *at;
    request.model_id = args.model_id;
    request.explain = args.explain;
    auto result = ops::predict(*ctx, request);
    if (!result.ok() || common.json) return show(common, result);
    std::fputs(ops::to_text(*result, args.top).c_str(), stdout);
    return 0;
}

int approve(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::approve(*ctx, {}));
}

int revoke(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::revoke(*ctx, {}));
}

int pnl(const Common& common, const std::string& period, const std::string& date_text) {
    int rc = 0;
    auto date = date_arg(date_text, "--date", rc);
    if (rc) return rc;
    if (period == "save") return eod(common, date_text);
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    ops::PnlRequest request;
    request.period = period == "week" ? ops::PnlPeriod::kWeek : ops::PnlPeriod::kDay;
    request.date = date;
    return show(common, ops::pnl(*ctx, request));
}

int eod(const Common& common, const std::string& date_text) {
    int rc = 0;
    auto date = date_arg(date_text, "--date", rc);
    if (rc) return rc;
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::eod(*ctx, {date}));
}

int trace(const Common& common, const std::string& correlation_id) {
    auto id = Uuid::parse(correlation_id);
    if (!id) {
        return fail(make_error(ErrorCode::kInvalidArgument,
                               "correlation id '" + correlation_id + "' is not a UUID"));
    }
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::trace(*ctx, {*id}));
}

int positions(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::positions(*ctx, {}));
}

int trades(const Common& common, const std::string& symbol, size_t limit, bool fills) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::trades(*ctx, {symbol, limit, fills}));
}

int health(const Common& common, const HealthArgs& args) {
    auto ctx = ops_context_for(Config{});  // asks the agents only: no config, no store
    ops::HealthRequest request{args.host, args.agents, args.timeout_ms};
    auto result = ops::health(*ctx, request);
    if (const int printed = show(common, result); printed != 0) return printed;
    if (result->not_ok > 0 && !common.json) {
        std::fprintf(stderr, "%d of %zu agents not ok\n", result->not_ok, result->agents.size());
    }
    return result->not_ok > 0 ? 1 : 0;
}

// `awet reconcile`: a report, nothing written. The execution agent is the one that applies the
// broker's truth (at start, after each stream reconnect and every 30 s), because only it can
// publish the recovered fills to the portfolio.
int reconcile(const Common& common, const ReconcileArgs& args) {
    auto ctx = ops_context(common);
    if (!ctx) return 2;
    auto result = ops::reconcile(*ctx, {args.venue_url});
    if (!result.ok()) return fail(result.error(), 2);
    const ops::ReconcileResult& r = *result;
    if (common.json) {
        std::printf("%s\n", ops::to_json(r).dump(2).c_str());
        return !r.positions_error.empty() ? 2 : r.in_sync() ? 0 : 1;
    }
    std::fputs(ops::to_text(r).c_str(), stdout);
    if (!r.positions_error.empty()) {
        std::fflush(stdout);
        return fail(make_error(ErrorCode::kBroker, r.positions_error), 2);
    }
    return r.in_sync() ? 0 : 1;
}

}  // namespace awet::cli
