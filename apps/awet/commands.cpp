#include "commands.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "awet/calendar/calendar.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/log.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/ops/json.hpp"
#include "awet/ops/runs.hpp"
#include "awet/pipeline/runner.hpp"
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
    std::printf(
        "ingested %zu file(s): %lld rows, %lld stored, %lld already present, %lld conflicting "
        "(stored kept), %lld rejected -> %s\n",
        r->files, static_cast<long long>(r->rows), static_cast<long long>(r->stored),
        static_cast<long long>(r->duplicates), static_cast<long long>(r->conflicts),
        static_cast<long long>(r->rejected), r->store.c_str());
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
    std::printf("computed %zu feature rows from %zu bars -> features_tft and %s\n", r->rows,
                r->bars, r->out_path.c_str());
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
    auto r = ops::replay(*ctx, request);
    if (!r.ok()) return fail(r.error());
    if (common.json) {
        std::printf("%s\n", ops::to_json(*r).dump(2).c_str());
        return 0;
    }
    print_replay_summary(r->result);
    if (!r->result.counters.example_correlation_id.is_nil()) {
        std::printf("\n  awet trace %s %s\n",
                    r->result.counters.example_correlation_id.str().c_str(),
                    store_args(ctx->config()).c_str());
    }
    return 0;
}

}  // namespace awet::cli
