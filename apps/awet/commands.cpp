#include "commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "awet/audit/trace.hpp"
#include "awet/calendar/calendar.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/log.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/features/feature_engine.hpp"
#include "awet/ml/prediction.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/pipeline/eval.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"
#include "awet/service/health_check.hpp"
#include "awet/service/http_endpoint.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"

namespace awet::cli {

namespace {

int fail(const std::string& reason) {
    std::fprintf(stderr, "awet: %s\n", reason.c_str());
    return 1;
}
int fail(const Error& error) { return fail(error.message); }

std::string money(Money m) { return fmt::format("{:+.2f}", m.to_double()); }

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

Date today_local() { return SessionCalendar::to_local(WallClock().now()).date; }

void print_replay_summary(const ReplayResult& r) {
    const auto& c = r.counters;
    if (r.redone) {
        std::string what;
        for (const auto& [table, n] : r.redone->discarded) {
            if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + table;
        }
        std::printf("  %-24s the run started %s (PID %lld) did not finish: redone (%s discarded)\n",
                    "interrupted run", r.redone->interrupted.started_at.iso().c_str(),
                    static_cast<long long>(r.redone->interrupted.pid),
                    what.empty() ? "nothing" : what.c_str());
    }
    if (r.restored.fills > 0 || r.restored.open_orders > 0) {
        std::printf(
            "  %-24s %zu open positions (%zu lots under exit management), %zu open "
            "orders brought to the broker's truth\n",
            "carried over", r.restored.open_positions, r.restored.open_lots,
            r.restored.open_orders);
    }
    std::printf("  %-24s %llu\n", "bars processed", static_cast<unsigned long long>(c.bars));
    std::printf("  %-24s %llu (%llu with a BUY/SELL signal)\n", "predictions",
                static_cast<unsigned long long>(c.predictions),
                static_cast<unsigned long long>(c.signals));
    std::printf("  %-24s %llu\n", "risk approvals", static_cast<unsigned long long>(c.approved));
    std::printf("  %-24s %llu\n", "risk rejections", static_cast<unsigned long long>(c.rejected));
    for (const auto& [reason, n] : c.rejections_by_reason) {
        std::printf("      %-32s %llu\n", reason.c_str(), static_cast<unsigned long long>(n));
    }
    std::printf("  %-24s %llu submitted, %llu blocked, %llu rejected by the broker\n", "orders",
                static_cast<unsigned long long>(c.orders_submitted),
                static_cast<unsigned long long>(c.orders_blocked),
                static_cast<unsigned long long>(c.orders_rejected));
    if (r.duplicate_orders > 0) {
        std::printf("  %-24s %lld (idempotency key already in trades: never ordered twice)\n",
                    "duplicates skipped", static_cast<long long>(r.duplicate_orders));
    }
    std::printf("  %-24s %llu\n", "fills", static_cast<unsigned long long>(c.fills));
    std::string exits;
    for (const auto& [reason, n] : c.exits_by_reason) {
        exits += (exits.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    }
    std::printf("  %-24s %llu%s\n", "exits", static_cast<unsigned long long>(c.exits),
                exits.empty() ? "" : (" (" + exits + ")").c_str());
    std::printf("  %-24s $%s\n", "realized PnL", money(r.realized).c_str());
    std::printf("  %-24s $%s\n", "unrealized PnL", money(r.unrealized).c_str());
    const double win_rate = r.round_trips > 0 ? 100.0 * r.wins / r.round_trips : 0.0;
    std::printf("  %-24s %.1f%% (%d wins, %d losses, %d closed trades)\n", "win rate", win_rate,
                r.wins, r.losses, r.round_trips);
    if (!r.best_symbol.empty()) {
        std::printf("  %-24s %s ($%s)\n", "best symbol", r.best_symbol.c_str(),
                    money(r.best_pnl).c_str());
        std::printf("  %-24s %s ($%s)\n", "worst symbol", r.worst_symbol.c_str(),
                    money(r.worst_pnl).c_str());
    }
    std::printf("  %-24s $%s (equity %s)\n", "broker PnL", money(r.broker_pnl).c_str(),
                r.broker_account.equity.to_string().c_str());
    if (r.reconcile) {
        std::printf("  %-24s %s\n", "reconciliation",
                    r.reconcile->ok ? "book matches broker" : "MISMATCH (see logs)");
    }
    std::printf("  %-24s %zu sessions\n", "daily_pnl_summary", r.daily.size());
    if (r.inference.rows > 0) {
        std::printf("  %-24s p50 %.0f p99 %.0f max %.0f us (%lld batches, %lld forecasts)\n",
                    "model_inference_latency", r.inference.p50_us, r.inference.p99_us,
                    r.inference.max_us, static_cast<long long>(r.inference.batches),
                    static_cast<long long>(r.inference.rows));
    }
    if (c.dead_letters > 0) {
        std::printf("  %-24s %llu\n", "dead letters",
                    static_cast<unsigned long long>(c.dead_letters));
    }
}

Status write_approval(const std::string& path) {
    return SafetyGate::approve(path, "awet-cli", WallClock().now());
}

/// One writer per store at a time (Store::acquire_writer): nullptr after printing the reason.
std::unique_ptr<WriterLease> hold_store(Store& store, WriterMode mode, std::string_view holder) {
    auto lease = store.acquire_writer(mode, "", holder);
    if (!lease.ok()) {
        fail(lease.error());
        return nullptr;
    }
    return std::move(*lease);
}

/// The demo's database unless --db names another, and the SQLite application_id ("AWDM") that
/// marks a database as one the demo made.
constexpr std::string_view kDemoDatabase = "var/demo.db";
constexpr int32_t kDemoApplicationId = 0x4157444D;

/// Removes an earlier demo database at `path` (and its WAL files); refuses anything else there.
Status make_way_for_demo_database(const std::string& path) {
    auto id = SqliteStore::application_id_of(path);
    if (!id.ok() && id.error().code == ErrorCode::kNotFound) {
        for (const char* suffix : {"-wal", "-shm", "-journal"}) {
            if (std::filesystem::exists(path + suffix)) {
                return make_error(ErrorCode::kAlreadyExists,
                                  path + suffix +
                                      " exists without its database: not a file the "
                                      "demo made; pass --db with a new path");
            }
        }
        return Status::Ok();
    }
    if (!id.ok() || *id != kDemoApplicationId) {
        return make_error(
            ErrorCode::kAlreadyExists,
            path + " exists and is not a database an earlier `awet demo` made (" +
                (id.ok() ? std::string("an SQLite database of other data") : id.error().message) +
                "): the demo never replaces it; pass --db with a new path (default " +
                std::string(kDemoDatabase) + ")");
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        std::filesystem::remove(path + suffix, ec);
        if (ec)
            return make_error(ErrorCode::kIo,
                              "cannot remove " + path + suffix + ": " + ec.message());
    }
    return Status::Ok();
}

}  // namespace

std::optional<Config> load(const Common& common) {
    std::string path = common.config_path;
    if (path.empty() && std::filesystem::exists("config/awet.yaml")) path = "config/awet.yaml";
    auto config = load_config(path);
    if (!config.ok()) {
        fail(config.error());
        return std::nullopt;
    }
    if (!common.db_path.empty()) config->store.path = common.db_path;
    init_logging(config->logging.level, config->logging.format);
    return *config;
}

namespace {

/// A command's config and its migrated store.
struct Session {
    Config config;
    std::unique_ptr<Store> store;
};

/// Loads the config and opens the store; prints the one-line reason and returns nullopt on failure.
std::optional<Session> open_session(const Common& common) {
    auto config = load(common);
    if (!config) return std::nullopt;
    auto store = open_store(*config);
    if (!store.ok()) {
        fail(store.error());
        return std::nullopt;
    }
    return Session{std::move(*config), std::move(*store)};
}

}  // namespace

int demo(const Common& common, const DemoArgs& args, bool seed_given) {
    auto config = load(common);
    if (!config) return 1;
    if (config->execution.broker != "sim") {
        return fail(
            "the demo opens the execution gates for the simulated broker only; execution.broker is "
            "'" +
            config->execution.broker + "'");
    }
    DemoOptions options;
    options.seed = seed_given ? args.seed : config->seed;
    config->seed = options.seed;
    options.days = args.days;
    options.train_days = args.train_days;
    options.data_dir = args.data_dir;
    if (options.days < 1 || options.train_days < 1)
        return fail("--days and --train-days must be at least 1");

    // The demo writes only to a database of its own: on SQLite var/demo.db (unless --db names
    // another), replaced on every run so its figures are its own; on PostgreSQL an empty
    // database. Anything else is never touched.
    std::unique_ptr<Store> store;
    std::unique_ptr<WriterLease> lease;
    if (config->store.backend == "postgres") {
        auto pg = open_store(*config);
        if (!pg.ok()) return fail(pg.error());
        store = std::move(*pg);
        lease = hold_store(*store, WriterMode::kExclusive, "awet demo");
        if (!lease) return 1;
        for (std::string_view table : SqliteStore::table_names()) {
            auto n = store->count_rows(table);
            if (!n.ok()) return fail(n.error());
            if (*n > 0) {
                return fail("the demo runs on an empty database, and " + store_location(*config) +
                            " holds data (" + std::string(table) + "): it is never touched; " +
                            "point store.postgres_url at an empty database");
            }
        }
        if (!config->execution.dry_run) {
            auto st = write_approval(config->execution.approval_file);
            if (!st.ok()) return fail(st.error());
        }
    } else {
        config->store.backend = "sqlite";
        config->store.path = common.db_path.empty() ? std::string(kDemoDatabase) : common.db_path;
        if (Status st = make_way_for_demo_database(config->store.path); !st.ok()) {
            return fail(st.error());
        }
        if (!config->execution.dry_run) {
            auto st = write_approval(config->execution.approval_file);
            if (!st.ok()) return fail(st.error());
        }
        auto sqlite = SqliteStore::open(config->store.path, config->store.batch_size);
        if (!sqlite.ok()) return fail(sqlite.error());
        lease = hold_store(**sqlite, WriterMode::kExclusive, "awet demo");
        if (!lease) return 1;
        if (Status st = (*sqlite)->set_application_id(kDemoApplicationId); !st.ok()) {
            return fail(st.error());
        }
        if (Status st = (*sqlite)->migrate(); !st.ok()) return fail(st.error());
        store = std::move(*sqlite);
    }

    std::printf("AWET demo (paper only; simulated broker)\n");
    auto result = run_demo(*config, *store, options);
    if (!result.ok()) return fail(result.error());
    const auto& r = *result;
    std::printf("  %-24s %s\n", "market", r.data_description.c_str());
    std::printf("  %-24s %d to train (from %s), %d to trade (%s .. %s)\n", "sessions",
                r.train_sessions, r.train_from.to_string().c_str(), r.trade_sessions,
                r.trade_from.to_string().c_str(), r.trade_to.to_string().c_str());
    if (r.csv_rejected > 0) {
        std::printf("  %-24s %lld (see the log for file:line and reason)\n", "CSV rows rejected",
                    static_cast<long long>(r.csv_rejected));
    }
    std::printf("  %-24s %lld bars -> %s\n", "training", static_cast<long long>(r.training_bars),
                r.model.record.model_id.c_str());
    std::string summary = r.model.summary;
    for (size_t at = summary.find('\n'); at != std::string::npos; at = summary.find('\n', at + 1)) {
        summary.insert(at + 1, 27, ' ');
    }
    std::printf("  %-24s %s\n", "", summary.c_str());
    std::printf("  %-24s %s promoted to green\n", "model", r.model.record.model_id.c_str());
    std::printf("  %-24s dry_run=%s, approval file %s\n", "safety gates",
                config->execution.dry_run ? "true" : "false",
                config->execution.approval_file.c_str());
    print_replay_summary(r.replay);
    std::printf("  %-24s %s\n", "store", store_location(*config).c_str());
    if (!r.replay.counters.example_correlation_id.is_nil()) {
        std::printf("\nFollow one trade end to end:\n  awet trace %s %s\n",
                    r.replay.counters.example_correlation_id.str().c_str(),
                    store_args(*config).c_str());
    }
    return 0;
}

int ingest_csv(const Common& common, const std::vector<std::string>& paths) {
    auto s = open_session(common);
    if (!s) return 1;
    auto lease = hold_store(*s->store, WriterMode::kShared, "awet ingest");
    if (!lease) return 1;
    auto files = expand_csv_paths(paths);
    if (!files.ok()) return fail(files.error());
    const BarLimits limits = bar_limits(s->config.data);
    int64_t rows = 0, accepted = 0, rejected = 0, duplicates = 0, conflicts = 0;
    Status write_status;
    for (const auto& file : *files) {
        auto report = read_bars_csv_lines(
            file,
            [&](const MarketBar& bar, int64_t line) {
                if (!write_status.ok()) return;
                auto r = s->store->put_bar_checked(bar);
                if (!r.ok()) {
                    write_status = r.error();
                } else if (r->outcome == BarPutOutcome::kIdentical) {
                    ++duplicates;
                } else if (r->outcome == BarPutOutcome::kConflict) {
                    // The stored bar is kept: a later file never rewrites history silently.
                    if (++conflicts <= static_cast<int64_t>(CsvReadReport::kMaxIssues)) {
                        std::fprintf(stderr,
                                     "%s:%lld: %s %s: conflicts with the stored bar (%s); stored "
                                     "bar kept\n",
                                     file.c_str(), static_cast<long long>(line),
                                     bar.header.symbol.str().c_str(), bar.bar_start.iso().c_str(),
                                     bar_differences(*r->stored, "stored", bar, "in file").c_str());
                    }
                }
            },
            Duration::minutes(1), limits);
        if (!report.ok()) return fail(report.error());
        if (!write_status.ok()) return fail(write_status.error());
        rows += report->rows;
        accepted += report->accepted;
        rejected += report->rejected;
        for (const auto& issue : report->issues) {
            std::fprintf(stderr, "%s:%lld: field '%s': %s\n", issue.file.c_str(),
                         static_cast<long long>(issue.line), issue.field.c_str(),
                         issue.reason.c_str());
        }
        for (const auto& note : report->notes) std::fprintf(stderr, "%s\n", note.c_str());
    }
    if (conflicts > static_cast<int64_t>(CsvReadReport::kMaxIssues)) {
        std::fprintf(stderr, "... %lld more conflicting bars not shown (stored bars kept)\n",
                     static_cast<long long>(conflicts - CsvReadReport::kMaxIssues));
    }
    auto st = s->store->flush();
    if (!st.ok()) return fail(st.error());
    std::printf(
        "ingested %zu file(s): %lld rows, %lld stored, %lld already present, %lld conflicting "
        "(stored kept), %lld rejected -> %s\n",
        files->size(), static_cast<long long>(rows),
        static_cast<long long>(accepted - duplicates - conflicts),
        static_cast<long long>(duplicates), static_cast<long long>(conflicts),
        static_cast<long long>(rejected), store_location(s->config).c_str());
    return 0;
}

namespace {

Result<std::vector<MarketBar>> stored_bars(Store& store, std::optional<Date> from,
                                           std::optional<Date> to) {
    BarQuery q;
    if (from) q.from = SessionCalendar::from_local(*from, 0);
    if (to) q.to = SessionCalendar::from_local(civil_from_days(days_from_civil(*to) + 1), 0);
    return store.load_bars(q);
}

}  // namespace

int features(const Common& common, const std::string& out_path) {
    auto s = open_session(common);
    if (!s) return 1;
    auto lease = hold_store(*s->store, WriterMode::kShared, "awet features");
    if (!lease) return 1;
    auto bars = stored_bars(*s->store, std::nullopt, std::nullopt);
    if (!bars.ok()) return fail(bars.error());
    if (bars->empty())
        return fail("no bars in " + s->config.store.path + "; run `awet ingest csv FILE` first");
    auto fvs = compute_features(*bars, s->config.seed);
    for (const auto& fv : fvs) {
        auto st = s->store->put_features(fv);
        if (!st.ok()) return fail(st.error());
    }
    auto st = s->store->flush();
    if (!st.ok()) return fail(st.error());
    st = export_features_csv(out_path, fvs);
    if (!st.ok()) return fail(st.error());
    std::printf("computed %zu feature rows from %zu bars -> features_tft and %s\n", fvs.size(),
                bars->size(), out_path.c_str());
    return 0;
}

int replay(const Common& common, const ReplayArgs& args) {
    auto config = load(common);
    if (!config) return 1;
    if (config->execution.broker != "sim") {
        return fail("a replay trades with the simulated venue; execution.broker is '" +
                    config->execution.broker + "' (live paper trading: `awet agent execution`)");
    }
    if (args.seed_given) config->seed = args.seed;
    int rc = 0;
    auto from = parse_date_arg(args.from, "--from", rc);
    if (rc) return rc;
    auto to = parse_date_arg(args.to, "--to", rc);
    if (rc) return rc;
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
    auto lease = hold_store(**store, WriterMode::kExclusive, "awet replay");
    if (!lease) return 1;
    if (args.fresh) {
        auto removed = (*store)->clear_run_results();
        if (!removed.ok()) return fail(removed.error());
        std::string what;
        for (const auto& [table, n] : *removed) {
            if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + table;
        }
        std::printf("--fresh: earlier results removed (%s); bars and models kept\n",
                    what.empty() ? "there were none" : what.c_str());
    }
    auto bars = stored_bars(**store, from, to);
    if (!bars.ok()) return fail(bars.error());
    if (bars->empty()) return fail("no stored bars in the range; run `awet ingest csv FILE` first");
    auto sessions = split_sessions(*bars);
    std::vector<MarketBar> selected;
    size_t n = args.days > 0 ? std::min<size_t>(static_cast<size_t>(args.days), sessions.size())
                             : sessions.size();
    for (size_t s = 0; s < n; ++s)
        selected.insert(selected.end(), sessions[s].begin(), sessions[s].end());
    auto green = (*store)->green_model();
    if (!green.ok()) return fail(green.error());
    if (!green->has_value()) {
        return fail(
            "no green model in models_registry: run `awet train --model linear` and `awet models "
            "promote ID`");
    }
    if (Status st = check_replay_range(**store, selected.front().bar_start); !st.ok()) {
        return fail(st.error());
    }
    std::printf("AWET replay: %zu sessions, %zu bars, model %s, dry_run=%s\n", n, selected.size(),
                (*green)->model_id.c_str(), config->execution.dry_run ? "true" : "false");
    auto result = replay_bars(*config, store->get(), selected);
    if (!result.ok()) return fail(result.error());
    print_replay_summary(*result);
    if (!result->counters.example_correlation_id.is_nil()) {
        std::printf("\n  awet trace %s %s\n", result->counters.example_correlation_id.str().c_str(),
                    store_args(*config).c_str());
    }
    return 0;
}

namespace {

/// features_tft, computed from the stored bars (and stored) when empty.
Result<std::vector<FeatureVector>> training_features(Store& store, const Config& config) {
    auto fvs = store.load_features(BarQuery{});
    if (!fvs.ok()) return fvs.error();
    if (!fvs->empty()) return fvs;
    auto bars = stored_bars(store, std::nullopt, std::nullopt);
    if (!bars.ok()) return bars.error();
    if (bars->empty()) {
        return make_error(ErrorCode::kNotFound, "no features and no bars in " + config.store.path +
                                                    "; ingest data first");
    }
    std::printf("features_tft is empty: computing features from %zu stored bars\n", bars->size());
    *fvs = compute_features(*bars, config.seed);
    for (const auto& fv : *fvs) AWET_TRY(store.put_features(fv));
    return fvs;
}

/// `git rev-parse --short HEAD` of the working directory, or "unknown".
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

/// The TFT module, or the one-line reason it cannot be loaded.
TftModule* tft_module(std::string& error) {
    auto module = load_tft_module();
    if (!module.ok()) {
        error = module.error().message;
        // One line: the places looked at are joined.
        for (auto& c : error) {
            if (c == '\n') c = ' ';
        }
        return nullptr;
    }
    return *module;
}

std::string split_line(const char* name, const TftSplitMetrics& m) {
    std::string out = fmt::format("{} ({} windows):", name, m.windows);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        out += fmt::format(" {}m pinball x1e4 {:.3f} coverage {:.0f}%;", kHorizonsMinutes[h],
                           m.pinball[h] * 1e4, m.coverage[h] * 100);
    }
    out.pop_back();
    return out;
}

int train_tft(const Config& config, Store& store, const TrainArgs& args) {
    auto fvs = training_features(store, config);
    if (!fvs.ok()) return fail(fvs.error());
    auto existing = store.list_models();
    if (!existing.ok()) return fail(existing.error());
    const Timestamp now = WallClock().now();
    const std::string data_to = fvs->empty() ? now.date_utc() : fvs->back().bar_start.date_utc();
    const std::string model_id = "tft-" + data_to + "-" + std::to_string(existing->size() + 1);

    TftTrainOptions options;
    options.hp = args.tft.hp;
    options.validation_sessions = args.validation_sessions;
    options.test_sessions = args.test_sessions;
    options.max_train_windows = args.tft.max_train_windows;
    options.threads = args.tft.threads;
    options.progress = !args.tft.no_progress;
    options.model_dir = config.prediction.model_dir;
    options.model_id = model_id;
    options.git_revision = git_revision();
    std::string why;
    TftModule* module = tft_module(why);
    if (module == nullptr) return fail(why);
    auto report = module->train(*fvs, options);
    if (!report.ok()) return fail(report.error());

    ModelRecord record;
    record.model_id = model_id;
    record.model_type = std::string(kTftModelType);
    record.status = ModelStatus::kCandidate;
    record.path = report->metadata_path;
    record.metrics_json = report->metrics_json;
    record.params_json = report->params_json;
    record.created_at = now;
    auto st = store.register_model(record);
    if (!st.ok()) return fail(st.error());
    st = store.flush();
    if (!st.ok()) return fail(st.error());

    const TftTrainReport& r = *report;
    std::printf("trained %s: %lld parameters, %lld train / %lld validation / %lld test windows\n",
                model_id.c_str(), static_cast<long long>(r.parameters),
                static_cast<long long>(r.n_train), static_cast<long long>(r.n_val),
                static_cast<long long>(r.n_test));
    std::printf("  train %s .. %s, validation %s .. %s", r.train_from.iso().c_str(),
                r.train_to.iso().c_str(), r.val_from.iso().c_str(), r.val_to.iso().c_str());
    if (r.n_test > 0) {
        std::printf(", test %s .. %s", r.test_from.iso().c_str(), r.test_to.iso().c_str());
    }
    std::printf("\n  %-6s %12s %12s\n", "epoch", "train_loss", "val_loss");
    for (size_t e = 0; e < r.train_loss.size(); ++e) {
        const double val = e < r.val_loss.size() ? r.val_loss[e] : 0.0;
        std::printf("  %-6zu %12.5f %12.5f%s\n", e + 1, r.train_loss[e], val,
                    static_cast<int>(e + 1) == r.best_epoch ? "  (best)" : "");
    }
    std::printf("  %d epochs, %.1f s per epoch, %.0f training windows/s\n", r.epochs_run,
                r.seconds_per_epoch, r.train_windows_per_second);
    std::printf("  %s\n", split_line("validation", r.validation).c_str());
    if (r.n_test > 0) std::printf("  %s\n", split_line("test", r.test).c_str());
    std::printf("registered %s as candidate (%s)\n  promote with: awet models promote %s\n",
                model_id.c_str(), record.path.c_str(), model_id.c_str());
    return 0;
}

}  // namespace

int train(const Common& common, const TrainArgs& args) {
    auto config = load(common);
    if (!config) return 1;
    if (args.model != "linear" && args.model != "tft") {
        return fail("unknown model type '" + args.model + "' (linear or tft)");
    }
    if (args.model == "linear" && !args.tft_option_given.empty()) {
        return fail(args.tft_option_given + " applies to --model tft only");
    }
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
    auto lease = hold_store(**store, WriterMode::kShared, "awet train");
    if (!lease) return 1;
    if (args.model == "tft") return train_tft(*config, **store, args);
    auto fvs = training_features(**store, *config);
    if (!fvs.ok()) return fail(fvs.error());
    auto outcome = train_and_register(**store, *config, *fvs, WallClock().now());
    if (!outcome.ok()) return fail(outcome.error());
    std::printf("registered %s as candidate (%s)\n  %s\n  promote with: awet models promote %s\n",
                outcome->record.model_id.c_str(), outcome->record.path.c_str(),
                outcome->summary.c_str(), outcome->record.model_id.c_str());
    return 0;
}

int eval(const Common& common, const EvalArgs& args) {
    auto config = load(common);
    if (!config) return 1;
    if (!std::filesystem::exists(args.data_dir)) {
        return fail("eval: data directory " + args.data_dir + " does not exist");
    }
    TftEvalOptions options;
    options.data_dir = args.data_dir;
    options.symbols = args.symbols;
    options.train_sessions = args.train_sessions;
    options.test_sessions = args.test_sessions;
    options.hp = args.tft.hp;
    options.threads = args.tft.threads;
    options.max_train_windows = args.tft.max_train_windows;
    options.progress = !args.tft.no_progress;
    options.model_dir =
        args.model_dir.empty()
            ? (std::filesystem::path(config->prediction.model_dir) / "eval").string()
            : args.model_dir;
    options.seed = config->seed;
    options.git_revision = git_revision();
    auto report = run_tft_eval(options);
    if (!report.ok()) {
        std::string message = report.error().message;
        for (auto& c : message) {
            if (c == '\n') c = ' ';
        }
        return fail(message);
    }
    std::printf("%s", report->table().c_str());
    if (!args.json_path.empty()) {
        std::ofstream out(args.json_path);
        out << report->json() << "\n";
        if (!out) return fail("eval: cannot write " + args.json_path);
        std::printf("\nreport written to %s\n", args.json_path.c_str());
    }
    return 0;
}

int models_list(const Common& common) {
    auto s = open_session(common);
    if (!s) return 1;
    auto models = s->store->list_models();
    if (!models.ok()) return fail(models.error());
    if (models->empty()) {
        std::printf("no models registered; run `awet train --model linear`\n");
        return 0;
    }
    std::printf("%-32s %-16s %-11s %-21s %s\n", "MODEL_ID", "TYPE", "STATUS", "CREATED", "METRICS");
    for (const auto& m : *models) {
        std::printf("%-32s %-16s %-11s %-21s %s\n", m.model_id.c_str(), m.model_type.c_str(),
                    std::string(to_string(m.status)).c_str(), m.created_at.iso().c_str(),
                    m.metrics_json.c_str());
    }
    return 0;
}

int models_promote(const Common& common, const std::string& model_id) {
    auto s = open_session(common);
    if (!s) return 1;
    auto lease = hold_store(*s->store, WriterMode::kShared, "awet models promote");
    if (!lease) return 1;
    auto st = s->store->promote_model(model_id, WallClock().now());
    if (!st.ok()) return fail(st.error());
    std::printf("%s is now green; the prediction agent picks it up without a restart\n",
                model_id.c_str());
    return 0;
}

int models_deprecate(const Common& common, const std::string& model_id) {
    auto s = open_session(common);
    if (!s) return 1;
    auto lease = hold_store(*s->store, WriterMode::kShared, "awet models deprecate");
    if (!lease) return 1;
    auto st = s->store->deprecate_model(model_id);
    if (!st.ok()) return fail(st.error());
    std::printf("%s deprecated\n", model_id.c_str());
    return 0;
}

namespace {

/// The registry row of `model_id`, or of the green model when it is empty.
Result<ModelRecord> find_record(Store& store, const std::string& model_id) {
    if (model_id.empty()) {
        auto green = store.green_model();
        if (!green.ok()) return green.error();
        if (!green->has_value()) {
            return make_error(ErrorCode::kNotFound,
                              "no green model in models_registry: promote one (`awet models "
                              "promote ID`) or pass --model ID");
        }
        return **green;
    }
    auto found = store.find_model(model_id);
    if (!found.ok()) return found.error();
    if (!found->has_value()) {
        return make_error(
            ErrorCode::kNotFound,
            "no model '" + model_id + "' in models_registry (see `awet models list`)");
    }
    return **found;
}

}  // namespace

int models_export_onnx(const Common& common, const std::string& model_id,
                       const std::string& out_path) {
    auto s = open_session(common);
    if (!s) return 1;
    auto record = find_record(*s->store, model_id);
    if (!record.ok()) return fail(record.error());
    if (record->model_type != kTftModelType) {
        return fail("model " + model_id + " is a " + record->model_type +
                    " model; only tft models export to ONNX");
    }
    const std::string out =
        out_path.empty()
            ? (std::filesystem::path(s->config.prediction.model_dir) / (model_id + ".onnx"))
                  .string()
            : out_path;
    const auto parent = std::filesystem::path(out).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return fail("cannot create " + parent.string() + ": " + ec.message());
    std::string why;
    TftModule* module = tft_module(why);
    if (module == nullptr) return fail(why);
    auto st = module->export_onnx(record->path, out);
    if (!st.ok()) return fail(st.error());
    const auto size = std::filesystem::file_size(out, ec);
    std::printf(
        "wrote %s (%llu bytes): ONNX opset 17; inputs static_symbol [B] int64, encoder_observed "
        "[B, L, %zu], encoder_known [B, L, %zu], decoder_known [B, %zu, %zu] (normalised "
        "float32); output quantiles [B, %zu, 3] (scaled)\n",
        out.c_str(), static_cast<unsigned long long>(ec ? 0 : size), kTftObserved, kTftKnown,
        kNumHorizons, kTftKnown, kNumHorizons);
    return 0;
}

namespace {

void print_forecast(const HorizonForecasts& q, double min_confidence) {
    std::printf("  %-8s %12s %12s %12s\n", "horizon", "q10", "q50", "q90");
    for (size_t h = 0; h < kNumHorizons; ++h) {
        std::printf("  %-8s %12.6f %12.6f %12.6f\n",
                    fmt::format("{}m", kHorizonsMinutes[h]).c_str(), q[h].q10, q[h].q50, q[h].q90);
    }
    const QuantileForecast& longest = q[kNumHorizons - 1];
    const double confidence = confidence_from_quantiles(longest);
    const char* signal = longest.q50 == 0.0 || confidence < min_confidence
                             ? "HOLD"
                             : (longest.q50 > 0 ? "BUY" : "SELL");
    std::printf(
        "  direction %s, confidence %.3f = min(1, |q50| / ((q90 - q10) / 2)) of the %dm "
        "horizon; signal %s (risk.min_confidence %.2f)\n",
        longest.q50 > 0 ? "UP" : "DOWN", confidence, kHorizonsMinutes[kNumHorizons - 1], signal,
        min_confidence);
}

void print_weights(const char* title, const std::vector<std::string>& names,
                   const std::vector<float>& weights) {
    std::vector<size_t> order(std::min(names.size(), weights.size()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&weights](size_t a, size_t b) { return weights[a] > weights[b]; });
    std::printf("%s\n", title);
    for (size_t i : order) std::printf("  %-16s %.4f\n", names[i].c_str(), weights[i]);
}

}  // namespace

int predict(const Common& common, const PredictArgs& args) {
    auto s = open_session(common);
    if (!s) return 1;
    std::optional<Timestamp> at;
    if (!args.at.empty()) {
        at = Timestamp::parse(args.at);
        if (!at) return fail("--at: expected an ISO-8601 time, got '" + args.at + "'");
    }
    auto record = find_record(*s->store, args.model_id);
    if (!record.ok()) return fail(record.error());
    const bool tft = record->model_type == kTftModelType;
    if (args.explain && !tft) {
        return fail("--explain needs a tft model; " + record->model_id + " is " +
                    record->model_type);
    }
    BarQuery query;
    query.symbols = {args.symbol};
    if (at) query.to = *at + Duration::nanos(1);
    auto fvs = s->store->load_features(query);
    if (!fvs.ok()) return fail(fvs.error());
    if (fvs->empty()) {
        auto bars = s->store->load_bars(query);
        if (!bars.ok()) return fail(bars.error());
        *fvs = compute_features(*bars, s->config.seed);
    }
    if (fvs->empty()) {
        return fail("no features or bars of " + args.symbol + " in " + s->config.store.path +
                    (at ? " up to " + at->iso() : std::string()));
    }
    const double min_confidence = s->config.risk.min_confidence;
    if (!tft) {
        auto loaded = default_model_loader()(*record);
        if (!loaded.ok()) return fail(loaded.error());
        const FeatureVector& last = fvs->back();
        auto q = (*loaded)->forecast(last);
        if (!q) {
            return fail("the features of " + args.symbol + " at " + last.bar_start.iso() +
                        " are incomplete (warming up): no forecast");
        }
        std::printf("model %s (%s), %s after the bar of %s\n", record->model_id.c_str(),
                    record->model_type.c_str(), args.symbol.c_str(), last.bar_start.iso().c_str());
        print_forecast(*q, min_confidence);
        return 0;
    }
    std::string why;
    TftModule* module = tft_module(why);
    if (module == nullptr) return fail(why);
    auto e = module->explain(record->path, *fvs, args.symbol, at.value_or(fvs->back().bar_start));
    if (!e.ok()) return fail(e.error());
    std::printf("model %s (%s), %s after the bar of %s\n", record->model_id.c_str(),
                record->model_type.c_str(), args.symbol.c_str(),
                e->forecast.bar_start.iso().c_str());
    print_forecast(e->forecast.q, min_confidence);
    if (e->forecast.has_target) {
        std::printf("  realised:");
        for (size_t h = 0; h < kNumHorizons; ++h) {
            std::printf(" %dm %.6f", kHorizonsMinutes[h], e->forecast.target[h]);
        }
        std::printf("\n");
    }
    if (!args.explain) return 0;
    print_weights("variable selection, encoder (mean over the lookback):", e->encoder_variables,
                  e->encoder_weights);
    print_weights("variable selection, decoder (mean over the horizons):", e->decoder_variables,
                  e->decoder_weights);
    const size_t lookback = e->positions.size() >= kNumHorizons ? e->positions.size() - kNumHorizons
                                                                : e->positions.size();
    std::printf("attention, top %d positions per horizon (mean over heads):\n", args.top);
    for (size_t h = 0; h < e->attention.size(); ++h) {
        const auto& w = e->attention[h];
        std::vector<size_t> order(std::min(w.size(), e->positions.size()));
        for (size_t p = 0; p < order.size(); ++p) order[p] = p;
        std::stable_sort(order.begin(), order.end(),
                         [&w](size_t a, size_t b) { return w[a] > w[b]; });
        order.resize(std::min(order.size(), static_cast<size_t>(args.top)));
        const std::string horizon =
            h < kNumHorizons ? fmt::format("{}m", kHorizonsMinutes[h]) : std::to_string(h);
        std::printf("  %s:", horizon.c_str());
        for (size_t p : order) {
            const std::string rel = p < lookback
                                        ? fmt::format("t-{}", lookback - 1 - p)
                                        : fmt::format("t+{}m", kHorizonsMinutes[p - lookback]);
            std::printf(" %s (%s) %.3f", e->positions[p].iso().c_str(), rel.c_str(), w[p]);
            if (p != order.back()) std::printf(",");
        }
        std::printf("\n");
    }
    return 0;
}

int approve(const Common& common) {
    auto config = load(common);
    if (!config) return 1;
    auto st = write_approval(config->execution.approval_file);
    if (!st.ok()) return fail(st.error());
    std::printf("approval file created: %s\n", config->execution.approval_file.c_str());
    if (config->execution.dry_run) {
        std::printf("note: execution.dry_run is true, so every order is still blocked (layer 2)\n");
    }
    return 0;
}

int revoke(const Common& common) {
    auto config = load(common);
    if (!config) return 1;
    auto st = SafetyGate::revoke(config->execution.approval_file);
    if (!st.ok()) return fail(st.error());
    std::printf("approval file removed: %s — every order is blocked\n",
                config->execution.approval_file.c_str());
    return 0;
}

int pnl(const Common& common, const std::string& period, const std::string& date_text) {
    auto config = load(common);
    if (!config) return 1;
    int rc = 0;
    auto date = parse_date_arg(date_text, "--date", rc);
    if (rc) return rc;
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
    const Date day = date.value_or(today_local());
    if (period == "save") return eod(common, day.to_string());
    const int span = period == "week" ? 7 : 1;
    const Date from = civil_from_days(days_from_civil(day) - (span - 1));
    auto rows = (*store)->load_daily_pnl(from, day);
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) {
        auto all = (*store)->load_daily_pnl(Date{1970, 1, 1}, Date{9999, 12, 31});
        std::string hint;
        if (all.ok() && !all->empty())
            hint = "; latest report is " + all->back().report_date.to_string() + " (use --date)";
        std::printf("no daily_pnl_summary rows from %s to %s%s\n", from.to_string().c_str(),
                    day.to_string().c_str(), hint.c_str());
        return 0;
    }
    std::printf("%s", format_pnl_table(*rows).c_str());
    return 0;
}

int eod(const Common& common, const std::string& date_text) {
    auto config = load(common);
    if (!config) return 1;
    int rc = 0;
    auto date = parse_date_arg(date_text, "--date", rc);
    if (rc) return rc;
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
    auto lease = hold_store(**store, WriterMode::kShared, "awet eod");
    if (!lease) return 1;
    if (!date) {
        auto bars = (*store)->load_bars(BarQuery{});
        if (!bars.ok()) return fail(bars.error());
        if (bars->empty()) return fail("no bars stored: nothing to close; pass --date");
        date = SessionCalendar::to_local(bars->back().bar_start).date;
    }
    auto row = eod_from_store(**store, *date, WallClock().now());
    if (!row.ok()) return fail(row.error());
    auto st = (*store)->flush();
    if (!st.ok()) return fail(st.error());
    std::vector<DailyPnlRow> rows{*row};
    std::printf("%s", format_pnl_table(rows).c_str());
    return 0;
}

int trace(const Common& common, const std::string& correlation_id) {
    auto config = load(common);
    if (!config) return 1;
    auto id = Uuid::parse(correlation_id);
    if (!id) return fail("correlation id '" + correlation_id + "' is not a UUID");
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
    auto records = (*store)->load_audit(*id);
    if (!records.ok()) return fail(records.error());
    if (records->empty())
        return fail("no audit events for correlation id " + correlation_id + " in " +
                    config->store.path);
    std::printf("%s", format_trace(*id, *records).c_str());
    return 0;
}

int positions(const Common& common) {
    auto s = open_session(common);
    if (!s) return 1;
    auto rows = s->store->load_positions();
    if (!rows.ok()) return fail(rows.error());
    std::printf("%-8s %10s %12s %14s %14s %14s %14s  %s\n", "SYMBOL", "QTY", "AVG_ENTRY",
                "COST_BASIS", "MARKET_VALUE", "UNREALIZED", "REALIZED", "UPDATED_AT");
    for (const auto& p : *rows) {
        std::printf("%-8s %10s %12.4f %14.2f %14.2f %14.2f %14.2f  %s\n", p.symbol.str().c_str(),
                    p.qty.to_string().c_str(), p.avg_entry_price.to_double(),
                    p.cost_basis.to_double(), p.market_value.to_double(),
                    p.unrealized_pl.to_double(), p.realized_pl.to_double(),
                    p.updated_at.iso().c_str());
    }
    if (rows->empty()) std::printf("(no positions)\n");
    return 0;
}

int trades(const Common& common, const std::string& symbol, size_t limit) {
    auto s = open_session(common);
    if (!s) return 1;
    TradeQuery q;
    if (!symbol.empty()) q.symbol = symbol;
    auto rows = s->store->load_trades(q);
    if (!rows.ok()) return fail(rows.error());
    size_t start = rows->size() > limit ? rows->size() - limit : 0;
    std::printf("%-21s %-6s %-4s %-5s %6s %6s %11s %-16s %-14s %s\n", "TS", "SYMBOL", "SIDE",
                "INTENT", "QTY", "FILLED", "AVG_PRICE", "STATUS", "EXIT_REASON", "CORRELATION_ID");
    for (size_t i = start; i < rows->size(); ++i) {
        const auto& t = (*rows)[i];
        std::printf("%-21s %-6s %-4s %-5s %6s %6s %11.4f %-16s %-14s %s\n", t.ts.iso().c_str(),
                    t.symbol.str().c_str(), std::string(to_string(t.side)).c_str(),
                    std::string(to_string(t.intent)).c_str(), t.qty.to_string().c_str(),
                    t.filled_qty.to_string().c_str(), t.avg_fill_price.to_double(),
                    std::string(to_string(t.status)).c_str(),
                    std::string(to_string(t.exit_reason)).c_str(), t.correlation_id.str().c_str());
    }
    if (rows->empty()) std::printf("(no trades)\n");
    return 0;
}

int health(const HealthArgs& args) {
    std::vector<AgentTarget> targets;
    if (args.agents.empty()) {
        targets = default_agent_targets(args.host);
    } else {
        for (const auto& spec : args.agents) {
            const auto eq = spec.find('=');
            const std::string name = spec.substr(0, eq);
            int port = default_agent_port(name);
            if (eq != std::string::npos) {
                try {
                    port = std::stoi(spec.substr(eq + 1));
                } catch (const std::exception&) {
                    port = -1;
                }
            }
            if (name.empty() || port <= 0 || port > 65535) {
                return fail("--agent '" + spec +
                            "': expected NAME or NAME=PORT with a known agent or a valid port");
            }
            targets.push_back({name, args.host, port});
        }
    }
    const auto reports = check_agents(targets, std::chrono::milliseconds(args.timeout_ms));
    int not_ok = 0;
    std::printf("%-12s %-22s %-9s %10s  %s\n", "AGENT", "ADDRESS", "STATUS", "UPTIME", "DETAIL");
    for (const auto& r : reports) {
        if (r.status != "ok") ++not_ok;
        const std::string address = r.target.host + ":" + std::to_string(r.target.port);
        const std::string uptime =
            r.status == "down" ? "-" : fmt::format("{:.0f}s", r.uptime_seconds);
        std::printf("%-12s %-22s %-9s %10s  %s\n", r.target.agent.c_str(), address.c_str(),
                    r.status.c_str(), uptime.c_str(), r.detail.c_str());
    }
    if (not_ok > 0) {
        std::fprintf(stderr, "%d of %zu agents not ok\n", not_ok, reports.size());
        return 1;
    }
    return 0;
}

}  // namespace awet::cli
