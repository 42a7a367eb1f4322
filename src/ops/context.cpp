#include "awet/ops/context.hpp"

#include "awet/calendar/calendar.hpp"

namespace awet::ops {

Context::Context(Config config, Backends backends, Clock& clock)
    : config_(std::move(config)), backends_(std::move(backends)), clock_(clock) {}

// The lease goes before the store it was taken on.
Context::~Context() { lease_.reset(); }

Result<Store*> Context::store() {
    if (!store_ && backends_.store_exists && !backends_.store_exists(config_)) {
        return make_error(ErrorCode::kNotFound,
                          "no database at " + config_.store.path +
                              ": nothing to read yet (`awet demo` or `awet ingest csv FILE` "
                              "make one, or pass --db with the one you mean)");
    }
    return opened_store();
}

Result<Store*> Context::opened_store() {
    if (!store_) {
        if (!backends_.open_store) {
            return make_error(ErrorCode::kInternal, "no store backend was given to the operations");
        }
        auto opened = backends_.open_store(config_);
        if (!opened.ok()) return opened.error();
        store_ = std::move(*opened);
    }
    return store_.get();
}

Result<Store*> Context::leased_store(WriterMode mode, std::string_view holder) {
    auto st = opened_store();
    if (!st.ok()) return st.error();
    if (lease_) {
        // An exclusive lease covers a shared need; a run cannot upgrade a shared one.
        if (mode == WriterMode::kShared || lease_mode_ == WriterMode::kExclusive) return *st;
        return make_error(ErrorCode::kInternal,
                          "a run needs the store alone, and this context already shares it");
    }
    auto lease = (*st)->acquire_writer(mode, "", holder);
    if (!lease.ok()) return lease.error();
    lease_ = std::move(*lease);
    lease_mode_ = mode;
    return *st;
}

Result<Store*> Context::demo_store(std::string_view holder) {
    if (store_) {
        return make_error(ErrorCode::kInternal,
                          "the demo's store is its own: this context has one");
    }
    if (!backends_.open_demo_store) {
        return make_error(ErrorCode::kInternal,
                          "no demo store backend was given to the operations");
    }
    auto opened = backends_.open_demo_store(config_);
    if (!opened.ok()) return opened.error();
    store_ = std::move(*opened);
    return leased_store(WriterMode::kExclusive, holder);
}

Result<std::unique_ptr<Broker>> Context::open_broker(const std::string& venue_url) const {
    if (!backends_.open_broker) {
        return make_error(ErrorCode::kInternal, "no broker backend was given to the operations");
    }
    return backends_.open_broker(config_, venue_url);
}

std::string Context::store_location() const {
    return backends_.store_location ? backends_.store_location(config_) : config_.store.path;
}

void Context::note(std::string_view line) const {
    if (notes_) notes_(line);
}

std::optional<Error> only_daily_bars(Store& store, const std::string& store_location) {
    auto daily = store.count_rows("market_raw_day");
    if (!daily.ok() || *daily == 0) return std::nullopt;
    return make_error(
        ErrorCode::kNotFound,
        "no minute bars in " + store_location + ", only " + std::to_string(*daily) +
            " daily bars (market_raw_day): features, training and replay are intraday (the "
            "forecast horizons are 30, 45 and 60 minutes), so they read minute bars only; "
            "ingest minute bars (`awet ingest csv FILE`, or a vendor with --interval 1m)");
}

BarQuery bars_between(std::optional<Date> from, std::optional<Date> to) {
    BarQuery q;
    if (from) q.from = SessionCalendar::from_local(*from, 0);
    if (to) q.to = SessionCalendar::from_local(civil_from_days(days_from_civil(*to) + 1), 0);
    return q;
}

Result<std::optional<Date>> parse_date_field(std::string_view text, std::string_view field) {
    if (text.empty()) return std::optional<Date>{};
    auto d = Date::parse(text);
    if (!d) {
        return make_error(
            ErrorCode::kInvalidArgument,
            std::string(field) + ": expected a date YYYY-MM-DD, got '" + std::string(text) + "'");
    }
    return std::optional<Date>{*d};
}

Result<std::optional<Timestamp>> parse_time_field(std::string_view text, std::string_view field) {
    if (text.empty()) return std::optional<Timestamp>{};
    auto t = Timestamp::parse(text);
    if (!t) {
        return make_error(
            ErrorCode::kInvalidArgument,
            std::string(field) + ": expected an ISO-8601 time, got '" + std::string(text) + "'");
    }
    return std::optional<Timestamp>{*t};
}

Status check_date_range(std::optional<Date> from, std::optional<Date> to) {
    if (!from || !to || days_from_civil(*to) >= days_from_civil(*from)) return Status::Ok();
    return make_error(ErrorCode::kInvalidArgument, "the range is reversed: --to " +
                                                       to->to_string() + " is before --from " +
                                                       from->to_string());
}

}  // namespace awet::ops
