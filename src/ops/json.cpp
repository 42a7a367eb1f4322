#include "awet/ops/json.hpp"

#include <set>

#include "json_fields.hpp"

namespace awet::ops {

namespace {

Json row(const PositionRow& p) {
    return {{"symbol", p.symbol.str()},
            {"qty", p.qty.to_string()},
            {"avg_entry_price", p.avg_entry_price.to_string()},
            {"cost_basis", money(p.cost_basis)},
            {"market_value", money(p.market_value)},
            {"unrealized_pl", money(p.unrealized_pl)},
            {"realized_pl", money(p.realized_pl)},
            {"opened_at", time_or_null(p.opened_at)},
            {"updated_at", time_or_null(p.updated_at)}};
}

Json row(const TradeRow& t) {
    return {{"id", t.id},
            {"ts", t.ts.iso()},
            {"symbol", t.symbol.str()},
            {"side", to_string(t.side)},
            {"intent", to_string(t.intent)},
            {"qty", t.qty.to_string()},
            {"filled_qty", t.filled_qty.to_string()},
            {"avg_fill_price", t.avg_fill_price.to_string()},
            {"status", to_string(t.status)},
            {"broker_order_id", t.alpaca_order_id},
            {"broker_status", t.alpaca_status},
            {"filled_at", time_or_null(t.filled_at)},
            {"correlation_id", t.correlation_id.str()},
            {"idempotency_key", t.idempotency_key.str()},
            {"paper_trade", t.paper_trade},
            {"dry_run", t.dry_run},
            {"exit_reason", to_string(t.exit_reason)},
            {"fees", money(t.fees)},
            {"block_reason", t.block_reason}};
}

Json row(const DailyPnlRow& d) {
    return {{"report_date", d.report_date.to_string()},
            {"realized_pnl_usd", money(d.realized_pnl_usd)},
            {"unrealized_pnl_usd", money(d.unrealized_pnl_usd)},
            {"total_pnl_usd", money(d.total_pnl_usd)},
            {"num_trades", d.num_trades},
            {"num_wins", d.num_wins},
            {"num_losses", d.num_losses},
            {"win_rate", d.win_rate},
            {"best_symbol", d.best_symbol},
            {"worst_symbol", d.worst_symbol},
            {"created_at", time_or_null(d.created_at)}};
}

/// A stored JSON text as JSON (the text itself when it does not parse).
Json embedded(const std::string& text) {
    if (text.empty()) return Json::object();
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_discarded() ? Json(text) : j;
}

Json row(const ModelRecord& m) {
    return {{"model_id", m.model_id},
            {"model_type", m.model_type},
            {"status", to_string(m.status)},
            {"path", m.path},
            {"metrics", embedded(m.metrics_json)},
            {"params", embedded(m.params_json)},
            {"created_at", time_or_null(m.created_at)},
            {"promoted_at", time_or_null(m.promoted_at)},
            {"trained_from", time_or_null(m.trained_from)},
            {"trained_to", time_or_null(m.trained_to)}};
}

Json row(const AuditRecord& a) {
    return {{"seq", a.seq},
            {"event_id", a.event_id.str()},
            {"correlation_id", a.correlation_id.str()},
            {"idempotency_key", a.idempotency_key},
            {"symbol", a.symbol},
            {"ts", a.ts.iso()},
            {"source", a.source},
            {"event_type", a.event_type},
            {"payload", embedded(a.payload)}};
}

template <class T>
Json rows(const std::vector<T>& items) {
    Json out = Json::array();
    for (const auto& item : items) out.push_back(row(item));
    return out;
}

Json horizons(const HorizonForecasts& q) {
    Json out = Json::array();
    for (size_t h = 0; h < kNumHorizons; ++h) {
        out.push_back({{"minutes", kHorizonsMinutes[h]},
                       {"q10", q[h].q10},
                       {"q50", q[h].q50},
                       {"q90", q[h].q90}});
    }
    return out;
}

Json split(const TftSplitMetrics& m) {
    return {{"windows", m.windows}, {"pinball", m.pinball}, {"coverage", m.coverage}};
}

Json tft_report(const TftTrainReport& r) {
    return {{"windows", {{"train", r.n_train}, {"validation", r.n_val}, {"test", r.n_test}}},
            {"train", {{"from", r.train_from.iso()}, {"to", r.train_to.iso()}}},
            {"validation_range", {{"from", r.val_from.iso()}, {"to", r.val_to.iso()}}},
            {"test_range", {{"from", r.test_from.iso()}, {"to", r.test_to.iso()}}},
            {"warnings", r.warnings},
            {"parameters", r.parameters},
            {"epochs_run", r.epochs_run},
            {"best_epoch", r.best_epoch},
            {"train_loss", r.train_loss},
            {"val_loss", r.val_loss},
            {"seconds_per_epoch", r.seconds_per_epoch},
            {"train_windows_per_second", r.train_windows_per_second},
            {"validation", split(r.validation)},
            {"test", split(r.test)}};
}

Json explanation(const TftExplanation& e) {
    Json positions = Json::array();
    for (const Timestamp& t : e.positions) positions.push_back(t.iso());
    Json encoder = Json::object(), decoder = Json::object();
    for (size_t i = 0; i < e.encoder_variables.size() && i < e.encoder_weights.size(); ++i)
        encoder[e.encoder_variables[i]] = e.encoder_weights[i];
    for (size_t i = 0; i < e.decoder_variables.size() && i < e.decoder_weights.size(); ++i)
        decoder[e.decoder_variables[i]] = e.decoder_weights[i];
    return {{"encoder_variables", encoder},
            {"decoder_variables", decoder},
            {"attention", e.attention},
            {"positions", positions}};
}

const char* verdict_name(OrderCheck::Verdict v) {
    switch (v) {
        case OrderCheck::Verdict::kInSync:
            return "in_sync";
        case OrderCheck::Verdict::kDiffers:
            return "differs";
        case OrderCheck::Verdict::kUnresolved:
            return "unresolved";
    }
    return "?";
}

}  // namespace

Json to_json(const PositionsResult& r) { return {{"positions", rows(r.positions)}}; }
Json to_json(const TradesResult& r) {
    Json trips = Json::array();
    for (const ClosedTrade& t : r.round_trips) {
        trips.push_back({{"symbol", t.symbol.str()},
                         {"side", t.side == PositionSide::kLong ? "long" : "short"},
                         {"qty", t.qty.to_string()},
                         {"avg_entry_price", t.avg_entry_price.to_string()},
                         {"exit_price", t.exit_price.to_string()},
                         {"opened_at", time_or_null(t.opened_at)},
                         {"closed_at", time_or_null(t.closed_at)},
                         {"holding_seconds", (t.closed_at - t.opened_at).ns() / 1'000'000'000},
                         {"gross_pnl", money(t.gross_pnl)},
                         {"fees", money(t.fees)},
                         {"net_pnl", money(t.net_pnl)}});
    }
    return {{"trades", rows(r.trades)},
            {"total", r.total},
            {"round_trips", trips},
            {"round_trips_total", r.round_trips_total},
            {"round_trips_net_pnl", money(r.round_trips_net)}};
}
Json to_json(const PnlResult& r) {
    Json out = {{"from", r.from.to_string()}, {"to", r.to.to_string()}, {"rows", rows(r.rows)}};
    out["latest"] = r.latest ? Json(r.latest->to_string()) : Json(nullptr);
    return out;
}
Json to_json(const EodResult& r) { return {{"row", row(r.row)}}; }
Json to_json(const TraceResult& r) {
    return {{"correlation_id", r.correlation_id.str()}, {"records", rows(r.records)}};
}
Json to_json(const ModelsListResult& r) { return {{"models", rows(r.models)}}; }
Json to_json(const PromoteResult& r) { return {{"model", row(r.model)}}; }
Json to_json(const DeprecateResult& r) { return {{"model", row(r.model)}}; }
Json to_json(const ExportOnnxResult& r) { return {{"path", r.path}, {"bytes", r.bytes}}; }
Json to_json(const TrainResult& r) {
    Json out = {{"model", row(r.model)},
                {"summary", r.summary},
                {"features_computed", r.features_computed}};
    out["tft"] = r.tft ? tft_report(*r.tft) : Json(nullptr);
    return out;
}
Json to_json(const EvaluateResult& r) { return embedded(r.report.json()); }
Json to_json(const PredictResult& r) {
    Json out = {{"model_id", r.model.model_id},
                {"model_type", r.model.model_type},
                {"symbol", r.symbol},
                {"bar_start", r.bar_start.iso()},
                {"horizons", horizons(r.q)},
                {"direction", to_string(r.call.direction)},
                {"confidence", r.call.confidence},
                {"signal", to_string(r.call.signal)},
                {"min_confidence", r.min_confidence}};
    out["realised"] = r.realised ? Json(*r.realised) : Json(nullptr);
    out["explanation"] = r.explanation ? explanation(*r.explanation) : Json(nullptr);
    return out;
}
Json to_json(const HealthResult& r) {
    Json agents = Json::array();
    for (const auto& a : r.agents) {
        agents.push_back({{"agent", a.target.agent},
                          {"host", a.target.host},
                          {"port", a.target.port},
                          {"status", a.status},
                          {"uptime_seconds", a.uptime_seconds},
                          {"version", a.version},
                          {"detail", a.detail}});
    }
    return {{"agents", agents}, {"not_ok", r.not_ok}};
}
Json to_json(const ApproveResult& r) { return {{"path", r.path}, {"dry_run", r.dry_run}}; }
Json to_json(const RevokeResult& r) { return {{"path", r.path}}; }
Json to_json(const ReconcileResult& r) {
    Json orders = Json::array();
    for (const auto& o : r.orders) {
        orders.push_back(
            {{"trade", row(o.row)}, {"verdict", verdict_name(o.verdict)}, {"detail", o.detail}});
    }
    Json positions = Json::array();
    for (const auto& m : r.positions) {
        positions.push_back(
            {{"symbol", m.symbol.str()},
             {"stored", m.stored.to_string()},
             {"broker", m.broker_reported ? Json(m.broker.to_string()) : Json(nullptr)},
             {"detail", describe(m, "trades")}});
    }
    Json out = {{"broker", r.broker}, {"orders", orders},           {"positions", positions},
                {"differ", r.differ}, {"unresolved", r.unresolved}, {"in_sync", r.in_sync()}};
    out["positions_error"] = r.positions_error.empty() ? Json(nullptr) : Json(r.positions_error);
    return out;
}

Json to_json(const IngestCsvResult& r) {
    return {{"files", r.files},
            {"rows", r.rows},
            {"stored", r.stored},
            {"already_present", r.duplicates},
            {"conflicting", r.conflicts},
            {"rejected", r.rejected},
            {"findings", r.findings},
            {"conflicts_not_listed", r.conflicts_not_listed},
            {"store", r.store}};
}
Json to_json(const IngestVendorResult& r) {
    return {{"vendor", r.vendor},
            {"symbols", r.symbols},
            {"from", r.from.to_string()},
            {"to", r.to.to_string()},
            {"fetched", r.fetched},
            {"stored", r.stored},
            {"already_present", r.already_present()},
            {"conflicting", r.conflicts},
            {"resumed_days", r.resumed_days},
            {"quality",
             {{"gaps", r.gaps},
              {"missing_bars", r.missing_bars},
              {"zero_volume", r.zero_volume},
              {"out_of_order_or_repeated", r.out_of_order},
              {"outside_session", r.outside_session}}},
            {"findings", r.findings},
            {"corporate_actions", r.corporate_actions},
            {"raw_splits", r.raw_splits}};
}
Json to_json(const FeaturesResult& r) {
    return {{"rows", r.rows}, {"bars", r.bars}, {"out_path", r.out_path}};
}
namespace {

Json replay_json(const ReplayResult& x) {
    const PipelineCounters& c = x.counters;
    return {
        {"counters",
         {{"bars", c.bars},
          {"predictions", c.predictions},
          {"signals", c.signals},
          {"approved", c.approved},
          {"rejected", c.rejected},
          {"rejections_by_reason", c.rejections_by_reason},
          {"orders_submitted", c.orders_submitted},
          {"orders_blocked", c.orders_blocked},
          {"orders_rejected", c.orders_rejected},
          {"fills", c.fills},
          {"exits", c.exits},
          {"exits_by_reason", c.exits_by_reason},
          {"dead_letters", c.dead_letters}}},
        {"duplicate_orders", x.duplicate_orders},
        {"signals_ignored",
         {{"sells_long_only", x.ignored_signals.sells_long_only},
          {"low_confidence", x.ignored_signals.low_confidence}}},
        {"realized_pnl", money(x.realized)},
        {"unrealized_pnl", money(x.unrealized)},
        {"round_trips", x.round_trips},
        {"wins", x.wins},
        {"losses", x.losses},
        {"broker_pnl", money(x.broker_pnl)},
        {"broker_equity", money(x.broker_account.equity)},
        {"reconciled", x.reconcile ? Json(x.reconcile->ok) : Json(nullptr)},
        {"daily", rows(x.daily)},
        {"example_correlation_id",
         c.example_correlation_id.is_nil() ? Json(nullptr) : Json(c.example_correlation_id.str())}};
}

}  // namespace

Json to_json(const ReplayRunResult& r) {
    Json removed = nullptr;
    if (r.removed) {
        removed = Json::object();
        for (const auto& [table, n] : *r.removed) removed[table] = n;
    }
    Json out = {{"sessions", r.sessions},
                {"bars", r.bars},
                {"model_id", r.model_id},
                {"dry_run", r.dry_run},
                {"skipped_symbols", r.skipped_symbols},
                {"in_sample", r.in_sample ? Json{{"from", r.in_sample->from.iso()},
                                                 {"to", r.in_sample->to.iso()}}
                                          : Json(nullptr)},
                {"removed", removed}};
    out.update(replay_json(r.result));
    return out;
}
Json to_json(const DemoRunResult& r) {
    const DemoResult& d = r.run;
    Json out = {{"market", d.data_description},
                {"seed", r.seed},
                {"train_sessions", d.train_sessions},
                {"train_from", d.train_from.to_string()},
                {"trade_sessions", d.trade_sessions},
                {"trade_from", d.trade_from.to_string()},
                {"trade_to", d.trade_to.to_string()},
                {"csv_rejected", d.csv_rejected},
                {"skipped_symbols", d.skipped_symbols},
                {"training_bars", d.training_bars},
                {"model_id", d.model.record.model_id},
                {"sandbox", r.sandbox},
                {"dry_run", r.dry_run},
                {"approval_file", r.approval_file},
                {"store", r.store}};
    out.update(replay_json(d.replay));
    return out;
}

template <>
Result<IngestCsvRequest> request_from_json(const Json& j) {
    Fields f(j);
    IngestCsvRequest r;
    f.get("paths", r.paths);
    if (r.paths.empty()) f.fail("paths", "at least one CSV file or directory");
    return f.done(r);
}
template <>
Result<IngestVendorRequest> request_from_json(const Json& j) {
    Fields f(j);
    IngestVendorRequest r;
    f.get("vendor", r.vendor);
    if (r.vendor.empty()) f.fail("vendor", "required (polygon, yahoo or alpaca)");
    f.get("symbols", r.symbols);
    if (r.symbols.empty()) f.fail("symbols", "at least one symbol");
    std::optional<Date> from, to;
    f.date("from", from);
    f.date("to", to);
    if (!from) f.fail("from", "required (YYYY-MM-DD)");
    if (!to) f.fail("to", "required (YYYY-MM-DD)");
    r.from = from.value_or(Date{});
    r.to = to.value_or(Date{});
    f.get("interval", r.interval);
    f.get("base_url", r.base_url);
    return f.done(r);
}
template <>
Result<DemoRequest> request_from_json(const Json& j) {
    Fields f(j);
    DemoRequest r;
    f.get("seed", r.seed);
    f.get("days", r.days);
    if (r.days < 1) f.fail("days", "at least 1");
    f.get("train_days", r.train_days);
    if (r.train_days < 1) f.fail("train_days", "at least 1");
    f.get("data_dir", r.data_dir);
    return f.done(r);
}
template <>
Result<FeaturesRequest> request_from_json(const Json& j) {
    Fields f(j);
    FeaturesRequest r;
    f.get("out_path", r.out_path);
    if (r.out_path.empty()) f.fail("out_path", "required");
    return f.done(r);
}
template <>
Result<ReplayRequest> request_from_json(const Json& j) {
    Fields f(j);
    ReplayRequest r;
    f.date("from", r.from);
    f.date("to", r.to);
    f.get("days", r.days);
    if (r.days < 0) f.fail("days", "0 (all) or more");
    f.get("seed", r.seed);
    f.get("fresh", r.fresh);
    return f.done(r);
}

template <>
Result<PositionsRequest> request_from_json(const Json& j) {
    return Fields(j).done(PositionsRequest{});
}
template <>
Result<TradesRequest> request_from_json(const Json& j) {
    Fields f(j);
    TradesRequest r;
    f.get("symbol", r.symbol);
    int64_t limit = static_cast<int64_t>(r.limit);
    f.get("limit", limit);
    if (limit < 1) f.fail("limit", "at least 1");
    r.limit = static_cast<size_t>(limit);
    f.get("fills", r.fills);
    return f.done(r);
}
template <>
Result<PnlRequest> request_from_json(const Json& j) {
    Fields f(j);
    PnlRequest r;
    std::string period = "day";
    f.get("period", period);
    if (period == "week") {
        r.period = PnlPeriod::kWeek;
    } else if (period != "day") {
        f.fail("period", "day or week, not '" + period + "'");
    }
    f.date("date", r.date);
    return f.done(r);
}
template <>
Result<EodRequest> request_from_json(const Json& j) {
    Fields f(j);
    EodRequest r;
    f.date("date", r.date);
    return f.done(r);
}
template <>
Result<TraceRequest> request_from_json(const Json& j) {
    Fields f(j);
    std::string id;
    f.get("correlation_id", id);
    TraceRequest r;
    if (auto parsed = Uuid::parse(id)) {
        r.correlation_id = *parsed;
    } else {
        f.fail("correlation_id", "expected a UUID, got '" + id + "'");
    }
    return f.done(r);
}
template <>
Result<ModelsListRequest> request_from_json(const Json& j) {
    return Fields(j).done(ModelsListRequest{});
}
template <>
Result<PromoteRequest> request_from_json(const Json& j) {
    Fields f(j);
    PromoteRequest r;
    f.get("model_id", r.model_id);
    if (r.model_id.empty()) f.fail("model_id", "required");
    return f.done(r);
}
template <>
Result<DeprecateRequest> request_from_json(const Json& j) {
    Fields f(j);
    DeprecateRequest r;
    f.get("model_id", r.model_id);
    if (r.model_id.empty()) f.fail("model_id", "required");
    return f.done(r);
}
template <>
Result<ExportOnnxRequest> request_from_json(const Json& j) {
    Fields f(j);
    ExportOnnxRequest r;
    f.get("model_id", r.model_id);
    f.get("out_path", r.out_path);
    if (r.model_id.empty()) f.fail("model_id", "required");
    return f.done(r);
}
template <>
Result<TrainRequest> request_from_json(const Json& j) {
    Fields f(j);
    TrainRequest r;
    f.get("model", r.model);
    f.date("from", r.from);
    f.date("to", r.to);
    f.get("epochs", r.tft.hp.max_epochs);
    f.get("patience", r.tft.hp.patience);
    f.get("hidden", r.tft.hp.hidden);
    f.get("lookback", r.tft.hp.lookback);
    f.get("seed", r.tft.hp.seed);
    f.get("validation_sessions", r.tft.validation_sessions);
    f.get("test_sessions", r.tft.test_sessions);
    f.get("threads", r.tft.threads);
    return f.done(r);
}
template <>
Result<EvaluateRequest> request_from_json(const Json& j) {
    Fields f(j);
    EvaluateRequest r;
    f.get("data_dir", r.options.data_dir);
    f.get("symbols", r.options.symbols);
    f.get("train_sessions", r.options.train_sessions);
    f.get("test_sessions", r.options.test_sessions);
    f.get("epochs", r.options.hp.max_epochs);
    f.get("threads", r.options.threads);
    if (r.options.data_dir.empty()) f.fail("data_dir", "required");
    return f.done(r);
}
template <>
Result<PredictRequest> request_from_json(const Json& j) {
    Fields f(j);
    PredictRequest r;
    f.get("symbol", r.symbol);
    f.time("at", r.at);
    f.get("model_id", r.model_id);
    f.get("explain", r.explain);
    if (r.symbol.empty()) f.fail("symbol", "required");
    return f.done(r);
}
template <>
Result<HealthRequest> request_from_json(const Json& j) {
    Fields f(j);
    HealthRequest r;
    f.get("host", r.host);
    f.get("agents", r.agents);
    f.get("timeout_ms", r.timeout_ms);
    return f.done(r);
}
template <>
Result<ApproveRequest> request_from_json(const Json& j) {
    Fields f(j);
    ApproveRequest r;
    f.get("approved_by", r.approved_by);
    return f.done(r);
}
template <>
Result<RevokeRequest> request_from_json(const Json& j) {
    return Fields(j).done(RevokeRequest{});
}
template <>
Result<ReconcileRequest> request_from_json(const Json& j) {
    Fields f(j);
    ReconcileRequest r;
    f.get("venue_url", r.venue_url);
    return f.done(r);
}

}  // namespace awet::ops
