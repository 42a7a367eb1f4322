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
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"
#include "brokers.hpp"
#include "commands.hpp"

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

/// Prints the result (JSON with --json, else `print`'s table); the failure's one line otherwise.
template <class Res, class Print>
int show(const Common& common, const Result<Res>& result, Print print) {
    if (!result.ok()) return fail(result.error());
    if (common.json) {
        std::printf("%s\n", ops::to_json(*result).dump(2).c_str());
        return 0;
    }
    return print(*result);
}

std::optional<Date> date_arg(const std::string& text, const char* option, int& rc) {
    auto date = ops::parse_date_field(text, option);
    if (!date.ok()) {
        rc = fail(date.error());
        return std::nullopt;
    }
    return *date;
}

void print_tft_report(const std::string& model_id, const TftTrainReport& r) {
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
    std::printf("  %s\n", tft_split_line("validation", r.validation).c_str());
    if (r.n_test > 0) std::printf("  %s\n", tft_split_line("test", r.test).c_str());
}

void print_forecast(const ops::PredictResult& r) {
    std::printf("  %-8s %12s %12s %12s\n", "horizon", "q10", "q50", "q90");
    for (size_t h = 0; h < kNumHorizons; ++h) {
        std::printf("  %-8s %12.6f %12.6f %12.6f\n",
                    fmt::format("{}m", kHorizonsMinutes[h]).c_str(), r.q[h].q10, r.q[h].q50,
                    r.q[h].q90);
    }
    std::printf(
        "  direction %s, confidence %.3f = min(1, |q50| / ((q90 - q10) / 2)) of the %dm "
        "horizon; signal %s (risk.min_confidence %.2f)\n",
        std::string(to_string(r.call.direction)).c_str(), r.call.confidence,
        kHorizonsMinutes[kNumHorizons - 1], std::string(to_string(r.call.signal)).c_str(),
        r.min_confidence);
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

void print_attention(const TftExplanation& e, int top) {
    const size_t lookback =
        e.positions.size() >= kNumHorizons ? e.positions.size() - kNumHorizons : e.positions.size();
    std::printf("attention, top %d positions per horizon (mean over heads):\n", top);
    for (size_t h = 0; h < e.attention.size(); ++h) {
        const auto& w = e.attention[h];
        std::vector<size_t> order(std::min(w.size(), e.positions.size()));
        for (size_t p = 0; p < order.size(); ++p) order[p] = p;
        std::stable_sort(order.begin(), order.end(),
                         [&w](size_t a, size_t b) { return w[a] > w[b]; });
        order.resize(std::min(order.size(), static_cast<size_t>(top)));
        const std::string horizon =
            h < kNumHorizons ? fmt::format("{}m", kHorizonsMinutes[h]) : std::to_string(h);
        std::printf("  %s:", horizon.c_str());
        for (size_t p : order) {
            const std::string rel = p < lookback
                                        ? fmt::format("t-{}", lookback - 1 - p)
                                        : fmt::format("t+{}m", kHorizonsMinutes[p - lookback]);
            std::printf(" %s (%s) %.3f", e.positions[p].iso().c_str(), rel.c_str(), w[p]);
            if (p != order.back()) std::printf(",");
        }
        std::printf("\n");
    }
}

}  // namespace

std::unique_ptr<ops::Context> ops_context_for(Config config, bool json) {
    ops::Backends backends;
    backends.open_store = [](const Config& c) { return open_store(c); };
    backends.open_broker = [](const Config& c, const std::string& venue_url) {
        return open_broker(c, venue_url);
    };
    backends.store_location = [](const Config& c) { return store_location(c); };
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
    request.tft.hp = args.tft.hp;
    request.tft.validation_sessions = args.validation_sessions;
    request.tft.test_sessions = args.test_sessions;
    request.tft.max_train_windows = args.tft.max_train_windows;
    request.tft.threads = args.tft.threads;
    request.tft.progress = !args.tft.no_progress && !common.json;
    return show(common, ops::train(*ctx, request), [](const ops::TrainResult& r) {
        if (r.tft) {
            print_tft_report(r.model.model_id, *r.tft);
            std::printf("registered %s as candidate (%s)\n", r.model.model_id.c_str(),
                        r.model.path.c_str());
        } else {
            std::printf("registered %s as candidate (%s)\n  %s\n", r.model.model_id.c_str(),
                        r.model.path.c_str(), r.summary.c_str());
        }
        std::printf("  promote with: awet models promote %s\n", r.model.model_id.c_str());
        return 0;
    });
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
    o.progress = !args.tft.no_progress;
    o.model_dir = args.model_dir;
    auto result = ops::evaluate(*ctx, request);
    if (!result.ok()) return fail(result.error());
    std::printf("%s", result->report.table().c_str());
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
    return show(common, ops::models_list(*ctx, {}), [](const ops::ModelsListResult& r) {
        if (r.models.empty()) {
            std::printf("no models registered; run `awet train --model linear`\n");
            return 0;
        }
        std::printf("%-32s %-16s %-11s %-21s %s\n", "MODEL_ID", "TYPE", "STATUS", "CREATED",
                    "METRICS");
        for (const auto& m : r.models) {
            std::printf("%-32s %-16s %-11s %-21s %s\n", m.model_id.c_str(), m.model_type.c_str(),
                        std::string(to_string(m.status)).c_str(), m.created_at.iso().c_str(),
                        m.metrics_json.c_str());
        }
        return 0;
    });
}

int models_promote(const Common& common, const std::string& model_id) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_promote(*ctx, {model_id}), [](const ops::PromoteResult& r) {
        std::printf("%s is now green; the prediction agent picks it up without a restart\n",
                    r.model.model_id.c_str());
        return 0;
    });
}

int models_deprecate(const Common& common, const std::string& model_id) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_deprecate(*ctx, {model_id}), [](const ops::DeprecateResult& r) {
        std::printf("%s deprecated\n", r.model.model_id.c_str());
        return 0;
    });
}

int models_export_onnx(const Common& common, const std::string& model_id,
                       const std::string& out_path) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::models_export_onnx(*ctx, {model_id, out_path}),
                [](const ops::ExportOnnxResult& r) {
                    std::printf(
                        "wrote %s (%llu bytes): ONNX opset 17; inputs static_symbol [B] int64, "
                        "encoder_observed [B, L, %zu], encoder_known [B, L, %zu], decoder_known "
                        "[B, %zu, %zu] (normalised float32); output quantiles [B, %zu, 3] "
                        "(scaled)\n",
                        r.path.c_str(), static_cast<unsigned long long>(r.bytes), kTftObserved,
                        kTftKnown, kNumHorizons, kTftKnown, kNumHorizons);
                    return 0;
                });
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
    return show(common, ops::predict(*ctx, request), [&args](const ops::PredictResult& r) {
        std::printf("model %s (%s), %s after the bar of %s\n", r.model.model_id.c_str(),
                    r.model.model_type.c_str(), r.symbol.c_str(), r.bar_start.iso().c_str());
        print_forecast(r);
        if (r.realised) {
            std::printf("  realised:");
            for (size_t h = 0; h < kNumHorizons; ++h) {
                std::printf(" %dm %.6f", kHorizonsMinutes[h], (*r.realised)[h]);
            }
            std::printf("\n");
        }
        if (!r.explanation) return 0;
        const TftExplanation& e = *r.explanation;
        print_weights("variable selection, encoder (mean over the lookback):", e.encoder_variables,
                      e.encoder_weights);
        print_weights("variable selection, decoder (mean over the horizons):", e.decoder_variables,
                      e.decoder_weights);
        print_attention(e, args.top);
        return 0;
    });
}

int approve(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::approve(*ctx, {}), [](const ops::ApproveResult& r) {
        std::printf("approval file created: %s\n", r.path.c_str());
        if (r.dry_run) {
            std::printf(
                "note: execution.dry_run is true, so every order is still blocked (layer 2)\n");
        }
        return 0;
    });
}

int revoke(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::revoke(*ctx, {}), [](const ops::RevokeResult& r) {
        std::printf("approval file removed: %s — every order is blocked\n", r.path.c_str());
        return 0;
    });
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
    return show(common, ops::pnl(*ctx, request), [](const ops::PnlResult& r) {
        if (r.rows.empty()) {
            const std::string hint =
                r.latest ? "; latest report is " + r.latest->to_string() + " (use --date)" : "";
            std::printf("no daily_pnl_summary rows from %s to %s%s\n", r.from.to_string().c_str(),
                        r.to.to_string().c_str(), hint.c_str());
            return 0;
        }
        std::printf("%s", format_pnl_table(r.rows).c_str());
        return 0;
    });
}

int eod(const Common& common, const std::string& date_text) {
    int rc = 0;
    auto date = date_arg(date_text, "--date", rc);
    if (rc) return rc;
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::eod(*ctx, {date}), [](const ops::EodResult& r) {
        std::vector<DailyPnlRow> rows{r.row};
        std::printf("%s", format_pnl_table(rows).c_str());
        return 0;
    });
}

int trace(const Common& common, const std::string& correlation_id) {
    auto id = Uuid::parse(correlation_id);
    if (!id) {
        return fail(make_error(ErrorCode::kInvalidArgument,
                               "correlation id '" + correlation_id + "' is not a UUID"));
    }
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::trace(*ctx, {*id}), [](const ops::TraceResult& r) {
        std::printf("%s", format_trace(r.correlation_id, r.records).c_str());
        return 0;
    });
}

int positions(const Common& common) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::positions(*ctx, {}), [](const ops::PositionsResult& r) {
        std::printf("%-8s %10s %12s %14s %14s %14s %14s  %s\n", "SYMBOL", "QTY", "AVG_ENTRY",
                    "COST_BASIS", "MARKET_VALUE", "UNREALIZED", "REALIZED", "UPDATED_AT");
        for (const auto& p : r.positions) {
            std::printf("%-8s %10s %12.4f %14.2f %14.2f %14.2f %14.2f  %s\n",
                        p.symbol.str().c_str(), p.qty.to_string().c_str(),
                        p.avg_entry_price.to_double(), p.cost_basis.to_double(),
                        p.market_value.to_double(), p.unrealized_pl.to_double(),
                        p.realized_pl.to_double(), p.updated_at.iso().c_str());
        }
        if (r.positions.empty()) std::printf("(no positions)\n");
        return 0;
    });
}

int trades(const Common& common, const std::string& symbol, size_t limit) {
    auto ctx = ops_context(common);
    if (!ctx) return 1;
    return show(common, ops::trades(*ctx, {symbol, limit}), [](const ops::TradesResult& r) {
        std::printf("%-21s %-6s %-4s %-5s %6s %6s %11s %-16s %-14s %s\n", "TS", "SYMBOL", "SIDE",
                    "INTENT", "QTY", "FILLED", "AVG_PRICE", "STATUS", "EXIT_REASON",
                    "CORRELATION_ID");
        for (const auto& t : r.trades) {
            std::printf("%-21s %-6s %-4s %-5s %6s %6s %11.4f %-16s %-14s %s\n", t.ts.iso().c_str(),
                        t.symbol.str().c_str(), std::string(to_string(t.side)).c_str(),
                        std::string(to_string(t.intent)).c_str(), t.qty.to_string().c_str(),
                        t.filled_qty.to_string().c_str(), t.avg_fill_price.to_double(),
                        std::string(to_string(t.status)).c_str(),
                        std::string(to_string(t.exit_reason)).c_str(),
                        t.correlation_id.str().c_str());
        }
        if (r.trades.empty()) std::printf("(no trades)\n");
        return 0;
    });
}

int health(const Common& common, const HealthArgs& args) {
    auto ctx = ops_context_for(Config{});  // asks the agents only: no config, no store
    ops::HealthRequest request{args.host, args.agents, args.timeout_ms};
    auto result = ops::health(*ctx, request);
    const int printed = show(common, result, [](const ops::HealthResult& r) {
        std::printf("%-12s %-22s %-9s %10s  %s\n", "AGENT", "ADDRESS", "STATUS", "UPTIME",
                    "DETAIL");
        for (const auto& a : r.agents) {
            const std::string address = a.target.host + ":" + std::to_string(a.target.port);
            const std::string uptime =
                a.status == "down" ? "-" : fmt::format("{:.0f}s", a.uptime_seconds);
            std::printf("%-12s %-22s %-9s %10s  %s\n", a.target.agent.c_str(), address.c_str(),
                        a.status.c_str(), uptime.c_str(), a.detail.c_str());
        }
        if (r.not_ok > 0)
            std::fprintf(stderr, "%d of %zu agents not ok\n", r.not_ok, r.agents.size());
        return 0;
    });
    if (printed != 0) return printed;
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
    for (const ops::OrderCheck& o : r.orders) {
        std::printf("%-44s %-6s %-4s %s %s/%s: %s\n", o.row.idempotency_key.str().c_str(),
                    o.row.symbol.str().c_str(), o.row.side == Side::kBuy ? "buy" : "sell",
                    std::string(to_string(o.row.status)).c_str(),
                    o.row.filled_qty.to_string().c_str(), o.row.qty.to_string().c_str(),
                    o.detail.empty() ? "in sync" : o.detail.c_str());
    }
    if (!r.positions_error.empty()) {
        std::fflush(stdout);
        return fail(make_error(ErrorCode::kBroker, r.positions_error), 2);
    }
    for (const PositionMismatch& m : r.positions) {
        std::printf("position %-6s %s\n", m.symbol.str().c_str(), describe(m, "trades").c_str());
    }
    const int open = static_cast<int>(r.orders.size());
    std::printf(
        "%s: %d open orders (%d in sync, %d differ, %d unresolved), %zu position "
        "mismatch(es)\n",
        r.broker.c_str(), open, open - r.differ - r.unresolved, r.differ, r.unresolved,
        r.positions.size());
    if (!r.in_sync()) {
        std::printf(
            "the execution agent applies the broker's truth at start, after each stream "
            "reconnect and every 30 s (it alone publishes recovered fills to the "
            "portfolio); a position mismatch that remains halts its trading\n");
        return 1;
    }
    return 0;
}

}  // namespace awet::cli
