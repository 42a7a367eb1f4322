// awet — the AWET command line. Paper trading only.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "agent_command.hpp"
#include "backfill_command.hpp"
#include "brokers.hpp"
#include "build_info.hpp"
#include "commands.hpp"
#include "completion.hpp"
#include "jobs_command.hpp"

namespace {

void add_common(CLI::App* cmd, awet::cli::Common& common) {
    cmd->add_option("--config", common.config_path,
                    "YAML config file (default: config/awet.yaml if present)");
    cmd->add_option("--db", common.db_path, "SQLite database file (overrides store.path)");
    auto* quiet =
        cmd->add_flag("-q,--quiet", common.quiet, "Log errors only (logging.level error)");
    cmd->add_flag("-v,--verbose", common.verbose, "Log debug lines too (logging.level debug)")
        ->excludes(quiet);
}

/// --json: the result in its JSON form (the operations' JSON, as the API serves it).
void add_json(CLI::App* cmd, awet::cli::Common& common) {
    cmd->add_flag("--json", common.json, "Print the result as JSON");
}

/// The TFT's training options; returns them so that callers can tell which were given.
std::vector<CLI::Option*> add_tft_options(CLI::App* cmd, awet::cli::TftArgs& tft) {
    std::vector<CLI::Option*> opts;
    opts.push_back(cmd->add_option("--epochs", tft.hp.max_epochs, "TFT: maximum epochs")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--patience", tft.hp.patience,
                                   "TFT: early stopping after this many epochs without a better "
                                   "validation loss")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--hidden", tft.hp.hidden, "TFT: hidden size (d_model)")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--lookback", tft.hp.lookback, "TFT: encoder length in bars")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--batch", tft.hp.batch_size, "TFT: windows per training step")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--lr", tft.hp.learning_rate, "TFT: Adam learning rate")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--dropout", tft.hp.dropout, "TFT: dropout rate")
                       ->check(CLI::Range(0.0, 0.9))
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--weight-decay", tft.hp.weight_decay,
                                   "TFT: decoupled weight decay (AdamW; 0: plain Adam)")
                       ->check(CLI::NonNegativeNumber)
                       ->capture_default_str());
    opts.push_back(
        cmd->add_option("--seed", tft.hp.seed, "TFT: seed of initialisation, dropout, sampling")
            ->capture_default_str());
    opts.push_back(cmd->add_option("--threads", tft.threads, "TFT: torch intra-op threads")
                       ->check(CLI::PositiveNumber)
                       ->capture_default_str());
    opts.push_back(cmd->add_option("--max-train-windows", tft.max_train_windows,
                                   "TFT: a seeded sample of this many training windows per "
                                   "epoch (0: all)")
                       ->check(CLI::NonNegativeNumber)
                       ->capture_default_str());
    opts.push_back(
        cmd->add_flag("--no-progress", tft.no_progress, "TFT: no progress bar on stderr"));
    return opts;
}

/// The command line: every subcommand, its options and what it runs. The parsed values live
/// here until app.parse() has run the chosen callback.
class Cli {
public:
    explicit Cli(CLI::App& app) : app(app) {
        add_demo();
        add_data();
        add_training();
        add_registry();
        add_safety();
        add_reports();
        add_agent();
        add_services();
        awet::cli::add_orchestration(app, common, rc, &add_common, &add_json);
    }
    int rc = 0;

private:
    /// The demo: a seeded synthetic market (or CSV bars) through every agent.
    void add_demo() {
        using namespace awet::cli;
        // demo
        auto* demo_cmd = app.add_subcommand(
            "demo", "Replay a seeded synthetic market (or CSV bars) through every agent");
        add_common(demo_cmd, common);
        add_json(demo_cmd, common);
        auto* seed_opt = demo_cmd->add_option("--seed", demo_args.seed,
                                              "Market and id seed (default: config seed)");
        demo_cmd->add_option("--days", demo_args.days, "Trading sessions to replay")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        demo_cmd
            ->add_option("--train-days", demo_args.train_days,
                         "Sessions used to train the baseline first")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        demo_cmd->add_option("--data", demo_args.data_dir,
                             "Directory of CSV bars (ts,symbol,open,high,low,close,volume)");
        demo_cmd->callback([=, this] { rc = demo(common, demo_args, seed_opt->count() > 0); });
    }

    /// Market data in, features out, replays of stored bars.
    void add_data() {
        using namespace awet::cli;
        // ingest csv
        auto* ingest_cmd = app.add_subcommand("ingest", "Load market data into the store");
        ingest_cmd->require_subcommand(1);
        auto* ingest_csv_cmd =
            ingest_cmd->add_subcommand("csv", "Ingest CSV bar files or directories");
        add_common(ingest_csv_cmd, common);
        add_json(ingest_csv_cmd, common);
        ingest_csv_cmd->add_option("paths", ingest_paths, "CSV files or directories")->required();
        ingest_csv_cmd->callback([=, this] { rc = ingest_csv(common, ingest_paths); });
        for (const char* vendor : {"polygon", "yahoo", "alpaca"}) {
            auto* cmd = ingest_cmd->add_subcommand(
                vendor, std::string("Backfill historical bars from ") + vendor +
                            " (resumable: backfill_checkpoints; keys from the environment)");
            add_common(cmd, common);
            add_json(cmd, common);
            cmd->add_option("--symbols", backfill.symbols, "Symbols (comma-separated)")
                ->required()
                ->delimiter(',');
            cmd->add_option("--from", backfill.from, "First date YYYY-MM-DD")->required();
            cmd->add_option("--to", backfill.to, "Last date YYYY-MM-DD (inclusive)")->required();
            cmd->add_option("--interval", backfill.interval, "1m or 1d")->capture_default_str();
            cmd->add_option("--base-url", backfill.base_url,
                            "API base URL (default: the vendor's; tests use a loopback server)");
            cmd->add_flag("--no-progress", backfill.no_progress, "No progress line on stderr");
            cmd->callback([this, vendor] {
                backfill.vendor = vendor;
                rc = ingest_vendor(common, backfill);
            });
        }

        // features
        auto* features_cmd = app.add_subcommand(
            "features", "Compute features of the stored bars, store and export them");
        add_common(features_cmd, common);
        add_json(features_cmd, common);
        features_cmd
            ->add_option("--out", features_out, "CSV file to write (ts,symbol,<feature columns>)")
            ->required();
        features_cmd->callback([=, this] { rc = features(common, features_out); });

        // replay
        auto* replay_cmd =
            app.add_subcommand("replay", "Run the pipeline over stored bars for a date range");
        add_common(replay_cmd, common);
        add_json(replay_cmd, common);
        replay_cmd->add_option("--from", replay_args.from, "First date (YYYY-MM-DD, inclusive)");
        replay_cmd->add_option("--to", replay_args.to, "Last date (YYYY-MM-DD, inclusive)");
        auto* replay_seed =
            replay_cmd->add_option("--seed", replay_args.seed, "Id seed (default: config seed)");
        replay_cmd->add_option("--days", replay_args.days, "At most this many sessions (0: all)")
            ->check(CLI::NonNegativeNumber)
            ->capture_default_str();
        replay_cmd->add_flag("--fresh", replay_args.fresh,
                             "Discard the results of earlier runs in this store first (trades, "
                             "positions, decisions, predictions, daily PnL, audit events; bars and "
                             "models are kept)");
        replay_cmd->callback([=, this] {
            replay_args.seed_given = replay_seed->count() > 0;
            rc = replay(common, replay_args);
        });
    }

    /// Training and evaluating models.
    void add_training() {
        using namespace awet::cli;
        // train
        auto* train_cmd = app.add_subcommand(
            "train", "Train a model on stored features and register it as candidate");
        add_common(train_cmd, common);
        add_json(train_cmd, common);
        train_cmd
            ->add_option("--model", train_args.model,
                         "Model type: linear (quantile regression) or tft (Temporal Fusion "
                         "Transformer)")
            ->check(CLI::IsMember({"linear", "tft"}))
            ->capture_default_str();
        train_cmd->add_option("--from", train_args.from,
                              "First trading date trained on, YYYY-MM-DD (default: the first)");
        train_cmd->add_option("--to", train_args.to,
                              "Last trading date trained on, YYYY-MM-DD (default: the last); "
                              "replay after it to stay out of sample");
        auto train_tft_opts = add_tft_options(train_cmd, train_args.tft);
        train_tft_opts.push_back(
            train_cmd
                ->add_option("--validation-sessions", train_args.validation_sessions,
                             "TFT: sessions before the test sessions used for early stopping")
                ->check(CLI::PositiveNumber)
                ->capture_default_str());
        train_tft_opts.push_back(
            train_cmd
                ->add_option("--test-sessions", train_args.test_sessions,
                             "TFT: last sessions held out and scored (0: none)")
                ->check(CLI::NonNegativeNumber)
                ->capture_default_str());
        train_cmd->callback([=, this] {
            for (auto* opt : train_tft_opts) {
                if (opt->count() > 0) train_args.tft_option_given = opt->get_name();
            }
            rc = train(common, train_args);
        });

        // eval
        auto* eval_cmd = app.add_subcommand("eval",
                                            "Train the TFT on the first sessions of CSV bars, "
                                            "score it and the baselines on the last");
        add_common(eval_cmd, common);
        eval_cmd->add_option("--data", eval_args.data_dir, "CSV bars (file or directory)")
            ->required();
        eval_cmd
            ->add_option("--train-sessions", eval_args.train_sessions,
                         "First sessions: training (the last of them: validation)")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        eval_cmd
            ->add_option("--test-sessions", eval_args.test_sessions,
                         "Last sessions: scored, never seen in training")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        eval_cmd->add_option("--symbols", eval_args.symbols, "Only these symbols (comma-separated)")
            ->delimiter(',');
        eval_cmd->add_option("--json", eval_args.json_path, "Also write the report as JSON here");
        eval_cmd->add_option("--model-dir", eval_args.model_dir,
                             "Where the evaluated models are written (default: "
                             "<prediction.model_dir>/eval)");
        add_tft_options(eval_cmd, eval_args.tft);
        eval_cmd->callback([=, this] { rc = eval(common, eval_args); });
    }

    /// Forecasts and the model registry.
    void add_registry() {
        using namespace awet::cli;
        // predict
        auto* predict_cmd = app.add_subcommand(
            "predict",
            "Forecast one symbol with a registered model (--explain: what the TFT looked at)");
        add_common(predict_cmd, common);
        add_json(predict_cmd, common);
        predict_cmd->add_option("--symbol", predict_args.symbol, "Symbol")->required();
        predict_cmd->add_option("--at", predict_args.at,
                                "Forecast after the last bar starting at or before this time "
                                "(ISO-8601; default: the latest stored bar)");
        predict_cmd->add_option("--model", predict_args.model_id,
                                "Model id (default: the green model)");
        predict_cmd->add_flag("--explain", predict_args.explain,
                              "TFT: variable-selection weights and the top attention positions");
        predict_cmd->add_option("--top", predict_args.top, "Attention positions shown per horizon")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        predict_cmd->callback([=, this] { rc = predict(common, predict_args); });

        // models
        auto* models_cmd =
            app.add_subcommand("models", "The model registry (candidate -> green -> deprecated)");
        models_cmd->require_subcommand(1);
        auto* models_list_cmd =
            models_cmd->add_subcommand("list", "Show every model with its status");
        add_common(models_list_cmd, common);
        add_json(models_list_cmd, common);
        models_list_cmd->callback([=, this] { rc = models_list(common); });
        auto* models_promote_cmd = models_cmd->add_subcommand(
            "promote", "Make a model green (the old green is deprecated)");
        add_common(models_promote_cmd, common);
        add_json(models_promote_cmd, common);
        models_promote_cmd->add_option("model_id", model_id, "Model id")->required();
        models_promote_cmd->callback([=, this] { rc = models_promote(common, model_id); });
        auto* models_deprecate_cmd = models_cmd->add_subcommand("deprecate", "Retire a model");
        add_common(models_deprecate_cmd, common);
        add_json(models_deprecate_cmd, common);
        models_deprecate_cmd->add_option("model_id", model_id, "Model id")->required();
        models_deprecate_cmd->callback([=, this] { rc = models_deprecate(common, model_id); });
        auto* models_export_cmd = models_cmd->add_subcommand(
            "export-onnx", "Write a TFT model as an ONNX graph (opset 17)");
        add_common(models_export_cmd, common);
        add_json(models_export_cmd, common);
        models_export_cmd->add_option("model_id", model_id, "Model id (a tft model)")->required();
        models_export_cmd->add_option("--out", onnx_out,
                                      "Output file (default: <prediction.model_dir>/<ID>.onnx)");
        models_export_cmd->callback(
            [=, this] { rc = models_export_onnx(common, model_id, onnx_out); });
    }

    /// Safety layer 3: the approval file.
    void add_safety() {
        using namespace awet::cli;
        // approve / revoke
        auto* approve_cmd =
            app.add_subcommand("approve", "Create the approval file (safety layer 3)");
        add_common(approve_cmd, common);
        add_json(approve_cmd, common);
        approve_cmd->callback([=, this] { rc = approve(common); });
        auto* revoke_cmd =
            app.add_subcommand("revoke", "Remove the approval file: every order is blocked");
        add_common(revoke_cmd, common);
        add_json(revoke_cmd, common);
        revoke_cmd->callback([=, this] { rc = revoke(common); });
    }

    /// What the store says: PnL, end of day, audit trails, positions, trades.
    void add_reports() {
        using namespace awet::cli;
        // pnl
        auto* pnl_cmd = app.add_subcommand("pnl", "Daily PnL reports (daily_pnl_summary)");
        add_common(pnl_cmd, common);
        add_json(pnl_cmd, common);
        pnl_cmd->add_option("period", pnl_period, "today | week | save")
            ->required()
            ->check(CLI::IsMember({"today", "week", "save"}));
        pnl_cmd->add_option("--date", pnl_date,
                            "Report date YYYY-MM-DD (default: today, UTC clock)");
        pnl_cmd->callback([=, this] { rc = pnl(common, pnl_period, pnl_date); });

        // eod
        auto* eod_cmd = app.add_subcommand(
            "eod", "End-of-day job: recompute and save daily_pnl_summary from the store");
        add_common(eod_cmd, common);
        add_json(eod_cmd, common);
        eod_cmd->add_option("--date", eod_date,
                            "Session date YYYY-MM-DD (default: last session with bars)");
        eod_cmd->callback([=, this] { rc = eod(common, eod_date); });

        // trace
        auto* trace_cmd =
            app.add_subcommand("trace", "Print the full audit chain of one correlation id");
        add_common(trace_cmd, common);
        add_json(trace_cmd, common);
        trace_cmd->add_option("correlation_id", correlation_id, "Correlation id (UUID)")
            ->required();
        trace_cmd->callback([=, this] { rc = trace(common, correlation_id); });

        // positions / trades
        auto* positions_cmd = app.add_subcommand("positions", "Current positions");
        add_common(positions_cmd, common);
        add_json(positions_cmd, common);
        positions_cmd->callback([=, this] { rc = positions(common); });
        auto* trades_cmd = app.add_subcommand(
            "trades", "Round trips with PnL and holding time, newest last (--fills: the rows)");
        add_common(trades_cmd, common);
        add_json(trades_cmd, common);
        trades_cmd->add_option("--symbol", trades_symbol, "Only this symbol");
        trades_cmd->add_option("--limit", trades_limit, "At most this many rows")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        trades_cmd->add_flag("--fills", trades_fills,
                             "Every order and fill (the trades rows) instead of the round trips");
        trades_cmd->callback(
            [=, this] { rc = trades(common, trades_symbol, trades_limit, trades_fills); });
    }

    /// One agent as a long-running process.
    void add_agent() {
        using namespace awet::cli;
        // agent
        auto* agent_cmd = app.add_subcommand("agent",
                                             "Run one agent as a long-running process over Kafka "
                                             "(bus.backend kafka): GET /health and "
                                             "GET /metrics on its port, clean shutdown on SIGTERM");
        add_common(agent_cmd, common);
        agent_cmd
            ->add_option(
                "name", agent_args.name,
                "ingestion | features | prediction | risk | execution | exit | watchtower | "
                "reconciler")
            ->required()
            ->check(CLI::IsMember({"ingestion", "features", "prediction", "risk", "execution",
                                   "exit", "watchtower", "reconciler"}));
        agent_cmd->add_option("--host", agent_args.host, "Address of the HTTP endpoints")
            ->capture_default_str();
        agent_cmd->add_option("--port", agent_args.port,
                              "HTTP port (default: the agent's, 8001-8008; see README)");
        agent_cmd
            ->add_option("--venue", agent_args.venue_url,
                         "execution: URL of the simulated venue (hosted by the replaying "
                         "ingestion agent)")
            ->capture_default_str();
        agent_cmd
            ->add_option("--reconcile-every", agent_args.reconcile_every_s,
                         "execution: also reconcile open orders with the broker every S seconds "
                         "(0: the default, 30 for Alpaca whose stream is lossy; the simulated "
                         "venue's event log is not, so at start only)")
            ->check(CLI::NonNegativeNumber)
            ->capture_default_str();
        agent_cmd->add_flag(
            "--replay", agent_args.replay,
            "ingestion: replay stored bars in lock step, hosting the simulated venue");
        agent_cmd->add_option("--from", agent_args.from,
                              "ingestion --replay: first date YYYY-MM-DD");
        agent_cmd->add_option("--days", agent_args.days, "ingestion --replay: sessions (0: all)")
            ->check(CLI::NonNegativeNumber);
        agent_cmd
            ->add_option("--venue-port", agent_args.venue_port,
                         "ingestion --replay: port of the simulated venue")
            ->capture_default_str();
        agent_cmd->add_flag(
            "--exit-when-done", agent_args.exit_when_done,
            "ingestion --replay: exit after the last bar (default: keep serving the "
            "venue until SIGTERM)");
        agent_cmd
            ->add_option("--quiet-timeout", agent_args.quiet_timeout_s,
                         "ingestion --replay: seconds to wait for the other agents per step")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        auto* live_opt = agent_cmd->add_option(
            "--live", agent_args.live,
            "ingestion: stream live minute bars from this vendor (alpaca: keys ALPACA_API_KEY / "
            "ALPACA_API_SECRET, feed data.alpaca_feed)");
        live_opt->check(CLI::IsMember({"alpaca"}));
        agent_cmd
            ->add_option("--symbols", agent_args.symbols,
                         "ingestion --live: symbols, comma-separated (default: data.symbols)")
            ->delimiter(',')
            ->needs(live_opt);
        agent_cmd->callback([=, this] { rc = agent(common, agent_args); });
    }

    /// The running stack: health, reconciliation, the development Kafka.
    void add_services() {
        using namespace awet::cli;
        // health
        auto* health_cmd = app.add_subcommand(
            "health", "Ask every agent service's GET /health (exit 1 if any is not ok)");
        health_cmd->add_option("--host", health_args.host, "Where the agents run")
            ->capture_default_str();
        health_cmd->add_option("--agent", health_args.agents,
                               "Only these agents, NAME or NAME=PORT (default: all eight on their "
                               "default ports 8001-8008)");
        health_cmd->add_option("--timeout-ms", health_args.timeout_ms, "Per-agent timeout")
            ->check(CLI::PositiveNumber)
            ->capture_default_str();
        add_json(health_cmd, common);
        health_cmd->callback([=, this] { rc = health(common, health_args); });

        auto* reconcile_cmd = app.add_subcommand(
            "reconcile",
            "Report every open order in trades against the broker (execution.broker) and the "
            "positions the trades explain against the broker's; read-only (the execution agent "
            "applies it). Exit 0 in sync, 1 differ, 2 unreadable");
        reconcile_cmd
            ->add_option("--venue", reconcile_args.venue_url,
                         "execution.broker sim: URL of the simulated venue")
            ->capture_default_str();
        add_common(reconcile_cmd, common);
        add_json(reconcile_cmd, common);
        reconcile_cmd->callback([=, this] { rc = reconcile(common, reconcile_args); });

        auto* dev_kafka_cmd = app.add_subcommand("dev-kafka",
                                                 "Run librdkafka's mock Kafka cluster (loopback, "
                                                 "in memory) for the local stack and tests; "
                                                 "prints its bootstrap servers");
        dev_kafka_cmd->add_option("--brokers", dev_kafka_args.brokers, "Mock brokers")
            ->check(CLI::Range(1, 9))
            ->capture_default_str();
        dev_kafka_cmd->add_option("--partitions", dev_kafka_args.partitions, "Partitions per topic")
            ->check(CLI::Range(1, 64))
            ->capture_default_str();
        dev_kafka_cmd->add_option("--out", dev_kafka_args.out,
                                  "Also write the bootstrap servers here");
        dev_kafka_cmd->callback([=, this] { rc = dev_kafka(dev_kafka_args); });

        auto* completion_cmd = app.add_subcommand(
            "completion", "Print the shell completion (source <(awet completion bash))");
        completion_cmd->add_option("shell", completion_shell, "bash")
            ->required()
            ->check(CLI::IsMember({"bash"}));
        completion_cmd->callback([this] {
            std::fputs(awet::cli::bash_completion(app).c_str(), stdout);
            rc = 0;
        });
    }

    CLI::App& app;
    awet::cli::Common common;
    awet::cli::DemoArgs demo_args;
    std::vector<std::string> ingest_paths;
    awet::cli::BackfillArgs backfill;
    std::string features_out;
    awet::cli::ReplayArgs replay_args;
    awet::cli::TrainArgs train_args;
    awet::cli::EvalArgs eval_args;
    awet::cli::PredictArgs predict_args;
    std::string model_id;
    std::string onnx_out;
    std::string pnl_period, pnl_date;
    std::string eod_date;
    std::string correlation_id;
    awet::cli::HealthArgs health_args;
    awet::runtime::AgentOptions agent_args;
    awet::cli::ReconcileArgs reconcile_args;
    awet::runtime::DevKafkaOptions dev_kafka_args;
    std::string trades_symbol;
    size_t trades_limit = 50;
    bool trades_fills = false;
    std::string completion_shell;
};

/// "awet: unknown command 'bogus'" with the commands there are, when the first word names none.
bool unknown_command(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return false;
    const std::string word = argv[1];
    std::string names;
    for (const CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_name() == word) return false;
        names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    std::fprintf(stderr,
                 "awet: unknown command '%s'; the commands are: %s\nRun 'awet --help' for more.\n",
                 word.c_str(), names.c_str());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"AWET — audit-ready, ML-driven, paper-only trading"};
    app.name("awet");
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("awet ") + AWET_VERSION + " (revision " +
                                          AWET_GIT_REVISION + ", " + AWET_BUILD_TYPE +
                                          " build)\ncompiled in: " + AWET_COMPILED_IN);
    Cli cli(app);
    if (unknown_command(app, argc, argv)) return 2;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return cli.rc;
}
