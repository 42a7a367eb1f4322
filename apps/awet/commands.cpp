#include "commands.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "awet/audit/trace.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/log.hpp"
#include "awet/data/calendar.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/features/feature_engine.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"
#include "awet/store/sqlite_store.hpp"

namespace awet::cli {
namespace {

int fail(const std::string& reason) {
    std::fprintf(stderr, "awet: %s\n", reason.c_str());
    return 1;
}
int fail(const Error& error) { return fail(error.message); }

std::string money(Money m) { return fmt::format("{:+.2f}", m.to_double()); }

/// The composition root's store choice: only SQLite is built in this release.
Result<std::unique_ptr<Store>> open_store(const Config& config) {
    if (config.store.backend != "sqlite") {
        return make_error(ErrorCode::kInvalidArgument,
                          "store.backend '" + config.store.backend + "' is not available");
    }
    auto store = SqliteStore::open(config.store.path, config.store.batch_size);
    if (!store.ok()) return store.error();
    AWET_TRY((*store)->migrate());
    return std::unique_ptr<Store>(std::move(*store));
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
    if (c.dead_letters > 0) {
        std::printf("  %-24s %llu\n", "dead letters",
                    static_cast<unsigned long long>(c.dead_letters));
    }
}

Status write_approval(const std::string& path) {
    return SafetyGate::approve(path, "awet-cli", WallClock().now());
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

    // A demo starts from an empty database so its figures are its own.
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        std::filesystem::remove(config->store.path + suffix, ec);
    }
    if (!config->execution.dry_run) {
        auto st = write_approval(config->execution.approval_file);
        if (!st.ok()) return fail(st.error());
    }
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());

    std::printf("AWET demo (paper only; simulated broker)\n");
    auto result = run_demo(*config, **store, options);
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
    std::printf("  %-24s %s\n", "SQLite store", config->store.path.c_str());
    if (!r.replay.counters.example_correlation_id.is_nil()) {
        std::printf("\nFollow one trade end to end:\n  awet trace %s --db %s\n",
                    r.replay.counters.example_correlation_id.str().c_str(),
                    config->store.path.c_str());
    }
    return 0;
}

int ingest_csv(const Common& common, const std::vector<std::string>& paths) {
    auto s = open_session(common);
    if (!s) return 1;
    auto files = expand_csv_paths(paths);
    if (!files.ok()) return fail(files.error());
    int64_t rows = 0, accepted = 0, rejected = 0, duplicates = 0;
    Status write_status;
    for (const auto& file : *files) {
        auto report = read_bars_csv(file, [&](const MarketBar& bar) {
            if (!write_status.ok()) return;
            auto r = s->store->put_bar(bar);
            if (!r.ok())
                write_status = r.error();
            else if (!*r)
                ++duplicates;
        });
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
    }
    auto st = s->store->flush();
    if (!st.ok()) return fail(st.error());
    std::printf(
        "ingested %zu file(s): %lld rows, %lld stored, %lld already present, %lld rejected -> %s\n",
        files->size(), static_cast<long long>(rows), static_cast<long long>(accepted - duplicates),
        static_cast<long long>(duplicates), static_cast<long long>(rejected),
        s->config.store.path.c_str());
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
    if (args.seed_given) config->seed = args.seed;
    int rc = 0;
    auto from = parse_date_arg(args.from, "--from", rc);
    if (rc) return rc;
    auto to = parse_date_arg(args.to, "--to", rc);
    if (rc) return rc;
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
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
    std::printf("AWET replay: %zu sessions, %zu bars, model %s, dry_run=%s\n", n, selected.size(),
                (*green)->model_id.c_str(), config->execution.dry_run ? "true" : "false");
    auto result = replay_bars(*config, store->get(), selected);
    if (!result.ok()) return fail(result.error());
    print_replay_summary(*result);
    if (!result->counters.example_correlation_id.is_nil()) {
        std::printf("\n  awet trace %s --db %s\n",
                    result->counters.example_correlation_id.str().c_str(),
                    config->store.path.c_str());
    }
    return 0;
}

int train(const Common& common, const std::string& model_type) {
    auto config = load(common);
    if (!config) return 1;
    if (model_type != "linear") return fail("unknown model type '" + model_type + "'");
    auto store = open_store(*config);
    if (!store.ok()) return fail(store.error());
    auto fvs = (*store)->load_features(BarQuery{});
    if (!fvs.ok()) return fail(fvs.error());
    if (fvs->empty()) {
        auto bars = stored_bars(**store, std::nullopt, std::nullopt);
        if (!bars.ok()) return fail(bars.error());
        if (bars->empty())
            return fail("no features and no bars in " + config->store.path + "; ingest data first");
        std::printf("features_tft is empty: computing features from %zu stored bars\n",
                    bars->size());
        *fvs = compute_features(*bars, config->seed);
        for (const auto& fv : *fvs) {
            auto st = (*store)->put_features(fv);
            if (!st.ok()) return fail(st.error());
        }
    }
    auto outcome = train_and_register(**store, *config, *fvs, WallClock().now());
    if (!outcome.ok()) return fail(outcome.error());
    std::printf("registered %s as candidate (%s)\n  %s\n  promote with: awet models promote %s\n",
                outcome->record.model_id.c_str(), outcome->record.path.c_str(),
                outcome->summary.c_str(), outcome->record.model_id.c_str());
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
    auto st = s->store->promote_model(model_id, WallClock().now());
    if (!st.ok()) return fail(st.error());
    std::printf("%s is now green; the prediction agent picks it up without a restart\n",
                model_id.c_str());
    return 0;
}

int models_deprecate(const Common& common, const std::string& model_id) {
    auto s = open_session(common);
    if (!s) return 1;
    auto st = s->store->deprecate_model(model_id);
    if (!st.ok()) return fail(st.error());
    std::printf("%s deprecated\n", model_id.c_str());
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

}  // namespace awet::cli
