// SQLite-specific behaviour of SqliteStore: opening, migrations bookkeeping, batching boundaries
// and the human-readable column values (checked with raw SQL on a second connection).
#include "awet/store_sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "awet/store/migrations.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

#define ASSERT_OK(expr)                                                              \
    do {                                                                             \
        const auto& awet_st_ = (expr);                                               \
        ASSERT_TRUE(awet_st_.ok()) << #expr << ": " << awet_st_.error().to_string(); \
    } while (0)

const Timestamp kT0 = Timestamp::from_seconds(1773322200);  // 2026-03-12T13:30:00Z

/// A second, raw connection for looking at what the store wrote.
class RawDb {
public:
    explicit RawDb(const std::string& path) {
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                  nullptr),
                  SQLITE_OK);
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    /// Every value of every row, as text ("NULL" for NULL), rows joined by '\n', values by '|'.
    std::string query(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
            return "";
        }
        std::string out;
        while (sqlite3_step(s) == SQLITE_ROW) {
            if (!out.empty()) out += '\n';
            for (int i = 0; i < sqlite3_column_count(s); ++i) {
                if (i != 0) out += '|';
                const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
                out += t != nullptr ? t : "NULL";
            }
        }
        sqlite3_finalize(s);
        return out;
    }
    double real(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        double v = -1;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            v = sqlite3_column_double(s, 0);
        } else {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
        }
        sqlite3_finalize(s);
        return v;
    }
    void exec(const std::string& sql) {
        char* err = nullptr;
        EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
            << sql << ": " << (err != nullptr ? err : "");
        sqlite3_free(err);
    }

private:
    sqlite3* db_ = nullptr;
};

std::unique_ptr<SqliteStore> open_migrated(const std::string& path, int batch_size = 5000) {
    auto s = SqliteStore::open(path, batch_size);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    if (!s.ok()) return nullptr;
    auto st = (*s)->migrate();
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().to_string());
    return std::move(s).value();
}

MarketBar bar(const char* symbol, Timestamp start, int64_t close_raw = 258'640'015) {
    IdGenerator ids(static_cast<uint64_t>(start.ns()) ^ symbol[0]);
    MarketBar b;
    b.header.event_id = ids.next();
    b.header.correlation_id = ids.next();
    b.header.idempotency_key = IdempotencyKey("bar:" + std::string(symbol));
    b.header.symbol = Symbol(symbol);
    b.header.ts = start + Duration::minutes(1);
    b.header.ts_init = b.header.ts;
    b.bar_start = start;
    b.open = b.high = b.low = b.close = Price::from_raw(close_raw);
    b.volume = Quantity::from_raw(1'169'548'000'000);
    return b;
}

TEST(SqliteStoreOpen, CreatesParentDirectoriesAndUsesWal) {
    testing::TempDir dir;
    const std::string path = dir.file("a/b/c/awet.db");
    auto store = open_migrated(path);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(store->path(), path);
    EXPECT_EQ(store->backend(), "sqlite");
    RawDb raw(path);
    EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStoreOpen, InMemoryDatabaseWorks) {
    auto store = open_migrated(":memory:");
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0)));
    EXPECT_EQ(*store->count_rows("market_raw_minute"), 1);
    EXPECT_EQ(store->load_bars(BarQuery{})->at(0).close.raw(), 258'640'015);
}

TEST(SqliteStoreOpen, UnwritableLocationIsAClearError) {
    testing::TempDir dir;
    const std::string file = dir.file("not_a_dir");
    std::ofstream(file) << "x";
    const std::string path = file + "/sub/awet.db";  // a parent is a regular file
    auto store = SqliteStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kStore);
    EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
}

TEST(SqliteStoreOpen, NonDatabaseFileIsAClearError) {
    testing::TempDir dir;
    const std::string path = dir.file("garbage.db");
    std::ofstream(path) << std::string(4096, 'z');
    auto store = SqliteStore::open(path);
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
    EXPECT_NE(store.error().message.find("not a database"), std::string::npos)
        << store.error().message;
}

TEST(SqliteStoreOpen, EmptyPathIsRefused) {
    auto store = SqliteStore::open("");
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

TEST(SqliteStoreOpen, UseBeforeMigrateNamesTheProblem) {
    auto s = SqliteStore::open(":memory:");
    ASSERT_OK(s);
    auto r = (*s)->put_bar(bar("AAPL", kT0));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kStore);
    EXPECT_NE(r.error().message.find("put_bar: no such table: market_raw_minute"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("migrate"), std::string::npos);
}

TEST(SqliteMigrations, ListIsOrderedAndRecorded) {
    const auto schema = migrations(SchemaDialect::kSqlite);
    ASSERT_FALSE(schema.empty());
    for (size_t i = 0; i < schema.size(); ++i) {
        EXPECT_EQ(schema[i].version, static_cast<int>(i) + 1);
        EXPECT_FALSE(schema[i].name.empty());
        EXPECT_FALSE(schema[i].sql.empty());
    }
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    auto store = open_migrated(path);
    ASSERT_NE(store, nullptr);
    RawDb raw(path);
    std::string want;
    for (const Migration& m : schema) {
        if (!want.empty()) want += '\n';
        want += std::to_string(m.version) + "|" + std::string(m.name);
    }
    EXPECT_EQ(raw.query("SELECT version, name FROM schema_migrations ORDER BY version"), want);
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM schema_migrations WHERE applied_at LIKE "
                        "'____-__-__T__:__:__.___Z'"),
              std::to_string(schema.size()));
}

TEST(SqliteMigrations, AppliesOnlyPendingVersions) {
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    const int latest = migrations(SchemaDialect::kSqlite).back().version;
    {
        auto store = open_migrated(path);
        ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0)));
        ModelRecord m;
        m.model_id = "linear-old-1";
        m.model_type = "linear_quantile";
        m.path = "models/linear-old-1.json";
        m.metrics_json = m.params_json = "{}";
        m.created_at = kT0;
        m.trained_from = kT0;
        m.trained_to = kT0 + Duration::days(1);
        ASSERT_OK(store->register_model(m));
        ASSERT_OK(store->flush());
    }
    ASSERT_EQ(latest, 8);  // what is undone below is what migrations 5 to 8 made
    {
        // Pretend the database predates the last four migrations.
        RawDb raw(path);
        raw.exec(
            "DROP TABLE llm_traces; DROP TABLE llm_daily_summary; DROP TABLE daily_pnl_summary; "
            "DROP TABLE runs; DROP TABLE job_runs;");
        for (const char* c : {"trained_from", "trained_from_ns", "trained_to", "trained_to_ns"}) {
            raw.exec(std::string("ALTER TABLE models_registry DROP COLUMN ") + c);
        }
        raw.exec("DELETE FROM schema_migrations WHERE version >= 5");
    }
    auto s = SqliteStore::open(path);
    ASSERT_OK(s);
    EXPECT_EQ(*(*s)->schema_version(), latest - 4);
    EXPECT_FALSE((*s)->count_rows("daily_pnl_summary").ok());
    EXPECT_FALSE((*s)->count_rows("runs").ok());
    ASSERT_OK((*s)->migrate());
    EXPECT_EQ(*(*s)->schema_version(), latest);
    EXPECT_EQ(*(*s)->count_rows("daily_pnl_summary"), 0);
    EXPECT_EQ(*(*s)->count_rows("runs"), 0);
    EXPECT_EQ(*(*s)->count_rows("job_runs"), 0);
    EXPECT_EQ(*(*s)->count_rows("market_raw_minute"), 1);  // earlier data untouched
    // A model registered before the registry held training ranges: kept, its range unknown.
    auto models = (*s)->list_models();
    ASSERT_OK(models);
    ASSERT_EQ(models->size(), 1U);
    EXPECT_EQ((*models)[0].model_id, "linear-old-1");
    EXPECT_FALSE((*models)[0].trained_to.is_set());
}

TEST(SqliteMigrations, NewerDatabaseIsRefused) {
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    open_migrated(path).reset();
    RawDb(path).exec(
        "INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00Z')");
    auto s = SqliteStore::open(path);
    ASSERT_OK(s);
    auto st = (*s)->migrate();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("999"), std::string::npos) << st.error().message;
}

TEST(SqliteMigrations, FailedMigrationIsRolledBack) {
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    {
        // Occupy a name the first migration creates: version 1 must fail as a whole.
        RawDb raw(path);
        raw.exec("CREATE TABLE market_raw_day (x INTEGER)");
    }
    auto s = SqliteStore::open(path);
    ASSERT_OK(s);
    auto st = (*s)->migrate();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("version 1 (market_data)"), std::string::npos)
        << st.error().message;
    EXPECT_NE(st.error().message.find("market_raw_day"), std::string::npos);
    EXPECT_EQ(*(*s)->schema_version(), 0);
    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'market_raw_minute'"),
              "0");
}

TEST(SqliteBatching, CommitsEveryBatchSizeWrites) {
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    auto store = open_migrated(path, /*batch_size=*/3);
    RawDb raw(path);
    auto committed = [&] { return raw.query("SELECT COUNT(*) FROM market_raw_minute"); };
    ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0)));
    ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0 + Duration::minutes(1))));
    EXPECT_EQ(store->pending_writes(), 2);
    EXPECT_EQ(committed(), "0");
    ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0 + Duration::minutes(2))));
    EXPECT_EQ(store->pending_writes(), 0);
    EXPECT_EQ(committed(), "3");
    ASSERT_FALSE(*store->put_bar(bar("AAPL", kT0)));  // an ignored repeat still counts as a write
    EXPECT_EQ(store->pending_writes(), 1);
    ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0 + Duration::minutes(3))));
    EXPECT_EQ(committed(), "3");
    // A read sees the open batch without committing it; flush() commits.
    EXPECT_EQ(*store->count_rows("market_raw_minute"), 4);
    EXPECT_EQ(store->pending_writes(), 2);
    EXPECT_EQ(committed(), "3");
    ASSERT_TRUE(store->flush().ok());
    EXPECT_EQ(store->pending_writes(), 0);
    EXPECT_EQ(committed(), "4");
}

TEST(SqliteBatching, BatchSizeBelowOneMeansEveryWriteCommits) {
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    auto store = open_migrated(path, 0);
    EXPECT_EQ(store->batch_size(), 1);
    ASSERT_TRUE(*store->put_bar(bar("AAPL", kT0)));
    EXPECT_EQ(store->pending_writes(), 0);
    EXPECT_EQ(RawDb(path).query("SELECT COUNT(*) FROM market_raw_minute"), "1");
}

TEST(SqliteColumns, HoldHumanUnitsAndIsoText) {
    testing::TempDir dir;
    const std::string path = dir.file("awet.db");
    auto store = open_migrated(path);
    MarketBar b = bar("AAPL", kT0);
    ASSERT_TRUE(*store->put_bar(b));

    TradeRow t;
    t.ts = Timestamp::from_ns(kT0.ns() + 123'456'789);
    t.symbol = Symbol("AAPL");
    t.side = Side::kBuy;
    t.qty = Quantity::from_units(5);
    t.filled_qty = Quantity::from_units(5);
    t.avg_fill_price = Price::from_raw(258'640'015);
    t.status = OrderStatus::kFilled;
    t.filled_at = kT0 + Duration::seconds(2);
    t.idempotency_key = IdempotencyKey("AAPL-entry-1");
    t.correlation_id = b.header.correlation_id;
    ASSERT_TRUE(*store->insert_trade(t));

    FeatureVector fv;
    fv.header = b.header;
    fv.bar_start = kT0;
    fv.values[0] = 61.25;
    fv.valid_mask = 1;  // only rsi_14
    ASSERT_OK(store->put_features(fv));

    RiskDecision d;
    d.header = b.header;
    d.header.idempotency_key = IdempotencyKey("risk:1");
    d.reasons = static_cast<uint32_t>(RiskReason::kCooldownActive) |
                static_cast<uint32_t>(RiskReason::kCvarExceedsLimit);
    ASSERT_OK(store->put_risk_decision(d));

    ModelRecord m;
    m.model_id = "m1";
    m.model_type = "tft";
    m.created_at = kT0;
    ASSERT_OK(store->register_model(m));
    ASSERT_OK(store->flush());

    RawDb raw(path);
    EXPECT_EQ(raw.query("SELECT ts, ts_ns, symbol, source FROM market_raw_minute"),
              kT0.iso() + "|" + std::to_string(kT0.ns()) + "|AAPL|" +
                  std::string(to_string(Source::kIngestion)));
    EXPECT_EQ(raw.query("SELECT ts FROM market_raw_minute"), "2026-03-12T13:30:00Z");
    EXPECT_EQ(raw.real("SELECT close FROM market_raw_minute"), 258.640015);
    EXPECT_EQ(raw.real("SELECT volume FROM market_raw_minute"), 1169548.0);
    EXPECT_EQ(raw.query("SELECT event_id, correlation_id FROM market_raw_minute"),
              b.header.event_id.str() + "|" + b.header.correlation_id.str());

    EXPECT_EQ(raw.query("SELECT ts, side, status, paper_trade, dry_run, filled_at, "
                        "block_reason, alpaca_order_id FROM trades"),
              "2026-03-12T13:30:00.123456789Z|buy|filled|1|0|2026-03-12T13:30:02Z|NULL|NULL");
    EXPECT_EQ(raw.query("SELECT ts FROM trades"), t.ts.iso());
    EXPECT_EQ(raw.real("SELECT qty * avg_fill_price FROM trades"), 5 * 258.640015);

    EXPECT_EQ(raw.query("SELECT rsi_14, sma_5, day_of_week, valid_mask FROM features_tft"),
              "61.25|NULL|NULL|1");
    EXPECT_EQ(raw.query("SELECT approved, reasons, reasons_mask FROM risk_decisions"),
              "0|" + risk_reasons_to_string(d.reasons) + "|" + std::to_string(d.reasons));
    EXPECT_EQ(raw.query("SELECT reasons FROM risk_decisions"),
              "COOLDOWN_ACTIVE,CVAR_EXCEEDS_LIMIT");
    EXPECT_EQ(raw.query("SELECT status, created_at, promoted_at FROM models_registry"),
              "candidate|2026-03-12T13:30:00Z|NULL");
}

TEST(SqliteModels, OnlyOneGreenEvenThroughRegister) {
    auto store = open_migrated(":memory:");
    ModelRecord a;
    a.model_id = "a";
    a.status = ModelStatus::kGreen;
    ASSERT_OK(store->register_model(a));
    ModelRecord b = a;
    b.model_id = "b";
    auto st = store->register_model(b);  // a second green is refused by the schema
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::kStore);
    EXPECT_NE(st.error().message.find("register_model"), std::string::npos);
    EXPECT_EQ(*store->count_rows("models_registry"), 1);
    // The batch survived the refused statement.
    EXPECT_TRUE(store->find_model("a")->has_value());
}

TEST(SqliteStoreTables, CountRowsKnowsEveryTable) {
    auto store = open_migrated(":memory:");
    EXPECT_EQ(SqliteStore::table_names().size(), 15U);
    for (std::string_view t : SqliteStore::table_names()) {
        auto n = store->count_rows(t);
        ASSERT_TRUE(n.ok()) << t << ": " << n.error().to_string();
        EXPECT_EQ(*n, 0);
    }
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Issue 11, defect 13: a damaged file is refused at open, named, and left as it is.
TEST(SqliteStoreOpen, DamagedFileIsRefusedUntouched) {
    testing::TempDir dir;
    const std::string path = dir.file("damaged.db");
    {
        auto store = open_migrated(path);
        ASSERT_NE(store, nullptr);
        for (int i = 0; i < 6000; ++i) {
            ASSERT_TRUE(
                *store->put_bar(bar(i % 2 == 0 ? "AAPL" : "MSFT", kT0 + Duration::minutes(i / 2))));
        }
        ASSERT_OK(store->flush());
    }
    ASSERT_FALSE(std::filesystem::exists(path + "-wal"));  // checkpointed at close
    const auto size = std::filesystem::file_size(path);
    ASSERT_GT(size, 200'000U);
    // The sound file opens (quick_check passes).
    ASSERT_TRUE(SqliteStore::open(path).ok());
    ASSERT_FALSE(std::filesystem::exists(path + "-wal"));

    std::string bytes = file_bytes(path);
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 200; ++i) {
        bytes[i] = static_cast<char>(~bytes[i]);  // 200 flipped bytes, mid-file, not the header
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    std::filesystem::remove(path + "-shm");

    auto store = SqliteStore::open(path);
    ASSERT_FALSE(store.ok());
    const std::string& msg = store.error().message;
    EXPECT_EQ(store.error().code, ErrorCode::kStore);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("damaged"), std::string::npos) << msg;
    EXPECT_NE(msg.find("PRAGMA quick_check: "), std::string::npos) << msg;
    EXPECT_EQ(msg.find("*** in database"), std::string::npos) << msg;
    std::string lower = msg;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(lower.find("page "), std::string::npos) << msg;  // SQLite's first finding
    EXPECT_NE(msg.find("from a backup"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    // Nothing written (no WAL switch, no checkpoint); by hash, so a failure stays short.
    EXPECT_EQ(std::hash<std::string>{}(file_bytes(path)), std::hash<std::string>{}(bytes));
    EXPECT_FALSE(std::filesystem::exists(path + "-wal") &&
                 std::filesystem::file_size(path + "-wal") > 0);
}

}  // namespace
}  // namespace awet
