// `awet ingest polygon|yahoo|alpaca`: historical bars from a vendor into the store, one day of one
// symbol at a time, with a checkpoint in backfill_checkpoints after each day: an interrupted
// backfill resumes after the last day it finished, and bars already stored are skipped (put_bar
// ignores a repeated (symbol, bar start)), so nothing is fetched twice into the table.
#include "backfill_command.hpp"

#include <cstdio>

#include "awet/calendar/calendar.hpp"
#include "awet/core/clock.hpp"
#include "awet/data/bar_checks.hpp"
#include "awet/marketdata/bar_quality.hpp"
#include "awet/marketdata/bars_clients.hpp"
#include "awet/marketdata/corporate_actions.hpp"

namespace awet::cli {
namespace {

int fail_line(const std::string& reason) {
    std::fprintf(stderr, "awet: %s\n", reason.c_str());
    return 1;
}

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

int ingest_vendor(const Common& common, const BackfillArgs& args) {
    auto config = load(common);
    if (!config) return 1;
    const auto from = Date::parse(args.from);
    const auto to = Date::parse(args.to);
    if (!from) return fail_line("--from: not a date YYYY-MM-DD: '" + args.from + "'");
    if (!to) return fail_line("--to: not a date YYYY-MM-DD: '" + args.to + "'");
    if (days_from_civil(*to) < days_from_civil(*from)) return fail_line("--to is before --from");
    if (args.symbols.empty()) return fail_line("--symbols: at least one symbol");
    Duration interval = Duration::minutes(1);
    if (args.interval == "1d") {
        interval = Duration::days(1);
    } else if (args.interval != "1m") {
        return fail_line("--interval: 1m or 1d, not '" + args.interval + "'");
    }
    auto client =
        marketdata::make_bars_client(args.vendor, args.base_url, bar_limits(config->data));
    if (!client.ok()) return fail_line(client.error().message);
    auto store = open_store(*config);
    if (!store.ok()) return fail_line(store.error().message);
    auto lease = (*store)->acquire_writer(WriterMode::kShared, "", "awet ingest " + args.vendor);
    if (!lease.ok()) return fail_line(lease.error().message);
    Store& st = **store;
    const std::string source = args.vendor + ":" + args.interval;

    const int64_t first_day = days_from_civil(*from);
    const int64_t last_day = days_from_civil(*to);
    const int64_t total = (last_day - first_day + 1) * static_cast<int64_t>(args.symbols.size());
    int64_t done = 0, fetched = 0, stored = 0, conflicts = 0, resumed_days = 0;
    // Data quality over everything fetched: counted and reported, never repaired.
    int64_t gaps = 0, missing = 0, zero_volume = 0, disorder = 0, outside = 0;
    std::vector<std::string> actions_report;
    int64_t raw_splits = 0;
    for (const std::string& symbol : args.symbols) {
        auto checkpoint = st.get_checkpoint(source, symbol);
        if (!checkpoint.ok()) return fail_line(checkpoint.error().message);
        const Timestamp resume_after =
            checkpoint->has_value() ? (*checkpoint)->last_ts : Timestamp::from_ns(INT64_MIN);
        int64_t rows = checkpoint->has_value() ? (*checkpoint)->rows : 0;
        for (int64_t day = first_day; day <= last_day; ++day) {
            const Timestamp begin = SessionCalendar::from_local(civil_from_days(day), 0);
            const Timestamp end = SessionCalendar::from_local(civil_from_days(day + 1), 0);
            ++done;
            if (end <= resume_after) {  // finished by an earlier run
                ++resumed_days;
                continue;
            }
            auto bars = (*client)->fetch(symbol, begin, end, interval);
            if (!bars.ok()) {
                std::fprintf(stderr, "\n");
                return fail_line(symbol + " " + civil_from_days(day).to_string() + ": " +
                                 bars.error().message + " (the next run resumes at this day)");
            }
            const auto q = marketdata::check_bar_quality(*bars, interval);
            gaps += q.gaps;
            missing += q.missing_bars;
            zero_volume += q.zero_volume;
            disorder += q.out_of_order + q.duplicates;
            outside += q.outside_session;
            for (const MarketBar& bar : *bars) {
                auto put = st.put_bar_checked(bar);
                if (!put.ok()) return fail_line(put.error().message);
                if (put->outcome == BarPutOutcome::kInserted) ++stored;
                if (put->outcome == BarPutOutcome::kConflict) {
                    ++conflicts;
                    if (conflicts <= 1000) {
                        const std::string diff =
                            bar_differences(*put->stored, "stored", bar, "fetched");
                        std::fprintf(stderr,
                                     "%s %s: conflicts with the stored bar (%s); stored bar kept\n",
                                     symbol.c_str(), bar.bar_start.iso().c_str(), diff.c_str());
                    }
                }
            }
            fetched += static_cast<int64_t>(bars->size());
            rows += static_cast<int64_t>(bars->size());
            BackfillCheckpoint cp;
            cp.source = source;
            cp.symbol = symbol;
            cp.last_ts = end;
            cp.rows = rows;
            cp.updated_at = WallClock().now();
            if (Status s = st.put_checkpoint(cp); !s.ok()) return fail_line(s.error().message);
            if (Status s = st.flush(); !s.ok()) return fail_line(s.error().message);
            if (!args.no_progress) {
                std::fprintf(stderr, "\r%-6s %s  [%3lld%%] %lld/%lld symbol-days, %lld bars",
                             symbol.c_str(), civil_from_days(day).to_string().c_str(),
                             static_cast<long long>(done * 100 / total),
                             static_cast<long long>(done), static_cast<long long>(total),
                             static_cast<long long>(fetched));
            }
        }
        report_corporate_actions(**client, st, symbol, *from, *to, interval, actions_report,
                                 raw_splits);
    }
    if (!args.no_progress) std::fprintf(stderr, "\n");
    std::printf(
        "%s: %zu symbols, %s..%s: %lld bars fetched, %lld stored, %lld already present, %lld "
        "conflicting (stored kept), %lld symbol-days resumed from backfill_checkpoints\n",
        args.vendor.c_str(), args.symbols.size(), args.from.c_str(), args.to.c_str(),
        static_cast<long long>(fetched), static_cast<long long>(stored),
        static_cast<long long>(fetched - stored - conflicts), static_cast<long long>(conflicts),
        static_cast<long long>(resumed_days));
    std::printf(
        "data quality: %lld gaps (%lld bars missing, not filled), %lld zero-volume bars, %lld out "
        "of order or repeated, %lld outside the regular session\n",
        static_cast<long long>(gaps), static_cast<long long>(missing),
        static_cast<long long>(zero_volume), static_cast<long long>(disorder),
        static_cast<long long>(outside));
    for (const std::string& line : actions_report)
        std::printf("corporate action: %s\n", line.c_str());
    if (raw_splits > 0) {
        std::printf(
            "warning: %lld split(s) with unadjusted bars on one side: the stored series "
            "jumps by the split ratio (features would read it as a return); re-ingest "
            "split-adjusted bars (polygon, yahoo) for that range\n",
            static_cast<long long>(raw_splits));
    }
    return 0;
}

}  // namespace awet::cli
