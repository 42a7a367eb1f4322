#include "awet/pipeline/pipeline.hpp"

#include <algorithm>
#include <utility>

#include "awet/calendar/calendar.hpp"
#include "awet/core/crash_point.hpp"
#include "awet/core/log.hpp"
#include "awet/report/daily_pnl.hpp"

namespace awet {

Pipeline::Pipeline(const Config& config, Store* store, Broker& broker, ModelLoader loader,
                   PipelineOptions options)
    : config_(config),
      store_(store),
      broker_(broker),
      options_(options),
      ingestion_(bus_, clock_, config.seed),
      features_(bus_, clock_, config.seed),
      prediction_(bus_, clock_, config.seed, config, store, std::move(loader)),
      risk_(bus_, clock_, config.risk, config.seed),
      execution_(bus_, clock_, config.execution, broker, store, config.seed, &config.exits),
      exits_(bus_, clock_, config.exits, config.seed),
      portfolio_(bus_, clock_, store),
      watchtower_(bus_),
      eod_(store, store) {}

std::array<Agent*, 7> Pipeline::agents() {
    // Subscription order is delivery order within a topic: the state keepers, then the deciders.
    return {&watchtower_, &portfolio_, &risk_, &exits_, &execution_, &features_, &prediction_};
}

Status Pipeline::restore_from_store(std::span<const TradeRow> trades) {
    // Every agent takes over what the store holds (the same on_start as in a process of its own).
    // The first bar's day's entries are read back only when there are stored trades at all.
    TradeLedger* ledger = trades.empty() ? nullptr : store_;
    const AgentStart start{trades, ledger, store_};
    for (Agent* agent : agents()) AWET_TRY(agent->on_start(start));
    if (store_ == nullptr || trades.empty()) return Status::Ok();
    RestoredState& r = restored_state_;
    r.last_activity = last_trade_activity(trades);
    for (const TradeRow& t : trades) {
        if (t.status == OrderStatus::kPending || t.status == OrderStatus::kPartiallyFilled) {
            open_orders_.push_back(t);
        }
    }
    const Portfolio& book = portfolio_.portfolio();
    r.fills = portfolio_.restored_fills();
    r.realized = book.realized_pnl();
    r.closed_trades = book.closed_trades().size();
    for (const PositionRow& p : book.positions()) {
        if (!p.qty.is_zero()) ++r.open_positions;
    }
    r.open_lots = exits_.manager().open_lots();
    r.open_orders = open_orders_.size();
    if (r.fills > 0 || r.open_orders > 0) {
        logger("pipeline")
            ->info(
                "store holds earlier trades: {} fills rebuilt into the book ({} open positions, {} "
                "open lots), {} orders still open",
                r.fills, r.open_positions, r.open_lots, r.open_orders);
    }
    return Status::Ok();
}

Timestamp last_trade_activity(std::span<const TradeRow> trades) {
    Timestamp last;
    for (const TradeRow& t : trades) last = std::max({last, t.ts, t.filled_at});
    return last;
}

Result<Timestamp> last_trade_activity(Store& store) {
    auto trades = store.load_trades(TradeQuery{});
    if (!trades.ok()) return trades.error();
    return last_trade_activity(*trades);
}

Status check_range_not_run(Timestamp last_activity, Timestamp first_bar_start) {
    if (!last_activity.is_set() || !(first_bar_start < last_activity)) return Status::Ok();
    return make_error(ErrorCode::kAlreadyExists,
                      "this store already holds the results of a run up to " + last_activity.iso() +
                          " and this range starts at " + first_bar_start.iso() +
                          "; a run never overwrites results it did not produce: replay a later "
                          "range, pass --fresh to discard the earlier results (bars and models "
                          "are kept), or use another database (--db)");
}

Status Pipeline::check_not_run_before(const MarketBar& first_bar) {
    if (store_ == nullptr) return Status::Ok();
    return check_range_not_run(restored_state_.last_activity, first_bar.bar_start);
}

void Pipeline::restart_ids() {
    ingestion_.restart_ids();
    features_.restart_ids();
    prediction_.restart_ids();
    risk_.engine().restart_ids();
    execution_.engine().restart_ids();
    exits_.manager().restart_ids();
}

Status Pipeline::settle_open_orders() {
    if (open_orders_.empty()) return Status::Ok();
    // Orders an earlier run left open: the broker says what became of them (a restored simulated
    // venue has them expired; a live broker its own truth), and every agent hears it.
    const Timestamp now = restored_state_.last_activity;
    clock_.advance_to(now);
    auto synced = execution_.reconcile(Timestamp::from_ns(INT64_MIN), now);
    if (!synced.ok()) return synced.error();
    bus_.poll();
    open_orders_.clear();
    if (store_ != nullptr) AWET_TRY(store_->flush());
    return Status::Ok();
}

Status Pipeline::start() {
    if (started_) return Status::Ok();
    if (store_ == nullptr) return start({});
    auto trades = store_->load_trades(TradeQuery{});
    if (!trades.ok()) return trades.error();
    return start(*trades);
}

Status Pipeline::start(std::span<const TradeRow> stored_trades) {
    if (started_) return Status::Ok();
    AWET_TRY(restore_from_store(stored_trades));
    auto account = broker_.account();
    if (!account.ok()) return account.error();
    reconciler_.emplace(account->equity);
    auto reconciled = reconciler_->reconcile(portfolio_.portfolio(), broker_);
    if (!reconciled.ok()) return reconciled.error();
    const ReconcileReport& report = *reconciled;
    if (!report.ok) {
        std::string what;
        for (const auto& d : report.discrepancies) {
            what += (what.empty() ? "" : ", ") + d.symbol.str() + " " +
                    describe({d.symbol, d.book_qty, d.broker_qty, d.broker_reported}, "book");
        }
        return make_error(ErrorCode::kInternal, "book and broker disagree before trading (" + what +
                                                    "); run reconciliation first");
    }
    last_reconcile_ = report;
    // Subscription order is delivery order within a topic: the record first, so the audit trail
    // of a cause precedes its consequences; then the agents (agents()).
    if (options_.persist && store_ != nullptr) {
        recorder_ = std::make_unique<Recorder>(*store_);
        recorder_->attach(bus_);
    }
    for (Agent* agent : agents()) agent->attach();
    started_ = true;
    return Status::Ok();
}

Status Pipeline::process(const MarketBar& bar) {
    if (!started_) AWET_TRY(start());
    if (!restored_) {
        // Nothing is written before this check: a refused run leaves the store as it was.
        AWET_TRY(check_not_run_before(bar));
        AWET_TRY(settle_open_orders());
        restored_ = true;
        // The run's events take their ids from the start of each agent's seeded stream,
        // whatever settling the earlier runs' orders used: a run redone after a crash (which
        // finds them settled already) gets exactly the ids of an uninterrupted one.
        restart_ids();
    }
    const auto session = SessionCalendar::session_at(bar.bar_start);
    // A bar of a new session closes the previous one if its close was never reached in the data.
    if (session && session_date_ && session->date != *session_date_ && options_.run_eod) {
        AWET_TRY(run_eod(*session_date_, session_close_));
    }
    if (session) {
        session_date_ = session->date;
        session_close_ = session->close;
    }

    // 0. A batching forecaster still holds an incomplete group of an earlier bar start (a symbol
    //    had no bar): it is forecast now, at that bar's close, before the market moves on.
    if (prediction_.has_pending_other_than(bar.bar_start)) {
        AWET_TRY(prediction_.flush());
        bus_.poll();
    }
    // The close was reached by the previous bar start: its every symbol's bar is in now, so the
    // EOD job marks each open position at its own last bar.
    if (eod_due_ && last_bar_start_ && bar.bar_start != *last_bar_start_) {
        AWET_TRY(run_eod(eod_due_->first, eod_due_->second));
        eod_due_.reset();
    }
    last_bar_start_ = bar.bar_start;
    // 1. The venue moves: resting orders fill at this bar's open; 2. the bar closes and is
    //    published; everything each causes is handled before the next (step_bar).
    AWET_TRY(step_bar(stepper_, bar));

    // 3. Session close reached: the EOD job, once the other symbols' bars of this bar start are
    //    in (the next bar start, or finish()).
    if (options_.run_eod && session && clock_.now() >= session->close &&
        !eod_.closed(session->date)) {
        eod_due_ = std::make_pair(session->date, session->close);
    }
    crash_point("bar");
    return Status::Ok();
}

void Pipeline::Stepper::clock_to(Timestamp t) { p.clock_.advance_to(t); }

Status Pipeline::Stepper::venue_moves(const MarketBar& bar) {
    // Without a venue nothing moved: nothing to settle before the bar (broker events of the
    // previous bar's orders go out with this bar's, as they always have).
    nothing_moved = !p.venue_step_;
    if (p.venue_step_) p.venue_step_(bar);
    return Status::Ok();
}

Status Pipeline::Stepper::publish(const MarketBar& bar) { return p.ingestion_.ingest(bar); }

Status Pipeline::Stepper::settle(const char*) {
    if (std::exchange(nothing_moved, false)) return Status::Ok();
    p.bus_.poll();
    AWET_TRY(p.execution_.publish_broker_events());
    p.bus_.poll();
    return Status::Ok();
}

Status Pipeline::run_eod(const Date& date, Timestamp close) {
    if (eod_.closed(date)) return Status::Ok();
    AWET_TRY(eod_.close_session(portfolio_.portfolio(), date, close));
    if (store_ != nullptr) AWET_TRY(store_->flush());
    return Status::Ok();
}

Status Pipeline::finish() {
    if (!started_) AWET_TRY(start());
    bus_.poll();
    // What the agents hold back: the last bar start's group of a batching forecaster.
    for (Agent* agent : agents()) AWET_TRY(agent->stop());
    bus_.poll();
    if (options_.run_eod && session_date_) AWET_TRY(run_eod(*session_date_, session_close_));
    if (store_ != nullptr) {
        AWET_TRY(Reconciler::sync_positions(portfolio_.portfolio(), *store_, clock_.now()));
    }
    auto reconciled = reconciler_->reconcile(portfolio_.portfolio(), broker_);
    if (!reconciled.ok()) return reconciled.error();
    last_reconcile_ = *reconciled;
    if (!last_reconcile_->ok) {
        logger("reconciler")
            ->error("book and broker disagree on {} symbols after the run",
                    last_reconcile_->discrepancies.size());
    }
    return Status::Ok();
}

}  // namespace awet
