#include "awet/ops/backfill.hpp"

#include <fmt/format.h>

#include "awet/calendar/calendar.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/marketdata/bar_quality.hpp"
#include "awet/marketdata/bars_clients.hpp"
#include "awet/marketdata/corporate_actions.hpp"

namespace awet::ops {
namespace {

constexpr int64_t kMaxFindings = 1000;

/// Splits and dividends of `symbol` in the range, each split checked against the stored bars
/// around its date (adjusted history, raw history, or not enough bars to tell). Flagged, never
/// applied: a vendor without a corporate-actions client, or one that fails, is a line, not an
/// error (the bars are stored already).
void report_corporate_actions(marketdata::HistoricalBarsClient& client, Store& st,
                              const std::string& symbol, Date from, Date to, Duration interval,
                              std::vector<std::string>& lines, int64_t& raw_splits) {
    auto actions = client.corporate_actions(symbol, from, to);
    if (!actions.ok()) {
        lines.push_back(symbol + ": not checked (" + actions.error().message + ")");
        return;
    }
    for (const marketdata::CorporateAction& a : *actions) {
        std::string line = a.describe() + " (" + a.source + ")";
        if (a.kind == marketdata::CorporateAction::Kind::kDividend) {
            line += ": flagged; prices are not dividend-adjusted";
        } else {
            BarQuery q;
            q.symbols = {symbol};
            const int64_t day = days_from_civil(a.effective);
            q.from = SessionCalendar::from_local(civil_from_days(day - 10), 0);
            q.to = SessionCalendar::from_local(civil_from_days(day + 1), 0);
            q.interval = interval;
            auto bars = st.load_bars(q);
            if (!bars.ok()) {
                line += ": not checked (" + bars.error().message + ")";
            } else {
                const auto check = marketdata::check_split(a, *bars);
                line += std::string(": stored bars ") + marketdata::to_string(check.adjustment);
                if (check.adjustment != marketdata::SplitAdjustment::kNotCovered) {
                    line += " (close before " + check.close_before.to_string() + ", open after " +
                            check.open_after.to_string() + ")";
                }
                if (check.adjustment == marketdata::SplitAdjustment::kRaw) ++raw_splits;
            }
        }
        lines.push_back(std::move(line));
    }
}

}  // namespace

Result<IngestVendorResult> ingest_vendor(Context& ctx, const IngestVendorRequest& request) {
    const Config& config = ctx.config();
    AWET_TRY(check_date_range(request.from, request.to));
    if (request.symbols.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "--symbols: at least one symbol");
    }
    Duration interval = Duration::minutes(1);
    if (request.interval == "1d") {
        interval = Duration::days(1);
    } else if (request.interval != "1m") {
        return make_error(ErrorCode::kInvalidArgument,
                          "--interval: 1m or 1d, not '" + request.interval + "'");
    }
    auto client =
        marketdata::make_bars_client(request.vendor, request.base_url, bar_limits(config.data));
    if (!client.ok()) return client.error();
    auto store = ctx.writable_store("awet ingest " + request.vendor);
    if (!store.ok()) return store.error();
    Store& st = **store;
    const std::string source = request.vendor + ":" + request.interval;

    IngestVendorResult r;
    r.vendor = request.vendor;
    r.symbols = request.symbols;
    r.from = request.from;
    r.to = request.to;
    const int64_t first_day = days_from_civil(request.from);
    const int64_t last_day = days_from_civil(request.to);
    const int64_t total = (last_day - first_day + 1) * static_cast<int64_t>(request.symbols.size());
    int64_t done = 0;
    for (const std::string& symbol : request.symbols) {
        auto checkpoint = st.get_checkpoint(source, symbol);
        if (!checkpoint.ok()) return checkpoint.error();
        const Timestamp resume_after =
            checkpoint->has_value() ? (*checkpoint)->last_ts : Timestamp::from_ns(INT64_MIN);
        int64_t rows = checkpoint->has_value() ? (*checkpoint)->rows : 0;
        for (int64_t day = first_day; day <= last_day; ++day) {
            const Timestamp begin = SessionCalendar::from_local(civil_from_days(day), 0);
            const Timestamp end = SessionCalendar::from_local(civil_from_days(day + 1), 0);
            ++done;
            if (end <= resume_after) {  // finished by an earlier run
                ++r.resumed_days;
                continue;
            }
            auto bars = (*client)->fetch(symbol, begin, end, interval);
            if (!bars.ok()) {
                return make_error(bars.error().code,
                                  symbol + " " + civil_from_days(day).to_string() + ": " +
                                      bars.error().message + " (the next run resumes at this day)");
            }
            const auto q = marketdata::check_bar_quality(*bars, interval);
            r.gaps += q.gaps;
            r.missing_bars += q.missing_bars;
            r.zero_volume += q.zero_volume;
            r.out_of_order += q.out_of_order + q.duplicates;
            r.outside_session += q.outside_session;
            for (const MarketBar& bar : *bars) {
                auto put = st.put_bar_checked(bar);
                if (!put.ok()) return put.error();
                if (put->outcome == BarPutOutcome::kInserted) ++r.stored;
                if (put->outcome == BarPutOutcome::kConflict && ++r.conflicts <= kMaxFindings) {
                    r.findings.push_back(
                        fmt::format("{} {}: conflicts with the stored bar ({}); stored bar kept",
                                    symbol, bar.bar_start.iso(),
                                    bar_differences(*put->stored, "stored", bar, "fetched")));
                }
            }
            r.fetched += static_cast<int64_t>(bars->size());
            rows += static_cast<int64_t>(bars->size());
            BackfillCheckpoint cp;
            cp.source = source;
            cp.symbol = symbol;
            cp.last_ts = end;
            cp.rows = rows;
            cp.updated_at = ctx.now();
            AWET_TRY(st.put_checkpoint(cp));
            AWET_TRY(st.flush());
            ctx.progress(fmt::format("{:<6} {}  [{:3}%] {}/{} symbol-days, {} bars", symbol,
                                     civil_from_days(day).to_string(), done * 100 / total, done,
                                     total, r.fetched));
        }
        report_corporate_actions(**client, st, symbol, request.from, request.to, interval,
                                 r.corporate_actions, r.raw_splits);
    }
    return r;
}

}  // namespace awet::ops
