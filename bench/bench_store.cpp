// Store write throughput: rows/s inserting 1-minute bars into SQLite (batched prepared inserts)
// and PostgreSQL 15 (batched prepared inserts, and COPY through put_bars), each run against a
// fresh throwaway database. PostgreSQL runs on a throwaway server (tests/support/pg_server.hpp).
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <pqxx/pqxx>
#include <vector>

#include "awet/store_postgres/postgres_store.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "pg_server.hpp"

namespace {

using namespace awet;

std::vector<MarketBar> make_bars(size_t n) {
    std::vector<MarketBar> bars(n);
    IdGenerator ids{42};
    const Timestamp t0 = Timestamp::from_seconds(1773322200);
    for (size_t i = 0; i < n; ++i) {
        MarketBar& b = bars[i];
        b.bar_start = t0 + Duration::minutes(static_cast<int64_t>(i / 8));
        b.interval = Duration::minutes(1);
        static const char* kSyms[8] = {"AAPL", "MSFT", "NVDA", "AMZN",
                                       "META", "GOOG", "TSLA", "SPY"};
        b.header.symbol = Symbol(kSyms[i % 8]);
        b.header.event_id = ids.next();
        b.header.correlation_id = ids.next();
        b.header.idempotency_key = IdempotencyKey("bar:" + std::to_string(i));
        b.header.ts = b.bar_start + b.interval;
        b.header.ts_init = b.header.ts;
        b.open = Price::from_raw(258'640'015 + static_cast<int64_t>(i));
        b.high = b.open;
        b.low = b.open;
        b.close = b.open;
        b.volume = Quantity::from_raw(1'169'548'000'000);
    }
    return bars;
}

testing::PgServer& server() {
    static testing::PgServer s;
    return s;
}

std::string fresh_pg_db() {
    static std::atomic<int> n{0};
    const std::string db = "bench_" + std::to_string(n++);
    pqxx::connection c(server().url());
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + db);
    return server().url(db);
}

constexpr size_t kRows = 100'000;

void BM_SqliteBatchedInsert(benchmark::State& state) {
    const auto bars = make_bars(kRows);
    for (auto _ : state) {
        state.PauseTiming();
        testing::TempDir dir;
        auto store = std::move(SqliteStore::open(dir.file("b.db"), 5000)).value();
        (void)store->migrate();
        state.ResumeTiming();
        for (const MarketBar& b : bars) (void)store->put_bar(b);
        (void)store->flush();
    }
    state.counters["rows_per_s"] = benchmark::Counter(
        static_cast<double>(kRows * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PostgresBatchedInsert(benchmark::State& state) {
    if (!server().ok()) {
        state.SkipWithError(server().error().c_str());
        return;
    }
    const auto bars = make_bars(kRows / 5);
    for (auto _ : state) {
        state.PauseTiming();
        auto store = std::move(PostgresStore::open(fresh_pg_db(), 1, 5000)).value();
        (void)store->migrate();
        state.ResumeTiming();
        for (const MarketBar& b : bars) (void)store->put_bar(b);
        (void)store->flush();
    }
    state.counters["rows_per_s"] = benchmark::Counter(
        static_cast<double>(bars.size() * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PostgresCopy(benchmark::State& state) {
    if (!server().ok()) {
        state.SkipWithError(server().error().c_str());
        return;
    }
    const auto bars = make_bars(kRows);
    for (auto _ : state) {
        state.PauseTiming();
        auto store = std::move(PostgresStore::open(fresh_pg_db(), 1, 1'000'000)).value();
        (void)store->migrate();
        state.ResumeTiming();
        for (size_t i = 0; i < bars.size(); i += 10'000) {
            auto r = store->put_bars(
                std::span(bars).subspan(i, std::min<size_t>(10'000, bars.size() - i)));
            if (!r.ok()) state.SkipWithError(r.error().message.c_str());
        }
        (void)store->flush();
    }
    state.counters["rows_per_s"] = benchmark::Counter(
        static_cast<double>(kRows * state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_SqliteBatchedInsert)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_PostgresBatchedInsert)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_PostgresCopy)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
