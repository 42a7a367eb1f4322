#include "awet/ops/text.hpp"

#include <fmt/format.h>
#include <fmt/printf.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "awet/audit/trace.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet/report/daily_pnl.hpp"

namespace awet::ops {

namespace {

/// "$100,024.46"; with `sign`, "+$3.48" / "-$12.30". Exact: the fixed-point value rounded to
/// cents half away from zero.
std::string usd(Money m, bool sign = false) {
    const int64_t raw = m.raw();
    const bool negative = raw < 0;
    const uint64_t magnitude =
        negative ? static_cast<uint64_t>(-(raw + 1)) + 1 : static_cast<uint64_t>(raw);
    const uint64_t cents = (magnitude + kFixedScale / 200) / (kFixedScale / 100);
    std::string whole = std::to_string(cents / 100);
    for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) {
        whole.insert(static_cast<size_t>(i), ",");
    }
    const std::string prefix = negative ? "-" : (sign ? "+" : "");
    return fmt::format("{}${}.{:02}", prefix, whole, cents % 100);
}

std::string usd(Price p) { return usd(Money::from_raw(p.raw())); }

/// "45m", "2h05m", "3d04h".
std::string held(Duration d) {
    const int64_t minutes = std::max<int64_t>(0, d.ns() / 60'000'000'000);
    if (minutes < 60) return fmt::format("{}m", minutes);
    if (minutes < 24 * 60) return fmt::format("{}h{:02}m", minutes / 60, minutes % 60);
    return fmt::format("{}d{:02}h", minutes / (24 * 60), minutes / 60 % 24);
}

/// A model's headline figure from its metrics: the mean pinball loss on the validation sessions
/// (x1e4, as `awet eval` reports it), beside the baselines' where the trainer scored them.
std::string headline(const std::string& metrics_json) {
    const auto m = nlohmann::json::parse(metrics_json, nullptr, false);
    if (!m.is_object()) return "-";
    auto number = [](const nlohmann::json& j, const char* key) -> std::optional<double> {
        if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
        return j[key].get<double>();
    };
    if (auto model = number(m, "pinball_model_mean")) {
        std::string out = fmt::format("validation pinball x1e4: model {:.3f}", *model * 1e4);
        if (auto b = number(m, "pinball_baseline_mean")) {
            out += fmt::format(", empirical {:.3f}", *b * 1e4);
        }
        if (auto z = number(m, "pinball_zero_mean")) out += fmt::format(", zero {:.3f}", *z * 1e4);
        return out;
    }
    if (m.contains("validation") && m["validation"].is_object()) {
        const auto& v = m["validation"];
        double sum = 0;
        size_t n = 0;
        if (v.contains("horizons") && v["horizons"].is_array()) {
            for (const auto& h : v["horizons"]) {
                if (auto p = number(h, "pinball")) {
                    sum += *p;
                    ++n;
                }
            }
        }
        if (n == 0) return "validation: -";
        std::string out = fmt::format("validation pinball x1e4: model {:.3f}", sum / n * 1e4);
        if (auto w = number(v, "windows")) out += fmt::format(" ({:.0f} windows)", *w);
        return out;
    }
    return "-";
}

std::string tft_report_text(const std::string& model_id, const TftTrainReport& r) {
    std::string out;
    out += fmt::sprintf(
        "trained %s: %lld parameters, %lld train / %lld validation / %lld test windows\n",
        model_id.c_str(), static_cast<long long>(r.parameters), static_cast<long long>(r.n_train),
        static_cast<long long>(r.n_val), static_cast<long long>(r.n_test));
    out += fmt::sprintf("  train %s .. %s, validation %s .. %s", r.train_from.iso().c_str(),
                        r.train_to.iso().c_str(), r.val_from.iso().c_str(), r.val_to.iso().c_str());
    if (r.n_test > 0) {
        out += fmt::sprintf(", test %s .. %s", r.test_from.iso().c_str(), r.test_to.iso().c_str());
    }
    for (const std::string& w : r.warnings) out += "\n  warning: " + w;
    out += fmt::sprintf("\n  %-6s %12s %12s\n", "epoch", "train_loss", "val_loss");
    for (size_t e = 0; e < r.train_loss.size(); ++e) {
        const double val = e < r.val_loss.size() ? r.val_loss[e] : 0.0;
        out += fmt::sprintf("  %-6zu %12.5f %12.5f%s\n", e + 1, r.train_loss[e], val,
                            static_cast<int>(e + 1) == r.best_epoch ? "  (best)" : "");
    }
    out += fmt::sprintf("  %d epochs, %.1f s per epoch, %.0f training windows/s\n", r.epochs_run,
                        r.seconds_per_epoch, r.train_windows_per_second);
    out += fmt::sprintf("  %s\n", tft_split_line("validation", r.validation).c_str());
    if (r.n_test > 0) out += fmt::sprintf("  %s\n", tft_split_line("test", r.test).c_str());
    return out;
}

std::string forecast_text(const PredictResult& r) {
    std::string out;
    out += fmt::sprintf("  %-8s %12s %12s %12s\n", "horizon", "q10", "q50", "q90");
    for (size_t h = 0; h < kNumHorizons; ++h) {
        out += fmt::sprintf("  %-8s %12.6f %12.6f %12.6f\n",
                            fmt::format("{}m", kHorizonsMinutes[h]).c_str(), r.q[h].q10, r.q[h].q50,
                            r.q[h].q90);
    }
    out += fmt::sprintf(
        "  direction %s, confidence %.3f = min(1, |q50| / ((q90 - q10) / 2)) of the %dm "
        "horizon; signal %s (risk.min_confidence %.2f)\n",
        std::string(to_string(r.call.direction)).c_str(), r.call.confidence,
        kHorizonsMinutes[kNumHorizons - 1], std::string(to_string(r.call.signal)).c_str(),
        r.min_confidence);
    return out;
}

std::string weights_text(const char* title, const std::vector<std::string>& names,
                         const std::vector<float>& weights) {
    std::string out;
    std::vector<size_t> order(std::min(names.size(), weights.size()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&weights](size_t a, size_t b) { return weights[a] > weights[b]; });
    out += fmt::sprintf("%s\n", title);
    for (size_t i : order) out += fmt::sprintf("  %-16s %.4f\n", names[i].c_str(), weights[i]);
    return out;
}

std::string attention_text(const TftExplanation& e, int top) {
    std::string out;
    const size_t lookback =
        e.positions.size() >= kNumHorizons ? e.positions.size() - kNumHorizons : e.positions.size();
    out += fmt::sprintf("attention, top %d positions per horizon (mean over heads):\n", top);
    for (size_t h = 0; h < e.attention.size(); ++h) {
        const auto& w = e.attention[h];
        std::vector<size_t> order(std::min(w.size(), e.positions.size()));
        for (size_t p = 0; p < order.size(); ++p) order[p] = p;
        std::stable_sort(order.begin(), order.end(),
                         [&w](size_t a, size_t b) { return w[a] > w[b]; });
        order.resize(std::min(order.size(), static_cast<size_t>(top)));
        const std::string horizon =
            h < kNumHorizons ? fmt::format("{}m", kHorizonsMinutes[h]) : std::to_string(h);
        out += fmt::sprintf("  %s:", horizon.c_str());
        for (size_t p : order) {
            const std::string rel = p < lookback
                                        ? fmt::format("t-{}", lookback - 1 - p)
                                        : fmt::format("t+{}m", kHorizonsMinutes[p - lookback]);
            out += fmt::sprintf(" %s (%s) %.3f", e.positions[p].iso().c_str(), rel.c_str(), w[p]);
            if (p != order.back()) out += fmt::sprintf(",");
        }
        out += fmt::sprintf("\n");
    }
    return out;
}

}  // namespace

std::string replay_summary_text(const ReplayResult& r) {
    std::string out;
    const auto& c = r.counters;
    if (r.redone) {
        std::string what;
        for (const auto& [table, n] : r.redone->discarded) {
            if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + table;
        }
        out += fmt::sprintf(
            "  %-24s the run started %s (PID %lld) did not finish: redone (%s discarded)\n",
            "interrupted run", r.redone->interrupted.started_at.iso().c_str(),
            static_cast<long long>(r.redone->interrupted.pid),
            what.empty() ? "nothing" : what.c_str());
    }
    if (r.restored.fills > 0 || r.restored.open_orders > 0) {
        out += fmt::sprintf(
            "  %-24s %zu open positions (%zu lots under exit management), %zu open "
            "orders brought to the broker's truth\n",
            "carried over", r.restored.open_positions, r.restored.open_lots,
            r.restored.open_orders);
    }
    out +=
        fmt::sprintf("  %-24s %llu\n", "bars processed", static_cast<unsigned long long>(c.bars));
    out += fmt::sprintf("  %-24s %llu (%llu with a BUY/SELL signal)\n", "predictions",
                        static_cast<unsigned long long>(c.predictions),
                        static_cast<unsigned long long>(c.signals));
    if (r.ignored_signals.sells_long_only > 0) {
        out += fmt::sprintf("  %-24s %llu: long-only (risk.allow_short=false)\n",
                            "SELL signals ignored",
                            static_cast<unsigned long long>(r.ignored_signals.sells_long_only));
    }
    if (r.ignored_signals.low_confidence > 0) {
        out += fmt::sprintf("  %-24s %llu: below risk.min_confidence\n", "signals ignored",
                            static_cast<unsigned long long>(r.ignored_signals.low_confidence));
    }
    out += fmt::sprintf("  %-24s %llu\n", "risk approvals",
                        static_cast<unsigned long long>(c.approved));
    out += fmt::sprintf("  %-24s %llu\n", "risk rejections",
                        static_cast<unsigned long long>(c.rejected));
    uint64_t reasons = 0;
    for (const auto& [reason, n] : c.rejections_by_reason) {
        out +=
            fmt::sprintf("      %-32s %llu\n", reason.c_str(), static_cast<unsigned long long>(n));
        reasons += n;
    }
    if (reasons > c.rejected) {
        out +=
            "      (a decision can fail several gates: the reasons add up to more than the "
            "rejections)\n";
    }
    out += fmt::sprintf("  %-24s %llu submitted, %llu blocked, %llu rejected by the broker\n",
                        "orders", static_cast<unsigned long long>(c.orders_submitted),
                        static_cast<unsigned long long>(c.orders_blocked),
                        static_cast<unsigned long long>(c.orders_rejected));
    if (r.duplicate_orders > 0) {
        out +=
            fmt::sprintf("  %-24s %lld (idempotency key already in trades: never ordered twice)\n",
                         "duplicates skipped", static_cast<long long>(r.duplicate_orders));
    }
    out += fmt::sprintf("  %-24s %llu\n", "fills", static_cast<unsigned long long>(c.fills));
    std::string exits;
    for (const auto& [reason, n] : c.exits_by_reason) {
        exits += (exits.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    }
    out += fmt::sprintf("  %-24s %llu%s\n", "exits", static_cast<unsigned long long>(c.exits),
                        exits.empty() ? "" : (" (" + exits + ")").c_str());
    out += fmt::sprintf("  %-24s %s\n", "realized PnL", usd(r.realized, true));
    out += fmt::sprintf("  %-24s %s\n", "unrealized PnL", usd(r.unrealized, true));
    const double win_rate = r.round_trips > 0 ? 100.0 * r.wins / r.round_trips : 0.0;
    out += fmt::sprintf("  %-24s %.1f%% (%d wins, %d losses, %d closed trades)\n", "win rate",
                        win_rate, r.wins, r.losses, r.round_trips);
    if (!r.best_symbol.empty()) {
        out +=
            fmt::sprintf("  %-24s %s (%s)\n", "best symbol", r.best_symbol, usd(r.best_pnl, true));
        out += fmt::sprintf("  %-24s %s (%s)\n", "worst symbol", r.worst_symbol,
                            usd(r.worst_pnl, true));
    }
    out += fmt::sprintf("  %-24s %s (equity %s)\n", "broker PnL", usd(r.broker_pnl, true),
                        usd(r.broker_account.equity));
    if (r.reconcile) {
        out += fmt::sprintf("  %-24s %s\n", "reconciliation",
                            r.reconcile->ok ? "book matches broker" : "MISMATCH (see logs)");
    }
    out += fmt::sprintf("  %-24s %zu sessions\n", "daily_pnl_summary", r.daily.size());
    if (r.inference.rows > 0) {
        out += fmt::sprintf(
            "  %-24s p50 %.0f p99 %.0f max %.0f us (%lld batches, %lld forecasts)\n",
            "model_inference_latency", r.inference.p50_us, r.inference.p99_us, r.inference.max_us,
            static_cast<long long>(r.inference.batches), static_cast<long long>(r.inference.rows));
    }
    if (c.dead_letters > 0) {
        out += fmt::sprintf("  %-24s %llu\n", "dead letters",
                            static_cast<unsigned long long>(c.dead_letters));
    }
    return out;
}

std::string to_text(const PositionsResult& r) {
    std::string out =
        fmt::sprintf("%-8s %10s %12s %14s %14s %14s %14s  %s\n", "SYMBOL", "QTY", "AVG_ENTRY",
                     "COST_BASIS", "MARKET_VALUE", "UNREALIZED", "REALIZED", "UPDATED_AT");
    for (const auto& p : r.positions) {
        out += fmt::sprintf(
            "%-8s %10s %12.4f %14.2f %14.2f %14.2f %14.2f  %s\n", p.symbol.str(), p.qty.to_string(),
            p.avg_entry_price.to_double(), p.cost_basis.to_double(), p.market_value.to_double(),
            p.unrealized_pl.to_double(), p.realized_pl.to_double(), p.updated_at.iso());
    }
    if (r.positions.empty()) out += "(no positions)\n";
    return out;
}

namespace {

std::string round_trips_text(const TradesResult& r) {
    if (r.round_trips.empty()) {
        return "(no round trips: no position was closed yet; the orders: awet trades --fills)\n";
    }
    std::string out = fmt::sprintf("%-21s %-6s %-5s %8s %12s %12s %12s %8s\n", "CLOSED_AT",
                                   "SYMBOL", "SIDE", "QTY", "ENTRY", "EXIT", "NET_PNL", "HELD");
    for (const ClosedTrade& t : r.round_trips) {
        out += fmt::sprintf("%-21s %-6s %-5s %8s %12s %12s %12s %8s\n", t.closed_at.iso(),
                            t.symbol.str(), std::string(to_string(t.side)), t.qty.to_string(),
                            usd(t.avg_entry_price), usd(t.exit_price), usd(t.net_pnl, true),
                            held(t.closed_at - t.opened_at));
    }
    out += fmt::sprintf("%zu round trips, net %s after fees", r.round_trips_total,
                        usd(r.round_trips_net, true));
    if (r.round_trips.size() < r.round_trips_total) {
        out += fmt::sprintf(" (the newest %zu shown)", r.round_trips.size());
    }
    out += "; every order and fill: awet trades --fills\n";
    return out;
}

}  // namespace

std::string to_text(const TradesResult& r) {
    if (!r.fills) return round_trips_text(r);
    std::string out = fmt::sprintf("%-21s %-6s %-4s %-5s %6s %6s %11s %-16s %-14s %s\n", "TS",
                                   "SYMBOL", "SIDE", "INTENT", "QTY", "FILLED", "AVG_PRICE",
                                   "STATUS", "EXIT_REASON", "CORRELATION_ID");
    for (const auto& t : r.trades) {
        out += fmt::sprintf("%-21s %-6s %-4s %-5s %6s %6s %11.4f %-16s %-14s %s\n", t.ts.iso(),
                            t.symbol.str(), std::string(to_string(t.side)),
                            std::string(to_string(t.intent)), t.qty.to_string(),
                            t.filled_qty.to_string(), t.avg_fill_price.to_double(),
                            std::string(to_string(t.status)), std::string(to_string(t.exit_reason)),
                            t.correlation_id.str());
    }
    if (r.trades.empty()) out += "(no trades)\n";
    return out;
}

std::string to_text(const PnlResult& r) {
    if (r.rows.empty()) {
        const std::string hint =
            r.latest ? "; latest report is " + r.latest->to_string() + " (use --date)" : "";
        return fmt::sprintf("no daily_pnl_summary rows from %s to %s%s\n", r.from.to_string(),
                            r.to.to_string(), hint);
    }
    return format_pnl_table(r.rows);
}

std::string to_text(const EodResult& r) {
    const std::vector<DailyPnlRow> rows{r.row};
    return format_pnl_table(rows);
}

std::string to_text(const TraceResult& r) { return format_trace(r.correlation_id, r.records); }

std::string to_text(const ModelsListResult& r) {
    if (r.models.empty()) return "no models registered; run `awet train --model linear`\n";
    std::string out =
        fmt::sprintf("%-32s %-16s %-11s %-10s %-22s  %s\n", "MODEL_ID", "TYPE", "STATUS", "CREATED",
                     "TRAINED ON", "HEADLINE (all metrics: --json)");
    auto date = [](Timestamp t) { return t.is_set() ? t.iso().substr(0, 10) : std::string("-"); };
    for (const auto& m : r.models) {
        const std::string trained = m.trained_to.is_set()
                                        ? date(m.trained_from) + ".." + date(m.trained_to)
                                        : std::string("-");
        out += fmt::sprintf("%-32s %-16s %-11s %-10s %-22s  %s\n", m.model_id, m.model_type,
                            std::string(to_string(m.status)), date(m.created_at), trained,
                            headline(m.metrics_json));
    }
    return out;
}

std::string to_text(const PromoteResult& r) {
    return r.model.model_id + " is now green; the prediction agent picks it up without a restart\n";
}

std::string to_text(const DeprecateResult& r) { return r.model.model_id + " deprecated\n"; }

std::string to_text(const ExportOnnxResult& r) {
    return fmt::sprintf(
        "wrote %s (%llu bytes): ONNX opset 17; inputs static_symbol [B] int64, encoder_observed "
        "[B, L, %zu], encoder_known [B, L, %zu], decoder_known [B, %zu, %zu] (normalised "
        "float32); output quantiles [B, %zu, 3] (scaled)\n",
        r.path, static_cast<unsigned long long>(r.bytes), kTftObserved, kTftKnown, kNumHorizons,
        kTftKnown, kNumHorizons);
}

std::string to_text(const TrainResult& r) {
    std::string out;
    if (r.tft) {
        out += tft_report_text(r.model.model_id, *r.tft);
        out += fmt::sprintf("registered %s as candidate (%s)\n", r.model.model_id, r.model.path);
    } else {
        out += fmt::sprintf("registered %s as candidate (%s)\n  %s\n", r.model.model_id,
                            r.model.path, r.summary);
    }
    if (r.model.trained_to.is_set()) {
        out += fmt::sprintf("  trained on the bars from %s to %s (a replay there is in-sample)\n",
                            r.model.trained_from.iso(), r.model.trained_to.iso());
    }
    out += fmt::sprintf("  promote with: awet models promote %s\n", r.model.model_id);
    return out;
}

std::string to_text(const EvaluateResult& r) { return r.report.table(); }

std::string to_text(const PredictResult& r, int top) {
    std::string out = fmt::sprintf("model %s (%s), %s after the bar of %s\n", r.model.model_id,
                                   r.model.model_type, r.symbol, r.bar_start.iso());
    out += forecast_text(r);
    if (r.realised) {
        out += "  realised:";
        for (size_t h = 0; h < kNumHorizons; ++h) {
            out += fmt::sprintf(" %dm %.6f", kHorizonsMinutes[h], (*r.realised)[h]);
        }
        out += "\n";
    }
    if (!r.explanation) return out;
    const TftExplanation& e = *r.explanation;
    out +=
        weights_text("variable selection, encoder (mean over the lookback):", e.encoder_variables,
                     e.encoder_weights);
    out +=
        weights_text("variable selection, decoder (mean over the horizons):", e.decoder_variables,
                     e.decoder_weights);
    out += attention_text(e, top);
    return out;
}

std::string to_text(const HealthResult& r) {
    std::string out = fmt::sprintf("%-12s %-22s %-9s %10s  %s\n", "AGENT", "ADDRESS", "STATUS",
                                   "UPTIME", "DETAIL");
    for (const auto& a : r.agents) {
        const std::string address = a.target.host + ":" + std::to_string(a.target.port);
        const std::string uptime =
            a.status == "down" ? "-" : fmt::format("{:.0f}s", a.uptime_seconds);
        out += fmt::sprintf("%-12s %-22s %-9s %10s  %s\n", a.target.agent, address, a.status,
                            uptime, a.detail);
    }
    return out;
}

std::string to_text(const ApproveResult& r) {
    std::string out = "approval file created: " + r.path + "\n";
    if (r.dry_run) {
        out += "note: execution.dry_run is true, so every order is still blocked (layer 2)\n";
    }
    return out;
}

std::string to_text(const RevokeResult& r) {
    return "approval file removed: " + r.path + " — every order is blocked\n";
}

std::string to_text(const ReconcileResult& r) {
    std::string out;
    for (const OrderCheck& o : r.orders) {
        out += fmt::sprintf("%-44s %-6s %-4s %s %s/%s: %s\n", o.row.idempotency_key.str(),
                            o.row.symbol.str(), o.row.side == Side::kBuy ? "buy" : "sell",
                            std::string(to_string(o.row.status)), o.row.filled_qty.to_string(),
                            o.row.qty.to_string(), o.detail.empty() ? "in sync" : o.detail);
    }
    if (!r.positions_error.empty()) return out;
    for (const PositionMismatch& m : r.positions) {
        out += fmt::sprintf("position %-6s %s\n", m.symbol.str(), describe(m, "trades"));
    }
    const int open = static_cast<int>(r.orders.size());
    out += fmt::sprintf(
        "%s: %d open orders (%d in sync, %d differ, %d unresolved), %zu position mismatch(es)\n",
        r.broker, open, open - r.differ - r.unresolved, r.differ, r.unresolved, r.positions.size());
    if (!r.in_sync()) {
        out +=
            "the execution agent applies the broker's truth at start, after each stream "
            "reconnect and every 30 s (it alone publishes recovered fills to the portfolio); a "
            "position mismatch that remains halts its trading\n";
    }
    return out;
}

std::string to_text(const IngestCsvResult& r) {
    return fmt::sprintf(
        "ingested %zu file(s): %lld rows, %lld stored, %lld already present, %lld conflicting "
        "(stored kept), %lld rejected -> %s\n",
        r.files, static_cast<long long>(r.rows), static_cast<long long>(r.stored),
        static_cast<long long>(r.duplicates), static_cast<long long>(r.conflicts),
        static_cast<long long>(r.rejected), r.store);
}

std::string to_text(const IngestVendorResult& r) {
    std::string out = fmt::sprintf(
        "%s: %zu symbols, %s..%s: %lld bars fetched, %lld stored, %lld already present, %lld "
        "conflicting (stored kept), %lld symbol-days resumed from backfill_checkpoints\n",
        r.vendor, r.symbols.size(), r.from.to_string(), r.to.to_string(),
        static_cast<long long>(r.fetched), static_cast<long long>(r.stored),
        static_cast<long long>(r.already_present()), static_cast<long long>(r.conflicts),
        static_cast<long long>(r.resumed_days));
    out += fmt::sprintf(
        "data quality: %lld gaps (%lld bars missing, not filled), %lld zero-volume bars, %lld out "
        "of order or repeated, %lld outside the regular session\n",
        static_cast<long long>(r.gaps), static_cast<long long>(r.missing_bars),
        static_cast<long long>(r.zero_volume), static_cast<long long>(r.out_of_order),
        static_cast<long long>(r.outside_session));
    for (const std::string& line : r.corporate_actions) out += "corporate action: " + line + "\n";
    if (r.raw_splits > 0) {
        out += fmt::sprintf(
            "warning: %lld split(s) with unadjusted bars on one side: the stored series jumps by "
            "the split ratio (features would read it as a return); re-ingest split-adjusted bars "
            "(polygon, yahoo) for that range\n",
            static_cast<long long>(r.raw_splits));
    }
    return out;
}

std::string to_text(const FeaturesResult& r) {
    return fmt::sprintf("computed %zu feature rows from %zu bars -> features_tft and %s\n", r.rows,
                        r.bars, r.out_path);
}

std::string to_text(const ReplayRunResult& r) {
    std::string out = replay_summary_text(r.result);
    if (r.in_sample) {
        out += fmt::sprintf(
            "  %-24s the bars from %s to %s are in the training range of %s: its forecasts "
            "there are in-sample and the PnL flatters it; replay after its training range, or "
            "train with --to before the replay's --from\n",
            "warning: in-sample", r.in_sample->from.iso(), r.in_sample->to.iso(), r.model_id);
    }
    return out;
}

std::string to_text(const DemoRunResult& d) {
    const DemoResult& r = d.run;
    std::string out = fmt::sprintf("  %-24s %s\n", "market", r.data_description);
    out += fmt::sprintf("  %-24s %d to train (from %s), %d to trade (%s .. %s)\n", "sessions",
                        r.train_sessions, r.train_from.to_string(), r.trade_sessions,
                        r.trade_from.to_string(), r.trade_to.to_string());
    if (r.csv_rejected > 0) {
        out += fmt::sprintf("  %-24s %lld (see the log for file:line and reason)\n",
                            "CSV rows rejected", static_cast<long long>(r.csv_rejected));
    }
    if (!r.skipped_symbols.empty()) {
        std::string skipped;
        for (const auto& [symbol, n] : r.skipped_symbols) {
            skipped += fmt::format("{}{} ({} bars)", skipped.empty() ? "" : ", ", symbol, n);
        }
        out += fmt::sprintf("  %-24s %s: not in data.symbols\n", "not traded", skipped);
    }
    out += fmt::sprintf("  %-24s %lld bars -> %s\n", "training",
                        static_cast<long long>(r.training_bars), r.model.record.model_id);
    std::string summary = r.model.summary;
    for (size_t at = summary.find('\n'); at != std::string::npos; at = summary.find('\n', at + 1)) {
        summary.insert(at + 1, 27, ' ');
    }
    out += fmt::sprintf("  %-24s %s\n", "", summary);
    out += fmt::sprintf("  %-24s %s promoted to green\n", "model", r.model.record.model_id);
    out += fmt::sprintf("  %-24s dry_run=%s, approval file %s\n", "safety gates",
                        d.dry_run ? "true" : "false", d.approval_file);
    if (d.sandbox) {
        out += fmt::sprintf(
            "  %-24s the demo sandbox: simulated market and broker, layer 2 open (dry_run false) "
            "and the approval file written, for the simulated broker only\n",
            "settings");
    } else if (d.dry_run) {
        out += fmt::sprintf(
            "  %-24s every order is blocked by execution.dry_run=true (safety layer 2): run "
            "`awet demo` without --config for the demo sandbox, or set execution.dry_run: false\n",
            "why no orders");
    }
    out += replay_summary_text(r.replay);
    out += fmt::sprintf("  %-24s %s\n", "store", d.store);
    return out;
}

std::string to_text(const JobsListResult& r) {
    if (r.runs.empty())
        return "no job runs yet (awet scheduler --simulate, or the scheduler agent)\n";
    std::string out =
        fmt::sprintf("%-20s %-15s %-9s %-10s %s\n", "SLOT", "JOB", "TRIGGER", "STATUS", "SUMMARY");
    for (const auto& j : r.runs) {
        out += fmt::sprintf("%-20s %-15s %-9s %-10s %s\n", j.slot.iso(), j.job, j.trigger, j.status,
                            j.summary);
    }
    return out;
}

std::string to_text(const MorningCheckResult& r) {
    std::string out =
        fmt::sprintf("%s for the session of %s%s\n", r.go ? "GO" : "NO-GO", r.session.to_string(),
                     r.revoked ? " (approval file revoked)" : "");
    for (const auto& c : r.checks) {
        out += fmt::sprintf("  %-4s %-18s %s\n", c.ok ? "ok" : "FAIL", c.name, c.detail);
    }
    return out;
}

std::string to_text(const NightTrainingResult& r) {
    std::string out = r.summary + "\n";
    out += fmt::sprintf("  held out %s .. %s%s\n", r.held_out_from.to_string(),
                        r.held_out_to.to_string(),
                        r.green_in_sample ? " (the green model was trained on them)" : "");
    for (size_t h = 0; h < kNumHorizons; ++h) {
        out +=
            fmt::sprintf("  %dm  candidate pinball x1e4 %.3f coverage %.0f%%", kHorizonsMinutes[h],
                         r.candidate_score.pinball[h] * 1e4, r.candidate_score.coverage[h] * 100);
        if (r.green_score) {
            out += fmt::sprintf("  green %.3f / %.0f%%", r.green_score->pinball[h] * 1e4,
                                r.green_score->coverage[h] * 100);
        }
        out += "\n";
    }
    return out;
}

std::string to_text(const WatchdogResult& r) {
    std::string out = fmt::sprintf("session %s: PnL %s (limit -%s)%s\n", r.session.to_string(),
                                   usd(r.session_pnl), usd(r.limit),
                                   r.tripped ? ": KILL SWITCH, approval file revoked" : "");
    for (const auto& c : r.findings) {
        out += fmt::sprintf("  %-4s %-12s %s\n", c.ok ? "ok" : "FAIL", c.name, c.detail);
    }
    return out;
}

std::string to_text(const SimulateResult& r) {
    std::map<std::string, std::map<std::string, int>> by_job;
    for (const auto& j : r.runs) ++by_job[j.job][j.status];
    std::string out = fmt::sprintf(
        "simulated %s .. %s: %zu slots run or skipped, %lld bars traded\n", r.from.to_string(),
        r.to.to_string(), r.runs.size(), static_cast<long long>(r.bars_traded));
    for (const auto& [job, statuses] : by_job) {
        std::string counts;
        for (const auto& [status, n] : statuses) {
            counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, status);
        }
        out += fmt::sprintf("  %-15s %s\n", job, counts);
    }
    std::vector<JobRunRecord> notable;
    for (const auto& j : r.runs) {
        if (j.job != "watchdog" || j.status != "ok" || j.summary != "all clear")
            notable.push_back(j);
    }
    if (r.runs.empty()) {
        return out + "nothing was due: every slot of these days is in job_runs already\n";
    }
    out += "\n" + to_text(JobsListResult{std::move(notable)});
    out += "(watchdog slots with nothing to report are left out here: awet jobs --job watchdog)\n";
    return out;
}

}  // namespace awet::ops
