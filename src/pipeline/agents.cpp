#include "awet/pipeline/agents.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "awet/calendar/calendar.hpp"
#include "awet/core/crash_point.hpp"
#include "awet/core/log.hpp"
#include "awet/ml/prediction.hpp"
#include "awet/model/bracket.hpp"

namespace awet {

// ---------------------------------------------------------------- ingestion
EventHeader bar_header(HeaderFactory& headers, const MarketBar& bar, Timestamp ts_init) {
    return headers.root(bar.header.symbol, make_key("bar", bar.header.symbol, bar.bar_start),
                        bar.bar_start + bar.interval, ts_init);
}

Status IngestionAgent::ingest(const MarketBar& bar) {
    MarketBar stamped = bar;
    stamped.header = bar_header(headers_, bar, clock_.now());
    return bus_.publish(Topic::kMarketRaw, stamped);
}

// ---------------------------------------------------------------- features
void FeatureAgent::attach() {
    bus_.subscribe(Topic::kMarketRaw, "features", [this](const Delivery& d) -> Status {
        const auto& bar = std::get<MarketBar>(d.event);
        return bus_.publish(Topic::kMarketEngineered, engine_.update(bar, headers_, clock_.now()));
    });
}

// ---------------------------------------------------------------- prediction
PredictionAgent::PredictionAgent(EventBus& bus, const Clock& clock, uint64_t seed,
                                 const Config& config, ModelRegistry* store, ModelLoader loader)
    : bus_(bus),
      clock_(clock),
      headers_(Source::kPrediction, seed),
      min_confidence_(config.risk.min_confidence),
      reload_every_(config.prediction.reload_check_bars),
      store_(store),
      loader_(std::move(loader)) {}

void PredictionAgent::attach() {
    bus_.subscribe(Topic::kMarketEngineered, "prediction", [this](const Delivery& d) -> Status {
        return handle(std::get<FeatureVector>(d.event));
    });
}

void PredictionAgent::set_forecaster(std::unique_ptr<Forecaster> forecaster) {
    // What the previous forecaster buffered is its to forecast.
    if (auto st = flush(); !st.ok()) {
        logger("prediction")->error("flushing before a model swap: {}", st.error().to_string());
    }
    forecaster_ = std::move(forecaster);
    active_model_id_ = forecaster_ ? std::string(forecaster_->model_id()) : std::string();
    // A forecaster whose id the event cannot carry whole serves with no model id, said once.
    auto key = ModelId::make(active_model_id_, "model id");
    if (!key.ok()) logger("prediction")->error("{}", key.error().message);
    active_model_key_ = key.ok() ? *key : ModelId{};
}

std::string PredictionAgent::active_model() const { return active_model_id_; }

Status PredictionAgent::on_start(const AgentStart&) {
    reload_if_changed();
    return Status::Ok();
}

bool PredictionAgent::reload_if_changed() {
    if (store_ == nullptr || !loader_) return false;
    auto green = store_->green_model();
    if (!green.ok()) {
        logger("prediction")->error("models_registry lookup failed: {}", green.error().to_string());
        return false;
    }
    if (!green->has_value()) return false;
    const ModelRecord& record = **green;
    if (record.model_id == active_model_id_ || record.model_id == failed_model_id_) return false;
    // Every prediction names its model: an id the event cannot carry whole is refused, not cut.
    auto key = ModelId::make(record.model_id, "model id");
    auto loaded = key.ok() ? loader_(record) : Result<std::unique_ptr<Forecaster>>(key.error());
    if (!loaded.ok()) {
        ++load_failures_;
        failed_model_id_ = record.model_id;
        logger("prediction")
            ->error("green model {} failed to load, keeping {}: {}", record.model_id,
                    active_model_id_.empty() ? "none" : active_model_id_,
                    loaded.error().to_string());
        return false;
    }
    logger("prediction")
        ->info("serving green model {} (was {})", record.model_id,
               active_model_id_.empty() ? "none" : active_model_id_);
    if (auto st = flush(); !st.ok()) {
        logger("prediction")->error("flushing before a model swap: {}", st.error().to_string());
    }
    forecaster_ = std::move(*loaded);
    active_model_id_ = record.model_id;
    active_model_key_ = *key;
    return true;
}

Status PredictionAgent::handle(const FeatureVector& fv) {
    if (since_check_++ % static_cast<uint64_t>(reload_every_) == 0) reload_if_changed();
    if (!forecaster_) {
        if (!warned_no_model_) {
            logger("prediction")
                ->warn("no green model in models_registry: no predictions until one is promoted");
            warned_no_model_ = true;
        }
        return Status::Ok();
    }
    if (forecaster_->batches_by_timestamp()) return handle_batched(fv);
    auto q = forecaster_->forecast(fv);
    if (!q) return Status::Ok();  // warm-up
    return publish(fv, *q);
}

Status PredictionAgent::publish(const FeatureVector& fv, const HorizonForecasts& q) {
    return bus_.publish(
        Topic::kPredictionsTft,
        make_prediction(fv, q, active_model_key_, min_confidence_, headers_, clock_.now()));
}

Status PredictionAgent::handle_batched(const FeatureVector& fv) {
    if (!has_group_ || fv.bar_start != group_start_) {
        AWET_TRY(flush());
        if (has_group_) expected_group_ = group_symbols_.size();
        has_group_ = true;
        group_start_ = fv.bar_start;
        group_symbols_.clear();
    }
    // One symbol twice in a bar start (a correction): the first one is forecast first.
    for (const auto& p : pending_) {
        if (p.header.symbol == fv.header.symbol) {
            AWET_TRY(flush());
            break;
        }
    }
    pending_.push_back(fv);
    if (std::find(group_symbols_.begin(), group_symbols_.end(), fv.header.symbol) ==
        group_symbols_.end()) {
        group_symbols_.push_back(fv.header.symbol);
    }
    if (expected_group_ > 0 && group_symbols_.size() >= expected_group_) return flush();
    return Status::Ok();
}

Status PredictionAgent::flush() {
    if (pending_.empty()) return Status::Ok();
    if (!forecaster_) {
        pending_.clear();
        return Status::Ok();
    }
    pending_out_.assign(pending_.size(), std::nullopt);
    forecaster_->forecast_batch(pending_, pending_out_);
    Status status = Status::Ok();
    for (size_t i = 0; i < pending_.size(); ++i) {
        if (!pending_out_[i]) continue;  // warm-up
        Status st = publish(pending_[i], *pending_out_[i]);
        if (!st.ok() && status.ok()) status = st;
    }
    pending_.clear();
    return status;
}

InferenceStats PredictionAgent::inference_stats() const {
    return forecaster_ ? forecaster_->inference_stats() : InferenceStats{};
}

// ---------------------------------------------------------------- risk
size_t RiskAgent::restore(std::span<const TradeRow> trades, TradeLedger* ledger,
                          DecisionLog* decisions) {
    entries_from_ = ledger;
    return restore_risk_book(engine_, trades, decisions);
}

Status RiskAgent::on_start(const AgentStart& start) {
    restore(start.trades, start.ledger, start.decisions);
    return Status::Ok();
}

void RiskAgent::attach() {
    bus_.subscribe(Topic::kMarketRaw, "risk", [this](const Delivery& d) -> Status {
        const auto& bar = std::get<MarketBar>(d.event);
        if (TradeLedger* store = std::exchange(entries_from_, nullptr)) {
            AWET_TRY(restore_risk_entries(engine_, *store, bar));
        }
        engine_.on_bar(bar);
        return Status::Ok();
    });
    bus_.subscribe(Topic::kPredictionsTft, "risk", [this](const Delivery& d) -> Status {
        auto decision = engine_.evaluate(std::get<Prediction>(d.event), clock_.now());
        if (!decision) return Status::Ok();
        return bus_.publish(decision->approved ? Topic::kRiskApproved : Topic::kRiskRejected,
                            *decision);
    });
    auto on_exec = [this](const Delivery& d) -> Status {
        engine_.on_execution(std::get<ExecutionReport>(d.event));
        return Status::Ok();
    };
    bus_.subscribe(Topic::kExecutionCompleted, "risk", on_exec);
    bus_.subscribe(Topic::kExecutionBlocked, "risk", on_exec);
}

Status restore_risk_entries(RiskEngine& engine, TradeLedger& store, const MarketBar& first_bar) {
    const Date day = SessionCalendar::to_local(first_bar.bar_start).date;
    TradeQuery query;
    query.from = SessionCalendar::from_local(day, 0);
    query.to = first_bar.bar_start + first_bar.interval;  // decided before this bar closes
    auto trades = store.load_trades(query);
    if (!trades.ok()) return trades.error();
    size_t restored = 0;
    for (const TradeRow& t : *trades) {
        if (t.intent != OrderIntent::kEntry) continue;
        engine.restore_entry(t.symbol, t.ts, t.idempotency_key);
        ++restored;
    }
    if (restored > 0) {
        logger("risk")->info("restored {} entries of {} from trades into the risk limits", restored,
                             day.to_string());
    }
    return Status::Ok();
}

size_t restore_risk_book(RiskEngine& engine, std::span<const TradeRow> trades, DecisionLog* store) {
    struct Held {
        Quantity qty;
        Price last_price;
        Timestamp last_fill;
    };
    std::map<Symbol, Held> held;
    for (const TradeRow& t : trades) {
        if (t.filled_qty.is_zero()) continue;
        Held& h = held[t.symbol];
        h.qty += t.side == Side::kBuy ? t.filled_qty : -t.filled_qty;
        if (!h.last_fill.is_set() || t.filled_at >= h.last_fill) {
            h.last_fill = t.filled_at;
            h.last_price = t.avg_fill_price;
        }
    }
    size_t open = 0;
    for (const auto& [symbol, h] : held) {
        if (h.qty.is_zero()) continue;
        engine.set_position(symbol, h.qty, h.last_price);
        ++open;
    }
    // The reference prices of the open entries' decisions: what their rest was reserved at.
    std::unordered_map<IdempotencyKey, Price> decided_at;
    if (store != nullptr) {
        Timestamp first = Timestamp::from_ns(INT64_MAX), last = Timestamp::from_ns(INT64_MIN);
        for (const TradeRow& t : trades) {
            if (t.intent != OrderIntent::kEntry) continue;
            if (t.status != OrderStatus::kPending && t.status != OrderStatus::kPartiallyFilled)
                continue;
            first = std::min(first, t.ts);
            last = std::max(last, t.ts);
        }
        if (first <= last) {
            auto decisions = store->load_risk_decisions(first - Duration::minutes(1),
                                                        last + Duration::minutes(1));
            if (decisions.ok()) {
                for (const RiskDecision& d : *decisions) {
                    decided_at.insert_or_assign(d.header.idempotency_key, d.ref_price);
                }
            } else {
                logger("risk")->warn(
                    "risk_decisions unreadable, open entries reserved at the "
                    "next bar: {}",
                    decisions.error().to_string());
            }
        }
    }
    for (const TradeRow& t : trades) {
        if (t.status != OrderStatus::kPending && t.status != OrderStatus::kPartiallyFilled) {
            engine.restore_finished_order(t.idempotency_key);
            continue;
        }
        // The unfilled rest of an open entry is reserved again: at its decision's reference
        // price, else its own average fill price, else (0) at the symbol's next bar close.
        Price ref = t.avg_fill_price;
        if (auto it = decided_at.find(t.idempotency_key); it != decided_at.end()) ref = it->second;
        engine.restore_open_order(t.idempotency_key, t.symbol, t.side, t.qty, t.filled_qty, ref,
                                  t.intent == OrderIntent::kEntry);
    }
    if (open > 0) logger("risk")->info("restored {} open positions from trades", open);
    return open;
}

Result<size_t> restore_exit_lots(ExitManager& manager, TradeLedger& store) {
    auto rows = store.load_trades(TradeQuery{});
    if (!rows.ok()) return rows.error();
    return restore_exit_lots(manager, *rows);
}

size_t restore_exit_lots(ExitManager& manager, std::span<const TradeRow> rows) {
    std::unordered_map<IdempotencyKey, const TradeRow*> by_key;
    for (const TradeRow& t : rows) by_key.emplace(t.idempotency_key, &t);
    constexpr int kMaxAttempts = 64;  // beyond any retry count the exit manager reaches
    for (const TradeRow& t : rows) {
        if (t.intent != OrderIntent::kEntry || t.filled_qty.is_zero()) continue;
        ExecutionReport entry;
        entry.header.idempotency_key = t.idempotency_key;
        entry.header.correlation_id = t.correlation_id;
        entry.header.symbol = t.symbol;
        entry.header.ts = t.filled_at.is_set() ? t.filled_at : t.ts;
        entry.intent = OrderIntent::kEntry;
        entry.side = t.side;
        entry.status = t.status;
        entry.qty = t.qty;
        entry.filled_qty = t.filled_qty;
        entry.avg_fill_price = t.avg_fill_price;
        entry.filled_at = t.filled_at;
        manager.on_execution(entry);
        for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
            auto it = by_key.find(ExitManager::exit_key(t.idempotency_key, attempt));
            if (it == by_key.end()) break;  // attempts are numbered without gaps
            const TradeRow& x = *it->second;
            manager.restore_exit_attempt(t.idempotency_key, attempt, x.exit_reason, x.status,
                                         x.filled_qty);
        }
        for (BracketLeg leg : {BracketLeg::kTakeProfit, BracketLeg::kStopLoss}) {
            const auto leg_key = bracket_leg_key(t.idempotency_key, leg);
            auto it = leg_key ? by_key.find(*leg_key) : by_key.end();
            if (it == by_key.end()) continue;
            manager.restore_leg(*leg_key, it->second->status, it->second->filled_qty);
        }
    }
    if (manager.open_lots() > 0) {
        logger("exits")->info("restored {} open lots from trades", manager.open_lots());
    }
    return manager.open_lots();
}

// ---------------------------------------------------------------- execution
ExecutionAgent::ExecutionAgent(EventBus& bus, const Clock& clock, const ExecutionConfig& config,
                               Broker& broker, TradeLedger* store, uint64_t seed,
                               const ExitConfig* exits)
    : bus_(bus),
      clock_(clock),
      engine_(config, broker, store, seed, exits) {}  // the engine listens to the broker

void ExecutionAgent::attach() {
    bus_.subscribe(Topic::kRiskApproved, "execution", [this](const Delivery& d) -> Status {
        out_.clear();
        engine_.on_decision(std::get<RiskDecision>(d.event), clock_.now(), out_);
        return publish(out_);
    });
}

Result<OrderSyncReport> ExecutionAgent::reconcile(Timestamp since, Timestamp now) {
    auto report = engine_.reconcile_with_broker(since, now);
    if (!report.ok()) return report.error();
    AWET_TRY(publish_broker_events());
    return report;
}

Status ExecutionAgent::publish_broker_events() {
    out_.clear();
    engine_.drain(out_);
    return publish(out_);
}

namespace {

/// The structured log line of an execution report (seed §10.4), joined to the audit trail by its
/// correlation id.
void log_report(const ExecutionReport& r) {
    static const auto log = logger("execution");
    const bool fill = !r.fill_qty.is_zero();
    const auto level = r.status == OrderStatus::kBlocked || r.status == OrderStatus::kRejected
                           ? spdlog::level::warn
                           : (fill ? spdlog::level::info : spdlog::level::debug);
    const char* event = fill                                 ? "trade_executed"
                        : r.status == OrderStatus::kBlocked  ? "order_blocked"
                        : r.status == OrderStatus::kRejected ? "order_rejected"
                                                             : "order_submitted";
    log_event(*log, level, event,
              {{"correlation_id", r.header.correlation_id.str()},
               {"client_order_id", r.header.idempotency_key.str()},
               {"symbol", r.header.symbol.str()},
               {"side", std::string(to_string(r.side))},
               {"intent", std::string(to_string(r.intent))},
               {"exit_reason", std::string(to_string(r.exit_reason))},
               {"status", std::string(to_string(r.status))},
               {"qty", (fill ? r.fill_qty : r.qty).to_string(), false},
               {"price", r.fill_price.to_string(), false},
               {"reason", r.block_reason.str()},
               {"timestamp", r.header.ts.iso()},
               {"agent", "ExecutionAgent"}});
}

}  // namespace

Status ExecutionAgent::publish(const std::vector<ExecutionReport>& reports) {
    for (const auto& r : reports) {
        log_report(r);
        AWET_TRY(bus_.publish(r.status == OrderStatus::kBlocked ? Topic::kExecutionBlocked
                                                                : Topic::kExecutionCompleted,
                              r));
    }
    return Status::Ok();
}

// ---------------------------------------------------------------- exits
Status ExitAgent::on_start(const AgentStart& start) {
    restore_exit_lots(manager_, start.trades);
    return Status::Ok();
}

void ExitAgent::attach() {
    bus_.subscribe(Topic::kMarketRaw, "exits", [this](const Delivery& d) -> Status {
        out_.clear();
        manager_.on_bar(std::get<MarketBar>(d.event), clock_.now(), out_);
        for (const auto& decision : out_) {
            AWET_TRY(bus_.publish(Topic::kRiskApproved, decision));
            crash_point("exit");
        }
        return Status::Ok();
    });
    auto on_exec = [this](const Delivery& d) -> Status {
        manager_.on_execution(std::get<ExecutionReport>(d.event));
        return Status::Ok();
    };
    bus_.subscribe(Topic::kExecutionCompleted, "exits", on_exec);
    bus_.subscribe(Topic::kExecutionBlocked, "exits", on_exec);
}

// ---------------------------------------------------------------- portfolio
Status PortfolioAgent::on_start(const AgentStart& start) {
    restore(book_from_trades(start.trades));
    return Status::Ok();
}

void PortfolioAgent::restore(StoredBook stored) {
    restored_fills_ = stored.fills;
    portfolio_ = std::move(stored.book);
    filled_by_order_ = std::move(stored.filled_by_order);
}

void PortfolioAgent::attach() {
    bus_.subscribe(Topic::kMarketRaw, "portfolio", [this](const Delivery& d) -> Status {
        const auto& bar = std::get<MarketBar>(d.event);
        portfolio_.mark(bar.header.symbol, bar.close, bar.header.ts);
        return Status::Ok();
    });
    bus_.subscribe(Topic::kExecutionCompleted, "portfolio", [this](const Delivery& d) -> Status {
        const auto& r = std::get<ExecutionReport>(d.event);
        if (r.fill_qty.is_zero()) return Status::Ok();
        // A fill report carries its order's cumulative filled quantity: one that does not move it
        // is a copy (republished by a restarted execution agent, or redelivered) — applied once.
        Quantity& applied = filled_by_order_[r.header.idempotency_key];
        if (r.filled_qty <= applied) return Status::Ok();
        applied = r.filled_qty;
        portfolio_.apply_fill(r.header.symbol, r.side, r.fill_qty, r.fill_price, r.fees,
                              r.filled_at);
        if (store_ != nullptr) return store_->upsert_position(portfolio_.position(r.header.symbol));
        return Status::Ok();
    });
}

// ---------------------------------------------------------------- watchtower
const PipelineCounters& WatchtowerAgent::counters() const {
    for (uint32_t bit = 0; bit < kNumRiskReasons; ++bit) {
        if (rejections_by_bit_[bit] == 0) continue;
        counters_.rejections_by_reason[std::string(to_string(static_cast<RiskReason>(1U << bit)))] =
            rejections_by_bit_[bit];
    }
    return counters_;
}

void WatchtowerAgent::attach() {
    bus_.subscribe(Topic::kMarketRaw, "watchtower", [this](const Delivery&) {
        ++counters_.bars;
        return Status::Ok();
    });
    bus_.subscribe(Topic::kMarketEngineered, "watchtower", [this](const Delivery&) {
        ++counters_.features;
        return Status::Ok();
    });
    bus_.subscribe(Topic::kPredictionsTft, "watchtower", [this](const Delivery& d) {
        ++counters_.predictions;
        if (std::get<Prediction>(d.event).signal != Signal::kHold) ++counters_.signals;
        return Status::Ok();
    });
    bus_.subscribe(Topic::kRiskApproved, "watchtower", [this](const Delivery& d) {
        const auto& decision = std::get<RiskDecision>(d.event);
        if (decision.intent == OrderIntent::kEntry) ++counters_.approved;
        return Status::Ok();
    });
    bus_.subscribe(Topic::kRiskRejected, "watchtower", [this](const Delivery& d) {
        const auto& decision = std::get<RiskDecision>(d.event);
        ++counters_.rejected;
        for (uint32_t bit = 0; bit < kNumRiskReasons; ++bit) {
            if (decision.reasons & (1U << bit)) ++rejections_by_bit_[bit];
        }
        return Status::Ok();
    });
    bus_.subscribe(Topic::kExecutionCompleted, "watchtower", [this](const Delivery& d) {
        const auto& r = std::get<ExecutionReport>(d.event);
        if (r.status == OrderStatus::kPending && r.fill_qty.is_zero()) ++counters_.orders_submitted;
        if (r.status == OrderStatus::kRejected) ++counters_.orders_rejected;
        if (!r.fill_qty.is_zero()) {
            ++counters_.fills;
            if (r.intent == OrderIntent::kExit && r.status == OrderStatus::kFilled) {
                ++counters_.exits;
                ++counters_.exits_by_reason[std::string(to_string(r.exit_reason))];
                if (!counters_.example_has_exit) {
                    counters_.example_correlation_id = r.header.correlation_id;
                    counters_.example_has_exit = true;
                }
            } else if (counters_.example_correlation_id.is_nil()) {
                counters_.example_correlation_id = r.header.correlation_id;
            }
        }
        return Status::Ok();
    });
    bus_.subscribe(Topic::kExecutionBlocked, "watchtower", [this](const Delivery&) {
        ++counters_.orders_blocked;
        return Status::Ok();
    });
    bus_.subscribe(Topic::kDeadLetter, "watchtower", [this](const Delivery&) {
        ++counters_.dead_letters;
        return Status::Ok();
    });
}

}  // namespace awet
