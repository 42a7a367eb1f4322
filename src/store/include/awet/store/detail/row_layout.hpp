#pragma once
// The row layout shared by the SQLite and PostgreSQL stores: the column lists of every table (in
// the order both write and select them) and the row -> event/row readers, instantiated with each
// backend's Reader (uuid, fixed_string, ts, i64, real, fixed, enumeration, skip). Private to
// src/store.
#include <cmath>
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

const Cols kTradeCols = {"ts",           "symbol",          "side",
                         "qty",          "filled_qty",      "avg_fill_price",
                         "status",       "alpaca_order_id", "alpaca_status",
                         "filled_at",    "correlation_id",  "idempotency_key",
                         "paper_trade",  "dry_run",         "ts_ns",
                         "filled_at_ns", "intent",          "exit_reason",
                         "fees",         "block_reason"};
const Cols kPositionCols = {"symbol",        "qty",          "avg_entry_price", "market_value",
                            "unrealized_pl", "cost_basis",   "updated_at",      "realized_pl",
                            "opened_at",     "opened_at_ns", "updated_at_ns"};
const Cols kAuditCols = {"event_id", "correlation_id", "idempotency_key", "symbol", "ts",
                         "source",   "event_type",     "payload",         "ts_ns"};
const Cols kModelCols = {"model_id",     "model_type",    "status",     "path",
                         "metrics_json", "params_json",   "created_at", "created_at_ns",
                         "promoted_at",  "promoted_at_ns"};
const Cols kDailyPnlCols = {"report_date",   "realized_pnl_usd", "unrealized_pnl_usd",
                            "total_pnl_usd", "num_trades",       "num_wins",
                            "num_losses",    "win_rate",         "best_symbol",
                            "worst_symbol",  "created_at",       "created_at_ns"};
const Cols kCheckpointCols = {"source", "symbol",     "last_ts",      "last_ts_ns",
                              "rows",   "updated_at", "updated_at_ns"};

const Cols kRunCols = {"run_id",     "command",       "first_bar_ns",   "last_bar_ns", "bars",
                       "started_at", "started_at_ns", "finished_at_ns", "pid"};

/// Columns: id, then kTradeCols.
template <class Reader>
TradeRow read_trade(Reader& r) {
    TradeRow t;
    t.id = r.i64();
    r.skip();  // ts (text / timestamptz: the *_ns column is read)
    t.symbol = r.template fixed_string<Symbol::capacity()>();
    t.side = r.template enumeration<Side>();
    t.qty = r.template fixed<QuantityTag>();
    t.filled_qty = r.template fixed<QuantityTag>();
    t.avg_fill_price = r.template fixed<PriceTag>();
    t.status = r.template enumeration<OrderStatus>();
    t.alpaca_order_id = r.str();
    t.alpaca_status = r.str();
    r.skip();  // filled_at (text / timestamptz: the *_ns column is read)
    t.correlation_id = r.uuid();
    t.idempotency_key = r.template fixed_string<IdempotencyKey::capacity()>();
    t.paper_trade = r.boolean();
    t.dry_run = r.boolean();
    t.ts = r.ts();
    t.filled_at = r.ts();
    t.intent = r.template enumeration<OrderIntent>();
    t.exit_reason = r.template enumeration<ExitReason>();
    t.fees = r.template fixed<MoneyTag>();
    t.block_reason = r.str();
    return t;
}

template <class Reader>
PositionRow read_position(Reader& r) {
    PositionRow p;
    p.symbol = r.template fixed_string<Symbol::capacity()>();
    p.qty = r.template fixed<QuantityTag>();
    p.avg_entry_price = r.template fixed<PriceTag>();
    p.market_value = r.template fixed<MoneyTag>();
    p.unrealized_pl = r.template fixed<MoneyTag>();
    p.cost_basis = r.template fixed<MoneyTag>();
    r.skip();  // updated_at (text / timestamptz: the *_ns column is read)
    p.realized_pl = r.template fixed<MoneyTag>();
    r.skip();  // opened_at (text / timestamptz: the *_ns column is read)
    p.opened_at = r.ts();
    p.updated_at = r.ts();
    return p;
}

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

template <class Reader>
ModelRecord read_model(Reader& r) {
    ModelRecord m;
    m.model_id = r.str();
    m.model_type = r.str();
    m.status = r.model_status();
    m.path = r.str();
    m.metrics_json = r.str();
    m.params_json = r.str();
    r.skip();  // created_at (text / timestamptz: the *_ns column is read)
    m.created_at = r.ts();
    r.skip();  // promoted_at (text / timestamptz: the *_ns column is read)
    m.promoted_at = r.ts();
    return m;
}

template <class Reader>
DailyPnlRow read_daily_pnl(Reader& r) {
    DailyPnlRow d;
    d.report_date = r.date();
    d.realized_pnl_usd = r.template fixed<MoneyTag>();
    d.unrealized_pnl_usd = r.template fixed<MoneyTag>();
    d.total_pnl_usd = r.template fixed<MoneyTag>();
    d.num_trades = static_cast<int>(r.i64());
    d.num_wins = static_cast<int>(r.i64());
    d.num_losses = static_cast<int>(r.i64());
    d.win_rate = r.real();
    d.best_symbol = r.str();
    d.worst_symbol = r.str();
    r.skip();  // created_at (text / timestamptz: the *_ns column is read)
    d.created_at = r.ts();
    return d;
}

template <class Reader>
BackfillCheckpoint read_checkpoint(Reader& r) {
    BackfillCheckpoint c;
    c.source = r.str();
    c.symbol = r.str();
    r.skip();  // last_ts (text / timestamptz: the *_ns column is read)
    c.last_ts = r.ts();
    c.rows = r.i64();
    r.skip();  // updated_at (text / timestamptz: the *_ns column is read)
    c.updated_at = r.ts();
    return c;
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
