// The Store contract, run against every backend (instantiation at the bottom). Everything here goes
// through the `Store&` interface except schema introspection, which the harness provides.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "awet/store/detail/row_layout.hpp"
#include "awet/store/store.hpp"
#include "awet/store_postgres/postgres_store.hpp"
#include "awet_test_support.hpp"
#include "store_harness.hpp"

namespace awet {
namespace {

using testing::StoreBackend;
using testing::StoreHarness;

#define ASSERT_OK(expr)                                                              \
    do {                                                                             \
        const auto& awet_st_ = (expr);                                               \
        ASSERT_TRUE(awet_st_.ok()) << #expr << ": " << awet_st_.error().to_string(); \
    } while (0)

Timestamp at(const char* iso) {
    auto t = Timestamp::parse(iso);
    EXPECT_TRUE(t.has_value()) << iso;
    return t.value_or(Timestamp{});
}
Price px(const char* text) { return Price::parse(text).value(); }
Quantity qty(const char* text) { return Quantity::parse(text).value(); }
Money usd(const char* text) { return Money::parse(text).value(); }

const Timestamp kT0 = Timestamp::from_seconds(1773322200);  // 2026-03-12T13:30:00Z

class StoreContract : public ::testing::TestWithParam<StoreBackend> {
protected:
    void SetUp() override {
        harness_ = GetParam().make();
        store_ = open_store(5000);
        ASSERT_NE(store_, nullptr);
        ASSERT_OK(store_->migrate());
    }

    std::unique_ptr<Store> open_store(int batch_size) {
        auto s = harness_->open(batch_size);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
        return s.ok() ? std::move(s).value() : nullptr;
    }
    /// Closes the store (flushing) and opens a new one on the same database.
    void reopen(int batch_size = 5000) {
        store_.reset();
        store_ = open_store(batch_size);
        ASSERT_NE(store_, nullptr);
        ASSERT_OK(store_->migrate());
    }
    Store& store() { return *store_; }

    EventHeader header(const char* symbol, const std::string& key, Timestamp ts,
                       Source source = Source::kIngestion) {
        EventHeader h;
        h.event_id = ids_.next();
        h.correlation_id = ids_.next();
        h.idempotency_key = IdempotencyKey(key);
        h.symbol = Symbol(symbol);
        h.ts = ts;
        h.ts_init = ts + Duration::micros(250);
        h.source = source;
        return h;
    }

    MarketBar bar(const char* symbol, Timestamp start, const char* close = "258.640015",
                  const char* volume = "1169548") {
        MarketBar b;
        b.bar_start = start;
        b.interval = Duration::minutes(1);
        b.header = header(symbol, "bar:" + std::string(symbol) + ":" + std::to_string(start.ns()),
                          start + b.interval);
        b.open = px("258.640015");
        b.high = px("258.950012");
        b.low = px("257.454987");
        b.close = px(close);
        b.volume = qty(volume);
        return b;
    }

    TradeRow trade(const char* symbol, const std::string& key, Timestamp ts) {
        TradeRow t;
        t.ts = ts;
        t.symbol = Symbol(symbol);
        t.side = Side::kBuy;
        t.qty = qty("5");
        t.filled_qty = qty("0");
        t.status = OrderStatus::kPending;
        t.correlation_id = ids_.next();
        t.idempotency_key = IdempotencyKey(key);
        t.alpaca_order_id = "sim-" + key;
        t.alpaca_status = "new";
        return t;
    }

    ModelRecord model(const std::string& id, Timestamp created) {
        ModelRecord m;
        m.model_id = id;
        m.model_type = "linear_quantile";
        m.path = "models/" + id + ".json";
        m.metrics_json = R"({"pinball_loss":0.0123})";
        m.params_json = R"({"features":["rsi_14","sma_5"]})";
        m.created_at = created;
        m.trained_from = created - Duration::days(3);
        m.trained_to = created - Duration::minutes(1);
        return m;
    }

    int64_t rows(std::string_view table) {
        auto n = store().count_rows(table);
        EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().to_string());
        return n.ok() ? *n : -1;
    }

    /// One row in every table but the LLM ones (a trade "t1", a position of 5 AAPL, features
    /// with values[0] = 55.5), through the Store interface.
    void write_a_row_everywhere() {
        MarketBar b = bar("AAPL", kT0);
        ASSERT_TRUE(*store().put_bar(b));
        FeatureVector fv;
        fv.header = b.header;
        fv.bar_start = kT0;
        fv.valid_mask = 1;
        fv.values[0] = 55.5;
        ASSERT_OK(store().put_features(fv));
        Prediction p;
        p.header = header("AAPL", "p1", kT0);
        p.bar_start = kT0;
        ASSERT_OK(store().put_prediction(p));
        RiskDecision d;
        d.header = header("AAPL", "r1", kT0);
        ASSERT_OK(store().put_risk_decision(d));
        ASSERT_TRUE(*store().insert_trade(trade("AAPL", "t1", kT0)));
        PositionRow pos;
        pos.symbol = Symbol("AAPL");
        pos.qty = qty("5");
        ASSERT_OK(store().upsert_position(pos));
        ASSERT_OK(store().put_audit(b.header, "market_bar", "{}"));
        ASSERT_OK(store().register_model(model("m", kT0)));
        DailyPnlRow day;
        day.report_date = Date{2026, 3, 12};
        ASSERT_OK(store().upsert_daily_pnl(day));
        ASSERT_OK(store().put_checkpoint({"csv", "AAPL", kT0, 1, kT0}));
        ASSERT_OK(store().put_run(run("r1", kT0, kT0)));
    }

    static RunRecord run(const char* id, Timestamp first_bar, Timestamp started_at) {
        RunRecord r;
        r.run_id = id;
        r.command = "awet replay";
        r.first_bar = first_bar;
        r.started_at = started_at;
        r.pid = 4242;
        return r;
    }

    std::unique_ptr<StoreHarness> harness_;
    std::unique_ptr<Store> store_;
    IdGenerator ids_{20260312};
};

void expect_same_header(const EventHeader& got, const EventHeader& want) {
    EXPECT_EQ(got.event_id, want.event_id);
    EXPECT_EQ(got.correlation_id, want.correlation_id);
    EXPECT_EQ(got.idempotency_key, want.idempotency_key);
    EXPECT_EQ(got.symbol, want.symbol);
    EXPECT_EQ(got.ts, want.ts);
    EXPECT_EQ(got.ts_init, want.ts_init);
    EXPECT_EQ(got.schema_version, want.schema_version);
    EXPECT_EQ(got.source, want.source);
}

void expect_same_bar(const MarketBar& got, const MarketBar& want) {
    expect_same_header(got.header, want.header);
    EXPECT_EQ(got.bar_start, want.bar_start);
    EXPECT_EQ(got.interval, want.interval);
    EXPECT_EQ(got.open.raw(), want.open.raw());
    EXPECT_EQ(got.high.raw(), want.high.raw());
    EXPECT_EQ(got.low.raw(), want.low.raw());
    EXPECT_EQ(got.close.raw(), want.close.raw());
    EXPECT_EQ(got.volume.raw(), want.volume.raw());
}

// ---------------------------------------------------------------------------------------------
// Schema

TEST_P(StoreContract, MigrateIsIdempotentAndVersioned) {
    auto v = store().schema_version();
    ASSERT_OK(v);
    EXPECT_EQ(*v, harness_->latest_version());
    ASSERT_TRUE(store().put_bar(bar("AAPL", kT0)).ok());
    ASSERT_OK(store().migrate());  // again: nothing to do, data untouched
    ASSERT_OK(store().migrate());
    EXPECT_EQ(*store().schema_version(), harness_->latest_version());
    EXPECT_EQ(rows("market_raw_minute"), 1);
    reopen();
    EXPECT_EQ(*store().schema_version(), harness_->latest_version());
    EXPECT_EQ(rows("market_raw_minute"), 1);
    EXPECT_EQ(rows("schema_migrations"), harness_->latest_version());
}

TEST_P(StoreContract, FreshDatabaseHasVersionZeroBeforeMigrate) {
    auto fresh = GetParam().make();
    auto s = fresh->open(10);
    ASSERT_OK(s);
    auto v = (*s)->schema_version();
    ASSERT_OK(v);
    EXPECT_EQ(*v, 0);
    ASSERT_OK((*s)->migrate());
    EXPECT_EQ(*(*s)->schema_version(), fresh->latest_version());
}

TEST_P(StoreContract, SeedTablesHaveExactlyTheSeedColumnsThenAwetColumns) {
    // Seed §8.2 columns, in the seed's order, followed by AWET's additions.
    const std::vector<std::string> trades = {
        "id", "ts", "symbol", "side", "qty", "filled_qty", "avg_fill_price", "status",
        "alpaca_order_id", "alpaca_status", "filled_at", "correlation_id", "idempotency_key",
        "paper_trade", "dry_run",
        // AWET
        "ts_ns", "filled_at_ns", "intent", "exit_reason", "fees", "block_reason"};
    const std::vector<std::string> positions = {"symbol", "qty", "avg_entry_price", "market_value",
                                                "unrealized_pl", "cost_basis", "updated_at",
                                                // AWET
                                                "realized_pl", "opened_at", "opened_at_ns",
                                                "updated_at_ns"};
    const std::vector<std::string> daily_pnl = {
        "report_date", "realized_pnl_usd", "unrealized_pnl_usd", "total_pnl_usd", "num_trades",
        "num_wins", "num_losses", "win_rate", "best_symbol", "worst_symbol",
        // AWET
        "created_at", "created_at_ns"};
    const std::vector<std::string> audit = {"event_id", "correlation_id", "idempotency_key",
                                            "symbol", "ts", "source", "event_type", "payload",
                                            // AWET
                                            "seq", "ts_ns"};
    EXPECT_EQ(harness_->columns("trades"), trades);
    EXPECT_EQ(harness_->columns("positions"), positions);
    EXPECT_EQ(harness_->columns("daily_pnl_summary"), daily_pnl);
    EXPECT_EQ(harness_->columns("audit_events"), audit);
}

TEST_P(StoreContract, EveryEventFieldHasItsColumnInTheMigratedSchema) {
    // The event tables' columns come from the events' field lists (model/event_fields.hpp): a
    // field added to an event without a migration that adds its column fails here.
    using store_rows::event_cols;
    const auto check = [&](const std::string& table, const store_rows::Cols& cols) {
        std::vector<std::string> expected(cols.begin(), cols.end());
        expected.emplace_back("id");  // the row id, the table's own
        std::vector<std::string> actual = harness_->columns(table);
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
        EXPECT_EQ(actual, expected) << table;
    };
    check("market_raw_minute", event_cols<MarketBar>());
    check("market_raw_day", event_cols<MarketBar>());
    check("features_tft", event_cols<FeatureVector>());
    check("predictions_tft", event_cols<Prediction>());
    check("risk_decisions", event_cols<RiskDecision>());
}

TEST_P(StoreContract, EveryRowFieldHasItsColumnInTheMigratedSchema) {
    // The other tables' columns come from one field list per row type (visit_row in
    // store/detail/row_layout.hpp): a field added to a row without its migration fails here.
    using store_rows::row_cols;
    const auto check = [&](const std::string& table, const store_rows::Cols& cols,
                           std::vector<std::string> own) {
        std::vector<std::string> expected(cols.begin(), cols.end());
        expected.insert(expected.end(), own.begin(), own.end());
        std::vector<std::string> actual = harness_->columns(table);
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
        EXPECT_EQ(actual, expected) << table;
    };
    check("trades", row_cols<TradeRow>(), {"id"});
    check("positions", row_cols<PositionRow>(), {});
    check("models_registry", row_cols<ModelRecord>(), {});
    check("job_runs", row_cols<JobRunRecord>(), {});
    check("daily_pnl_summary", row_cols<DailyPnlRow>(), {});
    check("backfill_checkpoints", row_cols<BackfillCheckpoint>(), {});
    // What an update of a trade changes is a subset of its row, keyed by its idempotency key.
    const auto& update = store_rows::trade_update_cols();
    ASSERT_FALSE(update.empty());
    EXPECT_EQ(update.back(), "idempotency_key");
    for (std::string_view c : update) {
        EXPECT_NE(std::find(row_cols<TradeRow>().begin(), row_cols<TradeRow>().end(), c),
                  row_cols<TradeRow>().end())
            << c;
    }
}

TEST_P(StoreContract, EverySeedTableExistsWithItsKeyColumns) {
    auto has = [&](const std::string& table, const std::vector<std::string>& wanted) {
        std::vector<std::string> cols = harness_->columns(table);
        EXPECT_FALSE(cols.empty()) << table << " is missing";
        for (const std::string& c : wanted) {
            EXPECT_NE(std::find(cols.begin(), cols.end(), c), cols.end()) << table << "." << c;
        }
    };
    const std::vector<std::string> event = {
        "event_id", "correlation_id", "idempotency_key", "symbol",
        "ts",       "ts_ns",          "source",          "schema_version"};
    std::vector<std::string> bars = event;
    for (const char* c : {"open", "high", "low", "close", "volume"}) bars.emplace_back(c);
    has("market_raw_minute", bars);
    has("market_raw_day", bars);
    std::vector<std::string> features = event;
    for (Feature f : kAllFeatures) features.emplace_back(feature_name(f));
    for (const char* c : {"close", "volume", "valid_mask"}) features.emplace_back(c);
    has("features_tft", features);
    std::vector<std::string> predictions = event;
    for (const char* c : {"q10_30", "q50_30", "q90_30", "q10_45", "q50_45", "q90_45", "q10_60",
                          "q50_60", "q90_60", "direction", "confidence", "signal", "model_id"}) {
        predictions.emplace_back(c);
    }
    has("predictions_tft", predictions);
    std::vector<std::string> risk = event;
    for (const char* c : {"approved", "reasons", "intent", "exit_reason", "side", "qty",
                          "ref_price", "notional", "cvar", "confidence", "prediction_event_id"}) {
        risk.emplace_back(c);
    }
    has("risk_decisions", risk);
    has("models_registry",
        {"model_id", "model_type", "status", "path", "metrics_json", "params_json", "created_at",
         "promoted_at", "trained_from", "trained_to"});
    has("backfill_checkpoints", {"source", "symbol", "last_ts", "rows", "updated_at"});
    has("llm_traces", {"id", "ts", "ts_ns", "agent", "model", "prompt", "response", "latency_ms",
                       "prompt_tokens", "completion_tokens", "correlation_id"});
    has("llm_daily_summary",
        {"report_date", "agent", "num_requests", "total_tokens", "avg_latency_ms", "summary"});
    for (const char* t :
         {"market_raw_minute", "market_raw_day", "features_tft", "predictions_tft",
          "risk_decisions", "trades", "positions", "audit_events", "models_registry",
          "backfill_checkpoints", "llm_traces", "llm_daily_summary", "daily_pnl_summary"}) {
        EXPECT_EQ(rows(t), 0) << t;
    }
}

TEST_P(StoreContract, CountRowsRefusesUnknownTables) {
    ASSERT_TRUE(store().insert_trade(trade("AAPL", "k1", kT0)).ok());
    for (const char* bad :
         {"trades; DROP TABLE trades", "sqlite_master", "", "TRADES x", "nonexistent"}) {
        auto n = store().count_rows(bad);
        ASSERT_FALSE(n.ok()) << bad;
        EXPECT_EQ(n.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(n.error().message.find(bad), std::string::npos) << n.error().message;
    }
    EXPECT_EQ(rows("trades"), 1);
}

// ---------------------------------------------------------------------------------------------
// Market data

TEST_P(StoreContract, BarRoundTripIsExact) {
    MarketBar a = bar("AAPL", kT0, "258.640015", "1169548");
    MarketBar b = bar("BRK.B", kT0 + Duration::minutes(1), "0.000001", "9876543210.123456");
    b.header.ts = at("2026-03-12T13:32:00.123456789Z");  // sub-second event time
    b.header.source = Source::kCli;
    b.header.schema_version = 3;
    auto ra = store().put_bar(a);
    ASSERT_OK(ra);
    EXPECT_TRUE(*ra);
    ASSERT_TRUE(*store().put_bar(b));

    auto got = store().load_bars(BarQuery{});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 2U);
    expect_same_bar((*got)[0], a);
    expect_same_bar((*got)[1], b);
    EXPECT_EQ((*got)[0].close.raw(), 258'640'015);
    EXPECT_EQ((*got)[1].volume.raw(), 9'876'543'210'123'456);
}

TEST_P(StoreContract, RealMinuteBarsRoundTripExactly) {
    std::ifstream in(testing::shared_data() / "bars/1min/AAPL.csv");
    ASSERT_TRUE(in) << "missing shared data";
    std::string line;
    std::getline(in, line);  // header
    std::vector<MarketBar> bars;
    while (bars.size() < 1000 && std::getline(in, line)) {
        std::stringstream ss(line);
        std::string f[7];
        for (auto& x : f) std::getline(ss, x, ',');
        MarketBar b = bar(f[1].c_str(), at(f[0].c_str()), f[5].c_str(), f[6].c_str());
        b.open = px(f[2].c_str());
        b.high = px(f[3].c_str());
        b.low = px(f[4].c_str());
        bars.push_back(b);
    }
    ASSERT_EQ(bars.size(), 1000U);
    for (const MarketBar& b : bars) ASSERT_TRUE(*store().put_bar(b));
    auto got = store().load_bars(BarQuery{{"AAPL"}});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), bars.size());
    for (size_t i = 0; i < bars.size(); ++i) expect_same_bar((*got)[i], bars[i]);
    EXPECT_EQ((*got)[0].open.raw(), 258'640'015);   // 2026-03-12T13:30Z open 258.640015
    EXPECT_EQ((*got)[0].close.raw(), 257'989'990);  // close 257.98999
}

TEST_P(StoreContract, DuplicateBarIsIgnoredAndReportedFalse) {
    MarketBar a = bar("AAPL", kT0, "258.640015");
    ASSERT_TRUE(*store().put_bar(a));
    MarketBar again = bar("AAPL", kT0, "999.5");  // same (symbol, bar start), new values
    auto r = store().put_bar(again);
    ASSERT_OK(r);
    EXPECT_FALSE(*r);
    EXPECT_EQ(rows("market_raw_minute"), 1);
    auto got = store().load_bars(BarQuery{});
    ASSERT_EQ(got->size(), 1U);
    EXPECT_EQ((*got)[0].close, px("258.640015"));     // the first write stays
    EXPECT_TRUE(*store().put_bar(bar("MSFT", kT0)));  // same time, other symbol: a new row
}

// Issue 11, defect 11: a repeat is told from a conflict, and the stored bar comes back with it.
TEST_P(StoreContract, PutBarCheckedTellsNewIdenticalAndConflictingBars) {
    const MarketBar a = bar("AAPL", kT0, "257.91", "186041");
    auto first = store().put_bar_checked(a);
    ASSERT_OK(first);
    EXPECT_EQ(first->outcome, BarPutOutcome::kInserted);
    EXPECT_FALSE(first->stored.has_value());

    MarketBar same = a;
    same.header = header("AAPL", "other-key", a.header.ts);  // other ids, same values
    auto identical = store().put_bar_checked(same);
    ASSERT_OK(identical);
    EXPECT_EQ(identical->outcome, BarPutOutcome::kIdentical);
    ASSERT_TRUE(identical->stored.has_value());
    expect_same_bar(*identical->stored, a);

    const MarketBar other = bar("AAPL", kT0, "258", "186041");
    auto conflict = store().put_bar_checked(other);
    ASSERT_OK(conflict);
    EXPECT_EQ(conflict->outcome, BarPutOutcome::kConflict);
    ASSERT_TRUE(conflict->stored.has_value());
    EXPECT_EQ(conflict->stored->close, px("257.91"));
    EXPECT_EQ(conflict->stored->volume, qty("186041"));

    // The stored bar is kept, before and after the commit.
    EXPECT_EQ(rows("market_raw_minute"), 1);
    ASSERT_OK(store().flush());
    auto got = store().load_bars(BarQuery{});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 1U);
    expect_same_bar((*got)[0], a);

    // Other symbol, other table: new rows.
    EXPECT_EQ(store().put_bar_checked(bar("MSFT", kT0))->outcome, BarPutOutcome::kInserted);
    MarketBar day = bar("AAPL", at("2026-03-12"));
    day.interval = Duration::days(1);
    EXPECT_EQ(store().put_bar_checked(day)->outcome, BarPutOutcome::kInserted);
    MarketBar day_volume = day;
    day_volume.volume = qty("5");
    auto day_conflict = store().put_bar_checked(day_volume);
    ASSERT_OK(day_conflict);
    EXPECT_EQ(day_conflict->outcome, BarPutOutcome::kConflict);
    EXPECT_EQ(day_conflict->stored->volume, qty("1169548"));

    // The bulk path (PostgreSQL COPY) keeps stored bars the same way.
    if (auto* pg = dynamic_cast<PostgresStore*>(&store())) {
        std::vector<MarketBar> bulk = {bar("AAPL", kT0, "300"),
                                       bar("AAPL", kT0 + Duration::minutes(1))};
        auto n = pg->put_bars(bulk);
        ASSERT_OK(n);
        EXPECT_EQ(*n, 1);
        auto again = store().put_bar_checked(bar("AAPL", kT0 + Duration::minutes(1)));
        ASSERT_OK(again);
        EXPECT_EQ(again->outcome, BarPutOutcome::kIdentical);
        EXPECT_EQ(store().put_bar_checked(bar("AAPL", kT0))->stored->close, px("257.91"));
    }
}

TEST_P(StoreContract, BulkBarsCopyOnceAndSkipWhatIsAlreadyStored) {
    auto* pg = dynamic_cast<PostgresStore*>(&store());
    if (pg == nullptr) GTEST_SKIP() << "put_bars (COPY) is the PostgreSQL store's bulk path";
    std::vector<MarketBar> fresh = {bar("AAPL", kT0), bar("MSFT", kT0),
                                    bar("AAPL", kT0 + Duration::minutes(1))};
    auto n = pg->put_bars(fresh);  // the direct COPY
    ASSERT_OK(n);
    EXPECT_EQ(*n, 3);
    ASSERT_OK(store().flush());
    EXPECT_EQ(rows("market_raw_minute"), 3);
    // One stored already (other values), two new: the staging path keeps the first write.
    std::vector<MarketBar> mixed = {bar("AAPL", kT0, "999.5"),
                                    bar("MSFT", kT0 + Duration::minutes(1), "100.25"),
                                    bar("AAPL", kT0 + Duration::minutes(2))};
    n = pg->put_bars(mixed);
    ASSERT_OK(n);
    EXPECT_EQ(*n, 2);
    // A duplicate inside one batch is stored once.
    std::vector<MarketBar> twice = {bar("NVDA", kT0), bar("NVDA", kT0, "1.5")};
    n = pg->put_bars(twice);
    ASSERT_OK(n);
    EXPECT_EQ(*n, 1);
    ASSERT_OK(store().flush());
    EXPECT_EQ(rows("market_raw_minute"), 6);
    auto got = store().load_bars(BarQuery{});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 6U);
    for (const MarketBar& b : *got) {
        if (b.header.symbol == Symbol("AAPL") && b.bar_start == kT0) {
            EXPECT_EQ(b.close, px("258.640015"));
        }
        if (b.header.symbol == Symbol("MSFT") && b.bar_start == kT0 + Duration::minutes(1)) {
            EXPECT_EQ(b.close, px("100.25"));
        }
        if (b.header.symbol == Symbol("NVDA")) {
            EXPECT_EQ(b.close, px("258.640015"));
        }
    }
    // Bars of two intervals in one call are refused, naming why.
    MarketBar day = bar("AAPL", kT0 + Duration::days(3));
    day.interval = Duration::days(1);
    std::vector<MarketBar> two_intervals = {bar("TSLA", kT0), day};
    auto refused = pg->put_bars(two_intervals);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("different intervals"), std::string::npos);
}

TEST_P(StoreContract, BarQueryIsHalfOpenFilteredAndOrdered) {
    const Timestamp t1 = kT0 + Duration::minutes(1);
    const Timestamp t2 = kT0 + Duration::minutes(2);
    // Inserted out of order.
    for (auto [sym, t] : std::vector<std::pair<const char*, Timestamp>>{
             {"MSFT", t2}, {"AAPL", t1}, {"SPY", kT0}, {"MSFT", t1}, {"AAPL", t2}, {"AAPL", kT0}}) {
        ASSERT_TRUE(*store().put_bar(bar(sym, t)));
    }
    auto all = store().load_bars(BarQuery{});
    ASSERT_OK(all);
    std::vector<std::pair<std::string, int64_t>> order;
    for (const auto& b : *all) order.emplace_back(b.header.symbol.str(), b.bar_start.ns());
    const std::vector<std::pair<std::string, int64_t>> want = {
        {"AAPL", kT0.ns()}, {"SPY", kT0.ns()}, {"AAPL", t1.ns()},
        {"MSFT", t1.ns()},  {"AAPL", t2.ns()}, {"MSFT", t2.ns()}};
    EXPECT_EQ(order, want);

    BarQuery q;
    q.from = t1;
    q.to = t2;  // excluded
    auto mid = store().load_bars(q);
    ASSERT_EQ(mid->size(), 2U);
    EXPECT_EQ((*mid)[0].header.symbol, "AAPL");
    EXPECT_EQ((*mid)[1].header.symbol, "MSFT");

    q.symbols = {"MSFT", "SPY"};
    q.from = kT0;
    q.to = t2 + Duration::nanos(1);
    auto some = store().load_bars(q);
    ASSERT_EQ(some->size(), 3U);
    EXPECT_EQ((*some)[0].header.symbol, "SPY");
    EXPECT_EQ((*some)[1].bar_start, t1);
    EXPECT_EQ((*some)[2].bar_start, t2);

    q.symbols = {"NVDA"};
    EXPECT_TRUE(store().load_bars(q)->empty());
}

TEST_P(StoreContract, DailyBarsGoToTheirOwnTableAndOtherIntervalsAreRefused) {
    MarketBar d = bar("AAPL", at("2023-12-29"), "192.53", "42628800");
    d.interval = Duration::days(1);
    ASSERT_TRUE(*store().put_bar(d));
    ASSERT_TRUE(*store().put_bar(bar("AAPL", at("2023-12-29"))));  // minute bar, same ts: no clash
    EXPECT_EQ(rows("market_raw_day"), 1);
    EXPECT_EQ(rows("market_raw_minute"), 1);
    BarQuery q;
    q.interval = Duration::days(1);
    auto got = store().load_bars(q);
    ASSERT_EQ(got->size(), 1U);
    expect_same_bar((*got)[0], d);

    MarketBar five = bar("AAPL", kT0);
    five.interval = Duration::minutes(5);
    auto r = store().put_bar(five);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    q.interval = Duration::minutes(5);
    EXPECT_FALSE(store().load_bars(q).ok());
}

// ---------------------------------------------------------------------------------------------
// Features, predictions, risk decisions

TEST_P(StoreContract, FeaturesRoundTripWithNullForWarmUp) {
    FeatureVector fv;
    fv.bar_start = kT0;
    fv.header = header("AAPL", "feat:AAPL:1", kT0 + Duration::minutes(1), Source::kFeatures);
    fv.close = px("257.98999");
    fv.volume = qty("1169548");
    for (size_t i = 0; i < kNumFeatures; ++i) fv.values[i] = 1.0 / 3.0 + static_cast<double>(i);
    fv.values[static_cast<size_t>(Feature::kReturns1)] = -0.00025183792;
    fv.values[static_cast<size_t>(Feature::kRsi14)] = std::numeric_limits<double>::quiet_NaN();
    fv.values[static_cast<size_t>(Feature::kSma20)] = std::numeric_limits<double>::quiet_NaN();
    fv.valid_mask = ((1U << kNumFeatures) - 1) & ~(1U << static_cast<unsigned>(Feature::kRsi14)) &
                    ~(1U << static_cast<unsigned>(Feature::kSma20));
    ASSERT_OK(store().put_features(fv));
    FeatureVector dup = fv;
    dup.header.event_id = ids_.next();
    dup.values[1] = 42;
    ASSERT_OK(store().put_features(dup));  // same symbol and bar: ignored
    EXPECT_EQ(rows("features_tft"), 1);

    auto got = store().load_features(BarQuery{});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 1U);
    const FeatureVector& g = (*got)[0];
    expect_same_header(g.header, fv.header);
    EXPECT_EQ(g.bar_start, fv.bar_start);
    EXPECT_EQ(g.close, fv.close);
    EXPECT_EQ(g.volume, fv.volume);
    EXPECT_EQ(g.valid_mask, fv.valid_mask);
    EXPECT_FALSE(g.valid(Feature::kRsi14));
    EXPECT_TRUE(std::isnan(g.get(Feature::kRsi14)));
    EXPECT_TRUE(std::isnan(g.get(Feature::kSma20)));
    for (Feature f : kAllFeatures) {
        if (f == Feature::kRsi14 || f == Feature::kSma20) continue;
        EXPECT_EQ(g.get(f), fv.get(f)) << feature_name(f);  // bit-exact doubles
    }
    EXPECT_FALSE(g.complete());
}

TEST_P(StoreContract, PredictionRoundTripAndDuplicateKeyIgnored) {
    Prediction p;
    p.bar_start = kT0;
    p.header = header("NVDA", "pred:NVDA:1", kT0 + Duration::minutes(1), Source::kPrediction);
    p.close = px("183.160004");
    p.horizons = {QuantileForecast{-0.0021, 0.0004, 0.0031},
                  QuantileForecast{-0.0027, 0.0006, 0.0040},
                  QuantileForecast{-0.0033, 0.0009, 0.0049}};
    p.direction = Direction::kUp;
    p.confidence = 0.7231;
    p.signal = Signal::kBuy;
    p.model_id = ModelId("lq-20260312-001");
    ASSERT_OK(store().put_prediction(p));
    Prediction dup = p;
    dup.bar_start = kT0 + Duration::minutes(5);
    dup.signal = Signal::kSell;
    ASSERT_OK(store().put_prediction(dup));  // same idempotency key: ignored
    EXPECT_EQ(rows("predictions_tft"), 1);

    auto got = store().load_predictions(BarQuery{});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 1U);
    const Prediction& g = (*got)[0];
    expect_same_header(g.header, p.header);
    EXPECT_EQ(g.bar_start, p.bar_start);
    EXPECT_EQ(g.close, p.close);
    for (size_t h = 0; h < kNumHorizons; ++h) {
        EXPECT_EQ(g.horizons[h].q10, p.horizons[h].q10);
        EXPECT_EQ(g.horizons[h].q50, p.horizons[h].q50);
        EXPECT_EQ(g.horizons[h].q90, p.horizons[h].q90);
    }
    EXPECT_EQ(g.direction, Direction::kUp);
    EXPECT_EQ(g.confidence, 0.7231);
    EXPECT_EQ(g.signal, Signal::kBuy);
    EXPECT_EQ(g.model_id, p.model_id);

    BarQuery q;
    q.symbols = {"AAPL"};
    EXPECT_TRUE(store().load_predictions(q)->empty());
}

TEST_P(StoreContract, RiskDecisionRoundTripAndRange) {
    RiskDecision d;
    d.header = header("AAPL", "risk:AAPL:1", kT0 + Duration::seconds(61), Source::kRisk);
    d.approved = false;
    d.reasons = static_cast<uint32_t>(RiskReason::kCooldownActive) |
                static_cast<uint32_t>(RiskReason::kCvarExceedsLimit);
    d.intent = OrderIntent::kEntry;
    d.side = Side::kSell;
    d.qty = qty("3");
    d.ref_price = px("258.640015");
    d.notional = usd("775.920045");
    d.cvar = 0.0312;
    d.confidence = 0.66;
    d.prediction_event_id = ids_.next();

    RiskDecision exit = d;
    exit.header = header("AAPL", "risk:AAPL:2", kT0 + Duration::minutes(30), Source::kExit);
    exit.approved = true;
    exit.reasons = 0;
    exit.intent = OrderIntent::kExit;
    exit.exit_reason = ExitReason::kStopLoss;
    exit.prediction_event_id = Uuid{};  // none

    ASSERT_OK(store().put_risk_decision(exit));
    ASSERT_OK(store().put_risk_decision(d));
    ASSERT_OK(store().put_risk_decision(d));  // repeat: ignored
    EXPECT_EQ(rows("risk_decisions"), 2);

    auto got = store().load_risk_decisions(kT0, kT0 + Duration::hours(1));
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 2U);
    const RiskDecision& g = (*got)[0];  // ordered by time
    expect_same_header(g.header, d.header);
    EXPECT_FALSE(g.approved);
    EXPECT_EQ(g.reasons, d.reasons);
    EXPECT_EQ(g.intent, OrderIntent::kEntry);
    EXPECT_EQ(g.exit_reason, ExitReason::kNone);
    EXPECT_EQ(g.side, Side::kSell);
    EXPECT_EQ(g.qty, d.qty);
    EXPECT_EQ(g.ref_price, d.ref_price);
    EXPECT_EQ(g.notional, d.notional);
    EXPECT_EQ(g.cvar, 0.0312);
    EXPECT_EQ(g.confidence, 0.66);
    EXPECT_EQ(g.prediction_event_id, d.prediction_event_id);
    const RiskDecision& e = (*got)[1];
    expect_same_header(e.header, exit.header);
    EXPECT_TRUE(e.approved);
    EXPECT_EQ(e.reasons, 0U);
    EXPECT_EQ(e.intent, OrderIntent::kExit);
    EXPECT_EQ(e.exit_reason, ExitReason::kStopLoss);
    EXPECT_TRUE(e.prediction_event_id.is_nil());

    // Half-open on the event time.
    EXPECT_EQ(store().load_risk_decisions(kT0, exit.header.ts)->size(), 1U);
    EXPECT_TRUE(store().load_risk_decisions(kT0, d.header.ts)->empty());
}

// ---------------------------------------------------------------------------------------------
// Trades and positions

TEST_P(StoreContract, TradeIsInsertedOncePerIdempotencyKey) {
    TradeRow t = trade("AAPL", "AAPL-entry-1773322260", kT0 + Duration::minutes(1));
    t.avg_fill_price = px("258.640015");
    t.fees = usd("0.05");
    auto first = store().insert_trade(t);
    ASSERT_OK(first);
    EXPECT_TRUE(*first);

    TradeRow other = t;
    other.qty = qty("100");
    other.side = Side::kSell;
    other.status = OrderStatus::kFilled;
    auto second = store().insert_trade(other);
    ASSERT_OK(second);
    EXPECT_FALSE(*second);
    EXPECT_EQ(rows("trades"), 1);

    auto found = store().find_trade("AAPL-entry-1773322260");
    ASSERT_OK(found);
    ASSERT_TRUE(found->has_value());
    const TradeRow& g = **found;
    EXPECT_GT(g.id, 0);
    EXPECT_EQ(g.ts, t.ts);
    EXPECT_EQ(g.symbol, "AAPL");
    EXPECT_EQ(g.side, Side::kBuy);  // nothing changed
    EXPECT_EQ(g.qty, qty("5"));
    EXPECT_EQ(g.status, OrderStatus::kPending);
    EXPECT_EQ(g.avg_fill_price, t.avg_fill_price);
    EXPECT_EQ(g.alpaca_order_id, t.alpaca_order_id);
    EXPECT_EQ(g.alpaca_status, "new");
    EXPECT_FALSE(g.filled_at.is_set());
    EXPECT_EQ(g.correlation_id, t.correlation_id);
    EXPECT_TRUE(g.paper_trade);
    EXPECT_FALSE(g.dry_run);
    EXPECT_EQ(g.intent, OrderIntent::kEntry);
    EXPECT_EQ(g.exit_reason, ExitReason::kNone);
    EXPECT_EQ(g.fees, usd("0.05"));
    EXPECT_EQ(g.block_reason, "");

    auto missing = store().find_trade("no-such-key");
    ASSERT_OK(missing);
    EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreContract, UpdateTradeChangesTheMutableColumns) {
    TradeRow t = trade("MSFT", "MSFT-exit-1", kT0);
    t.intent = OrderIntent::kExit;
    t.exit_reason = ExitReason::kTakeProfit;
    ASSERT_TRUE(*store().insert_trade(t));

    TradeRow u = t;
    u.filled_qty = qty("5");
    u.avg_fill_price = px("401.255");
    u.status = OrderStatus::kFilled;
    u.alpaca_status = "filled";
    u.filled_at = kT0 + Duration::millis(1500);
    u.fees = usd("0.010035");
    ASSERT_OK(store().update_trade(u));

    auto g = **store().find_trade("MSFT-exit-1");
    EXPECT_EQ(g.filled_qty, qty("5"));
    EXPECT_EQ(g.avg_fill_price, px("401.255"));
    EXPECT_EQ(g.status, OrderStatus::kFilled);
    EXPECT_EQ(g.alpaca_status, "filled");
    EXPECT_EQ(g.filled_at, kT0 + Duration::millis(1500));
    EXPECT_EQ(g.fees, usd("0.010035"));
    EXPECT_EQ(g.intent, OrderIntent::kExit);
    EXPECT_EQ(g.exit_reason, ExitReason::kTakeProfit);
    EXPECT_EQ(rows("trades"), 1);

    TradeRow blocked = t;
    blocked.status = OrderStatus::kBlocked;
    blocked.dry_run = true;
    blocked.block_reason = "DRY_RUN";
    ASSERT_OK(store().update_trade(blocked));
    g = **store().find_trade("MSFT-exit-1");
    EXPECT_EQ(g.status, OrderStatus::kBlocked);
    EXPECT_TRUE(g.dry_run);
    EXPECT_EQ(g.block_reason, "DRY_RUN");
    EXPECT_FALSE(g.filled_at.is_set());

    auto missing = store().update_trade(trade("MSFT", "unknown-key", kT0));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_NE(missing.error().message.find("unknown-key"), std::string::npos);
}

TEST_P(StoreContract, LoadTradesFiltersAndOrders) {
    TradeRow a = trade("AAPL", "a", kT0 + Duration::minutes(2));
    TradeRow b = trade("MSFT", "b", kT0);
    TradeRow c = trade("AAPL", "c", kT0 + Duration::minutes(1));
    TradeRow d = trade("AAPL", "d", kT0 + Duration::minutes(1));  // same ts as c: by id
    d.correlation_id = a.correlation_id;
    for (const TradeRow& t : {a, b, c, d}) ASSERT_TRUE(*store().insert_trade(t));

    auto keys = [](const std::vector<TradeRow>& ts) {
        std::string s;
        for (const auto& t : ts) s += t.idempotency_key.str();
        return s;
    };
    EXPECT_EQ(keys(*store().load_trades(TradeQuery{})), "bcda");
    TradeQuery q;
    q.symbol = "AAPL";
    EXPECT_EQ(keys(*store().load_trades(q)), "cda");
    q.from = kT0 + Duration::minutes(1);
    q.to = kT0 + Duration::minutes(2);  // excluded
    EXPECT_EQ(keys(*store().load_trades(q)), "cd");
    q.limit = 1;
    EXPECT_EQ(keys(*store().load_trades(q)), "c");
    TradeQuery by_corr;
    by_corr.correlation_id = a.correlation_id;
    EXPECT_EQ(keys(*store().load_trades(by_corr)), "da");
    by_corr.symbol = "MSFT";
    EXPECT_EQ(keys(*store().load_trades(by_corr)), "");
}

TEST_P(StoreContract, PositionsUpsert) {
    PositionRow p;
    p.symbol = Symbol("TSLA");
    p.qty = qty("-10");  // short
    p.avg_entry_price = px("250.125");
    p.market_value = usd("-2490.5");
    p.unrealized_pl = usd("10.75");
    p.cost_basis = usd("-2501.25");
    p.realized_pl = usd("0");
    p.opened_at = kT0;
    p.updated_at = kT0 + Duration::minutes(5);
    ASSERT_OK(store().upsert_position(p));
    PositionRow aapl = p;
    aapl.symbol = Symbol("AAPL");
    aapl.qty = qty("5");
    ASSERT_OK(store().upsert_position(aapl));

    PositionRow flat = p;  // closed: qty 0, realized PnL booked
    flat.qty = qty("0");
    flat.market_value = usd("0");
    flat.unrealized_pl = usd("0");
    flat.cost_basis = usd("0");
    flat.realized_pl = usd("12.345678");
    flat.updated_at = kT0 + Duration::minutes(9);
    ASSERT_OK(store().upsert_position(flat));

    auto got = store().load_positions();
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 2U);
    EXPECT_EQ((*got)[0].symbol, "AAPL");  // ordered by symbol
    EXPECT_EQ((*got)[0].qty, qty("5"));
    const PositionRow& t = (*got)[1];
    EXPECT_EQ(t.symbol, "TSLA");
    EXPECT_EQ(t.qty, qty("0"));
    EXPECT_EQ(t.avg_entry_price, px("250.125"));
    EXPECT_EQ(t.market_value, usd("0"));
    EXPECT_EQ(t.realized_pl, usd("12.345678"));
    EXPECT_EQ(t.opened_at, kT0);
    EXPECT_EQ(t.updated_at, kT0 + Duration::minutes(9));
    EXPECT_EQ(rows("positions"), 2);
}

// ---------------------------------------------------------------------------------------------
// Audit

TEST_P(StoreContract, AuditKeepsInsertionOrderAndDedupsByEventId) {
    EventHeader root = header("AAPL", "bar:AAPL:1", kT0 + Duration::minutes(1));
    EventHeader feat = root;
    feat.event_id = ids_.next();
    feat.source = Source::kFeatures;
    feat.ts = root.ts;  // same time: order must come from insertion
    EventHeader pred = root;
    pred.event_id = ids_.next();
    pred.source = Source::kPrediction;
    pred.ts = root.ts - Duration::seconds(1);  // earlier ts, inserted later
    EventHeader unrelated = header("MSFT", "bar:MSFT:1", kT0);

    ASSERT_OK(store().put_audit(root, "market_bar", R"({"close":"258.64"})"));
    ASSERT_OK(store().put_audit(unrelated, "market_bar", "{}"));
    ASSERT_OK(store().put_audit(feat, "features", "{}"));
    ASSERT_OK(store().put_audit(root, "market_bar", R"({"close":"999"})"));  // repeat: ignored
    ASSERT_OK(store().put_audit(pred, "prediction", R"({"signal":"BUY"})"));
    EXPECT_EQ(rows("audit_events"), 4);

    auto chain = store().load_audit(root.correlation_id);
    ASSERT_OK(chain);
    ASSERT_EQ(chain->size(), 3U);
    EXPECT_EQ((*chain)[0].event_id, root.event_id);
    EXPECT_EQ((*chain)[0].event_type, "market_bar");
    EXPECT_EQ((*chain)[0].payload, R"({"close":"258.64"})");
    EXPECT_EQ((*chain)[0].source, std::string(to_string(Source::kIngestion)));
    EXPECT_EQ((*chain)[0].symbol, "AAPL");
    EXPECT_EQ((*chain)[0].idempotency_key, "bar:AAPL:1");
    EXPECT_EQ((*chain)[0].correlation_id, root.correlation_id);
    EXPECT_EQ((*chain)[0].ts, root.ts);
    EXPECT_EQ((*chain)[1].event_id, feat.event_id);
    EXPECT_EQ((*chain)[2].event_id, pred.event_id);
    EXPECT_EQ((*chain)[2].ts, pred.ts);
    EXPECT_LT((*chain)[0].seq, (*chain)[1].seq);
    EXPECT_LT((*chain)[1].seq, (*chain)[2].seq);
    EXPECT_TRUE(store().load_audit(ids_.next())->empty());
}

TEST_P(StoreContract, AuditChainAcrossMidnightAndYears) {
    // Events of one chain on different UTC days (and years) are all found, in insertion order.
    EventHeader a = header("SPY", "k:a", at("2025-12-31T23:59:59.900Z"));
    EventHeader b = a;
    b.event_id = ids_.next();
    b.ts = at("2026-01-01T00:00:00.100Z");
    EventHeader c = a;
    c.event_id = ids_.next();
    c.ts = at("2026-03-12T13:30:00Z");
    EventHeader other_day = header("SPY", "k:o", at("2026-01-01T12:00:00Z"));
    ASSERT_OK(store().put_audit(a, "market_bar", "{}"));
    ASSERT_OK(store().put_audit(other_day, "market_bar", "{}"));
    ASSERT_OK(store().put_audit(c, "risk_decision", "{}"));
    ASSERT_OK(store().put_audit(b, "features", "{}"));
    auto chain = store().load_audit(a.correlation_id);
    ASSERT_OK(chain);
    ASSERT_EQ(chain->size(), 3U);
    EXPECT_EQ((*chain)[0].event_id, a.event_id);
    EXPECT_EQ((*chain)[1].event_id, c.event_id);
    EXPECT_EQ((*chain)[2].event_id, b.event_id);
    EXPECT_EQ((*chain)[2].ts, b.ts);
    EXPECT_EQ(store().load_audit(other_day.correlation_id)->size(), 1U);
}

// ---------------------------------------------------------------------------------------------
// Models registry

// Job runs

TEST_P(StoreContract, AJobSlotIsClaimedOnceAndItsRunRecorded) {
    JobRunRecord run;
    run.job = "eod";
    run.slot = kT0;
    run.trigger = "on_time";
    run.status = "running";
    run.started_at = kT0 + Duration::seconds(2);
    run.summary = "";
    run.details_json = "{}";
    run.correlation_id = ids_.next();
    auto first = store().claim_job_run(run);
    ASSERT_OK(first);
    EXPECT_TRUE(*first);
    // The same slot again (a second scheduler, or one restarted): not this caller's to run.
    JobRunRecord again = run;
    again.trigger = "catch_up";
    auto second = store().claim_job_run(again);
    ASSERT_OK(second);
    EXPECT_FALSE(*second);

    run.status = "ok";
    run.finished_at = kT0 + Duration::seconds(5);
    run.summary = "daily_pnl_summary saved";
    run.details_json = R"({"trades":3})";
    ASSERT_OK(store().update_job_run(run));
    JobRunRecord watch = run;
    watch.job = "watchdog";
    watch.slot = kT0 + Duration::minutes(15);
    watch.status = "skipped";
    watch.started_at = Timestamp{};
    watch.finished_at = Timestamp{};
    ASSERT_TRUE(*store().claim_job_run(watch));

    auto all = store().load_job_runs(JobRunQuery{});
    ASSERT_OK(all);
    ASSERT_EQ(all->size(), 2U);
    const JobRunRecord& eod = (*all)[0];  // by slot
    EXPECT_EQ(eod.job, "eod");
    EXPECT_EQ(eod.slot, kT0);
    EXPECT_EQ(eod.trigger, "on_time");  // the first claim's
    EXPECT_EQ(eod.status, "ok");
    EXPECT_EQ(eod.started_at, kT0 + Duration::seconds(2));
    EXPECT_EQ(eod.finished_at, kT0 + Duration::seconds(5));
    EXPECT_EQ(eod.summary, "daily_pnl_summary saved");
    EXPECT_EQ(eod.details_json, R"({"trades":3})");
    EXPECT_EQ(eod.correlation_id, run.correlation_id);
    EXPECT_FALSE((*all)[1].started_at.is_set());

    JobRunQuery only;
    only.job = "watchdog";
    auto w = store().load_job_runs(only);
    ASSERT_OK(w);
    ASSERT_EQ(w->size(), 1U);
    EXPECT_EQ((*w)[0].status, "skipped");
    JobRunQuery range;
    range.from = kT0 + Duration::minutes(1);
    EXPECT_EQ(store().load_job_runs(range)->size(), 1U);
    range.limit = 0;
    EXPECT_EQ(store().load_job_runs(range)->size(), 0U);

    // The table's checks refuse a status it does not know.
    JobRunRecord bad = run;
    bad.slot = kT0 + Duration::hours(1);
    bad.status = "maybe";
    EXPECT_FALSE(store().claim_job_run(bad).ok());
}

TEST_P(StoreContract, ModelLifecycle) {
    ASSERT_OK(store().register_model(model("m1", kT0)));
    ASSERT_OK(store().register_model(model("m2", kT0 + Duration::hours(1))));
    auto dup = store().register_model(model("m1", kT0));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);

    auto none = store().green_model();
    ASSERT_OK(none);
    EXPECT_FALSE(none->has_value());

    ASSERT_OK(store().promote_model("m1", kT0 + Duration::hours(2)));
    auto g = store().green_model();
    ASSERT_TRUE(g->has_value());
    EXPECT_EQ((*g)->model_id, "m1");
    EXPECT_EQ((*g)->promoted_at, kT0 + Duration::hours(2));
    EXPECT_EQ((*g)->metrics_json, R"({"pinball_loss":0.0123})");
    EXPECT_EQ((*g)->trained_from, kT0 - Duration::days(3));
    EXPECT_EQ((*g)->trained_to, kT0 - Duration::minutes(1));

    ASSERT_OK(store().promote_model("m2", kT0 + Duration::hours(3)));
    auto models = store().list_models();
    ASSERT_OK(models);
    ASSERT_EQ(models->size(), 2U);
    EXPECT_EQ((*models)[0].model_id, "m1");  // by creation time
    EXPECT_EQ((*models)[0].status, ModelStatus::kDeprecated);
    EXPECT_EQ((*models)[0].promoted_at, kT0 + Duration::hours(2));  // history kept
    EXPECT_EQ((*models)[1].model_id, "m2");
    EXPECT_EQ((*models)[1].status, ModelStatus::kGreen);
    EXPECT_EQ((*models)[1].model_type, "linear_quantile");
    EXPECT_EQ((*models)[1].path, "models/m2.json");
    EXPECT_EQ((*models)[1].params_json, R"({"features":["rsi_14","sma_5"]})");
    EXPECT_EQ((*models)[1].created_at, kT0 + Duration::hours(1));

    auto old = store().promote_model("m1", kT0 + Duration::hours(4));
    ASSERT_FALSE(old.ok());
    EXPECT_EQ(old.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ((*store().green_model())->model_id, "m2");  // unchanged

    auto unknown = store().promote_model("nope", kT0);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    EXPECT_NE(unknown.error().message.find("nope"), std::string::npos);
    EXPECT_EQ(store().deprecate_model("nope").error().code, ErrorCode::kNotFound);

    ASSERT_OK(store().promote_model("m2", kT0 + Duration::hours(5)));  // already green: no-op
    EXPECT_EQ((*store().green_model())->promoted_at, kT0 + Duration::hours(3));

    ASSERT_OK(store().deprecate_model("m2"));
    EXPECT_FALSE(store().green_model()->has_value());
    auto m2 = store().find_model("m2");
    ASSERT_TRUE(m2->has_value());
    EXPECT_EQ((*m2)->status, ModelStatus::kDeprecated);
    EXPECT_FALSE(store().find_model("zzz")->has_value());
}

TEST_P(StoreContract, PromotionIsDurableAcrossReopen) {
    ASSERT_OK(store().register_model(model("a", kT0)));
    ASSERT_OK(store().register_model(model("b", kT0 + Duration::seconds(1))));
    ASSERT_OK(store().promote_model("a", kT0));
    ASSERT_OK(store().promote_model("b", kT0 + Duration::seconds(2)));
    reopen();
    auto models = store().list_models();
    ASSERT_EQ(models->size(), 2U);
    int greens = 0;
    for (const auto& m : *models) greens += m.status == ModelStatus::kGreen ? 1 : 0;
    EXPECT_EQ(greens, 1);
    EXPECT_EQ((*store().green_model())->model_id, "b");
}

TEST(ModelStatusNames, RoundTrip) {
    for (ModelStatus s : {ModelStatus::kCandidate, ModelStatus::kGreen, ModelStatus::kDeprecated}) {
        EXPECT_EQ(model_status_from_string(to_string(s)), s);
    }
    EXPECT_EQ(to_string(ModelStatus::kGreen), "green");
    EXPECT_EQ(to_string(ModelStatus::kCandidate), "candidate");
    EXPECT_EQ(to_string(ModelStatus::kDeprecated), "deprecated");
    EXPECT_FALSE(model_status_from_string("Green").has_value());
    EXPECT_FALSE(model_status_from_string("").has_value());
}

// ---------------------------------------------------------------------------------------------
// Daily PnL and checkpoints

TEST_P(StoreContract, DailyPnlUpsertReplacesTheDay) {
    DailyPnlRow r;
    r.report_date = Date{2026, 3, 12};
    r.realized_pnl_usd = usd("12.5");
    r.unrealized_pnl_usd = usd("-3.25");
    r.total_pnl_usd = usd("9.25");
    r.num_trades = 4;
    r.num_wins = 3;
    r.num_losses = 1;
    r.win_rate = 75;
    r.best_symbol = "AAPL";
    r.worst_symbol = "TSLA";
    r.created_at = at("2026-03-12T21:00:00Z");
    ASSERT_OK(store().upsert_daily_pnl(r));
    DailyPnlRow next = r;
    next.report_date = Date{2026, 3, 13};
    ASSERT_OK(store().upsert_daily_pnl(next));

    DailyPnlRow rerun = r;  // a re-run of the 12th replaces it
    rerun.realized_pnl_usd = usd("-1.000001");
    rerun.total_pnl_usd = usd("-4.250001");
    rerun.num_trades = 1;
    rerun.num_wins = 0;
    rerun.win_rate = 0;
    rerun.best_symbol = "";
    ASSERT_OK(store().upsert_daily_pnl(rerun));
    EXPECT_EQ(rows("daily_pnl_summary"), 2);

    auto got = store().load_daily_pnl(Date{2026, 3, 12}, Date{2026, 3, 12});
    ASSERT_OK(got);
    ASSERT_EQ(got->size(), 1U);
    const DailyPnlRow& g = (*got)[0];
    EXPECT_EQ(g.report_date, (Date{2026, 3, 12}));
    EXPECT_EQ(g.realized_pnl_usd, usd("-1.000001"));
    EXPECT_EQ(g.unrealized_pnl_usd, usd("-3.25"));
    EXPECT_EQ(g.total_pnl_usd, usd("-4.250001"));
    EXPECT_EQ(g.num_trades, 1);
    EXPECT_EQ(g.num_wins, 0);
    EXPECT_EQ(g.num_losses, 1);
    EXPECT_EQ(g.win_rate, 0);
    EXPECT_EQ(g.best_symbol, "");
    EXPECT_EQ(g.worst_symbol, "TSLA");
    EXPECT_EQ(g.created_at, r.created_at);

    auto week = store().load_daily_pnl(Date{2026, 3, 9}, Date{2026, 3, 13});  // both ends included
    ASSERT_EQ(week->size(), 2U);
    EXPECT_EQ((*week)[1].report_date, (Date{2026, 3, 13}));
    EXPECT_EQ((*week)[1].win_rate, 75);
    EXPECT_TRUE(store().load_daily_pnl(Date{2026, 3, 14}, Date{2026, 3, 20})->empty());
}

TEST_P(StoreContract, BackfillCheckpoints) {
    auto none = store().get_checkpoint("csv", "AAPL");
    ASSERT_OK(none);
    EXPECT_FALSE(none->has_value());
    BackfillCheckpoint c{"csv", "AAPL", kT0, 390, at("2026-03-13T00:00:00Z")};
    ASSERT_OK(store().put_checkpoint(c));
    ASSERT_OK(store().put_checkpoint({"csv", "MSFT", kT0, 7, kT0}));
    c.last_ts = kT0 + Duration::days(1);
    c.rows = 780;
    ASSERT_OK(store().put_checkpoint(c));
    auto got = store().get_checkpoint("csv", "AAPL");
    ASSERT_OK(got);
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->source, "csv");
    EXPECT_EQ((*got)->symbol, "AAPL");
    EXPECT_EQ((*got)->last_ts, kT0 + Duration::days(1));
    EXPECT_EQ((*got)->rows, 780);
    EXPECT_EQ((*got)->updated_at, at("2026-03-13T00:00:00Z"));
    EXPECT_EQ((*store().get_checkpoint("csv", "MSFT"))->rows, 7);
    EXPECT_FALSE(store().get_checkpoint("polygon", "AAPL")->has_value());
    EXPECT_EQ(rows("backfill_checkpoints"), 2);
}

// ---------------------------------------------------------------------------------------------
// Batching and persistence

TEST_P(StoreContract, UnflushedWritesAreVisibleToTheSameStoreAndSurviveClose) {
    reopen(/*batch_size=*/100000);
    for (int i = 0; i < 250; ++i) {
        ASSERT_TRUE(*store().put_bar(bar("AAPL", kT0 + Duration::minutes(i))));
    }
    ASSERT_TRUE(*store().insert_trade(trade("AAPL", "t1", kT0)));
    // Read before any flush: the store sees its own writes.
    EXPECT_EQ(store().load_bars(BarQuery{})->size(), 250U);
    ASSERT_TRUE(store().find_trade("t1")->has_value());
    ASSERT_TRUE(*store().put_bar(bar("AAPL", kT0 + Duration::minutes(250))));
    // Closing without flush(): the destructor commits.
    reopen();
    EXPECT_EQ(rows("market_raw_minute"), 251);
    EXPECT_TRUE(store().find_trade("t1")->has_value());
}

TEST_P(StoreContract, OtherStoresSeeWritesOnceFlushed) {
    reopen(/*batch_size=*/100000);
    ASSERT_TRUE(*store().put_bar(bar("AAPL", kT0)));
    ASSERT_TRUE(*store().put_bar(bar("MSFT", kT0)));
    auto reader = open_store(10);
    ASSERT_NE(reader, nullptr);
    auto before = reader->load_bars(BarQuery{});
    ASSERT_OK(before);
    EXPECT_EQ(before->size(), 0U);  // the batch is not committed yet
    ASSERT_OK(store().flush());
    EXPECT_EQ(reader->load_bars(BarQuery{})->size(), 2U);
    ASSERT_OK(store().flush());  // nothing pending: fine
}

TEST_P(StoreContract, EverythingPersistsAcrossReopen) {
    write_a_row_everywhere();
    if (HasFatalFailure()) return;

    reopen();
    for (const char* t : {"market_raw_minute", "features_tft", "predictions_tft", "risk_decisions",
                          "trades", "positions", "audit_events", "models_registry",
                          "daily_pnl_summary", "backfill_checkpoints", "runs"}) {
        EXPECT_EQ(rows(t), 1) << t;
    }
    EXPECT_EQ(store().load_features(BarQuery{})->at(0).values[0], 55.5);
    EXPECT_EQ(store().load_positions()->at(0).qty, qty("5"));
}

TEST_P(StoreContract, ClearRunResultsKeepsBarsFeaturesModelsAndCheckpoints) {
    write_a_row_everywhere();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(*store().insert_trade(trade("AAPL", "t2", kT0)));

    auto removed = store().clear_run_results();  // the open batch is part of what is cleared
    ASSERT_OK(removed);
    ASSERT_EQ(removed->size(), kRunResultTables.size());
    for (const auto& [table, n] : *removed) {
        EXPECT_EQ(n, table == "trades" ? 2 : 1) << table;
        EXPECT_EQ(rows(table.c_str()), 0) << table;
    }
    for (const char* kept :
         {"market_raw_minute", "features_tft", "models_registry", "backfill_checkpoints"}) {
        EXPECT_EQ(rows(kept), 1) << kept;
    }
    reopen();
    EXPECT_EQ(rows("trades"), 0);
    EXPECT_EQ(rows("market_raw_minute"), 1);
    // A key cleared can be used again.
    EXPECT_TRUE(*store().insert_trade(trade("AAPL", "t1", kT0)));
}

TEST_P(StoreContract, AnUnfinishedRunIsFoundAndWhatItProducedIsDiscardedToTheRow) {
    EXPECT_FALSE(store().unfinished_run()->has_value());
    // An earlier run of the 12th, finished; then a run from the 13th, interrupted.
    const Timestamp day2 = kT0 + Duration::days(1);
    RunRecord earlier = run("r-12", kT0, kT0 + Duration::hours(8));
    ASSERT_OK(store().put_run(earlier));
    earlier.last_bar = kT0 + Duration::hours(6);
    earlier.bars = 390;
    earlier.finished_at = kT0 + Duration::hours(9);
    ASSERT_OK(store().put_run(earlier));  // by run_id: the same row, finished
    const RunRecord interrupted = run("r-13", day2, day2 + Duration::hours(8));
    ASSERT_OK(store().put_run(interrupted));
    reopen();  // put_run commits: the marks survive a process that dies right after
    auto open = store().unfinished_run();
    ASSERT_OK(open);
    ASSERT_TRUE(open->has_value());
    EXPECT_EQ((*open)->run_id, "r-13");
    EXPECT_EQ((*open)->command, "awet replay");
    EXPECT_EQ((*open)->first_bar, day2);
    EXPECT_FALSE((*open)->last_bar.is_set());
    EXPECT_EQ((*open)->started_at, day2 + Duration::hours(8));
    EXPECT_EQ((*open)->pid, 4242);

    // Results of both days in every run-result table.
    for (Timestamp t : {kT0, day2}) {
        const std::string tag = t == kT0 ? "12" : "13";
        Prediction p;
        p.header = header("AAPL", "p" + tag, t);
        p.bar_start = t;
        ASSERT_OK(store().put_prediction(p));
        RiskDecision d;
        d.header = header("AAPL", "r" + tag, t);
        ASSERT_OK(store().put_risk_decision(d));
        ASSERT_TRUE(*store().insert_trade(trade("AAPL", "t" + tag, t)));
        ASSERT_OK(store().put_audit(header("AAPL", "a" + tag, t), "market_bar", "{}"));
        DailyPnlRow day;
        day.report_date = Date{2026, 3, t == kT0 ? 12 : 13};
        ASSERT_OK(store().upsert_daily_pnl(day));
    }
    PositionRow pos;
    pos.symbol = Symbol("AAPL");
    pos.qty = qty("5");
    ASSERT_OK(store().upsert_position(pos));

    auto removed = store().discard_results_since(day2);
    ASSERT_OK(removed);
    ASSERT_EQ(removed->size(), kRunResultTables.size());
    for (const auto& [table, n] : *removed) {
        EXPECT_EQ(n, table == "positions" ? 0 : 1) << table;
        EXPECT_EQ(rows(table.c_str()), 1) << table;  // the 12th's row (and the position) stay
    }
    EXPECT_EQ(store().load_trades(TradeQuery{})->at(0).idempotency_key.str(), "t12");
    EXPECT_EQ(store().load_daily_pnl(Date{2026, 3, 1}, Date{2026, 3, 31})->size(), 1U);
    EXPECT_FALSE(store().unfinished_run()->has_value());
    // The keys of the discarded rows can be used again by the rerun.
    EXPECT_TRUE(*store().insert_trade(trade("AAPL", "t13", day2)));
}

/// In a child process: opens the store, takes `mode` (+ `role`), says so on `ready`, holds it
/// until `release` is readable, exits.
void hold_in_child(StoreHarness& harness, WriterMode mode, const char* role, int ready,
                   int release) {
    auto store = harness.open(10);
    if (!store.ok()) ::_exit(2);
    auto lease = (*store)->acquire_writer(mode, role, "the contract test's child");
    if (!lease.ok()) ::_exit(3);
    char c = 'x';
    if (::write(ready, &c, 1) != 1) ::_exit(4);
    if (::read(release, &c, 1) != 1) ::_exit(5);
    ::_exit(0);
}

TEST_P(StoreContract, OneWriterAtATimeAcrossProcesses) {
    struct Case {
        WriterMode held;
        const char* held_role;
        WriterMode wanted;
        const char* wanted_role;
        bool refused;
    };
    const Case cases[] = {
        {WriterMode::kExclusive, "", WriterMode::kShared, "", true},
        {WriterMode::kShared, "", WriterMode::kExclusive, "", true},
        {WriterMode::kShared, "", WriterMode::kShared, "", false},
        {WriterMode::kShared, "execution", WriterMode::kShared, "execution", true},
        {WriterMode::kShared, "execution", WriterMode::kShared, "exit", false},
    };
    for (const Case& c : cases) {
        int ready[2], release[2];
        ASSERT_EQ(::pipe(ready), 0);
        ASSERT_EQ(::pipe(release), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) hold_in_child(*harness_, c.held, c.held_role, ready[1], release[0]);
        char x = 0;
        ASSERT_EQ(::read(ready[0], &x, 1), 1) << "the child could not take the lock";
        {
            auto mine = store().acquire_writer(c.wanted, c.wanted_role, "the contract test");
            EXPECT_EQ(!mine.ok(), c.refused) << c.held_role << " / " << c.wanted_role;
            if (!mine.ok()) {
                EXPECT_EQ(mine.error().code, ErrorCode::kAlreadyExists);
                const std::string& why = mine.error().message;
                EXPECT_TRUE(why.find("in use by") != std::string::npos ||
                            why.find("already writes to it") != std::string::npos)
                    << why;
                if (GetParam().name == std::string("sqlite")) {
                    EXPECT_NE(why.find("PID " + std::to_string(child)), std::string::npos) << why;
                }
            }
        }
        ASSERT_EQ(::write(release[1], &x, 1), 1);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
        // Released when the holder is gone (whatever way it ended). PostgreSQL drops a session's
        // advisory locks when its backend notices the disconnect, a moment after the child
        // exits: allow it a few seconds.
        auto after = store().acquire_writer(c.held, c.held_role, "the contract test");
        for (int i = 0; i < 50 && !after.ok(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            after = store().acquire_writer(c.held, c.held_role, "the contract test");
        }
        EXPECT_TRUE(after.ok()) << (after.ok() ? "" : after.error().message);
    }
}

std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
    return info.param.name;
}

// One line per backend.
INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::Values(testing::sqlite_backend(), testing::postgres_backend()),
                         backend_name);

}  // namespace
}  // namespace awet
