// Property tests of ExecutionEngine + SimBroker + SqliteStore (issue 11): random approved
// decisions (entries, exits, redeliveries with the same idempotency key, some with changed
// content), bars that fill them (participation limits for partial fills, zero volume, gaps),
// cancels, broker rejections and lost submits (SimBroker::fail_next_submit), and restarts (the
// engine destroyed, the store kept or closed and reopened, bars the venue fills while no engine
// listens, a new engine on the same store and venue that gets earlier decisions again), with and
// without bracket legs. Invariants: one broker order per idempotency key and never a resubmit of
// a key the venue has; every broker order written ahead in `trades`; every fill applied once
// (trades filled_qty, fees, status == the venue's); positions from `trades` == the venue's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "awet/core/log.hpp"
#include "awet/execution/execution_engine.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/model/bracket.hpp"
#include "awet/portfolio/stored_book.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "property_support.hpp"

namespace awet {
namespace {

using testing::PropertyTally;

constexpr int kCases = 200;
constexpr int64_t kScale = 1'000'000;
const Timestamp kT0 = *Timestamp::parse("2026-03-12T14:00:00Z");
const char* const kSymbols[] = {"AAPL", "MSFT", "TSLA"};
constexpr int kNumSymbols = 3;

/// A fresh directory for one case's store and approval file, on tmpfs (/dev/shm) when there is
/// one: a case opens, migrates and commits a SQLite file several times, which on a disk costs
/// fsyncs and nothing the property is about. Removed when the object dies.
class CaseDir {
public:
    CaseDir() {
        static int counter = 0;
        std::error_code ec;
        std::filesystem::path base = "/dev/shm";
        if (!std::filesystem::is_directory(base, ec) || ::access(base.c_str(), W_OK) != 0) {
            base = std::filesystem::temp_directory_path();
        }
        path_ = base / ("awet-exec-property-" + std::to_string(::getpid()) + "-" +
                        std::to_string(++counter));
        std::filesystem::remove_all(path_, ec);
        std::filesystem::create_directories(path_);
    }
    ~CaseDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    CaseDir(const CaseDir&) = delete;
    CaseDir& operator=(const CaseDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// Forwards to the SimBroker and watches the seam: submits per key (and whether the venue had
/// the key already), every fill the venue delivers and whether an engine was listening.
class RecordingBroker final : public Broker, public BrokerListener {
public:
    explicit RecordingBroker(SimBroker& sim) : sim_(sim) { sim_.set_listener(this); }
    ~RecordingBroker() override { sim_.set_listener(nullptr); }

    std::string_view name() const override { return sim_.name(); }
    bool is_paper() const override { return sim_.is_paper(); }
    void set_listener(BrokerListener* listener) override { downstream_ = listener; }

    Result<BrokerOrder> submit(const OrderRequest& request) override {
        const std::string key = request.client_order_id.str();
        if (sim_.get_order(key).ok()) ++resubmits_of_known[key];
        const size_t before = sim_.order_count();
        Result<BrokerOrder> r = sim_.submit(request);
        const size_t created = sim_.order_count() - before;
        ++submits[key];
        if (created > 0) {
            ++creates[key];
            created_keys.insert(key);
            if (request.bracket) {
                created_keys.insert(
                    bracket_leg_key(request.client_order_id, BracketLeg::kTakeProfit)->str());
                created_keys.insert(
                    bracket_leg_key(request.client_order_id, BracketLeg::kStopLoss)->str());
            }
        }
        return r;
    }
    Status cancel(std::string_view id) override { return sim_.cancel(id); }
    Result<BrokerOrder> get_order(std::string_view id) override { return sim_.get_order(id); }
    Result<std::vector<BrokerOrder>> open_orders() override { return sim_.open_orders(); }
    Result<std::vector<BrokerPosition>> positions() override { return sim_.positions(); }
    Result<BrokerAccount> account() override { return sim_.account(); }

    /// Delivers an earlier fill again (a venue event log read from the start), as the venue did.
    void replay(size_t index) {
        if (delivered.empty() || downstream_ == nullptr) return;
        downstream_->on_fill(delivered[index % delivered.size()]);
    }

    void on_fill(const Fill& fill) override {
        delivered.push_back(fill);
        FillSeen& f = fills[fill.client_order_id.str()];
        f.qty += fill.qty;
        f.fees += fill.fees;
        ++f.count;
        if (downstream_ == nullptr) {
            ++f.lost;
        } else {
            downstream_->on_fill(fill);
        }
    }
    void on_order_update(const BrokerOrder& order) override {
        if (downstream_ != nullptr) downstream_->on_order_update(order);
    }

    struct FillSeen {
        Quantity qty;
        Money fees;
        int count = 0;
        int lost = 0;  // delivered while no engine listened
    };
    std::map<std::string, int> submits;
    std::map<std::string, int> resubmits_of_known;
    std::map<std::string, int> creates;
    std::set<std::string> created_keys;  // orders the venue created (bracket legs included)
    std::map<std::string, FillSeen> fills;
    std::vector<Fill> delivered;  // every fill, in delivery order

private:
    SimBroker& sim_;
    BrokerListener* downstream_ = nullptr;
};

struct ExecStep {
    enum Kind : uint8_t {
        kEntry,
        kExit,
        kRedeliver,
        kBar,
        kCancel,
        kFailNext,
        kRestart,
        kReplayFill
    };
    Kind kind = kBar;
    int sym = 0;
    bool buy = true;
    int64_t qty = 0;      // shares
    int64_t price = 0;    // raw: reference (decisions) or open (bars)
    int64_t volume = 0;   // shares
    int64_t range = 0;    // raw: a bar's high - open = open - low
    int pick = 0;         // an earlier decision (mod their number)
    bool mutate = false;  // redelivered with another qty and side under the same key
    bool advance = true;  // the clock moves a minute after the step
    ErrorCode code = ErrorCode::kBroker;
    bool accept = false;
    // restarts
    bool reopen_store = false;
    int downtime_bars = 0;  // bars the venue fills while no engine listens
    int redeliver = 0;      // earlier decisions handed to the new engine
    bool reconcile = false;
};

struct ExecCase {
    SimBrokerConfig broker;
    bool brackets = false;
};

ExecCase case_config(uint64_t seed) {
    std::mt19937_64 rng(seed * 0x2545F4914F6CDD1DULL + 3);
    ExecCase c;
    const double rates[] = {0.0, 0.0, 0.1, 0.3, 0.5};
    c.broker.participation_rate = rates[std::uniform_int_distribution<int>(0, 4)(rng)];
    c.broker.slippage_bps = std::uniform_int_distribution<int64_t>(0, 5)(rng);
    if (std::uniform_int_distribution<int>(0, 1)(rng)) {
        c.broker.fee_per_share =
            Money::from_raw(std::uniform_int_distribution<int64_t>(0, 20000)(rng));
        c.broker.min_fee =
            Money::from_raw(std::uniform_int_distribution<int64_t>(0, 1'000'000)(rng));
    }
    c.brackets = std::uniform_int_distribution<int>(0, 2)(rng) == 0;
    return c;
}

std::string describe_step(const ExecStep& s) {
    std::ostringstream os;
    const std::string sym = kSymbols[s.sym];
    switch (s.kind) {
        case ExecStep::kEntry:
            os << "entry " << (s.buy ? "buy " : "sell ") << s.qty << " " << sym << " ref "
               << Price::from_raw(s.price).to_string();
            break;
        case ExecStep::kExit:
            os << "exit of decision #" << s.pick;
            break;
        case ExecStep::kRedeliver:
            os << "redeliver decision #" << s.pick << (s.mutate ? " (qty/side changed)" : "");
            break;
        case ExecStep::kBar:
            os << "bar " << sym << " open " << Price::from_raw(s.price).to_string() << " +/- "
               << Price::from_raw(s.range).to_string() << " volume " << s.volume;
            break;
        case ExecStep::kCancel:
            os << "broker.cancel(decision #" << s.pick << ")";
            break;
        case ExecStep::kFailNext:
            os << "fail_next_submit(" << to_string(s.code) << (s.accept ? ", accept_anyway" : "")
               << ")";
            break;
        case ExecStep::kReplayFill:
            os << "the venue delivers fill #" << s.pick << " again";
            break;
        case ExecStep::kRestart:
            os << "restart" << (s.reopen_store ? " (store reopened)" : "") << ", "
               << s.downtime_bars << " bars while down, redeliver " << s.redeliver
               << (s.reconcile ? ", reconcile" : "");
            break;
    }
    if (!s.advance) os << " [same minute]";
    return os.str();
}

std::string describe_exec(const std::vector<ExecStep>& steps) {
    std::ostringstream os;
    for (size_t i = 0; i < steps.size(); ++i)
        os << "    " << i << ": " << describe_step(steps[i]) << "\n";
    return os.str();
}

std::vector<ExecStep> generate_exec(uint64_t seed) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 17);
    auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int n = rnd(10, 90);
    int64_t price[kNumSymbols] = {100 * kScale, 200 * kScale, 50 * kScale};
    std::vector<ExecStep> steps;
    for (int i = 0; i < n; ++i) {
        ExecStep s;
        s.sym = rnd(0, kNumSymbols - 1);
        price[s.sym] = std::max<int64_t>(kScale, price[s.sym] + rnd(-150, 150) * kScale / 100);
        s.price = price[s.sym];
        s.pick = rnd(0, 1000);
        s.advance = rnd(0, 3) != 0;
        const int k = rnd(0, 99);
        if (k < 24) {
            s.kind = ExecStep::kEntry;
            s.buy = rnd(0, 3) != 0;
            s.qty = rnd(1, 20);
        } else if (k < 32) {
            s.kind = ExecStep::kExit;
        } else if (k < 42) {
            s.kind = ExecStep::kRedeliver;
            s.mutate = rnd(0, 3) == 0;
        } else if (k < 80) {
            s.kind = ExecStep::kBar;
            const int v = rnd(0, 9);
            s.volume = v == 0 ? 0 : v < 4 ? rnd(1, 30) : rnd(30, 20000);
            s.range = rnd(0, 300) * kScale / 100;
        } else if (k < 86) {
            s.kind = ExecStep::kCancel;
        } else if (k < 89) {
            s.kind = ExecStep::kReplayFill;
        } else if (k < 93) {
            s.kind = ExecStep::kFailNext;
            const int c = rnd(0, 3);
            s.code = c == 0   ? ErrorCode::kBroker
                     : c == 1 ? ErrorCode::kIo
                              : ErrorCode::kOutcomeUnknown;
            s.accept = s.code == ErrorCode::kOutcomeUnknown && rnd(0, 1) == 1;
        } else {
            s.kind = ExecStep::kRestart;
            s.reopen_store = rnd(0, 1) == 1;
            s.downtime_bars = rnd(0, 2) == 0 ? rnd(1, 3) : 0;
            s.redeliver = rnd(0, 4);
            s.reconcile = s.downtime_bars > 0 || rnd(0, 2) == 0;
            s.volume = rnd(0, 500);
            s.range = rnd(0, 200) * kScale / 100;
        }
        steps.push_back(s);
    }
    return steps;
}

std::unique_ptr<SqliteStore> open_store(const std::string& path) {
    auto s = SqliteStore::open(path);
    if (!s.ok()) return nullptr;
    auto store = std::move(s).value();
    if (!store->migrate().ok()) return nullptr;
    return store;
}

MarketBar make_bar(int sym, Timestamp start, int64_t open, int64_t range, int64_t volume) {
    MarketBar b;
    b.header.symbol = Symbol(kSymbols[sym]);
    b.header.ts = start + Duration::minutes(1);
    b.bar_start = start;
    b.open = Price::from_raw(open);
    b.high = Price::from_raw(open + range);
    b.low = Price::from_raw(std::max<int64_t>(1, open - range));
    b.close = Price::from_raw(open + (range / 2) * ((start.ns() / 60'000'000'000LL) % 3 - 1));
    b.volume = Quantity::from_units(volume);
    return b;
}

struct ExecStats {
    int64_t orders = 0;
    int64_t fills = 0;
    int64_t restarts = 0;
    int64_t redeliveries = 0;
    int64_t lost_fill_orders = 0;  // orders with a fill delivered while no engine listened
    int64_t fee_gaps = 0;          // of those, rows whose fees miss the lost fills' fees
    int64_t avg_price_diffs = 0;   // rows whose avg_fill_price differs from the venue's
    int64_t partial = 0;           // rows that saw partial fills
    int64_t rejected = 0;
    int64_t unknown = 0;
    int64_t canceled = 0;
    int64_t bracket_cases = 0;
    ExecutionStats engine;  // summed over every engine of every case
};

void add_stats(ExecutionStats& a, const ExecutionStats& b) {
    a.submitted += b.submitted;
    a.rejected += b.rejected;
    a.unknown += b.unknown;
    a.duplicates += b.duplicates;
    a.resumed += b.resumed;
    a.fills += b.fills;
    a.duplicate_fills += b.duplicate_fills;
    a.orphan_fills += b.orphan_fills;
    a.fill_gaps += b.fill_gaps;
    a.bracket_entries += b.bracket_entries;
    a.leg_cancels += b.leg_cancels;
    a.exits_closed_by_leg += b.exits_closed_by_leg;
}

/// One run of a case: the engine's world and the checks.
class ExecRun {
public:
    ExecRun(const ExecCase& c, ExecStats* stats, int64_t* checks)
        : c_(c), sim_(c.broker), broker_(sim_), stats_(stats), checks_(checks) {
        config_.dry_run = false;
        config_.approval_file = tmp_.file(".tmp/APPROVE_EXECUTION");
        config_.bracket_orders = c.brackets;
        (void)SafetyGate::approve(config_.approval_file, "property", kT0);
        db_ = tmp_.file("awet.db");
        store_ = open_store(db_);
        start_engine();
    }

    std::optional<std::string> run(const std::vector<ExecStep>& steps) {
        if (store_ == nullptr) return "store did not open";
        for (size_t i = 0; i < steps.size(); ++i) {
            if (auto f = step(steps[i]))
                return "step " + std::to_string(i) + " (" + describe_step(steps[i]) + "): " + *f;
            if (steps[i].advance) now_ = now_ + Duration::minutes(1);
            // After every step: a restart that lost fills reconciles before it returns.
            if (auto f = check("after step")) return "step " + std::to_string(i) + ": " + *f;
        }
        if (auto f = check("at the end")) return f;
        add_stats(stats_->engine, engine_->stats());
        record_stats();
        return std::nullopt;
    }

private:
    void start_engine() {
        engine_ = std::make_unique<ExecutionEngine>(config_, broker_, store_.get(), ++engine_seed_,
                                                    &exits_);
    }

    RiskDecision entry(const ExecStep& s) {
        RiskDecision d;
        const uint64_t n = decisions_.size() + 1;
        d.header.event_id = Uuid{0xD, n};
        d.header.correlation_id = Uuid{0xC, n};
        d.header.symbol = Symbol(kSymbols[s.sym]);
        // The key names the bar the decision was made on: two entries of a symbol in one minute
        // share it (the second is a duplicate, whatever its content).
        d.header.idempotency_key = make_key("entry", d.header.symbol, now_ - Duration::minutes(1));
        d.header.ts = now_;
        d.header.source = Source::kRisk;
        d.approved = true;
        d.intent = OrderIntent::kEntry;
        d.side = s.buy ? Side::kBuy : Side::kSell;
        d.qty = Quantity::from_units(s.qty);
        d.ref_price = Price::from_raw(s.price);
        d.notional = notional(d.ref_price, d.qty);
        return d;
    }

    void handle(const RiskDecision& d) {
        std::vector<ExecutionReport> out;
        engine_->on_decision(d, now_, out);
        engine_->drain(out);
        reports_.insert(reports_.end(), out.begin(), out.end());
    }

    void drain() {
        if (engine_ == nullptr) return;
        std::vector<ExecutionReport> out;
        engine_->drain(out);
        reports_.insert(reports_.end(), out.begin(), out.end());
    }

    std::optional<std::string> step(const ExecStep& s) {
        switch (s.kind) {
            case ExecStep::kEntry: {
                RiskDecision d = entry(s);
                decisions_.push_back(d);
                handle(d);
                break;
            }
            case ExecStep::kExit: {
                std::vector<const RiskDecision*> entries;
                for (const RiskDecision& d : decisions_) {
                    if (d.intent == OrderIntent::kEntry) entries.push_back(&d);
                }
                if (entries.empty()) break;
                const RiskDecision& e = *entries[static_cast<size_t>(s.pick) % entries.size()];
                RiskDecision x = e;
                const uint64_t n = decisions_.size() + 1;
                x.header.event_id = Uuid{0xE, n};
                x.header.idempotency_key = IdempotencyKey("exit:" + e.header.idempotency_key.str() +
                                                          ":" + std::to_string(n));
                x.header.ts = now_;
                x.header.source = Source::kExit;
                x.intent = OrderIntent::kExit;
                x.exit_reason = ExitReason::kMaxHolding;
                x.side = opposite(e.side);
                decisions_.push_back(x);
                handle(x);
                break;
            }
            case ExecStep::kRedeliver: {
                if (decisions_.empty()) break;
                RiskDecision d = decisions_[static_cast<size_t>(s.pick) % decisions_.size()];
                d.header.event_id = Uuid{0xF, decisions_.size() + 1};
                if (s.mutate) {
                    d.qty = d.qty + Quantity::from_units(3);
                    d.side = opposite(d.side);
                }
                ++stats_->redeliveries;
                handle(d);
                break;
            }
            case ExecStep::kBar:
                sim_.on_bar(make_bar(s.sym, now_, s.price, s.range, s.volume));
                drain();
                break;
            case ExecStep::kCancel: {
                if (decisions_.empty()) break;
                const RiskDecision& d = decisions_[static_cast<size_t>(s.pick) % decisions_.size()];
                (void)broker_.cancel(d.header.idempotency_key.view());
                drain();
                break;
            }
            case ExecStep::kFailNext:
                sim_.fail_next_submit(s.code, s.accept);
                break;
            case ExecStep::kReplayFill:
                broker_.replay(static_cast<size_t>(s.pick));
                drain();
                break;
            case ExecStep::kRestart: {
                ++stats_->restarts;
                drain();
                add_stats(stats_->engine, engine_->stats());
                engine_.reset();
                if (s.reopen_store) {
                    store_.reset();  // commits the open batch
                    store_ = open_store(db_);
                    if (store_ == nullptr) return "store did not reopen";
                }
                for (int b = 0; b < s.downtime_bars; ++b) {
                    for (int sym = 0; sym < kNumSymbols; ++sym) {
                        sim_.on_bar(
                            make_bar(sym, now_, s.price + sym * 7 * kScale, s.range, s.volume));
                    }
                    now_ = now_ + Duration::minutes(1);
                }
                start_engine();
                if (s.reconcile) {
                    auto r = engine_->reconcile_with_broker(kT0 - Duration::days(1), now_);
                    if (!r.ok()) return "reconcile_with_broker: " + r.error().to_string();
                    drain();
                }
                for (int k = 0; k < s.redeliver && !decisions_.empty(); ++k) {
                    RiskDecision d =
                        decisions_[static_cast<size_t>(s.pick + 7 * k) % decisions_.size()];
                    ++stats_->redeliveries;
                    handle(d);
                }
                // Lost fills are only recovered by a reconciliation; without one the book and
                // the venue may legitimately disagree, so check only when nothing was lost.
                if (s.reconcile || s.downtime_bars == 0) {
                    if (auto f = check("after the restart")) return f;
                }
                break;
            }
        }
        return std::nullopt;
    }

    std::optional<std::string> check(const char* when) {
        drain();
        std::ostringstream err;
        err << when << ": ";
        // 1. One broker order per key; never a resubmit of a key the venue already has.
        ++*checks_;
        for (const auto& [key, n] : broker_.resubmits_of_known) {
            err << "the engine submitted " << key << " again although the venue had it (" << n
                << "x)";
            return err.str();
        }
        for (const auto& [key, n] : broker_.creates) {
            if (n > 1) {
                err << key << " created " << n << " venue orders";
                return err.str();
            }
        }
        size_t known = 0;
        for (const std::string& key : broker_.created_keys)
            known += sim_.get_order(key).ok() ? 1 : 0;
        if (known != sim_.order_count() || known != broker_.created_keys.size()) {
            err << "venue has " << sim_.order_count() << " orders, " << known << " of "
                << broker_.created_keys.size() << " created keys";
            return err.str();
        }
        // 2. Every venue order was written ahead; every row agrees with the venue.
        auto rows = store_->load_trades(TradeQuery{});
        if (!rows.ok()) return err.str() + "load_trades: " + rows.error().to_string();
        std::map<std::string, const TradeRow*> by_key;
        for (const TradeRow& t : *rows) {
            if (!by_key.emplace(t.idempotency_key.str(), &t).second) {
                return err.str() + "two trades rows for " + t.idempotency_key.str();
            }
        }
        for (const std::string& key : broker_.created_keys) {
            if (!by_key.contains(key))
                return err.str() + "venue order " + key + " has no trades row";
        }
        std::map<std::string, Quantity> stored_pos;
        std::map<std::string, Quantity> report_fills;
        for (const ExecutionReport& r : reports_)
            report_fills[r.header.idempotency_key.str()] += r.fill_qty;
        for (const TradeRow& t : *rows) {
            ++*checks_;
            const std::string key = t.idempotency_key.str();
            Result<BrokerOrder> o = sim_.get_order(key);
            const Quantity venue_filled = o.ok() ? o->filled_qty : Quantity{};
            if (!(t.filled_qty == venue_filled)) {
                err << key << ": trades filled_qty " << t.filled_qty.to_string() << ", venue "
                    << venue_filled.to_string();
                return err.str();
            }
            const auto seen = broker_.fills.find(key);
            const Quantity delivered = seen == broker_.fills.end() ? Quantity{} : seen->second.qty;
            if (!(delivered == venue_filled)) {
                err << key << ": the venue delivered fills of " << delivered.to_string()
                    << " but reports " << venue_filled.to_string() << " filled";
                return err.str();
            }
            if (!(report_fills[key] == t.filled_qty)) {
                err << key << ": fill reports add up to " << report_fills[key].to_string()
                    << ", trades filled_qty " << t.filled_qty.to_string();
                return err.str();
            }
            const bool lost = seen != broker_.fills.end() && seen->second.lost > 0;
            if (!lost && seen != broker_.fills.end() && !(t.fees == seen->second.fees)) {
                err << key << ": trades fees " << t.fees.to_string() << ", fills' fees "
                    << seen->second.fees.to_string();
                return err.str();
            }
            if (o.ok() && !t.filled_qty.is_zero() &&
                (t.avg_fill_price - o->avg_fill_price).abs() > Price::from_raw(1)) {
                err << key << ": avg_fill_price " << t.avg_fill_price.to_string() << ", venue "
                    << o->avg_fill_price.to_string();
                return err.str();
            }
            if (o.ok()) {
                const bool open_here =
                    t.status == OrderStatus::kPending || t.status == OrderStatus::kPartiallyFilled;
                const bool open_there = o->status == OrderStatus::kPending ||
                                        o->status == OrderStatus::kPartiallyFilled;
                if (t.status != o->status && !(open_here && open_there &&
                                               t.filled_qty.is_zero() == o->filled_qty.is_zero())) {
                    err << key << ": trades status " << to_string(t.status) << ", venue "
                        << to_string(o->status);
                    return err.str();
                }
            }
            if (!t.filled_qty.is_zero()) {
                stored_pos[t.symbol.str()] += t.side == Side::kBuy ? t.filled_qty : -t.filled_qty;
            }
        }
        // 3. Positions: trades == venue (the engine's own check and this one over the store).
        ++*checks_;
        auto mismatches = engine_->check_positions(kT0 - Duration::days(1));
        if (!mismatches.ok())
            return err.str() + "check_positions: " + mismatches.error().to_string();
        if (!mismatches->empty()) {
            const PositionMismatch& m = mismatches->front();
            err << "check_positions: " << m.symbol.view() << " stored " << m.stored.to_string()
                << ", venue " << m.broker.to_string();
            return err.str();
        }
        auto venue = sim_.positions();
        std::map<std::string, Quantity> venue_pos;
        for (const BrokerPosition& p : *venue) venue_pos[p.symbol.str()] = p.qty;
        auto book = load_stored_book(*store_);
        if (!book.ok()) return err.str() + "load_stored_book: " + book.error().to_string();
        for (int s = 0; s < kNumSymbols; ++s) {
            const Quantity a = stored_pos[kSymbols[s]];
            const Quantity b = venue_pos[kSymbols[s]];
            const Quantity c = book->book.position(Symbol(kSymbols[s])).qty;
            if (!(a == b) || !(c == b)) {
                err << kSymbols[s] << ": trades imply " << a.to_string() << ", the stored book "
                    << c.to_string() << ", venue holds " << b.to_string();
                return err.str();
            }
        }
        return std::nullopt;
    }

    void record_stats() {
        auto rows = store_->load_trades(TradeQuery{});
        if (!rows.ok()) return;
        if (c_.brackets) ++stats_->bracket_cases;
        for (const TradeRow& t : *rows) {
            const std::string key = t.idempotency_key.str();
            if (sim_.get_order(key).ok()) ++stats_->orders;
            auto seen = broker_.fills.find(key);
            if (seen != broker_.fills.end()) {
                stats_->fills += seen->second.count;
                if (seen->second.count > 1) ++stats_->partial;
                if (seen->second.lost > 0) {
                    ++stats_->lost_fill_orders;
                    if (!(t.fees == seen->second.fees)) ++stats_->fee_gaps;
                }
            }
            Result<BrokerOrder> o = sim_.get_order(key);
            if (o.ok() && !(t.avg_fill_price == o->avg_fill_price)) ++stats_->avg_price_diffs;
            if (t.status == OrderStatus::kRejected) ++stats_->rejected;
            if (t.status == OrderStatus::kCanceled) ++stats_->canceled;
            if (t.alpaca_status == "unknown") ++stats_->unknown;
        }
    }

    ExecCase c_;
    CaseDir tmp_;
    ExecutionConfig config_;
    ExitConfig exits_;
    std::string db_;
    SimBroker sim_;
    RecordingBroker broker_;
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<ExecutionEngine> engine_;
    uint64_t engine_seed_ = 0;
    Timestamp now_ = kT0;
    std::vector<RiskDecision> decisions_;
    std::vector<ExecutionReport> reports_;
    ExecStats* stats_;
    int64_t* checks_;
};

TEST(ExecutionProperty, OneOrderPerKeyEveryFillOnceTradesMatchTheVenue) {
    init_logging("error", "json");  // reconciliations and parked exits log at info/warn
    PropertyTally tally;
    ExecStats stats;
    ExecCase current;
    // Only the first run of a case counts; the re-runs of a shrink do not.
    bool first = true;
    ExecStats scratch;
    int64_t scratch_checks = 0;
    std::function<std::optional<std::string>(const std::vector<ExecStep>&)> run =
        [&](const std::vector<ExecStep>& steps) {
            ExecRun r(current, first ? &stats : &scratch, first ? &tally.checks : &scratch_checks);
            first = false;
            return r.run(steps);
        };
    std::function<std::vector<ExecStep>(uint64_t)> gen = generate_exec;
    std::function<std::string(const std::vector<ExecStep>&)> describe =
        [&](const std::vector<ExecStep>& s) {
            std::ostringstream os;
            os << "    config: participation_rate " << current.broker.participation_rate
               << ", slippage_bps " << current.broker.slippage_bps << ", fee_per_share "
               << current.broker.fee_per_share.to_string() << ", min_fee "
               << current.broker.min_fee.to_string() << (current.brackets ? ", bracket_orders" : "")
               << "\n";
            return os.str() + describe_exec(s);
        };
    for (uint64_t seed : testing::property_seeds(kCases)) {
        current = case_config(seed);
        first = true;
        testing::check_property<ExecStep>("execution.one_order_per_key", {seed}, gen, run, describe,
                                          tally);
    }
    tally.report("execution.one_order_per_key");
    GTEST_LOG_(INFO) << "execution: " << stats.orders << " venue orders, " << stats.fills
                     << " fills (" << stats.partial << " orders partly filled), " << stats.restarts
                     << " restarts, " << stats.redeliveries << " redelivered decisions, "
                     << stats.rejected << " rejected, " << stats.canceled << " canceled, "
                     << stats.unknown << " outcome unknown; " << stats.bracket_cases
                     << " cases with bracket legs; " << stats.lost_fill_orders
                     << " orders filled while no engine listened (" << stats.fee_gaps
                     << " of them miss those fills' fees in trades), " << stats.avg_price_diffs
                     << " rows whose avg_fill_price differs from the venue's; engines: "
                     << stats.engine.submitted << " submitted (" << stats.engine.resumed
                     << " resumed after a restart), " << stats.engine.duplicates
                     << " duplicate decisions, " << stats.engine.fills << " fills applied, "
                     << stats.engine.duplicate_fills << " duplicate fills ignored, "
                     << stats.engine.bracket_entries << " bracket entries, "
                     << stats.engine.leg_cancels << " leg cancels, "
                     << stats.engine.exits_closed_by_leg << " exits closed by a leg";
    // Fills recovered by a reconciliation carry the venue's fees into `trades`.
    EXPECT_EQ(stats.fee_gaps, 0);
}

// ---------------------------------------------------------------------------------------------
// Deviations the property counts (it does not fail on them), each cut down to its smallest
// deterministic case. DISABLED_ until fixed; run with --gtest_also_run_disabled_tests.

/// An engine that may trade, on a store in a CaseDir, in front of `venue`.
struct Rig {
    explicit Rig(SimBrokerConfig sc) : venue(sc) {
        config.dry_run = false;
        config.approval_file = dir.file(".tmp/APPROVE_EXECUTION");
        EXPECT_TRUE(SafetyGate::approve(config.approval_file, "test", kT0).ok());
        store = open_store(dir.file("awet.db"));
    }
    TradeRow row(const RiskDecision& d) {
        auto r = store->find_trade(d.header.idempotency_key.view());
        return r.ok() && r->has_value() ? **r : TradeRow{};
    }
    CaseDir dir;
    ExecutionConfig config;
    SimBroker venue;
    std::unique_ptr<SqliteStore> store;
};

RiskDecision buy(const char* symbol, int64_t qty) {
    RiskDecision d;
    d.header.event_id = Uuid{0xD, 1};
    d.header.correlation_id = Uuid{0xC, 1};
    d.header.symbol = Symbol(symbol);
    d.header.idempotency_key = make_key("entry", Symbol(symbol), kT0 - Duration::minutes(1));
    d.header.ts = kT0;
    d.header.source = Source::kRisk;
    d.approved = true;
    d.side = Side::kBuy;
    d.qty = Quantity::from_units(qty);
    d.ref_price = Price::from_units(100);
    d.notional = notional(d.ref_price, d.qty);
    return d;
}

MarketBar flat_bar(const char* symbol, Timestamp start, const char* open, int64_t volume) {
    MarketBar b;
    b.header.symbol = Symbol(symbol);
    b.header.ts = start + Duration::minutes(1);
    b.bar_start = start;
    b.open = b.high = b.low = b.close = *Price::parse(open);
    b.volume = Quantity::from_units(volume);
    return b;
}

/// Found by the property (235 of 482 orders filled while no engine listened): reconcile_with_broker
/// recovered a missed fill with fees 0, as BrokerOrder carried no fees, so `trades.fees` and the
/// stored book's realized PnL missed the venue's fee. BrokerOrder::fees now carries them.
TEST(ExecutionRegression, FillRecoveredByReconciliationKeepsItsFee) {
    SimBrokerConfig sc;
    sc.min_fee = Money::from_units(1);
    Rig rig(sc);
    const RiskDecision d = buy("AAPL", 5);
    {
        ExecutionEngine engine(rig.config, rig.venue, rig.store.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(d, kT0, out);
    }  // the process stops; the venue fills the order meanwhile
    rig.venue.on_bar(flat_bar("AAPL", kT0, "100", 10000));
    ExecutionEngine engine(rig.config, rig.venue, rig.store.get(), 2);
    ASSERT_TRUE(
        engine.reconcile_with_broker(kT0 - Duration::days(1), kT0 + Duration::minutes(2)).ok());
    ASSERT_EQ(rig.row(d).filled_qty.to_string(), "5");
    EXPECT_EQ(rig.venue.account()->fees.to_string(), "1");
    EXPECT_EQ(rig.row(d).fees.to_string(), "1");  // was 0
}

/// Counted by the property as "rows whose avg_fill_price differs from the venue's" (seen once,
/// seed 75 of an earlier version of the generator: 197.552364 stored, 197.552363 at the venue).
/// A restarted engine restores an order's fill cost as notional(avg_fill_price, filled_qty),
/// which is off the sum of the fill notionals by the rounding of the average; the next fill's
/// average is then computed from that and may differ from Σ(price·qty) / filled_qty (the README
/// formula, and the venue's) by a micro-dollar.
TEST(ExecutionKnownFailure, DISABLED_AverageFillPriceAcrossARestartIsTheVenues) {
    SimBrokerConfig sc;
    sc.slippage_bps = 0;
    sc.participation_rate = 0.5;  // one share on a bar of volume 2
    Rig rig(sc);
    const RiskDecision d = buy("AAPL", 3);
    {
        ExecutionEngine engine(rig.config, rig.venue, rig.store.get(), 1);
        std::vector<ExecutionReport> out;
        engine.on_decision(d, kT0, out);
        rig.venue.on_bar(flat_bar("AAPL", kT0, "100.000001", 2));
        rig.venue.on_bar(flat_bar("AAPL", kT0 + Duration::minutes(1), "100", 2));
    }
    ASSERT_EQ(rig.row(d).avg_fill_price.to_string(), "100.000001");  // 200.000001 / 2, rounded
    ExecutionEngine engine(rig.config, rig.venue, rig.store.get(), 2);
    rig.venue.on_bar(flat_bar("AAPL", kT0 + Duration::minutes(2), "100", 2));
    ASSERT_EQ(rig.row(d).filled_qty.to_string(), "3");
    // Σ(price·qty) / qty = 300.000001 / 3 = 100.0000003 -> 100.
    EXPECT_EQ(rig.venue.get_order(d.header.idempotency_key.view())->avg_fill_price.to_string(),
              "100");
    EXPECT_EQ(rig.row(d).avg_fill_price.to_string(), "100");  // is 100.000001
}

}  // namespace
}  // namespace awet
