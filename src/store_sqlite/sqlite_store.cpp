// SqliteStore: the Store contract on one SQLite connection. Hot-path writes bind into cached
// prepared statements from stack buffers (no allocation per row) inside a batch transaction.
#include "awet/store_sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "awet/core/crash_point.hpp"
#include "awet/store/detail/row_layout.hpp"
#include "awet/store/detail/sql_text.hpp"
#include "awet/store/detail/writer_lock.hpp"
#include "awet/store/migrations.hpp"

namespace awet {
namespace {

// Column lists and row readers shared with the other store backend (row_layout.hpp).
using namespace store_rows;

constexpr std::string_view kMemoryPath = ":memory:";

// ---------------------------------------------------------------------------------------------
// Text of fixed-size values, formatted on the stack.

struct IsoText {
    char data[Timestamp::kIsoMaxLen];
    size_t len = 0;
    explicit IsoText(Timestamp t) { len = t.write_iso(data); }
    std::string_view view() const { return {data, len}; }
};

struct UuidText {
    char data[36];
    explicit UuidText(const Uuid& u) { u.write(data); }
    std::string_view view() const { return {data, sizeof data}; }
};

/// "YYYY-MM-DD" in a buffer that lives as long as the binding needs it.
struct DateText {
    char data[16];
    size_t len = 0;
    explicit DateText(const Date& d) {
        std::string s = d.to_string();  // 10 chars: within the small-string buffer, no heap
        len = std::min(s.size(), sizeof data);
        s.copy(data, len);
    }
    std::string_view view() const { return {data, len}; }
};

// ---------------------------------------------------------------------------------------------
// Binding and reading.

/// Binds parameters left to right. Text is bound SQLITE_STATIC: the caller keeps the buffer alive
/// until the statement has been stepped.
class Binder : public NullableBinds<Binder> {
public:
    explicit Binder(sqlite3_stmt* s) : s_(s) {}

    void text(std::string_view v) {
        check(sqlite3_bind_text(s_, ++i_, v.data() != nullptr ? v.data() : "",
                                static_cast<int>(v.size()), SQLITE_STATIC));
    }
    /// Text SQLite copies (for a temporary string).
    void owned_text(const std::string& v) {
        check(sqlite3_bind_text(s_, ++i_, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    /// The text form of a UUID / of a timestamp, kept in this binder until it is destroyed.
    void uuid(const Uuid& u) {
        char* p = scratch(36);
        if (p == nullptr) return owned_text(u.str());
        u.write(p);
        text({p, 36});
    }
    void iso(Timestamp t) {
        char* p = scratch(Timestamp::kIsoMaxLen);
        if (p == nullptr) return owned_text(t.iso());
        text({p, t.write_iso(p)});
    }
    void i64(int64_t v) { check(sqlite3_bind_int64(s_, ++i_, v)); }
    void real(double v) { check(sqlite3_bind_double(s_, ++i_, v)); }
    void null() { check(sqlite3_bind_null(s_, ++i_)); }
    void boolean(bool b) { i64(b ? 1 : 0); }
    template <typename Tag>
    void fixed(Fixed<Tag> f) {
        real(f.to_double());
    }
    /// The ISO text of `t`, or NULL when t is unset.
    void ts_or_null(Timestamp t, const IsoText& text_of_t) {
        if (t.is_set()) {
            text(text_of_t.view());
        } else {
            null();
        }
    }
    int rc() const { return rc_; }

private:
    void check(int rc) {
        if (rc != SQLITE_OK && rc_ == SQLITE_OK) rc_ = rc;
    }
    /// `n` bytes of the binder's own buffer (bound SQLITE_STATIC), or nullptr when it is full.
    char* scratch(size_t n) {
        if (used_ + n > sizeof scratch_) return nullptr;
        char* p = scratch_ + used_;
        used_ += n;
        return p;
    }
    sqlite3_stmt* s_;
    int i_ = 0;
    int rc_ = SQLITE_OK;
    size_t used_ = 0;
    char scratch_[256];  // three UUIDs and a timestamp: one event row
};

/// Reads columns left to right; a malformed value records the first problem (named by column)
/// and yields a default.
class Reader {
public:
    explicit Reader(sqlite3_stmt* s) : s_(s) {}

    bool is_null() const { return sqlite3_column_type(s_, i_) == SQLITE_NULL; }
    void skip() { ++i_; }
    int64_t i64() { return sqlite3_column_int64(s_, i_++); }
    double real() { return sqlite3_column_double(s_, i_++); }
    double real_or_nan() {
        if (is_null()) {
            ++i_;
            return std::numeric_limits<double>::quiet_NaN();
        }
        return real();
    }
    bool boolean() { return i64() != 0; }
    std::string_view text() {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i_));
        int n = sqlite3_column_bytes(s_, i_);
        ++i_;
        return p != nullptr ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
    }
    std::string str() { return std::string(text()); }
    template <typename Tag>
    Fixed<Tag> fixed() {
        return Fixed<Tag>::from_double(real());
    }
    /// NULL reads as the unset timestamp.
    Timestamp ts() { return Timestamp::from_ns(i64()); }
    /// NULL or '' reads as the nil UUID.
    Uuid uuid() {
        int col = i_;
        std::string_view t = text();
        if (t.empty()) return {};
        auto u = Uuid::parse(t);
        if (!u) fail(col, t);
        return u.value_or(Uuid{});
    }
    template <size_t N>
    FixedString<N> fixed_string() {
        int col = i_;
        std::string_view t = text();
        FixedString<N> f;
        if (!f.assign(t)) fail(col, t);
        return f;
    }
    template <typename E>
    E enumeration() {
        int col = i_;
        std::string_view t = text();
        auto e = enum_from_name<E>(t);
        if (!e) fail(col, t);
        return e.value_or(static_cast<E>(0));
    }
    ModelStatus model_status() {
        int col = i_;
        std::string_view t = text();
        auto st = model_status_from_string(t);
        if (!st) fail(col, t);
        return st.value_or(ModelStatus::kDeprecated);
    }
    Date date() {
        int col = i_;
        std::string_view t = text();
        auto d = Date::parse(t);
        if (!d) fail(col, t);
        return d.value_or(Date{});
    }

    bool ok() const { return problem_.empty(); }
    const std::string& problem() const { return problem_; }

private:
    void fail(int col, std::string_view value) {
        if (!problem_.empty()) return;
        const char* name = sqlite3_column_name(s_, col);
        problem_ =
            "bad value '" + std::string(value) + "' in column " + (name != nullptr ? name : "?");
    }
    sqlite3_stmt* s_;
    int i_ = 0;
    std::string problem_;
};

/// Resets a cached statement when the scope ends (releases its read snapshot / locks).
class ResetOnExit {
public:
    explicit ResetOnExit(sqlite3_stmt* s) : s_(s) {}
    ~ResetOnExit() {
        if (s_ != nullptr) sqlite3_reset(s_);
    }
    ResetOnExit(const ResetOnExit&) = delete;
    ResetOnExit& operator=(const ResetOnExit&) = delete;

private:
    sqlite3_stmt* s_;
};

struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using OwnedStmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// ---------------------------------------------------------------------------------------------
// SQL text, built once from column lists so that column and parameter counts always agree.

constexpr Placeholder kParams = Placeholder::kQuestion;

// Event tables share the §6.2 header prefix. `ts`/`ts_ns`: bar start (bars, features,
// predictions) or the event time (risk decisions); `event_ts_ns`: header.ts of bar-keyed events.

std::string bars_range_sql(std::string_view table, size_t num_symbols) {
    std::string where = "FROM " + std::string(table) + " WHERE ts_ns >= ? AND ts_ns < ?";
    if (num_symbols > 0) {
        where += " AND symbol IN (";
        for (size_t i = 0; i < num_symbols; ++i) where += i == 0 ? "?" : ", ?";
        where += ")";
    }
    where += " ORDER BY ts_ns, symbol";
    return where;
}

/// The audit chain of one correlation id. The correlation index is partitioned by UTC day (like a
/// TimescaleDB chunk index): walk the distinct days through the index, then seek
/// (day, correlation_id) in each.
std::string audit_chain_sql(const Cols& cols) {
    return "WITH RECURSIVE day(d) AS ("
           " SELECT (SELECT MIN(ts_ns / 86400000000000) FROM audit_events)"
           " UNION ALL"
           " SELECT (SELECT MIN(ts_ns / 86400000000000) FROM audit_events"
           "         WHERE ts_ns / 86400000000000 > day.d)"
           " FROM day WHERE day.d IS NOT NULL) " +
           select_sql(cols,
                      "FROM audit_events WHERE ts_ns / 86400000000000 IN "
                      "(SELECT d FROM day WHERE d IS NOT NULL) AND correlation_id = ?1 "
                      "ORDER BY seq");
}

std::optional<std::string_view> bar_table(Duration interval) {
    if (interval == Duration::minutes(1)) return "market_raw_minute";
    if (interval == Duration::days(1)) return "market_raw_day";
    return std::nullopt;
}

/// A C++ exception (allocation failure, filesystem) turned into an error value at the boundary.
Error library_error(std::string_view op, const std::exception& e) {
    return make_error(ErrorCode::kStore, std::string(op) + ": " + e.what());
}

Error bad_interval(std::string_view op, Duration interval) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(op) + ": unsupported bar interval of " +
                          std::to_string(interval.to_seconds()) +
                          " s (the store keeps 1-minute and 1-day bars)");
}

// ---------------------------------------------------------------------------------------------
// Row codecs.

}  // namespace

// ---------------------------------------------------------------------------------------------
// Statements.

const std::string& SqliteStore::sql_for(StmtId id) {
    static const std::vector<std::string> kSql = [] {
        SqlDialect dialect{kParams, [](std::string_view table) { return bars_range_sql(table, 0); },
                           &audit_chain_sql};
        std::vector<std::string> s = common_statements(dialect);
        s.resize(kStmtCount);
        s[kBegin] = "BEGIN IMMEDIATE";
        s[kCommit] = "COMMIT";
        return s;
    }();
    return kSql[id];
}

sqlite3_stmt* SqliteStore::statement(StmtId id, std::string_view op, Error& error) {
    if (stmts_[id] != nullptr) return stmts_[id];
    const std::string& sql = sql_for(id);
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        error = sqlite_error(op);
        if (error.message.find("no such table") != std::string::npos) {
            error.message += " (run migrate() first)";
        }
        return nullptr;
    }
    stmts_[id] = s;
    return s;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle.

std::span<const std::string_view> SqliteStore::table_names() { return kTables; }

SqliteStore::SqliteStore(sqlite3* db, std::string path, int batch_size)
    : db_(db), path_(std::move(path)), batch_size_(batch_size < 1 ? 1 : batch_size) {}

SqliteStore::~SqliteStore() {
    try {
        if (in_txn_) (void)flush();
    } catch (const std::exception&) {  // nothing to report to from a destructor
    }
    for (sqlite3_stmt*& s : stmts_) {
        sqlite3_finalize(s);
        s = nullptr;
    }
    sqlite3_close_v2(db_);
}

namespace {

struct QuickCheck {
    int rc = SQLITE_OK;   // of the statement: SQLITE_ROW when quick_check answered
    std::string problem;  // its first finding or SQLite's error; empty when the file is sound
};

/// `PRAGMA quick_check(1)`: O(file size), reads only, stops at the first problem.
QuickCheck quick_check(sqlite3* db) {
    QuickCheck out;
    sqlite3_stmt* raw = nullptr;
    out.rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &raw, nullptr);
    if (out.rc == SQLITE_OK) out.rc = sqlite3_step(raw);
    if (out.rc == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
        out.problem = text == nullptr ? "no answer" : text;
        if (out.problem == "ok") out.problem.clear();
    } else if (out.rc != SQLITE_DONE) {
        out.problem = sqlite3_errmsg(db);
    }
    sqlite3_finalize(raw);
    constexpr std::string_view kPrefix = "*** in database main ***";
    if (out.problem.rfind(kPrefix, 0) == 0) out.problem.erase(0, kPrefix.size());
    for (char& c : out.problem) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    while (!out.problem.empty() && out.problem.front() == ' ') out.problem.erase(0, 1);
    return out;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       int batch_size) try {
    const std::string where = "open '" + path + "'";
    if (path.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "open: empty database path");
    }
    if (path != kMemoryPath && path.rfind("file:", 0) != 0) {
        std::error_code ec;
        std::filesystem::path parent = std::filesystem::path(path).parent_path();
        if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
            ec.clear();
            std::filesystem::create_directories(parent, ec);
            if (ec) {
                return make_error(ErrorCode::kStore, where + ": cannot create directory '" +
                                                         parent.string() + "': " + ec.message());
            }
        }
    }
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (path.rfind("file:", 0) == 0) flags |= SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return make_error(ErrorCode::kStore, where + ": " + msg);
    }
    sqlite3_busy_timeout(db, 5000);
    // A damaged file is refused before anything could write to it (journal_mode = WAL rewrites
    // the header of a rollback-journal file; a checkpoint at close would copy the WAL in).
    if (path != kMemoryPath) {
        const QuickCheck check = quick_check(db);
        if (!check.problem.empty()) {
            sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
            sqlite3_close_v2(db);
            const int primary = check.rc & 0xFF;
            if (primary != SQLITE_ROW && primary != SQLITE_CORRUPT) {
                // Not a database at all, locked, unreadable: SQLite's own words.
                return make_error(ErrorCode::kStore, where + ": " + check.problem);
            }
            return make_error(ErrorCode::kStore,
                              where + ": the database file is damaged (PRAGMA quick_check: " +
                                  check.problem + "); nothing was written to it. Restore '" + path +
                                  "' from a backup, or move it away to start an empty store");
        }
    }
    static constexpr const char* kPragmas[] = {
        "PRAGMA page_size = 16384",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 5000",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -65536",
        // Checkpoint the WAL every ~40 MB instead of every 4 MB (fewer fsyncs under bulk writes);
        // truncate it back to 64 MB after a checkpoint.
        "PRAGMA wal_autocheckpoint = 10000",
        "PRAGMA journal_size_limit = 67108864",
    };
    for (const char* pragma : kPragmas) {
        char* err = nullptr;
        rc = sqlite3_exec(db, pragma, nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
            sqlite3_free(err);
            sqlite3_close_v2(db);
            return make_error(ErrorCode::kStore, where + ": " + pragma + ": " + msg);
        }
    }
    return std::unique_ptr<SqliteStore>(new SqliteStore(db, path, batch_size));
} catch (const std::exception& e) {
    return library_error("open", e);
}

// ---------------------------------------------------------------------------------------------
// Transactions and errors.

Error SqliteStore::sqlite_error(std::string_view op) {
    Error e = make_error(ErrorCode::kStore, std::string(op) + ": " + sqlite3_errmsg(db_));
    if (in_txn_ && sqlite3_get_autocommit(db_) != 0) {
        e.message += " (SQLite rolled back the open batch of " + std::to_string(pending_) +
                     " uncommitted writes)";
        in_txn_ = false;
        pending_ = 0;
    }
    return e;
}

Status SqliteStore::exec(const char* sql, std::string_view op) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return Status::Ok();
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return make_error(ErrorCode::kStore, std::string(op) + ": " + msg);
}

Status SqliteStore::begin_write(std::string_view op) {
    if (in_txn_) return Status::Ok();
    Error err;
    sqlite3_stmt* s = statement(kBegin, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    if (sqlite3_step(s) != SQLITE_DONE) return sqlite_error(op);
    in_txn_ = true;
    pending_ = 0;
    return Status::Ok();
}

Status SqliteStore::end_write(std::string_view op) {
    if (++pending_ >= batch_size_) return flush_for(op);
    return Status::Ok();
}

Status SqliteStore::flush_for(std::string_view op) {
    if (!in_txn_) return Status::Ok();
    crash_point("store.commit");
    Error err;
    sqlite3_stmt* s = statement(kCommit, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    if (sqlite3_step(s) != SQLITE_DONE) {
        // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open: the batch is kept and
        // the next flush retries, unless SQLite rolled it back (noted by sqlite_error).
        return sqlite_error(std::string(op) + ": commit");
    }
    in_txn_ = false;
    pending_ = 0;
    return Status::Ok();
}

Status SqliteStore::flush() try { return flush_for("flush"); } catch (const std::exception& e) {
    return library_error("flush", e);
}

template <typename Fill>
Status SqliteStore::write_one(StmtId id, std::string_view op, Fill&& fill, int* changes) {
    Error err;
    sqlite3_stmt* s = statement(id, op, err);
    if (s == nullptr) return err;
    AWET_TRY(begin_write(op));
    ResetOnExit reset(s);
    Binder b(s);
    fill(b);
    if (b.rc() != SQLITE_OK) return sqlite_error(op);
    if (sqlite3_step(s) != SQLITE_DONE) return sqlite_error(op);
    if (changes != nullptr) *changes = sqlite3_changes(db_);
    return end_write(op);
}

namespace {

/// Steps a read statement to the end, appending parse(reader) per row.
template <typename T, typename Parse>
Status read_rows(sqlite3* db, sqlite3_stmt* s, std::string_view op, Parse&& parse,
                 std::vector<T>& out) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        Reader r(s);
        out.push_back(parse(r));
        if (!r.ok()) return make_error(ErrorCode::kStore, std::string(op) + ": " + r.problem());
    }
    if (rc != SQLITE_DONE) {
        return make_error(ErrorCode::kStore, std::string(op) + ": " + sqlite3_errmsg(db));
    }
    return Status::Ok();
}

/// Binds the range and symbols of a bar-keyed query: from, to, then each symbol.
int bind_range(sqlite3_stmt* s, Timestamp from, Timestamp to,
               const std::vector<std::string>* symbols) {
    Binder b(s);
    b.i64(from.ns());
    b.i64(to.ns());
    if (symbols != nullptr) {
        for (const std::string& sym : *symbols) b.text(sym);
    }
    return b.rc();
}

}  // namespace

namespace {

/// Runs a bar-keyed range query (cached statement without symbols, a one-off with them).
template <typename T, typename Parse>
Status load_range(sqlite3* db, sqlite3_stmt* cached, std::string_view table, const Cols& cols,
                  const BarQuery& query, std::string_view op, Parse&& parse, std::vector<T>& out) {
    if (query.symbols.empty()) {
        ResetOnExit reset(cached);
        if (bind_range(cached, query.from, query.to, nullptr) != SQLITE_OK) {
            return make_error(ErrorCode::kStore, std::string(op) + ": " + sqlite3_errmsg(db));
        }
        return read_rows(db, cached, op, parse, out);
    }
    const std::string sql = select_sql(cols, bars_range_sql(table, query.symbols.size()));
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return make_error(ErrorCode::kStore, std::string(op) + ": " + sqlite3_errmsg(db));
    }
    OwnedStmt s(raw);
    if (bind_range(raw, query.from, query.to, &query.symbols) != SQLITE_OK) {
        return make_error(ErrorCode::kStore, std::string(op) + ": " + sqlite3_errmsg(db));
    }
    return read_rows(db, raw, op, parse, out);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Migrations.

Status SqliteStore::migrate() try {
    constexpr std::string_view op = "migrate";
    AWET_TRY(flush_for(op));
    AWET_TRY(
        exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
             "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
             op));
    std::vector<int64_t> applied;
    {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT version FROM schema_migrations ORDER BY version", -1,
                               &raw, nullptr) != SQLITE_OK) {
            sqlite3_finalize(raw);
            return sqlite_error(op);
        }
        OwnedStmt s(raw);
        AWET_TRY(read_rows(
            db_, s.get(), op, [](Reader& r) { return r.i64(); }, applied));
    }
    const auto schema = migrations(SchemaDialect::kSqlite);
    const int latest = schema.empty() ? 0 : schema.back().version;
    if (!applied.empty() && applied.back() > latest) {
        return make_error(ErrorCode::kStore,
                          "migrate: database '" + path_ + "' has schema version " +
                              std::to_string(applied.back()) + ", newer than this build's " +
                              std::to_string(latest));
    }
    for (const Migration& m : schema) {
        if (std::binary_search(applied.begin(), applied.end(), int64_t{m.version})) continue;
        const std::string where =
            "migrate: version " + std::to_string(m.version) + " (" + std::string(m.name) + ")";
        AWET_TRY(exec("BEGIN IMMEDIATE", where));
        std::string sql(m.sql);
        Status st = exec(sql.c_str(), where);
        if (st.ok()) {
            sqlite3_stmt* raw = nullptr;
            int rc = sqlite3_prepare_v2(db_,
                                        "INSERT INTO schema_migrations (version, name, applied_at) "
                                        "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                                        -1, &raw, nullptr);
            OwnedStmt s(raw);
            if (rc == SQLITE_OK) {
                Binder b(raw);
                b.i64(m.version);
                b.text(m.name);
                rc = b.rc() == SQLITE_OK ? sqlite3_step(raw) : b.rc();
            }
            if (rc != SQLITE_DONE) {
                st = make_error(ErrorCode::kStore, where + ": " + sqlite3_errmsg(db_));
            }
        }
        if (st.ok()) st = exec("COMMIT", where);
        if (!st.ok()) {
            if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK", where);
            return st;
        }
    }
    return Status::Ok();
} catch (const std::exception& e) {
    return library_error("migrate", e);
}

Result<int> SqliteStore::schema_version() try {
    constexpr std::string_view op = "schema_version";
    // Reads run inside the open batch and see its writes: no commit needed.
    sqlite3_stmt* raw = nullptr;
    const char* sql =
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' "
        "AND name = 'schema_migrations') THEN 1 ELSE 0 END";
    if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return sqlite_error(op);
    }
    OwnedStmt exists(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return sqlite_error(op);
    if (sqlite3_column_int(raw, 0) == 0) return 0;
    raw = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &raw,
                           nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return sqlite_error(op);
    }
    OwnedStmt version(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return sqlite_error(op);
    return sqlite3_column_int(raw, 0);
} catch (const std::exception& e) {
    return library_error("schema_version", e);
}

// ---------------------------------------------------------------------------------------------
// Market data, features, predictions, risk decisions.

Result<bool> SqliteStore::put_bar(const MarketBar& bar) try {
    constexpr std::string_view op = "put_bar";
    StmtId id;
    if (bar.interval == Duration::minutes(1)) {
        id = kInsertBarMinute;
    } else if (bar.interval == Duration::days(1)) {
        id = kInsertBarDay;
    } else {
        return bad_interval(op, bar.interval);
    }
    int changes = 0;
    AWET_TRY(write_one(
        id, op, [&](Binder& b) { bind_event(b, bar); }, &changes));
    return changes > 0;
} catch (const std::exception& e) {
    return library_error("put_bar", e);
}

Result<std::vector<MarketBar>> SqliteStore::load_bars(const BarQuery& query) try {
    constexpr std::string_view op = "load_bars";
    auto table = bar_table(query.interval);
    if (!table) return bad_interval(op, query.interval);
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s =
        statement(query.interval == Duration::minutes(1) ? kLoadBarsMinute : kLoadBarsDay, op, err);
    if (s == nullptr) return err;
    std::vector<MarketBar> out;
    AWET_TRY(load_range(
        db_, s, *table, bar_cols(), query, op,
        [&](Reader& r) { return read_bar(r, query.interval); }, out));
    return out;
} catch (const std::exception& e) {
    return library_error("load_bars", e);
}

template <typename E>
Result<std::vector<E>> SqliteStore::load_bar_keyed(StmtId id, std::string_view table,
                                                   const BarQuery& query, std::string_view op) {
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s = statement(id, op, err);
    if (s == nullptr) return err;
    std::vector<E> out;
    AWET_TRY(load_range(
        db_, s, table, event_cols<E>(), query, op, [](Reader& r) { return read_event<E>(r); },
        out));
    return out;
}

template <typename T, typename Bind, typename Parse>
Result<std::vector<T>> SqliteStore::select_rows(StmtId id, std::string_view op, Bind&& bind,
                                                Parse&& parse) {
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s = statement(id, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    Binder b(s);
    bind(b);
    if (b.rc() != SQLITE_OK) return sqlite_error(op);
    std::vector<T> out;
    AWET_TRY(read_rows(db_, s, op, parse, out));
    return out;
}

Status SqliteStore::put_features(const FeatureVector& fv) try {
    return write_one(
        kInsertFeatures, "put_features", [&](Binder& b) { bind_event(b, fv); }, nullptr);
} catch (const std::exception& e) {
    return library_error("put_features", e);
}

Result<std::vector<FeatureVector>> SqliteStore::load_features(const BarQuery& query) try {
    return load_bar_keyed<FeatureVector>(kLoadFeatures, "features_tft", query, "load_features");
} catch (const std::exception& e) {
    return library_error("load_features", e);
}

Status SqliteStore::put_prediction(const Prediction& p) try {
    return write_one(
        kInsertPrediction, "put_prediction", [&](Binder& b) { bind_event(b, p); }, nullptr);
} catch (const std::exception& e) {
    return library_error("put_prediction", e);
}

Result<std::vector<Prediction>> SqliteStore::load_predictions(const BarQuery& query) try {
    return load_bar_keyed<Prediction>(kLoadPredictions, "predictions_tft", query,
                                      "load_predictions");
} catch (const std::exception& e) {
    return library_error("load_predictions", e);
}

Status SqliteStore::put_risk_decision(const RiskDecision& d) try {
    return write_one(
        kInsertRisk, "put_risk_decision", [&](Binder& b) { bind_event(b, d); }, nullptr);
} catch (const std::exception& e) {
    return library_error("put_risk_decision", e);
}

Result<std::vector<RiskDecision>> SqliteStore::load_risk_decisions(Timestamp from,
                                                                   Timestamp to) try {
    constexpr std::string_view op = "load_risk_decisions";
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s = statement(kLoadRisk, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    if (bind_range(s, from, to, nullptr) != SQLITE_OK) return sqlite_error(op);
    std::vector<RiskDecision> out;
    AWET_TRY(read_rows(
        db_, s, op, [](Reader& r) { return read_event<RiskDecision>(r); }, out));
    return out;
} catch (const std::exception& e) {
    return library_error("load_risk_decisions", e);
}

// ---------------------------------------------------------------------------------------------
// Trades and positions.

Result<bool> SqliteStore::insert_trade(const TradeRow& t) try {
    int changes = 0;
    AWET_TRY(write_one(
        kInsertTrade, "insert_trade", [&](Binder& b) { bind_row(b, t); }, &changes));
    return changes > 0;
} catch (const std::exception& e) {
    return library_error("insert_trade", e);
}

Status SqliteStore::update_trade(const TradeRow& t) try {
    constexpr std::string_view op = "update_trade";
    int changes = 0;
    AWET_TRY(write_one(
        kUpdateTrade, op, [&](Binder& b) { bind_trade_update(b, t); }, &changes));
    if (changes == 0) {
        return make_error(
            ErrorCode::kNotFound,
            std::string(op) + ": no trade with idempotency_key '" + t.idempotency_key.str() + "'");
    }
    return Status::Ok();
} catch (const std::exception& e) {
    return library_error("update_trade", e);
}

Result<std::optional<TradeRow>> SqliteStore::find_trade(std::string_view idempotency_key) try {
    constexpr std::string_view op = "find_trade";
    auto rows = select_rows<TradeRow>(
        kFindTrade, op, [&](Binder& b) { b.text(idempotency_key); },
        [](Reader& r) { return read_trade(r); });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
} catch (const std::exception& e) {
    return library_error("find_trade", e);
}

Result<std::vector<TradeRow>> SqliteStore::load_trades(const TradeQuery& query) try {
    constexpr std::string_view op = "load_trades";
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s = statement(kLoadTrades, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    std::optional<UuidText> correlation_id;
    if (query.correlation_id) correlation_id.emplace(*query.correlation_id);
    Binder b(s);
    b.i64(query.from.ns());
    b.i64(query.to.ns());
    if (query.symbol) {
        b.text(*query.symbol);
    } else {
        b.null();
    }
    if (correlation_id) {
        b.text(correlation_id->view());
    } else {
        b.null();
    }
    b.i64(query.limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
              ? -1
              : static_cast<int64_t>(query.limit));
    if (b.rc() != SQLITE_OK) return sqlite_error(op);
    std::vector<TradeRow> out;
    AWET_TRY(read_rows(
        db_, s, op, [](Reader& r) { return read_trade(r); }, out));
    return out;
} catch (const std::exception& e) {
    return library_error("load_trades", e);
}

Status SqliteStore::upsert_position(const PositionRow& p) try {
    return write_one(
        kUpsertPosition, "upsert_position", [&](Binder& b) { bind_row(b, p); }, nullptr);
} catch (const std::exception& e) {
    return library_error("upsert_position", e);
}

Result<std::vector<PositionRow>> SqliteStore::load_positions() try {
    constexpr std::string_view op = "load_positions";
    return select_rows<PositionRow>(
        kLoadPositions, op, [](Binder&) {}, [](Reader& r) { return read_row<PositionRow>(r); });
} catch (const std::exception& e) {
    return library_error("load_positions", e);
}

// ---------------------------------------------------------------------------------------------
// Audit.

Status SqliteStore::put_audit(const EventHeader& h, std::string_view event_type,
                              std::string_view payload_json) try {
    const UuidText event_id(h.event_id);
    const UuidText correlation_id(h.correlation_id);
    const IsoText ts(h.ts);
    return write_one(
        kInsertAudit, "put_audit",
        [&](Binder& b) {
            b.text(event_id.view());
            b.text(correlation_id.view());
            b.text(h.idempotency_key.view());
            b.text(h.symbol.view());
            b.text(ts.view());
            b.text(to_string(h.source));
            b.text(event_type);
            b.text(payload_json);
            b.i64(h.ts.ns());
        },
        nullptr);
} catch (const std::exception& e) {
    return library_error("put_audit", e);
}

Result<std::vector<AuditRecord>> SqliteStore::load_audit(const Uuid& correlation_id) try {
    constexpr std::string_view op = "load_audit";
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s = statement(kLoadAudit, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    const UuidText id(correlation_id);
    Binder b(s);
    b.text(id.view());
    if (b.rc() != SQLITE_OK) return sqlite_error(op);
    std::vector<AuditRecord> out;
    AWET_TRY(read_rows(
        db_, s, op, [](Reader& r) { return read_audit(r); }, out));
    return out;
} catch (const std::exception& e) {
    return library_error("load_audit", e);
}

// ---------------------------------------------------------------------------------------------
// Models registry.

Status SqliteStore::register_model(const ModelRecord& m) try {
    constexpr std::string_view op = "register_model";
    int changes = 0;
    AWET_TRY(write_one(
        kInsertModel, op, [&](Binder& b) { bind_row(b, m); }, &changes));
    if (changes == 0) {
        return make_error(ErrorCode::kAlreadyExists,
                          std::string(op) + ": model '" + m.model_id + "' already exists");
    }
    return Status::Ok();
} catch (const std::exception& e) {
    return library_error("register_model", e);
}

Result<std::vector<ModelRecord>> SqliteStore::list_models() try {
    constexpr std::string_view op = "list_models";
    return select_rows<ModelRecord>(
        kListModels, op, [](Binder&) {}, [](Reader& r) { return read_row<ModelRecord>(r); });
} catch (const std::exception& e) {
    return library_error("list_models", e);
}

Result<std::optional<ModelRecord>> SqliteStore::find_model(std::string_view model_id) try {
    constexpr std::string_view op = "find_model";
    auto rows = select_rows<ModelRecord>(
        kFindModel, op, [&](Binder& b) { b.text(model_id); },
        [](Reader& r) { return read_row<ModelRecord>(r); });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
} catch (const std::exception& e) {
    return library_error("find_model", e);
}

Result<std::optional<ModelRecord>> SqliteStore::green_model() try {
    constexpr std::string_view op = "green_model";
    auto rows = select_rows<ModelRecord>(
        kGreenModel, op, [](Binder&) {}, [](Reader& r) { return read_row<ModelRecord>(r); });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
} catch (const std::exception& e) {
    return library_error("green_model", e);
}

namespace {

/// Steps a cached single-shot statement (an UPDATE) after binding; resets it.
template <typename Fill>
Status step_once(sqlite3* db, sqlite3_stmt* s, std::string_view op, Fill&& fill) {
    ResetOnExit reset(s);
    Binder b(s);
    fill(b);
    if (b.rc() != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
        return make_error(ErrorCode::kStore, std::string(op) + ": " + sqlite3_errmsg(db));
    }
    return Status::Ok();
}

}  // namespace

Status SqliteStore::promote_model(std::string_view model_id, Timestamp at) try {
    constexpr std::string_view op = "promote_model";
    // One explicit transaction (check, deprecate the old green, set the new one), separate from
    // the write batch.
    AWET_TRY(flush_for(op));
    Error err;
    sqlite3_stmt* deprecate = statement(kDeprecateGreen, op, err);
    if (deprecate == nullptr) return err;
    sqlite3_stmt* set_green = statement(kSetModelGreen, op, err);
    if (set_green == nullptr) return err;

    AWET_TRY(exec("BEGIN IMMEDIATE", op));
    auto body = [&]() -> Status {
        auto current = find_model(model_id);
        if (!current.ok()) return current.error();
        if (!current->has_value()) {
            return make_error(ErrorCode::kNotFound,
                              std::string(op) + ": no model '" + std::string(model_id) + "'");
        }
        if ((*current)->status == ModelStatus::kDeprecated) {
            return make_error(ErrorCode::kInvalidArgument,
                              std::string(op) + ": model '" + std::string(model_id) +
                                  "' is deprecated and cannot be promoted");
        }
        if ((*current)->status == ModelStatus::kGreen) return Status::Ok();  // already live
        const IsoText at_text(at);
        AWET_TRY(step_once(db_, deprecate, op, [&](Binder& b) { b.text(model_id); }));
        return step_once(db_, set_green, op, [&](Binder& b) {
            b.ts_or_null(at, at_text);
            b.ns_or_null(at);
            b.text(model_id);
        });
    };
    Status st = body();
    if (st.ok()) st = exec("COMMIT", op);
    if (!st.ok() && sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK", op);
    return st;
} catch (const std::exception& e) {
    return library_error("promote_model", e);
}

Status SqliteStore::deprecate_model(std::string_view model_id) try {
    constexpr std::string_view op = "deprecate_model";
    AWET_TRY(flush_for(op));
    Error err;
    sqlite3_stmt* s = statement(kSetModelDeprecated, op, err);
    if (s == nullptr) return err;
    AWET_TRY(step_once(db_, s, op, [&](Binder& b) { b.text(model_id); }));
    if (sqlite3_changes(db_) == 0) {
        return make_error(ErrorCode::kNotFound,
                          std::string(op) + ": no model '" + std::string(model_id) + "'");
    }
    return Status::Ok();
} catch (const std::exception& e) {
    return library_error("deprecate_model", e);
}

// ---------------------------------------------------------------------------------------------
// Daily PnL and checkpoints.

Status SqliteStore::upsert_daily_pnl(const DailyPnlRow& row) try {
    return write_one(
        kUpsertDailyPnl, "upsert_daily_pnl", [&](Binder& b) { bind_row(b, row); }, nullptr);
} catch (const std::exception& e) {
    return library_error("upsert_daily_pnl", e);
}

Result<std::vector<DailyPnlRow>> SqliteStore::load_daily_pnl(Date from, Date to) try {
    constexpr std::string_view op = "load_daily_pnl";
    // Reads run inside the open batch and see its writes: no commit needed.
    Error err;
    sqlite3_stmt* s = statement(kLoadDailyPnl, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    const DateText from_text(from);
    const DateText to_text(to);
    Binder b(s);
    b.text(from_text.view());
    b.text(to_text.view());
    if (b.rc() != SQLITE_OK) return sqlite_error(op);
    std::vector<DailyPnlRow> out;
    AWET_TRY(read_rows(
        db_, s, op, [](Reader& r) { return read_row<DailyPnlRow>(r); }, out));
    return out;
} catch (const std::exception& e) {
    return library_error("load_daily_pnl", e);
}

Status SqliteStore::put_checkpoint(const BackfillCheckpoint& c) try {
    return write_one(
        kUpsertCheckpoint, "put_checkpoint", [&](Binder& b) { bind_row(b, c); }, nullptr);
} catch (const std::exception& e) {
    return library_error("put_checkpoint", e);
}

Result<std::optional<BackfillCheckpoint>> SqliteStore::get_checkpoint(std::string_view source,
                                                                      std::string_view symbol) try {
    constexpr std::string_view op = "get_checkpoint";
    auto rows = select_rows<BackfillCheckpoint>(
        kGetCheckpoint, op,
        [&](Binder& b) {
            b.text(source);
            b.text(symbol);
        },
        [](Reader& r) { return read_row<BackfillCheckpoint>(r); });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
} catch (const std::exception& e) {
    return library_error("get_checkpoint", e);
}

Result<int64_t> SqliteStore::count_rows(std::string_view table) try {
    constexpr std::string_view op = "count_rows";
    const bool known = table == "schema_migrations" ||
                       std::find(kTables.begin(), kTables.end(), table) != kTables.end();
    if (!known) {
        return make_error(ErrorCode::kInvalidArgument,
                          std::string(op) + ": unknown table '" + std::string(table) + "'");
    }
    // Reads run inside the open batch and see its writes: no commit needed.
    // The name is one of the fixed identifiers above, never caller text: safe to splice.
    const std::string sql = "SELECT COUNT(*) FROM " + std::string(table);
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return sqlite_error(op);
    }
    OwnedStmt s(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return sqlite_error(op);
    return static_cast<int64_t>(sqlite3_column_int64(raw, 0));
} catch (const std::exception& e) {
    return library_error("count_rows", e);
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteStore::clear_run_results() try {
    return delete_run_results("clear_run_results", std::nullopt);
} catch (const std::exception& e) {
    return library_error("clear_run_results", e);
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteStore::discard_results_since(
    Timestamp since) try {
    return delete_run_results("discard_results_since", since);
} catch (const std::exception& e) {
    return library_error("discard_results_since", e);
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteStore::delete_run_results(
    std::string_view op, std::optional<Timestamp> since) {
    AWET_TRY(flush_for(op));  // the open batch is part of what is deleted
    AWET_TRY(exec("BEGIN IMMEDIATE", op));
    std::vector<std::pair<std::string, int64_t>> removed;
    Status st = Status::Ok();
    for (std::string_view table : kRunResultTables) {
        const std::optional<std::string> sql = delete_results_sql(table, since);
        if (!sql) {
            removed.emplace_back(std::string(table), 0);
            continue;
        }
        st = exec(sql->c_str(), op);
        if (!st.ok()) break;
        removed.emplace_back(std::string(table), static_cast<int64_t>(sqlite3_changes(db_)));
    }
    if (st.ok()) st = exec("COMMIT", op);
    if (!st.ok()) {
        if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK", op);
        return st.error();
    }
    return removed;
}

Status SqliteStore::put_run(const RunRecord& run) try {
    constexpr std::string_view op = "put_run";
    const IsoText started_at(run.started_at);
    AWET_TRY(write_one(
        kUpsertRun, op,
        [&](Binder& b) {
            b.text(run.run_id);
            b.text(run.command);
            b.i64(run.first_bar.ns());
            b.ns_or_null(run.last_bar);
            b.i64(run.bars);
            b.text(started_at.view());
            b.i64(run.started_at.ns());
            b.ns_or_null(run.finished_at);
            b.i64(run.pid);
        },
        nullptr));
    return flush_for(op);  // the mark must be on disk before the run writes anything
} catch (const std::exception& e) {
    return library_error("put_run", e);
}

Result<std::optional<RunRecord>> SqliteStore::unfinished_run() try {
    constexpr std::string_view op = "unfinished_run";
    Error err;
    sqlite3_stmt* s = statement(kUnfinishedRun, op, err);
    if (s == nullptr) return err;
    ResetOnExit reset(s);
    std::vector<RunRecord> rows;
    AWET_TRY(read_rows(
        db_, s, op, [](Reader& r) { return read_run(r); }, rows));
    return first_row(std::move(rows));
} catch (const std::exception& e) {
    return library_error("unfinished_run", e);
}

Result<bool> SqliteStore::claim_job_run(const JobRunRecord& run) try {
    constexpr std::string_view op = "claim_job_run";
    int changes = 0;
    AWET_TRY(write_one(
        kClaimJobRun, op, [&](Binder& b) { bind_row(b, run); }, &changes));
    AWET_TRY(flush_for(op));  // the claim is durable before the job runs
    return changes > 0;
} catch (const std::exception& e) {
    return library_error("claim_job_run", e);
}

Status SqliteStore::update_job_run(const JobRunRecord& run) try {
    constexpr std::string_view op = "update_job_run";
    AWET_TRY(write_one(
        kUpsertJobRun, op, [&](Binder& b) { bind_row(b, run); }, nullptr));
    return flush_for(op);
} catch (const std::exception& e) {
    return library_error("update_job_run", e);
}

Result<std::vector<JobRunRecord>> SqliteStore::load_job_runs(const JobRunQuery& query) try {
    constexpr std::string_view op = "load_job_runs";
    return select_rows<JobRunRecord>(
        kLoadJobRuns, op,
        [&](Binder& b) {
            if (query.job.empty()) {
                b.null();
            } else {
                b.text(query.job);
            }
            b.i64(query.from.ns());
            b.i64(query.to.ns());
            b.i64(query.limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
                      ? -1
                      : static_cast<int64_t>(query.limit));
        },
        [](Reader& r) { return read_row<JobRunRecord>(r); });
} catch (const std::exception& e) {
    return library_error("load_job_runs", e);
}

Status SqliteStore::set_application_id(int32_t id) try {
    const std::string sql = "PRAGMA application_id = " + std::to_string(id);
    AWET_TRY(flush_for("set_application_id"));
    return exec(sql.c_str(), "set_application_id");
} catch (const std::exception& e) {
    return library_error("set_application_id", e);
}

Result<int32_t> SqliteStore::application_id_of(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return make_error(ErrorCode::kNotFound, path + ": no such file");
    }
    if (!std::filesystem::is_regular_file(path, ec)) {
        return make_error(ErrorCode::kParse, path + " is not a regular file");
    }
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_close_v2(db);
        return make_error(ErrorCode::kParse, path + " is not an SQLite database");
    }
    sqlite3_stmt* stmt = nullptr;
    int32_t id = 0;
    bool ok = sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &stmt, nullptr) == SQLITE_OK &&
              sqlite3_step(stmt) == SQLITE_ROW;
    if (ok) id = static_cast<int32_t>(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    // The header is read lazily: a file that is not a database fails on the first statement.
    if (ok && sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
                  SQLITE_OK) {
        ok = false;
    }
    sqlite3_close_v2(db);
    if (!ok) return make_error(ErrorCode::kParse, path + " is not an SQLite database");
    return id;
}

Result<std::unique_ptr<WriterLease>> SqliteStore::acquire_writer(WriterMode mode,
                                                                 std::string_view role,
                                                                 std::string_view holder) {
    return store_internal::lock_database_file(path_, mode, role, holder);
}

}  // namespace awet
