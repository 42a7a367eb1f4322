// PostgresStore: the Store contract on PostgreSQL through libpqxx 6.4. Every statement of the hot
// path is a named prepared statement (prepared lazily on each pooled connection); writes go into a
// batch transaction on the writer connection; put_bars() streams rows with COPY.
#include "awet/store_postgres/postgres_store.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <pqxx/pqxx>
#include <tuple>
#include <utility>

#include "awet/core/log.hpp"
#include "awet/core/secrets.hpp"
#include "awet/store/detail/row_layout.hpp"
#include "awet/store/detail/sql_text.hpp"
#include "awet/store/detail/writer_lock.hpp"

namespace awet {
namespace {

// Column lists and row readers shared with the other store backend (row_layout.hpp).
using namespace store_rows;

// ---------------------------------------------------------------------------------------------
// Values as text parameters.

std::string uuid_text(const Uuid& u) {
    std::string s(36, '\0');
    u.write(s.data());
    return s;
}

/// A double as PostgreSQL reads it back exactly (17 significant digits), into `out`.
void assign_real(std::string& out, double v) {
    char buf[64];
    const int n = std::snprintf(buf, sizeof buf, "%.17g", v);
    out.assign(buf, static_cast<size_t>(n));
}

/// Parameters of one statement, as text (NULL allowed), passed as a dynamic list.
class Params : public NullableBinds<Params> {
public:
    void text(std::string_view v) { add(std::string(v), false); }
    void i64(int64_t v) { add(std::to_string(v), false); }
    void real(double v) {
        std::string text;
        assign_real(text, v);
        add(std::move(text), false);
    }
    void null() { add({}, true); }
    void boolean(bool b) { add(b ? "t" : "f", false); }
    template <typename Tag>
    void fixed(Fixed<Tag> f) {
        i64(f.raw());
    }
    void ts(Timestamp t) { add(t.iso(), false); }
    void ts_or_null(Timestamp t) {
        if (t.is_set()) {
            ts(t);
        } else {
            null();
        }
    }
    void uuid(const Uuid& u) { text(uuid_text(u)); }
    void iso(Timestamp t) { ts(t); }
    void owned_text(const std::string& v) { text(v); }

    /// Pointers into the values (nullptr for NULL); valid while this object is unchanged.
    const std::vector<const char*>& pointers() {
        ptrs_.clear();
        for (size_t i = 0; i < vals_.size(); ++i) {
            ptrs_.push_back(nulls_[i] ? nullptr : vals_[i].c_str());
        }
        return ptrs_;
    }

private:
    void add(std::string v, bool is_null) {
        vals_.push_back(std::move(v));
        nulls_.push_back(is_null);
    }
    std::vector<std::string> vals_;
    std::vector<bool> nulls_;
    std::vector<const char*> ptrs_;
};

/// Reads columns of one row left to right; a malformed value records the first problem.
class Reader {
public:
    explicit Reader(const pqxx::row& r) : r_(r) {}

    bool is_null() const { return r_[i_].is_null(); }
    void skip() { ++i_; }
    int64_t i64() {
        const pqxx::field f = r_[i_++];
        if (f.is_null()) return 0;
        int64_t v = 0;
        if (!f.to(v)) fail(f, f.c_str());
        return v;
    }
    double real() {
        const pqxx::field f = r_[i_++];
        if (f.is_null()) return 0;
        double v = 0;
        if (!f.to(v)) fail(f, f.c_str());
        return v;
    }
    double real_or_nan() {
        if (is_null()) {
            ++i_;
            return std::numeric_limits<double>::quiet_NaN();
        }
        return real();
    }
    bool boolean() {
        const pqxx::field f = r_[i_++];
        return !f.is_null() && f.c_str()[0] == 't';
    }
    std::string_view text() {
        const pqxx::field f = r_[i_++];
        if (f.is_null()) return {};
        return {f.c_str(), f.size()};
    }
    std::string str() { return std::string(text()); }
    template <typename Tag>
    Fixed<Tag> fixed() {
        return Fixed<Tag>::from_raw(i64());
    }
    Timestamp ts() { return Timestamp::from_ns(i64()); }
    Uuid uuid() {
        const int col = i_;
        std::string_view t = text();
        if (t.empty()) return {};
        auto u = Uuid::parse(t);
        if (!u) fail(r_[col], t);
        return u.value_or(Uuid{});
    }
    template <size_t N>
    FixedString<N> fixed_string() {
        const int col = i_;
        std::string_view t = text();
        FixedString<N> f;
        if (!f.assign(t)) fail(r_[col], t);
        return f;
    }
    template <typename E>
    E enumeration() {
        const int col = i_;
        std::string_view t = text();
        auto e = enum_from_name<E>(t);
        if (!e) fail(r_[col], t);
        return e.value_or(static_cast<E>(0));
    }
    ModelStatus model_status() {
        const int col = i_;
        std::string_view t = text();
        auto st = model_status_from_string(t);
        if (!st) fail(r_[col], t);
        return st.value_or(ModelStatus::kDeprecated);
    }
    Date date() {
        const int col = i_;
        std::string_view t = text();
        auto d = Date::parse(t);
        if (!d) fail(r_[col], t);
        return d.value_or(Date{});
    }

    bool ok() const { return problem_.empty(); }
    const std::string& problem() const { return problem_; }

private:
    void fail(const pqxx::field& f, std::string_view value) {
        if (!problem_.empty()) return;
        problem_ = "bad value '" + std::string(value) + "' in column " + f.name();
    }
    const pqxx::row& r_;
    int i_ = 0;
    std::string problem_;
};

// ---------------------------------------------------------------------------------------------
// SQL text, built from column lists so that column and parameter counts always agree.

constexpr Placeholder kParams = Placeholder::kDollar;

/// Range on bar start, optional symbol list as a text[] parameter ($3, NULL = all).
std::string bars_range_sql(std::string_view table) {
    return "FROM " + std::string(table) +
           " WHERE ts_ns >= $1 AND ts_ns < $2 AND ($3::text[] IS NULL OR symbol = ANY($3::text[]))"
           " ORDER BY ts_ns, symbol";
}

/// Tables that become hypertables (partitioned on ts_ns) when TimescaleDB is available: every
/// unique key of these includes ts_ns, as TimescaleDB requires.
constexpr std::array<std::string_view, 4> kHypertables = {"market_raw_minute", "market_raw_day",
                                                          "features_tft", "audit_events"};

// The common statements (store_rows::Stmt), then PostgreSQL's own.
using StmtId = uint8_t;
constexpr StmtId kHasMigrations = kCommonStmts;
constexpr StmtId kMaxVersion = kHasMigrations + 1;
constexpr StmtId kStageBarsMinute = kMaxVersion + 1;
constexpr StmtId kStageBarsDay = kStageBarsMinute + 1;
constexpr StmtId kStmtCount = kStageBarsDay + 1;

std::string audit_chain_sql(const Cols& cols) {
    return select_sql(cols, "FROM audit_events WHERE correlation_id = $1 ORDER BY seq");
}

const std::vector<std::string>& all_sql() {
    static const std::vector<std::string> kSql = [] {
        std::vector<std::string> s =
            common_statements(SqlDialect{kParams, &bars_range_sql, &audit_chain_sql});
        s.resize(kStmtCount);
        s[kHasMigrations] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
        s[kMaxVersion] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
        const std::string cols = join(bar_cols());
        s[kStageBarsMinute] = "INSERT INTO market_raw_minute (" + cols + ") SELECT " + cols +
                              " FROM awet_stage_bars ORDER BY n " + std::string(kOnBarConflict);
        s[kStageBarsDay] = "INSERT INTO market_raw_day (" + cols + ") SELECT " + cols +
                           " FROM awet_stage_bars ORDER BY n " + std::string(kOnBarConflict);
        return s;
    }();
    return kSql;
}

std::string stmt_name(StmtId id) { return "awet_s" + std::to_string(static_cast<int>(id)); }
std::string count_name(std::string_view table) { return "awet_count_" + std::string(table); }

Error bad_interval(std::string_view op, Duration interval) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(op) + ": unsupported bar interval of " +
                          std::to_string(interval.to_seconds()) +
                          " s (the store keeps 1-minute and 1-day bars)");
}

/// "host:port/db" of a connection string, from libpq's own parser (the password is never read).
std::string describe_url(const std::string& url) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
    if (opts == nullptr) {
        // libpq's message quotes the string, password and all: never shown.
        PQfreemem(err);
        return "<a connection string libpq cannot parse>";
    }
    std::string host, port, db, hostaddr;
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view k = o->keyword;
        if (k == "host") host = o->val;
        if (k == "hostaddr") hostaddr = o->val;
        if (k == "port") port = o->val;
        if (k == "dbname") db = o->val;
    }
    PQconninfoFree(opts);
    if (host.empty()) host = hostaddr.empty() ? "localhost" : hostaddr;
    if (port.empty()) port = "5432";
    if (db.empty()) db = "(default database)";
    return host + ":" + port + "/" + db;
}

std::string first_line(const char* what) {
    std::string s = what;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// ---------------------------------------------------------------------------------------------
// Row codecs.

pqxx::result exec(pqxx::transaction_base& tx, StmtId id, Params& p) {
    return tx.exec_prepared(stmt_name(id), pqxx::prepare::make_dynamic_params(p.pointers()));
}

template <typename T, typename Parse>
Result<std::vector<T>> parse_rows(const pqxx::result& res, std::string_view op, Parse&& parse) {
    std::vector<T> out;
    out.reserve(res.size());
    for (const pqxx::row& row : res) {
        Reader r(row);
        out.push_back(parse(r));
        if (!r.ok()) return make_error(ErrorCode::kStore, std::string(op) + ": " + r.problem());
    }
    return out;
}

/// "{"AAPL","MSFT"}": a text[] literal.
std::string text_array(const std::vector<std::string>& items) {
    std::string s = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i != 0) s += ',';
        s += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') s += '\\';
            s += c;
        }
        s += '"';
    }
    s += '}';
    return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The connection pool and the batch.

namespace pg_detail {

struct Impl {
    std::string url;                                       // as given (for the lock connection)
    std::vector<std::string> secrets;                      // its passwords: never in an error
    std::string where;                                     // host:port/db
    std::vector<std::unique_ptr<pqxx::connection>> conns;  // [0] writes; the others read
    std::unique_ptr<pqxx::work> txn;                       // the open batch on conns[0]
    int batch_size = 5000;
    int pending = 0;
    int rolled_back = -1;  // writes lost by the last aborted batch (-1: none to report)
    size_t next_reader = 0;
    bool hypertables = false;

    pqxx::connection& writer() { return *conns[0]; }
    pqxx::connection& reader() {
        if (conns.size() == 1) return *conns[0];
        next_reader = next_reader % (conns.size() - 1) + 1;
        return *conns[next_reader];
    }

    void abort_batch() {
        if (!txn) return;
        rolled_back = pending;
        try {
            txn.reset();  // aborts
        } catch (...) {   // a broken connection: nothing more to do
        }
        pending = 0;
    }

    pqxx::work& begin_write() {
        if (!txn) {
            txn = std::make_unique<pqxx::work>(writer());
            pending = 0;
        }
        return *txn;
    }

    /// Counts `n` writes; commits when the batch is full.
    void end_write(int n = 1) {
        pending += n;
        if (pending >= batch_size) commit();
    }

    void commit() {
        if (!txn) return;
        try {
            txn->commit();
        } catch (...) {
            abort_batch();
            throw;
        }
        txn.reset();
        pending = 0;
    }

    /// Runs a write statement in the batch; an error aborts (and reports) the batch.
    pqxx::result write(StmtId id, Params& p) {
        pqxx::work& tx = begin_write();
        try {
            return exec(tx, id, p);
        } catch (...) {
            abort_batch();
            throw;
        }
    }

    /// Runs `f(transaction)` for a read: inside the open batch (it sees its writes), otherwise
    /// autocommit on a reader connection.
    template <typename F>
    auto read(F&& f) -> decltype(f(std::declval<pqxx::transaction_base&>())) {
        if (txn) {
            try {
                return f(*txn);
            } catch (...) {
                abort_batch();
                throw;
            }
        }
        pqxx::nontransaction tx(reader());
        return f(tx);
    }

    /// Turns a library exception into an error naming the operation (and the lost batch).
    Error error(std::string_view op, const std::exception& e) {
        std::string msg = std::string(op) + ": ";
        if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
            msg += "connection to PostgreSQL at " + where +
                   " failed: " + redact(first_line(e.what()), secrets);
        } else {
            msg += redact(first_line(e.what()), secrets);
            if (dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr) {
                msg += " (run migrate() first)";
            }
        }
        if (rolled_back >= 0) {
            msg += " (the open batch of " + std::to_string(rolled_back) +
                   " uncommitted writes was rolled back)";
            rolled_back = -1;
        }
        return make_error(ErrorCode::kStore, msg);
    }
};

}  // namespace pg_detail

using pg_detail::Impl;

#define AWET_PG_CATCH(op)             \
    catch (const std::exception& e) { \
        return impl_->error(op, e);   \
    }

// ---------------------------------------------------------------------------------------------
// Lifecycle.

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PostgresStore::~PostgresStore() {
    try {
        impl_->commit();
    } catch (const std::exception& e) {
        logger("store")->error("postgres {}: commit of the last batch failed on close: {}",
                               impl_->where, first_line(e.what()));
    }
}

const std::string& PostgresStore::where() const { return impl_->where; }
int PostgresStore::pool_size() const { return static_cast<int>(impl_->conns.size()); }
int PostgresStore::batch_size() const { return impl_->batch_size; }
int PostgresStore::pending_writes() const { return impl_->pending; }
bool PostgresStore::hypertables() const { return impl_->hypertables; }

std::string PostgresStore::display_url(const std::string& url) {
    return "postgresql://" + describe_url(url);
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, int pool_size,
                                                           int batch_size) {
    auto impl = std::make_unique<Impl>();
    impl->url = url;
    impl->secrets = connection_secrets(url);
    impl->where = describe_url(url);
    impl->batch_size = batch_size < 1 ? 1 : batch_size;
    if (pool_size < 1) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "open: store.postgres_pool_size must be at least 1, got " + std::to_string(pool_size));
    }
    const auto& sql = all_sql();
    for (int i = 0; i < pool_size; ++i) {
        try {
            auto conn = std::make_unique<pqxx::connection>(url);
            {
                pqxx::nontransaction tx(*conn);
                tx.exec(
                    "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; "
                    "SET extra_float_digits = 3");
            }
            // Lazily prepared (on first use) on this connection.
            for (int id = 0; id < kStmtCount; ++id) {
                conn->prepare(stmt_name(static_cast<StmtId>(id)), sql[id]);
            }
            for (std::string_view t : kTables) {
                conn->prepare(count_name(t), "SELECT COUNT(*) FROM " + std::string(t));
            }
            conn->prepare(count_name("schema_migrations"),
                          "SELECT COUNT(*) FROM schema_migrations");
            impl->conns.push_back(std::move(conn));
        } catch (const std::exception& e) {
            return make_error(ErrorCode::kStore, "open: cannot connect to PostgreSQL at " +
                                                     impl->where + ": " +
                                                     redact(first_line(e.what()), impl->secrets));
        }
    }
    return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

Status PostgresStore::flush() try {
    impl_->commit();
    return Status::Ok();
}
AWET_PG_CATCH("flush")

// ---------------------------------------------------------------------------------------------
// Migrations.

Status PostgresStore::migrate() try {
    constexpr std::string_view op = "migrate";
    impl_->commit();
    const auto schema = migrations(SchemaDialect::kPostgres);
    const int latest = schema.empty() ? 0 : schema.back().version;
    // One transaction per migration, serialised across processes by an advisory lock.
    constexpr const char* kLock = "SELECT pg_advisory_xact_lock(7366212)";  // "AWET"-ish constant
    {
        pqxx::work tx(impl_->writer());
        tx.exec(kLock);
        tx.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        const int current =
            tx.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0].as<int>();
        if (current > latest) {
            return make_error(ErrorCode::kStore,
                              std::string(op) + ": database " + impl_->where +
                                  " has schema version " + std::to_string(current) +
                                  ", newer than this build's " + std::to_string(latest));
        }
        tx.commit();
    }
    for (const Migration& m : schema) {
        const std::string where = std::string(op) + ": version " + std::to_string(m.version) +
                                  " (" + std::string(m.name) + ")";
        try {
            pqxx::work tx(impl_->writer());
            tx.exec(kLock);
            if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version)
                     .empty()) {
                continue;  // applied (by us earlier, or by another process meanwhile)
            }
            tx.exec(std::string(m.sql));
            tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                           m.version, std::string(m.name));
            tx.commit();
        } catch (const std::exception& e) {
            return impl_->error(where, e);
        }
    }
    // TimescaleDB: where the extension exists, the time-series tables become hypertables.
    {
        pqxx::nontransaction tx(impl_->writer());
        const bool available =
            !tx.exec("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").empty();
        if (!available) {
            impl_->hypertables = false;
            logger("store")->debug("postgres {}: timescaledb not available, plain tables",
                                   impl_->where);
            return Status::Ok();
        }
    }
    try {
        pqxx::work tx(impl_->writer());
        tx.exec("CREATE EXTENSION IF NOT EXISTS timescaledb");
        for (std::string_view t : kHypertables) {
            // ts_ns is nanoseconds: one chunk per 7 days.
            tx.exec("SELECT create_hypertable('" + std::string(t) +
                    "', 'ts_ns', chunk_time_interval => 604800000000000, "
                    "if_not_exists => TRUE, migrate_data => TRUE)");
        }
        tx.commit();
        impl_->hypertables = true;
        logger("store")->info("postgres {}: timescaledb hypertables on ts_ns for {} tables",
                              impl_->where, kHypertables.size());
    } catch (const std::exception& e) {
        impl_->hypertables = false;
        logger("store")->warn(
            "postgres {}: timescaledb present but hypertables not created "
            "(plain tables are used): {}",
            impl_->where, first_line(e.what()));
    }
    return Status::Ok();
}
AWET_PG_CATCH("migrate")

Result<int> PostgresStore::schema_version() try {
    return impl_->read([&](pqxx::transaction_base& tx) -> int {
        Params none;
        if (!exec(tx, kHasMigrations, none)[0][0].as<bool>()) return 0;
        return exec(tx, kMaxVersion, none)[0][0].as<int>();
    });
}
AWET_PG_CATCH("schema_version")

// ---------------------------------------------------------------------------------------------
// Market data, features, predictions, risk decisions.

Result<bool> PostgresStore::put_bar(const MarketBar& bar) try {
    StmtId id;
    if (bar.interval == Duration::minutes(1)) {
        id = kInsertBarMinute;
    } else if (bar.interval == Duration::days(1)) {
        id = kInsertBarDay;
    } else {
        return bad_interval("put_bar", bar.interval);
    }
    Params p;
    bind_event(p, bar);
    const auto res = impl_->write(id, p);
    impl_->end_write();
    return res.affected_rows() > 0;
}
AWET_PG_CATCH("put_bar")

namespace {

/// A Binder that writes the text of each value into a COPY row in place (the row's strings keep
/// their buffers from one bar to the next). A bar has no NULL column.
class RowText {
public:
    RowText(std::vector<std::string>& row, size_t first) : row_(row), i_(first) {}
    void uuid(const Uuid& u) {
        std::string& f = next();
        f.resize(36);
        u.write(f.data());
    }
    void iso(Timestamp t) {
        std::string& f = next();
        f.resize(Timestamp::kIsoMaxLen);
        f.resize(t.write_iso(f.data()));
    }
    void text(std::string_view v) { next().assign(v); }
    void owned_text(const std::string& v) { next().assign(v); }
    void i64(int64_t v) {
        char buf[24];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
        next().assign(buf, static_cast<size_t>(p - buf));
    }
    void real(double v) { assign_real(next(), v); }
    template <typename Tag>
    void fixed(Fixed<Tag> f) {
        i64(f.raw());
    }
    void boolean(bool v) { next().assign(v ? "t" : "f"); }
    void null() { next().clear(); }

private:
    std::string& next() { return row_.at(i_++); }
    std::vector<std::string>& row_;
    size_t i_;
};

/// The text fields of one bar in bar_cols() order, from row[first] on (COPY rows; a bar has no
/// NULL column).
void bar_fields(const MarketBar& b, std::vector<std::string>& row, size_t first) {
    RowText text(row, first);
    bind_event(text, b);
}

constexpr size_t kBarFields = 15;

template <class Copy>
void copy_row(Copy& copy, const std::vector<std::string>& r, size_t first) {
    const std::string* f = r.data() + first;
    if (first == 0) {
        copy << std::tie(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11],
                         f[12], f[13], f[14]);
    } else {
        copy << std::tie(r[0], f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10],
                         f[11], f[12], f[13], f[14]);
    }
}

}  // namespace

Result<int64_t> PostgresStore::put_bars(std::span<const MarketBar> bars) try {
    constexpr std::string_view op = "put_bars";
    if (bars.empty()) return int64_t{0};
    const Duration interval = bars.front().interval;
    StmtId id;
    const char* table;
    if (interval == Duration::minutes(1)) {
        id = kStageBarsMinute;
        table = "market_raw_minute";
    } else if (interval == Duration::days(1)) {
        id = kStageBarsDay;
        table = "market_raw_day";
    } else {
        return bad_interval(op, interval);
    }
    for (const MarketBar& b : bars) {
        if (b.interval != interval) {
            return make_error(ErrorCode::kInvalidArgument,
                              std::string(op) + ": bars of different intervals in one call");
        }
    }
    if (bar_cols().size() != kBarFields) {  // copy_row() ties kBarFields values
        return make_error(ErrorCode::kInternal, std::string(op) + ": bar_cols() has " +
                                                    std::to_string(bar_cols().size()) + " columns");
    }
    std::vector<std::string> cols;
    for (std::string_view c : bar_cols()) cols.emplace_back(c);
    pqxx::work& tx = impl_->begin_write();
    try {
        const auto count = static_cast<int>(std::min<size_t>(bars.size(), INT32_MAX));
        // Fast path: COPY straight into the table under a savepoint (one pass). A bar already
        // stored breaks the (symbol, ts) key: back to the savepoint, and the staging path below
        // inserts what is new and skips the rest, as put_bar() does.
        try {
            pqxx::subtransaction direct(tx, "put_bars_direct");
            {
                pqxx::stream_to copy(direct, table, cols);
                std::vector<std::string> row(kBarFields);
                for (const MarketBar& b : bars) {
                    bar_fields(b, row, 0);
                    copy_row(copy, row, 0);
                }
                copy.complete();
            }
            direct.commit();
            impl_->end_write(count);
            return static_cast<int64_t>(bars.size());
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "23505") throw;  // only a duplicate key takes the slow path
        }
        tx.exec(
            "CREATE TEMP TABLE IF NOT EXISTS awet_stage_bars ("
            "n BIGINT, event_id UUID, correlation_id UUID, idempotency_key TEXT, symbol TEXT, "
            "ts TIMESTAMPTZ, ts_ns BIGINT, event_ts_ns BIGINT, ts_init_ns BIGINT, "
            "schema_version INTEGER, source TEXT, open BIGINT, high BIGINT, low BIGINT, "
            "close BIGINT, volume BIGINT) ON COMMIT DELETE ROWS");
        tx.exec("TRUNCATE awet_stage_bars");
        {
            std::vector<std::string> stage_cols = {"n"};
            stage_cols.insert(stage_cols.end(), cols.begin(), cols.end());
            pqxx::stream_to copy(tx, "awet_stage_bars", stage_cols);
            std::vector<std::string> row(kBarFields + 1);
            int64_t n = 0;
            for (const MarketBar& b : bars) {
                row[0] = std::to_string(n++);
                bar_fields(b, row, 1);
                copy_row(copy, row, 1);
            }
            copy.complete();
        }
        Params none;
        const auto res = exec(tx, id, none);
        tx.exec("TRUNCATE awet_stage_bars");
        const auto inserted = static_cast<int64_t>(res.affected_rows());
        impl_->end_write(count);
        return inserted;
    } catch (...) {
        impl_->abort_batch();
        throw;
    }
}
AWET_PG_CATCH("put_bars")

namespace {

/// One event row, in the open batch.
template <class E>
Status write_event(pg_detail::Impl& impl, StmtId id, const E& e) {
    Params p;
    bind_event(p, e);
    impl.write(id, p);
    impl.end_write();
    return Status::Ok();
}

/// The rows of a bar-keyed table in a query's range: $1 from, $2 to, $3 the symbols (NULL: all).
template <class E, class Parse>
Result<std::vector<E>> load_bar_keyed(pg_detail::Impl& impl, StmtId id, const BarQuery& query,
                                      std::string_view op, Parse&& parse) {
    Params p;
    p.i64(query.from.ns());
    p.i64(query.to.ns());
    if (query.symbols.empty()) {
        p.null();
    } else {
        p.text(text_array(query.symbols));
    }
    return impl.read(
        [&](pqxx::transaction_base& tx) { return parse_rows<E>(exec(tx, id, p), op, parse); });
}

}  // namespace

Result<std::vector<MarketBar>> PostgresStore::load_bars(const BarQuery& query) try {
    constexpr std::string_view op = "load_bars";
    StmtId id;
    if (query.interval == Duration::minutes(1)) {
        id = kLoadBarsMinute;
    } else if (query.interval == Duration::days(1)) {
        id = kLoadBarsDay;
    } else {
        return bad_interval(op, query.interval);
    }
    return load_bar_keyed<MarketBar>(*impl_, id, query, op,
                                     [&](Reader& r) { return read_bar(r, query.interval); });
}
AWET_PG_CATCH("load_bars")

Status PostgresStore::put_features(const FeatureVector& fv) try {
    return write_event(*impl_, kInsertFeatures, fv);
}
AWET_PG_CATCH("put_features")

Result<std::vector<FeatureVector>> PostgresStore::load_features(const BarQuery& query) try {
    return load_bar_keyed<FeatureVector>(*impl_, kLoadFeatures, query, "load_features",
                                         [](Reader& r) { return read_event<FeatureVector>(r); });
}
AWET_PG_CATCH("load_features")

Status PostgresStore::put_prediction(const Prediction& pr) try {
    return write_event(*impl_, kInsertPrediction, pr);
}
AWET_PG_CATCH("put_prediction")

Result<std::vector<Prediction>> PostgresStore::load_predictions(const BarQuery& query) try {
    return load_bar_keyed<Prediction>(*impl_, kLoadPredictions, query, "load_predictions",
                                      [](Reader& r) { return read_event<Prediction>(r); });
}
AWET_PG_CATCH("load_predictions")

Status PostgresStore::put_risk_decision(const RiskDecision& d) try {
    return write_event(*impl_, kInsertRisk, d);
}
AWET_PG_CATCH("put_risk_decision")

Result<std::vector<RiskDecision>> PostgresStore::load_risk_decisions(Timestamp from,
                                                                     Timestamp to) try {
    Params p;
    p.i64(from.ns());
    p.i64(to.ns());
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<RiskDecision>(exec(tx, kLoadRisk, p), "load_risk_decisions",
                                        [](Reader& r) { return read_event<RiskDecision>(r); });
    });
}
AWET_PG_CATCH("load_risk_decisions")

// ---------------------------------------------------------------------------------------------
// Trades and positions.

Result<bool> PostgresStore::insert_trade(const TradeRow& t) try {
    Params p;
    bind_row(p, t);
    const auto res = impl_->write(kInsertTrade, p);
    impl_->end_write();
    return res.affected_rows() > 0;
}
AWET_PG_CATCH("insert_trade")

Status PostgresStore::update_trade(const TradeRow& t) try {
    Params p;
    bind_trade_update(p, t);
    const auto res = impl_->write(kUpdateTrade, p);
    impl_->end_write();
    if (res.affected_rows() == 0) {
        return make_error(ErrorCode::kNotFound, "update_trade: no trade with idempotency_key '" +
                                                    t.idempotency_key.str() + "'");
    }
    return Status::Ok();
}
AWET_PG_CATCH("update_trade")

Result<std::optional<TradeRow>> PostgresStore::find_trade(std::string_view idempotency_key) try {
    Params p;
    p.text(idempotency_key);
    auto rows = impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<TradeRow>(exec(tx, kFindTrade, p), "find_trade",
                                    [](Reader& r) { return read_trade(r); });
    });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
}
AWET_PG_CATCH("find_trade")

Result<std::vector<TradeRow>> PostgresStore::load_trades(const TradeQuery& query) try {
    Params p;
    p.i64(query.from.ns());
    p.i64(query.to.ns());
    if (query.symbol) {
        p.text(*query.symbol);
    } else {
        p.null();
    }
    if (query.correlation_id) {
        p.uuid(*query.correlation_id);
    } else {
        p.null();
    }
    if (query.limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())) {
        p.null();  // LIMIT NULL: all rows
    } else {
        p.i64(static_cast<int64_t>(query.limit));
    }
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<TradeRow>(exec(tx, kLoadTrades, p), "load_trades",
                                    [](Reader& r) { return read_trade(r); });
    });
}
AWET_PG_CATCH("load_trades")

Status PostgresStore::upsert_position(const PositionRow& pos) try {
    Params p;
    bind_row(p, pos);
    impl_->write(kUpsertPosition, p);
    impl_->end_write();
    return Status::Ok();
}
AWET_PG_CATCH("upsert_position")

Result<std::vector<PositionRow>> PostgresStore::load_positions() try {
    Params none;
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<PositionRow>(exec(tx, kLoadPositions, none), "load_positions",
                                       [](Reader& r) { return read_row<PositionRow>(r); });
    });
}
AWET_PG_CATCH("load_positions")

// ---------------------------------------------------------------------------------------------
// Audit: written in the same batch transaction as the event it records.

Status PostgresStore::put_audit(const EventHeader& h, std::string_view event_type,
                                std::string_view payload_json) try {
    Params p;
    p.uuid(h.event_id);
    p.uuid(h.correlation_id);
    p.text(h.idempotency_key.view());
    p.text(h.symbol.view());
    p.ts(h.ts);
    p.text(to_string(h.source));
    p.text(event_type);
    p.text(payload_json);
    p.i64(h.ts.ns());
    impl_->write(kInsertAudit, p);
    impl_->end_write();
    return Status::Ok();
}
AWET_PG_CATCH("put_audit")

Result<std::vector<AuditRecord>> PostgresStore::load_audit(const Uuid& correlation_id) try {
    Params p;
    p.uuid(correlation_id);
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<AuditRecord>(exec(tx, kLoadAudit, p), "load_audit",
                                       [](Reader& r) { return read_audit(r); });
    });
}
AWET_PG_CATCH("load_audit")

// ---------------------------------------------------------------------------------------------
// Models registry.

Status PostgresStore::register_model(const ModelRecord& m) try {
    Params p;
    bind_row(p, m);
    const auto res = impl_->write(kInsertModel, p);
    impl_->end_write();
    if (res.affected_rows() == 0) {
        return make_error(ErrorCode::kAlreadyExists,
                          "register_model: model '" + m.model_id + "' already exists");
    }
    return Status::Ok();
}
AWET_PG_CATCH("register_model")

Result<std::vector<ModelRecord>> PostgresStore::list_models() try {
    Params none;
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<ModelRecord>(exec(tx, kListModels, none), "list_models",
                                       [](Reader& r) { return read_row<ModelRecord>(r); });
    });
}
AWET_PG_CATCH("list_models")

Result<std::optional<ModelRecord>> PostgresStore::find_model(std::string_view model_id) try {
    Params p;
    p.text(model_id);
    auto rows = impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<ModelRecord>(exec(tx, kFindModel, p), "find_model",
                                       [](Reader& r) { return read_row<ModelRecord>(r); });
    });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
}
AWET_PG_CATCH("find_model")

Result<std::optional<ModelRecord>> PostgresStore::green_model() try {
    Params none;
    auto rows = impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<ModelRecord>(exec(tx, kGreenModel, none), "green_model",
                                       [](Reader& r) { return read_row<ModelRecord>(r); });
    });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
}
AWET_PG_CATCH("green_model")

Status PostgresStore::promote_model(std::string_view model_id, Timestamp at) try {
    constexpr std::string_view op = "promote_model";
    // One explicit transaction (check, deprecate the old green, set the new one), separate from
    // the write batch; the row is locked so that concurrent promotions serialise.
    impl_->commit();
    pqxx::work tx(impl_->writer());
    Params find;
    find.text(model_id);
    tx.exec_params("SELECT 1 FROM models_registry WHERE model_id = $1 FOR UPDATE",
                   std::string(model_id));
    auto rows = parse_rows<ModelRecord>(exec(tx, kFindModel, find), op,
                                        [](Reader& r) { return read_row<ModelRecord>(r); });
    if (!rows.ok()) return rows.error();
    if (rows->empty()) {
        return make_error(ErrorCode::kNotFound,
                          std::string(op) + ": no model '" + std::string(model_id) + "'");
    }
    const ModelRecord& current = rows->front();
    if (current.status == ModelStatus::kDeprecated) {
        return make_error(ErrorCode::kInvalidArgument,
                          std::string(op) + ": model '" + std::string(model_id) +
                              "' is deprecated and cannot be promoted");
    }
    if (current.status == ModelStatus::kGreen) return Status::Ok();  // already live
    Params deprecate;
    deprecate.text(model_id);
    exec(tx, kDeprecateGreen, deprecate);
    Params green;
    green.ts_or_null(at);
    green.ns_or_null(at);
    green.text(model_id);
    exec(tx, kSetModelGreen, green);
    tx.commit();
    return Status::Ok();
}
AWET_PG_CATCH("promote_model")

Status PostgresStore::deprecate_model(std::string_view model_id) try {
    impl_->commit();
    pqxx::work tx(impl_->writer());
    Params p;
    p.text(model_id);
    const auto res = exec(tx, kSetModelDeprecated, p);
    tx.commit();
    if (res.affected_rows() == 0) {
        return make_error(ErrorCode::kNotFound,
                          "deprecate_model: no model '" + std::string(model_id) + "'");
    }
    return Status::Ok();
}
AWET_PG_CATCH("deprecate_model")

// ---------------------------------------------------------------------------------------------
// Daily PnL and checkpoints.

Status PostgresStore::upsert_daily_pnl(const DailyPnlRow& row) try {
    Params p;
    bind_row(p, row);
    impl_->write(kUpsertDailyPnl, p);
    impl_->end_write();
    return Status::Ok();
}
AWET_PG_CATCH("upsert_daily_pnl")

Result<std::vector<DailyPnlRow>> PostgresStore::load_daily_pnl(Date from, Date to) try {
    Params p;
    p.text(from.to_string());
    p.text(to.to_string());
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<DailyPnlRow>(exec(tx, kLoadDailyPnl, p), "load_daily_pnl",
                                       [](Reader& r) { return read_row<DailyPnlRow>(r); });
    });
}
AWET_PG_CATCH("load_daily_pnl")

Status PostgresStore::put_checkpoint(const BackfillCheckpoint& c) try {
    Params p;
    bind_row(p, c);
    impl_->write(kUpsertCheckpoint, p);
    impl_->end_write();
    return Status::Ok();
}
AWET_PG_CATCH("put_checkpoint")

Result<std::optional<BackfillCheckpoint>> PostgresStore::get_checkpoint(
    std::string_view source, std::string_view symbol) try {
    Params p;
    p.text(source);
    p.text(symbol);
    auto rows = impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<BackfillCheckpoint>(
            exec(tx, kGetCheckpoint, p), "get_checkpoint",
            [](Reader& r) { return read_row<BackfillCheckpoint>(r); });
    });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
}
AWET_PG_CATCH("get_checkpoint")

Result<int64_t> PostgresStore::count_rows(std::string_view table) try {
    const bool known = table == "schema_migrations" ||
                       std::find(kTables.begin(), kTables.end(), table) != kTables.end();
    if (!known) {
        return make_error(ErrorCode::kInvalidArgument,
                          "count_rows: unknown table '" + std::string(table) + "'");
    }
    const std::string name = count_name(table);
    return impl_->read([&](pqxx::transaction_base& tx) -> int64_t {
        return tx.exec_prepared(name)[0][0].as<int64_t>();
    });
}
AWET_PG_CATCH("count_rows")

namespace {

/// clear_run_results (since unset) and discard_results_since, in one transaction.
std::vector<std::pair<std::string, int64_t>> delete_run_results(pqxx::connection& writer,
                                                                std::optional<Timestamp> since) {
    pqxx::work tx(writer);
    std::vector<std::pair<std::string, int64_t>> removed;
    for (std::string_view table : kRunResultTables) {
        const std::optional<std::string> sql = delete_results_sql(table, since);
        const int64_t n = sql ? static_cast<int64_t>(tx.exec(*sql).affected_rows()) : 0;
        removed.emplace_back(std::string(table), n);
    }
    tx.commit();
    return removed;
}

}  // namespace

Result<std::vector<std::pair<std::string, int64_t>>> PostgresStore::clear_run_results() try {
    impl_->commit();
    return delete_run_results(impl_->writer(), std::nullopt);
}
AWET_PG_CATCH("clear_run_results")

Result<bool> PostgresStore::claim_job_run(const JobRunRecord& run) try {
    Params p;
    bind_row(p, run);
    const auto res = impl_->write(kClaimJobRun, p);
    impl_->commit();  // the claim is durable before the job runs
    return res.affected_rows() > 0;
}
AWET_PG_CATCH("claim_job_run")

Status PostgresStore::update_job_run(const JobRunRecord& run) try {
    Params p;
    bind_row(p, run);
    impl_->write(kUpsertJobRun, p);
    impl_->commit();
    return Status::Ok();
}
AWET_PG_CATCH("update_job_run")

Result<std::vector<JobRunRecord>> PostgresStore::load_job_runs(const JobRunQuery& query) try {
    Params p;
    if (query.job.empty()) {
        p.null();
    } else {
        p.text(query.job);
    }
    p.i64(query.from.ns());
    p.i64(query.to.ns());
    if (query.limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())) {
        p.null();  // LIMIT NULL: all rows
    } else {
        p.i64(static_cast<int64_t>(query.limit));
    }
    return impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<JobRunRecord>(exec(tx, kLoadJobRuns, p), "load_job_runs",
                                        [](Reader& r) { return read_row<JobRunRecord>(r); });
    });
}
AWET_PG_CATCH("load_job_runs")

Status PostgresStore::put_run(const RunRecord& run) try {
    Params p;
    p.text(run.run_id);
    p.text(run.command);
    p.i64(run.first_bar.ns());
    p.ns_or_null(run.last_bar);
    p.i64(run.bars);
    p.ts(run.started_at);
    p.i64(run.started_at.ns());
    p.ns_or_null(run.finished_at);
    p.i64(run.pid);
    impl_->write(kUpsertRun, p);
    impl_->commit();  // the mark must be durable before the run writes anything
    return Status::Ok();
}
AWET_PG_CATCH("put_run")

Result<std::optional<RunRecord>> PostgresStore::unfinished_run() try {
    Params p;
    auto rows = impl_->read([&](pqxx::transaction_base& tx) {
        return parse_rows<RunRecord>(exec(tx, kUnfinishedRun, p), "unfinished_run",
                                     [](Reader& r) { return read_run(r); });
    });
    if (!rows.ok()) return rows.error();
    return first_row(std::move(*rows));
}
AWET_PG_CATCH("unfinished_run")

Result<std::vector<std::pair<std::string, int64_t>>> PostgresStore::discard_results_since(
    Timestamp since) try {
    impl_->commit();
    return delete_run_results(impl_->writer(), since);
}
AWET_PG_CATCH("discard_results_since")

namespace {

/// Advisory locks on a connection of their own: held while it is open, dropped by the server when
/// the process (and so the connection) goes away.
class AdvisoryLease final : public WriterLease {
public:
    explicit AdvisoryLease(std::unique_ptr<pqxx::connection> conn) : conn_(std::move(conn)) {}

private:
    std::unique_ptr<pqxx::connection> conn_;
};

constexpr int32_t kAdvisoryClass = 0x41574554;  // "AWET"

}  // namespace

Result<std::unique_ptr<WriterLease>> PostgresStore::acquire_writer(WriterMode mode,
                                                                   std::string_view role,
                                                                   std::string_view holder) try {
    auto conn = std::make_unique<pqxx::connection>(impl_->url);
    const std::string me =
        "awet: " + std::string(holder) + " pid " + std::to_string(static_cast<long>(::getpid()));
    auto held_by = [&](pqxx::nontransaction& tx, int64_t slot) {
        const pqxx::result r = tx.exec_params(
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 "
            "AND l.objid = $2 AND a.pid <> pg_backend_pid() LIMIT 1",
            static_cast<int64_t>(kAdvisoryClass), slot);
        if (r.empty()) return std::string("another process");
        return "'" + r[0][0].as<std::string>("") + "' (server pid " + r[0][1].as<std::string>("") +
               ")";
    };
    pqxx::nontransaction tx(*conn);
    tx.exec_params("SELECT set_config('application_name', $1, false)", me.substr(0, 63));
    const bool exclusive = mode == WriterMode::kExclusive;
    const std::string take = exclusive ? "SELECT pg_try_advisory_lock($1, 0)"
                                       : "SELECT pg_try_advisory_lock_shared($1, 0)";
    if (!tx.exec_params(take, kAdvisoryClass)[0][0].as<bool>()) {
        return make_error(ErrorCode::kAlreadyExists,
                          "store PostgreSQL " + impl_->where + " is in use by " + held_by(tx, 0) +
                              (exclusive ? "; " + std::string(holder) +
                                               " needs it alone (one writer at a time): wait for "
                                               "it to finish or stop it"
                                         : ", which needs it alone: wait for it to finish"));
    }
    if (!role.empty()) {
        const auto slot = static_cast<int32_t>(store_internal::role_slot(role));
        if (!tx.exec_params("SELECT pg_try_advisory_lock($1, $2)", kAdvisoryClass, slot)[0][0]
                 .as<bool>()) {
            return make_error(ErrorCode::kAlreadyExists,
                              "store PostgreSQL " + impl_->where + ": a " + std::string(role) +
                                  " agent already writes to it (" + held_by(tx, slot) +
                                  "); one per store");
        }
    }
    return std::unique_ptr<WriterLease>(std::make_unique<AdvisoryLease>(std::move(conn)));
}
AWET_PG_CATCH("acquire_writer")

}  // namespace awet
