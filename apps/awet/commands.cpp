#include "commands.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "awet/core/log.hpp"
#include "awet/ops/json.hpp"
#include "awet/ops/runs.hpp"
#include "awet/ops/text.hpp"

namespace awet::cli {

namespace {

int fail(const std::string& reason) {
    std::fprintf(stderr, "awet: %s\n", reason.c_str());
    return 1;
}
int fail(const Error& error) { return fail(error.message); }

/// How `awet trace` finds the store this run used.
std::string store_args(const Config& config) {
    return config.store.backend == "postgres" ? std::string("(store.backend postgres)")
                                              : "--db " + config.store.path;
}

std::optional<Date> parse_date_arg(const std::string& text, const char* what, int& rc) {
    if (text.empty()) return std::nullopt;
    auto d = Date::parse(text);
    if (!d) {
        rc = fail(std::string(what) + ": expected a date YYYY-MM-DD, got '" + text + "'");
        return std::nullopt;
    }
    return d;
}

/// -q / -v over logging.level.
void apply_verbosity(const Common& common, Config& config) {
    if (common.quiet) config.logging.level = "error";
    if (common.verbose) config.logging.level = "debug";
}

}  // namespace

bool progress_on_tty(const Common& common) {
    return !common.json && !common.quiet && ::isatty(STDERR_FILENO) == 1;
}

TtyProgress::TtyProgress(ops::Context& ctx, const Common& common) : ctx_(ctx) {
    if (!progress_on_tty(common)) return;
    ctx_.set_progress_sink([this](std::string_view line) {
        std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(line.size()), line.data());
        std::fflush(stderr);
        shown_ = true;
    });
}

TtyProgress::~TtyProgress() {
    ctx_.set_progress_sink({});
    if (shown_) std::fputs("\r\033[K", stderr);
}

std::optional<Config> load(const Common& common) {
    std::string path = common.config_path;
    if (path.empty() && std::filesystem::exists("config/awet.yaml")) path = "config/awet.yaml";
    auto config = load_config(path);
    if (!config.ok()) {
        fail(config.error());
        return std::nullopt;
    }
    if (!common.db_path.empty()) config->store.path = common.db_path;
    apply_verbosity(common, *config);
    init_logging(config->logging.level, config->logging.format);
    return *config;
}

int demo(const Common& common, const DemoArgs& args, bool seed_given) {
    auto config = load(common);
    if (!config) return 1;
    // Without a config file named, the demo sandbox on top of the defaults (and config/awet.yaml).
    const bool sandbox = common.config_path.empty();
    if (sandbox) {
        config = ops::with_demo_sandbox(std::move(*config));
        apply_verbosity(common, *config);
        init_logging(config->logging.level, config->logging.format);
    }
    // The demo writes only to a database of its own: on SQLite var/demo.db unless --db names
    // another, replaced on every run so that its figures are its own; on PostgreSQL an empty one.
    if (config->store.backend != "postgres") {
        config->store.backend = "sqlite";
        config->store.path = common.db_path.empty()
                                 ? resolve_config_path(*config, std::string(ops::kDemoDatabase))
                                 : common.db_path;
    }
    auto ctx = ops_context_for(std::move(*config), common.json);
    ops::DemoRequest request;
    if (seed_given) request.seed = args.seed;
    request.days = args.days;
    request.train_days = args.train_days;
    request.data_dir = args.data_dir;
    request.sandbox = sandbox;
    auto r = [&] {
        TtyProgress progress(*ctx, common);
        return ops::demo(*ctx, request);
    }();
    if (!r.ok()) return fail(r.error());
    if (common.json) {
        std::printf("%s\n", ops::to_json(*r).dump(2).c_str());
        return 0;
    }
    std::fputs(ops::to_text(*r).c_str(), stdout);
    if (!r->run.replay.counters.example_correlation_id.is_nil()) {
        std::printf("\nFollow one trade end to end:\n  awet trace %s %s\n",
                    r->run.replay.counters.example_correlation_id.str().c_str(),
                    store_args(ctx->config()).c_str());
    }
    return 0;
}

int ingest_csv(const Common& common, const std::vector<std::string>& paths) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    auto r = ops::ingest_csv(*ctx, {paths});
    if (!r.ok()) return fail(r.error());
    if (common.json) {
        std::printf("%s\n", ops::to_json(*r).dump(2).c_str());
        return 0;
    }
    for (const auto& finding : r->findings) std::fprintf(stderr, "%s\n", finding.c_str());
    if (r->conflicts_not_listed > 0) {
        std::fprintf(stderr, "... %lld more conflicting bars not shown (stored bars kept)\n",
                     static_cast<long long>(r->conflicts_not_listed));
    }
    std::fputs(ops::to_text(*r).c_str(), stdout);
    return 0;
}

int features(const Common& common, const std::string& out_path) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    auto r = ops::features(*ctx, {out_path});
    if (!r.ok()) return fail(r.error());
    if (common.json) {
        std::printf("%s\n", ops::to_json(*r).dump(2).c_str());
        return 0;
    }
    std::fputs(ops::to_text(*r).c_str(), stdout);
    return 0;
}

int replay(const Common& common, const ReplayArgs& args) {
    int rc = 0;
    ops::ReplayRequest request;
    request.from = parse_date_arg(args.from, "--from", rc);
    if (rc) return rc;
    request.to = parse_date_arg(args.to, "--to", rc);
    if (rc) return rc;
    request.days = args.days;
    if (args.seed_given) request.seed = args.seed;
    request.fresh = args.fresh;
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    auto r = [&] {
        TtyProgress progress(*ctx, common);
        return ops::replay(*ctx, request);
    }();
    if (!r.ok()) return fail(r.error());
    if (common.json) {
        std::printf("%s\n", ops::to_json(*r).dump(2).c_str());
        return 0;
    }
    std::fputs(ops::to_text(*r).c_str(), stdout);
    if (!r->result.counters.example_correlation_id.is_nil()) {
        std::printf("\n  awet trace %s %s\n",
                    r->result.counters.example_correlation_id.str().c_str(),
                    store_args(ctx->config()).c_str());
    }
    return 0;
}

}  // namespace awet::cli
