// awet — the AWET command line. Paper trading only.
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace {

void add_common(CLI::App* cmd, awet::cli::Common& common) {
    cmd->add_option("--config", common.config_path,
                    "YAML config file (default: config/awet.yaml if present)");
    cmd->add_option("--db", common.db_path, "SQLite database file (overrides store.path)");
}

}  // namespace

int main(int argc, char** argv) {
    using namespace awet::cli;
    CLI::App app{"AWET — audit-ready, ML-driven, paper-only trading"};
    app.name("awet");
    app.require_subcommand(1);
    Common common;
    int rc = 0;

    // demo
    DemoArgs demo_args;
    auto* demo_cmd = app.add_subcommand(
        "demo", "Replay a seeded synthetic market (or CSV bars) through every agent");
    add_common(demo_cmd, common);
    auto* seed_opt =
        demo_cmd->add_option("--seed", demo_args.seed, "Market and id seed (default: config seed)");
    demo_cmd->add_option("--days", demo_args.days, "Trading sessions to replay")
        ->capture_default_str();
    demo_cmd
        ->add_option("--train-days", demo_args.train_days,
                     "Sessions used to train the baseline first")
        ->capture_default_str();
    demo_cmd->add_option("--data", demo_args.data_dir,
                         "Directory of CSV bars (ts,symbol,open,high,low,close,volume)");
    demo_cmd->callback([&] { rc = demo(common, demo_args, seed_opt->count() > 0); });

    // ingest csv
    std::vector<std::string> ingest_paths;
    auto* ingest_cmd = app.add_subcommand("ingest", "Load market data into the store");
    ingest_cmd->require_subcommand(1);
    auto* ingest_csv_cmd = ingest_cmd->add_subcommand("csv", "Ingest CSV bar files or directories");
    add_common(ingest_csv_cmd, common);
    ingest_csv_cmd->add_option("paths", ingest_paths, "CSV files or directories")->required();
    ingest_csv_cmd->callback([&] { rc = ingest_csv(common, ingest_paths); });

    // features
    std::string features_out;
    auto* features_cmd = app.add_subcommand(
        "features", "Compute features of the stored bars, store and export them");
    add_common(features_cmd, common);
    features_cmd
        ->add_option("--out", features_out, "CSV file to write (ts,symbol,<feature columns>)")
        ->required();
    features_cmd->callback([&] { rc = features(common, features_out); });

    // replay
    ReplayArgs replay_args;
    auto* replay_cmd =
        app.add_subcommand("replay", "Run the pipeline over stored bars for a date range");
    add_common(replay_cmd, common);
    replay_cmd->add_option("--from", replay_args.from, "First date (YYYY-MM-DD, inclusive)");
    replay_cmd->add_option("--to", replay_args.to, "Last date (YYYY-MM-DD, inclusive)");
    auto* replay_seed =
        replay_cmd->add_option("--seed", replay_args.seed, "Id seed (default: config seed)");
    replay_cmd->add_option("--days", replay_args.days, "At most this many sessions (0: all)")
        ->capture_default_str();
    replay_cmd->callback([&] {
        replay_args.seed_given = replay_seed->count() > 0;
        rc = replay(common, replay_args);
    });

    // train
    std::string model_type = "linear";
    auto* train_cmd = app.add_subcommand(
        "train", "Train a model on stored features and register it as candidate");
    add_common(train_cmd, common);
    train_cmd->add_option("--model", model_type, "Model type")
        ->check(CLI::IsMember({"linear"}))
        ->capture_default_str();
    train_cmd->callback([&] { rc = train(common, model_type); });

    // models
    std::string model_id;
    auto* models_cmd =
        app.add_subcommand("models", "The model registry (candidate -> green -> deprecated)");
    models_cmd->require_subcommand(1);
    auto* models_list_cmd = models_cmd->add_subcommand("list", "Show every model with its status");
    add_common(models_list_cmd, common);
    models_list_cmd->callback([&] { rc = models_list(common); });
    auto* models_promote_cmd =
        models_cmd->add_subcommand("promote", "Make a model green (the old green is deprecated)");
    add_common(models_promote_cmd, common);
    models_promote_cmd->add_option("model_id", model_id, "Model id")->required();
    models_promote_cmd->callback([&] { rc = models_promote(common, model_id); });
    auto* models_deprecate_cmd = models_cmd->add_subcommand("deprecate", "Retire a model");
    add_common(models_deprecate_cmd, common);
    models_deprecate_cmd->add_option("model_id", model_id, "Model id")->required();
    models_deprecate_cmd->callback([&] { rc = models_deprecate(common, model_id); });

    // approve / revoke
    auto* approve_cmd = app.add_subcommand("approve", "Create the approval file (safety layer 3)");
    add_common(approve_cmd, common);
    approve_cmd->callback([&] { rc = approve(common); });
    auto* revoke_cmd =
        app.add_subcommand("revoke", "Remove the approval file: every order is blocked");
    add_common(revoke_cmd, common);
    revoke_cmd->callback([&] { rc = revoke(common); });

    // pnl
    std::string pnl_period, pnl_date;
    auto* pnl_cmd = app.add_subcommand("pnl", "Daily PnL reports (daily_pnl_summary)");
    add_common(pnl_cmd, common);
    pnl_cmd->add_option("period", pnl_period, "today | week | save")
        ->required()
        ->check(CLI::IsMember({"today", "week", "save"}));
    pnl_cmd->add_option("--date", pnl_date, "Report date YYYY-MM-DD (default: today, UTC clock)");
    pnl_cmd->callback([&] { rc = pnl(common, pnl_period, pnl_date); });

    // eod
    std::string eod_date;
    auto* eod_cmd = app.add_subcommand(
        "eod", "End-of-day job: recompute and save daily_pnl_summary from the store");
    add_common(eod_cmd, common);
    eod_cmd->add_option("--date", eod_date,
                        "Session date YYYY-MM-DD (default: last session with bars)");
    eod_cmd->callback([&] { rc = eod(common, eod_date); });

    // trace
    std::string correlation_id;
    auto* trace_cmd =
        app.add_subcommand("trace", "Print the full audit chain of one correlation id");
    add_common(trace_cmd, common);
    trace_cmd->add_option("correlation_id", correlation_id, "Correlation id (UUID)")->required();
    trace_cmd->callback([&] { rc = trace(common, correlation_id); });

    // positions / trades
    auto* positions_cmd = app.add_subcommand("positions", "Current positions");
    add_common(positions_cmd, common);
    positions_cmd->callback([&] { rc = positions(common); });
    std::string trades_symbol;
    size_t trades_limit = 50;
    auto* trades_cmd = app.add_subcommand("trades", "Recent paper trades (newest last)");
    add_common(trades_cmd, common);
    trades_cmd->add_option("--symbol", trades_symbol, "Only this symbol");
    trades_cmd->add_option("--limit", trades_limit, "At most this many rows")
        ->capture_default_str();
    trades_cmd->callback([&] { rc = trades(common, trades_symbol, trades_limit); });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return rc;
}
