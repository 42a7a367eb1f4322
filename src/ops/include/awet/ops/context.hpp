#pragma once
// What every operation runs against: the loaded config, the store (opened on first use, through
// the composition root's factory), the broker for a reconciliation, the clock, and a sink for the
// progress notes of a long operation. The faces (CLI, REST API, LLM tools, MCP, scheduler) each
// build one Context and call operations on it; none opens a backend itself.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "awet/config/config.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/result.hpp"
#include "awet/execution/broker.hpp"
#include "awet/store/store.hpp"

namespace awet::ops {

/// The backend choices an operation may need, made by the composition root.
struct Backends {
    /// Opens and migrates the configured store.
    std::function<Result<std::unique_ptr<Store>>(const Config&)> open_store;
    /// The configured broker (execution.broker), for a read-only reconciliation; `venue_url` is
    /// the simulated venue's address when execution.broker is sim.
    std::function<Result<std::unique_ptr<Broker>>(const Config&, const std::string& venue_url)>
        open_broker;
    /// A store of the demo's own, opened and migrated: on SQLite the configured file, replaced
    /// when an earlier demo made it and refused when it holds anything else; on PostgreSQL the
    /// configured database (the demo then refuses one that holds data).
    std::function<Result<std::unique_ptr<Store>>(const Config&)> open_demo_store;
    /// Where the store lives, for the user (no credentials).
    std::function<std::string(const Config&)> store_location;
    /// Whether the configured store exists already (an SQLite file; a server's database is taken
    /// to exist). Unset: always.
    std::function<bool(const Config&)> store_exists;
};

class Context {
public:
    /// `clock` must outlive the context (the wall clock for the CLI, a simulated one in tests).
    Context(Config config, Backends backends, Clock& clock);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    const Config& config() const { return config_; }
    Timestamp now() const { return clock_.now(); }

    /// The store for reading, opened and migrated on the first call (the same one afterwards).
    /// A store that does not exist yet is an error (kNotFound, "no database at PATH"): a read
    /// never creates one.
    Result<Store*> store();
    /// The store for an operation that writes: with a shared writer lease (Store::acquire_writer)
    /// held until the context goes, so a writing operation never runs beside a replay or demo.
    Result<Store*> writable_store(std::string_view holder) {
        return leased_store(WriterMode::kShared, holder);
    }
    /// The store for a run (replay): held alone (WriterMode::kExclusive) until the context goes.
    Result<Store*> exclusive_store(std::string_view holder) {
        return leased_store(WriterMode::kExclusive, holder);
    }
    /// The demo's own store (Backends::open_demo_store), held alone until the context goes.
    Result<Store*> demo_store(std::string_view holder);
    /// The configured broker (see Backends::open_broker).
    Result<std::unique_ptr<Broker>> open_broker(const std::string& venue_url) const;
    std::string store_location() const;

    /// Progress of a long operation (computing features, training), one line each; silent unless
    /// a face sets a sink.
    void set_note_sink(std::function<void(std::string_view)> sink) { notes_ = std::move(sink); }
    void note(std::string_view line) const;
    /// Where a long loop stands (a backfill's symbol-day), each line replacing the last one;
    /// silent unless a face sets a sink.
    void set_progress_sink(std::function<void(std::string_view)> sink) {
        progress_ = std::move(sink);
    }
    void progress(std::string_view line) const {
        if (progress_) progress_(line);
    }

private:
    Config config_;
    Backends backends_;
    Clock& clock_;
    std::unique_ptr<Store> store_;
    /// The store, created when it does not exist (for writing).
    Result<Store*> opened_store();
    Result<Store*> leased_store(WriterMode mode, std::string_view holder);

    std::unique_ptr<WriterLease> lease_;
    WriterMode lease_mode_ = WriterMode::kShared;
    std::function<void(std::string_view)> notes_;
    std::function<void(std::string_view)> progress_;
};

/// When the store holds daily bars (market_raw_day): what a command that found no minute bars
/// tells the user (features, training and replay are intraday). nullopt: no daily bars either.
std::optional<Error> only_daily_bars(Store& store, const std::string& store_location);

/// The bars of the trading dates [from, to] (New York; an open end is unbounded), as a query.
BarQuery bars_between(std::optional<Date> from, std::optional<Date> to);

/// "YYYY-MM-DD" as a Date; "" is no date. Errors name `field`.
Result<std::optional<Date>> parse_date_field(std::string_view text, std::string_view field);
/// A `to` before `from` is refused, naming both ("the range is reversed: --to .. is before --from
/// .."); an open end is no range to check.
Status check_date_range(std::optional<Date> from, std::optional<Date> to);
/// An ISO-8601 time; "" is no time. Errors name `field`.
Result<std::optional<Timestamp>> parse_time_field(std::string_view text, std::string_view field);

}  // namespace awet::ops
