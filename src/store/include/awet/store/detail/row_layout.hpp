#pragma once
// The row layout shared by the SQLite and PostgreSQL stores: the column lists of every table (in
// the order both write and select them) and the row -> event/row readers, instantiated with each
// backend's Reader (uuid, fixed_string, ts, i64, real, fixed, enumeration, skip). Private to
// src/store.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "awet/model/event_fields.hpp"
#include "awet/model/events.hpp"
#include "awet/store/store.hpp"

namespace awet::store_rows {

using Cols = std::vector<std::string_view>;

/// The binds every backend's Binder spells the same way, over its own text, i64 and null (a
/// Binder derives from NullableBinds<itself>).
template <class B>
class NullableBinds {
public:
    /// `v`, or NULL when it is empty.
    void text_or_null(std::string_view v) {
        if (v.empty()) {
            self().null();
        } else {
            self().text(v);
        }
    }
    /// `t` in nanoseconds, or NULL when it is unset.
    void ns_or_null(Timestamp t) {
        if (t.is_set()) {
            self().i64(t.ns());
        } else {
            self().null();
        }
    }

private:
    B& self() { return static_cast<B&>(*this); }
};

inline Cols concat(Cols a, const Cols& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// ---------------------------------------------------------------------------------------------
// Event rows, from the event's field list (awet/model/event_fields.hpp). A field becomes its
// column of the same name, except:
//  - the table's time key (`bar_start`, or `ts` of a risk decision): `ts` (text / timestamptz,
//    for people) and `ts_ns` (what AWET reads);
//  - another timestamp X: X_ns, and the header's `ts` of a bar-keyed event: event_ts_ns;
//  - interval_ns: none (the table says it: market_raw_minute or market_raw_day);
//  - features: one nullable column per feature name (NULL while in warm-up or NaN);
//  - horizons: q10_30, q50_30, q90_30, q10_45, ... (quantile, horizon minutes);
//  - reasons: `reasons` (the names, for people) and `reasons_mask` (what AWET reads);
//  - a nil UUID outside the header: NULL.
// Both backends bind and read with these, so a column list, its binder and its reader cannot
// disagree; each backend's Binder/Reader only says how a value looks in its SQL dialect.

/// The field of `E` that keys its table in time.
template <class E>
constexpr std::string_view time_key() {
    return std::is_same_v<E, RiskDecision> ? "ts" : "bar_start";
}

/// Binds an event's columns in order through a backend Binder (uuid, iso, text, owned_text,
/// i64, real, fixed, boolean, null), or, with `names` set, lists the column names instead.
template <class B>
struct EventRowWriter {
    B* b = nullptr;
    std::vector<std::string>* names = nullptr;
    std::string_view key;
    bool header = false;
    uint32_t valid_mask = ~0U;

    /// One column: its name (a string, or a callable making it: derived names are built only
    /// when listing, never per bound row) and how to bind its value.
    template <class Name, class Bind>
    void col(Name&& name, Bind&& bind) {
        if (names == nullptr) {
            bind(*b);
        } else if constexpr (std::is_invocable_v<Name>) {
            names->emplace_back(name());
        } else {
            names->emplace_back(name);
        }
    }
    void operator()(std::string_view n, const Uuid& v) {
        col(n, [&](B& x) {
            if (v.is_nil() && !header) {
                x.null();
            } else {
                x.uuid(v);
            }
        });
    }
    template <size_t N>
    void operator()(std::string_view n, const FixedString<N>& v) {
        col(n, [&](B& x) { x.text(v.view()); });
    }
    void operator()(std::string_view n, Timestamp v) {
        if (n == key) {
            col("ts", [&](B& x) { x.iso(v); });
            col("ts_ns", [&](B& x) { x.i64(v.ns()); });
        } else {
            const auto name = [&] {
                return header && n == "ts" ? std::string("event_ts_ns") : std::string(n) + "_ns";
            };
            col(name, [&](B& x) { x.i64(v.ns()); });
        }
    }
    void operator()(std::string_view, Duration) {}
    void operator()(std::string_view n, int32_t v) {
        col(n, [&](B& x) { x.i64(v); });
    }
    template <typename Tag>
    void operator()(std::string_view n, Fixed<Tag> v) {
        col(n, [&](B& x) { x.fixed(v); });
    }
    void operator()(std::string_view n, double v) {
        col(n, [&](B& x) { x.real(v); });
    }
    void operator()(std::string_view n, bool v) {
        col(n, [&](B& x) { x.boolean(v); });
    }
    template <typename E>
    requires std::is_enum_v<E>
    void operator()(std::string_view n, E v) {
        col(n, [&](B& x) { x.text(to_string(v)); });
    }
    void operator()(std::string_view n, FeatureMask<const uint32_t> v) {
        valid_mask = v.mask;
        col(n, [&](B& x) { x.i64(v.mask); });
    }
    void operator()(std::string_view n, ReasonBits<const uint32_t> v) {
        col(n, [&](B& x) { x.owned_text(risk_reasons_to_string(v.mask)); });
        col([&] { return std::string(n) + "_mask"; }, [&](B& x) { x.i64(v.mask); });
    }
    void operator()(std::string_view, const FeatureValues& v) {
        for (Feature f : kAllFeatures) {
            const auto i = static_cast<size_t>(f);
            col(feature_name(f), [&](B& x) {
                if (((valid_mask >> i) & 1U) != 0 && !std::isnan(v[i])) {
                    x.real(v[i]);
                } else {
                    x.null();
                }
            });
        }
    }
    void operator()(std::string_view, const Horizons& v) {
        for (size_t i = 0; i < kNumHorizons; ++i) {
            const auto name = [&](std::string_view q) {
                return
                    [q, i] { return std::string(q) + "_" + std::to_string(kHorizonsMinutes[i]); };
            };
            col(name("q10"), [&](B& x) { x.real(v[i].q10); });
            col(name("q50"), [&](B& x) { x.real(v[i].q50); });
            col(name("q90"), [&](B& x) { x.real(v[i].q90); });
        }
    }
};

/// A Binder that binds nothing (for listing column names).
struct NoBinder {
    void uuid(const Uuid&) {}
    void iso(Timestamp) {}
    void text(std::string_view) {}
    void owned_text(const std::string&) {}
    void i64(int64_t) {}
    void real(double) {}
    template <typename Tag>
    void fixed(Fixed<Tag>) {}
    void boolean(bool) {}
    void null() {}
};

/// The header's columns, then the body's (the writer knows which it is in).
template <class B, class E>
void write_row(EventRowWriter<B>& w, const E& e) {
    w.header = true;
    visit_header(e.header, w);
    w.header = false;
    visit_fields(e, w);
}

/// Binds the columns of `e`, in event_cols<E>() order.
template <class B, class E>
void bind_event(B& b, const E& e) {
    EventRowWriter<B> w{&b, nullptr, time_key<E>()};
    write_row(w, e);
}

/// The columns of the table of `E`, in the order bind_event binds and read_event reads them.
template <class E>
const Cols& event_cols() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        EventRowWriter<NoBinder> w{nullptr, &out, time_key<E>()};
        write_row(w, E{});
        return out;
    }();
    static const Cols cols(names.begin(), names.end());
    return cols;
}

/// Reads an event's columns in event_cols<E>() order through a backend Reader.
template <class R>
struct EventRowReader {
    R& r;
    std::string_view key;

    void operator()(std::string_view, Uuid& v) { v = r.uuid(); }
    template <size_t N>
    void operator()(std::string_view, FixedString<N>& v) {
        v = r.template fixed_string<N>();
    }
    void operator()(std::string_view n, Timestamp& v) {
        if (n == key) r.skip();  // ts (text / timestamptz: the *_ns column is read)
        v = r.ts();
    }
    void operator()(std::string_view, Duration&) {}
    void operator()(std::string_view, int32_t& v) { v = static_cast<int32_t>(r.i64()); }
    template <typename Tag>
    void operator()(std::string_view, Fixed<Tag>& v) {
        v = r.template fixed<Tag>();
    }
    void operator()(std::string_view, double& v) { v = r.real(); }
    void operator()(std::string_view, bool& v) { v = r.boolean(); }
    template <typename E>
    requires std::is_enum_v<E>
    void operator()(std::string_view, E& v) { v = r.template enumeration<E>(); }
    void operator()(std::string_view, FeatureMask<uint32_t> v) {
        v.mask = static_cast<uint32_t>(r.i64());
    }
    void operator()(std::string_view, ReasonBits<uint32_t> v) {
        r.skip();  // reasons (text, derived from reasons_mask)
        v.mask = static_cast<uint32_t>(r.i64());
    }
    void operator()(std::string_view, FeatureValues& v) {
        for (double& x : v) x = r.real_or_nan();
    }
    void operator()(std::string_view, Horizons& v) {
        for (QuantileForecast& q : v) {
            q.q10 = r.real();
            q.q50 = r.real();
            q.q90 = r.real();
        }
    }
};

/// An event from its columns (event_cols<E>() order). A bar's interval is its table's.
template <class E, class R>
E read_event(R& r) {
    E e;
    EventRowReader<R> v{r, time_key<E>()};
    visit_header(e.header, v);
    visit_fields(e, v);
    return e;
}

inline const Cols& bar_cols() { return event_cols<MarketBar>(); }
inline const Cols& feature_cols() { return event_cols<FeatureVector>(); }
inline const Cols& prediction_cols() { return event_cols<Prediction>(); }
inline const Cols& risk_cols() { return event_cols<RiskDecision>(); }

template <class Reader>
MarketBar read_bar(Reader& r, Duration interval) {
    MarketBar bar = read_event<MarketBar>(r);
    bar.interval = interval;
    return bar;
}

const Cols kAuditCols = {"event_id", "correlation_id", "idempotency_key", "symbol", "ts",
                         "source",   "event_type",     "payload",         "ts_ns"};
const Cols kRunCols = {"run_id",     "command",       "first_bar_ns",   "last_bar_ns", "bars",
                       "started_at", "started_at_ns", "finished_at_ns", "pid"};

/// Columns: seq, then kAuditCols.
template <class Reader>
AuditRecord read_audit(Reader& r) {
    AuditRecord a;
    a.seq = r.i64();
    a.event_id = r.uuid();
    a.correlation_id = r.uuid();
    a.idempotency_key = r.str();
    a.symbol = r.str();
    r.skip();  // ts (text / timestamptz: the *_ns column is read)
    a.source = r.str();
    a.event_type = r.str();
    a.payload = r.str();
    a.ts = r.ts();
    return a;
}

// ---------------------------------------------------------------------------------------------
// The other rows (trades, positions, models, daily PnL, checkpoints), from one field list per
// row type (visit_row below). A field becomes its column of the same name, except:
//  - a timestamp X: X (text / timestamptz, for people) and X_ns (what AWET reads), both NULL
//    while unset, unless it is insert-only (a trade's `ts`, its time key: written even unset);
//  - a text wrapped in or_null(): NULL when empty;
//  - a field wrapped in insert_only(): written by the insert, left by an update (update_trade:
//    UPDATE ... SET every other column WHERE idempotency_key = ...);
//  - a date: its "YYYY-MM-DD" text.
// Both backends bind and read with these, as for the events.

/// A text column that is NULL when empty.
template <class T>
struct OrNull {
    T& v;
};
template <class T>
OrNull<T> or_null(T& v) {
    return {v};
}

/// A column written once, by the insert; an update (update_trade) leaves it.
template <class T>
struct InsertOnly {
    T& v;
};
template <class T>
InsertOnly<T> insert_only(T& v) {
    return {v};
}

template <class Row, class V>
requires std::same_as<std::remove_const_t<Row>, TradeRow>
void visit_row(Row& t, V& v) {
    v("ts", insert_only(t.ts));
    v("symbol", insert_only(t.symbol));
    v("side", insert_only(t.side));
    v("qty", t.qty);
    v("filled_qty", t.filled_qty);
    v("avg_fill_price", t.avg_fill_price);
    v("status", t.status);
    v("alpaca_order_id", or_null(t.alpaca_order_id));
    v("alpaca_status", or_null(t.alpaca_status));
    v("filled_at", t.filled_at);
    v("correlation_id", insert_only(t.correlation_id));
    v("idempotency_key", insert_only(t.idempotency_key));
    v("paper_trade", insert_only(t.paper_trade));
    v("dry_run", t.dry_run);
    v("intent", insert_only(t.intent));
    v("exit_reason", insert_only(t.exit_reason));
    v("fees", t.fees);
    v("block_reason", or_null(t.block_reason));
}

template <class Row, class V>
requires std::same_as<std::remove_const_t<Row>, PositionRow>
void visit_row(Row& p, V& v) {
    v("symbol", p.symbol);
    v("qty", p.qty);
    v("avg_entry_price", p.avg_entry_price);
    v("market_value", p.market_value);
    v("unrealized_pl", p.unrealized_pl);
    v("cost_basis", p.cost_basis);
    v("realized_pl", p.realized_pl);
    v("opened_at", p.opened_at);
    v("updated_at", p.updated_at);
}

template <class Row, class V>
requires std::same_as<std::remove_const_t<Row>, ModelRecord>
void visit_row(Row& m, V& v) {
    v("model_id", m.model_id);
    v("model_type", m.model_type);
    v("status", m.status);
    v("path", m.path);
    v("metrics_json", m.metrics_json);
    v("params_json", m.params_json);
    v("created_at", m.created_at);
    v("promoted_at", m.promoted_at);
    v("trained_from", m.trained_from);
    v("trained_to", m.trained_to);
}

template <class Row, class V>
requires std::same_as<std::remove_const_t<Row>, JobRunRecord>
void visit_row(Row& j, V& v) {
    v("job", j.job);
    v("slot", j.slot);
    v("trigger_kind", j.trigger);
    v("status", j.status);
    v("started_at", j.started_at);
    v("finished_at", j.finished_at);
    v("summary", j.summary);
    v("details_json", j.details_json);
    v("correlation_id", j.correlation_id);
}

template <class Row, class V>
requires std::same_as<std::remove_const_t<Row>, DailyPnlRow>
void visit_row(Row& d, V& v) {
    v("report_date", d.report_date);
    v("realized_pnl_usd", d.realized_pnl_usd);
    v("unrealized_pnl_usd", d.unrealized_pnl_usd);
    v("total_pnl_usd", d.total_pnl_usd);
    v("num_trades", d.num_trades);
    v("num_wins", d.num_wins);
    v("num_losses", d.num_losses);
    v("win_rate", d.win_rate);
    v("best_symbol", or_null(d.best_symbol));
    v("worst_symbol", or_null(d.worst_symbol));
    v("created_at", d.created_at);
}

template <class Row, class V>
requires std::same_as<std::remove_const_t<Row>, BackfillCheckpoint>
void visit_row(Row& c, V& v) {
    v("source", c.source);
    v("symbol", c.symbol);
    v("last_ts", c.last_ts);
    v("rows", c.rows);
    v("updated_at", c.updated_at);
}

/// Binds a row's columns in order through a backend Binder, or lists the column names.
template <class B>
struct RecordRowWriter {
    B* b = nullptr;
    std::vector<std::string>* names = nullptr;
    bool update = false;  // an UPDATE: insert-only columns are left out

    /// One column `name` + `suffix` (names are built only when listing, never per bound row).
    template <class Bind>
    void col(std::string_view name, Bind&& bind, std::string_view suffix = {}) {
        if (names == nullptr) {
            bind(*b);
        } else {
            std::string full(name);
            full.append(suffix);
            names->push_back(std::move(full));
        }
    }
    void time(std::string_view n, Timestamp t, bool null_when_unset) {
        const bool null = null_when_unset && !t.is_set();
        col(n, [&](B& x) { null ? x.null() : x.iso(t); });
        col(
            n, [&](B& x) { null ? x.null() : x.i64(t.ns()); }, "_ns");
    }
    void operator()(std::string_view n, const Uuid& v) {
        col(n, [&](B& x) { x.uuid(v); });
    }
    template <size_t N>
    void operator()(std::string_view n, const FixedString<N>& v) {
        col(n, [&](B& x) { x.text(v.view()); });
    }
    void operator()(std::string_view n, const std::string& v) {
        col(n, [&](B& x) { x.text(v); });
    }
    void operator()(std::string_view n, OrNull<const std::string> v) {
        col(n, [&](B& x) { v.v.empty() ? x.null() : x.text(v.v); });
    }
    void operator()(std::string_view n, Timestamp v) { time(n, v, true); }
    /// An insert-only time is the table's time key: written even when unset.
    void operator()(std::string_view n, InsertOnly<const Timestamp> v) {
        if (!update) time(n, v.v, false);
    }
    template <class T>
    void operator()(std::string_view n, InsertOnly<const T> v) {
        if (!update) (*this)(n, v.v);
    }
    void operator()(std::string_view n, const Date& v) {
        col(n, [&](B& x) { x.owned_text(v.to_string()); });
    }
    void operator()(std::string_view n, int64_t v) {
        col(n, [&](B& x) { x.i64(v); });
    }
    void operator()(std::string_view n, int v) {
        col(n, [&](B& x) { x.i64(v); });
    }
    template <typename Tag>
    void operator()(std::string_view n, Fixed<Tag> v) {
        col(n, [&](B& x) { x.fixed(v); });
    }
    void operator()(std::string_view n, double v) {
        col(n, [&](B& x) { x.real(v); });
    }
    void operator()(std::string_view n, bool v) {
        col(n, [&](B& x) { x.boolean(v); });
    }
    template <typename E>
    requires std::is_enum_v<E>
    void operator()(std::string_view n, E v) {
        col(n, [&](B& x) { x.text(to_string(v)); });
    }
};

/// Reads a row's columns in row_cols<T>() order through a backend Reader.
template <class R>
struct RecordRowReader {
    R& r;

    void operator()(std::string_view, Uuid& v) { v = r.uuid(); }
    template <size_t N>
    void operator()(std::string_view, FixedString<N>& v) {
        v = r.template fixed_string<N>();
    }
    void operator()(std::string_view, std::string& v) { v = r.str(); }
    void operator()(std::string_view, OrNull<std::string> v) { v.v = r.str(); }
    void operator()(std::string_view, Timestamp& v) {
        r.skip();  // the text / timestamptz twin: the *_ns column is read
        v = r.ts();
    }
    template <class T>
    void operator()(std::string_view n, InsertOnly<T> v) {
        (*this)(n, v.v);
    }
    void operator()(std::string_view, Date& v) { v = r.date(); }
    void operator()(std::string_view, int64_t& v) { v = r.i64(); }
    void operator()(std::string_view, int& v) { v = static_cast<int>(r.i64()); }
    template <typename Tag>
    void operator()(std::string_view, Fixed<Tag>& v) {
        v = r.template fixed<Tag>();
    }
    void operator()(std::string_view, double& v) { v = r.real(); }
    void operator()(std::string_view, bool& v) { v = r.boolean(); }
    template <typename E>
    requires std::is_enum_v<E>
    void operator()(std::string_view, E& v) {
        if constexpr (std::is_same_v<E, ModelStatus>) {
            v = r.model_status();
        } else {
            v = r.template enumeration<E>();
        }
    }
};

/// The columns of the table of `T`, in the order bind_row binds and read_row reads them.
template <class T>
const Cols& row_cols() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        RecordRowWriter<NoBinder> w{nullptr, &out};
        const T row{};
        visit_row(row, w);
        return out;
    }();
    static const Cols cols(names.begin(), names.end());
    return cols;
}

template <class B, class T>
void bind_row(B& b, const T& row) {
    RecordRowWriter<B> w{&b, nullptr};
    visit_row(row, w);
}

template <class T, class R>
T read_row(R& r) {
    T row;
    RecordRowReader<R> v{r};
    visit_row(row, v);
    return row;
}

/// A trade from id, then row_cols<TradeRow>().
template <class R>
TradeRow read_trade(R& r) {
    const int64_t id = r.i64();
    TradeRow t = read_row<TradeRow>(r);
    t.id = id;
    return t;
}

/// UPDATE trades SET <every column but the insert-only ones> WHERE idempotency_key = <last>.
inline const Cols& trade_update_cols() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        RecordRowWriter<NoBinder> w{nullptr, &out, true};
        const TradeRow row{};
        visit_row(row, w);
        out.emplace_back("idempotency_key");
        return out;
    }();
    static const Cols cols(names.begin(), names.end());
    return cols;
}

template <class B>
void bind_trade_update(B& b, const TradeRow& t) {
    RecordRowWriter<B> w{&b, nullptr, true};
    visit_row(t, w);
    b.text(t.idempotency_key.view());
}

/// The row of a query that matches at most one (by key, or LIMIT 1), if any.
template <class T>
std::optional<T> first_row(std::vector<T>&& rows) {
    if (rows.empty()) return std::nullopt;
    return std::optional<T>(std::move(rows.front()));
}

/// The DELETE of one of kRunResultTables for Store::clear_run_results (since unset: every row)
/// and Store::discard_results_since (the rows a run from `since` on produced); nullopt for
/// `positions` when `since` is set (left to the rerun). Fixed identifiers, numbers and a date,
/// never caller text: safe to splice.
inline std::optional<std::string> delete_results_sql(std::string_view table,
                                                     std::optional<Timestamp> since) {
    const std::string from = "DELETE FROM " + std::string(table);
    if (!since) return from;
    if (table == "positions") return std::nullopt;
    const std::string ns = std::to_string(since->ns());
    if (table == "daily_pnl_summary")
        return from + " WHERE report_date >= '" + since->iso().substr(0, 10) + "'";
    if (table == "runs") return from + " WHERE first_bar_ns >= " + ns;
    // trades (by order time), risk_decisions, predictions_tft, audit_events
    return from + " WHERE ts_ns >= " + ns;
}

template <class Reader>
RunRecord read_run(Reader& r) {
    RunRecord run;
    run.run_id = r.str();
    run.command = r.str();
    run.first_bar = r.ts();
    run.last_bar = r.is_null() ? (r.skip(), Timestamp{}) : r.ts();
    run.bars = r.i64();
    r.skip();  // started_at (text / timestamptz: the *_ns column is read)
    run.started_at = r.ts();
    run.finished_at = r.is_null() ? (r.skip(), Timestamp{}) : r.ts();
    run.pid = r.i64();
    return run;
}

}  // namespace awet::store_rows
