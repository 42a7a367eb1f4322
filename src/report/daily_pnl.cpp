#include "awet/report/daily_pnl.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "awet/calendar/calendar.hpp"
#include "awet/portfolio/stored_book.hpp"

namespace awet {
namespace {

/// Last 1-minute bar of `symbol` that ended at or before `cutoff`, searching the last week first.
Result<std::optional<Price>> last_close(Store& store, const Symbol& symbol, Timestamp cutoff) {
    const Duration interval = Duration::minutes(1);
    for (Duration lookback : {Duration::days(7), Duration::nanos(0)}) {
        BarQuery query;
        query.symbols = {symbol.str()};
        if (lookback.ns() != 0) query.from = cutoff - lookback;
        query.to = cutoff;
        query.interval = interval;
        auto bars = store.load_bars(query);
        if (!bars.ok()) return bars.error();
        const MarketBar* best = nullptr;
        for (const MarketBar& bar : *bars) {
            if (bar.bar_start + interval > cutoff) continue;
            if (best == nullptr || bar.bar_start > best->bar_start) best = &bar;
        }
        if (best != nullptr) return std::optional<Price>(best->close);
    }
    return std::optional<Price>();
}

}  // namespace

DailyPnlRow compute_daily_pnl(Date date, std::span<const ClosedTrade> closed_that_day,
                              std::span<const PositionRow> open_positions_at_close, Timestamp now) {
    DailyPnlRow row;
    row.report_date = date;
    row.created_at = now;
    std::map<Symbol, Money> per_symbol;  // ordered: ties resolve to the first symbol
    for (const ClosedTrade& t : closed_that_day) {
        row.realized_pnl_usd += t.net_pnl;
        row.num_trades += 1;
        if (t.net_pnl.raw() > 0) row.num_wins += 1;
        if (t.net_pnl.raw() < 0) row.num_losses += 1;
        per_symbol[t.symbol] += t.net_pnl;
    }
    for (const PositionRow& p : open_positions_at_close) {
        if (p.qty.raw() == 0) continue;
        row.unrealized_pnl_usd += p.unrealized_pl;
        per_symbol[p.symbol] += p.unrealized_pl;
    }
    row.total_pnl_usd = row.realized_pnl_usd + row.unrealized_pnl_usd;
    row.win_rate = row.num_trades > 0 ? 100.0 * row.num_wins / row.num_trades : 0.0;
    const std::pair<const Symbol, Money>* best = nullptr;
    const std::pair<const Symbol, Money>* worst = nullptr;
    for (const auto& entry : per_symbol) {
        if (best == nullptr || entry.second > best->second) best = &entry;
        if (worst == nullptr || entry.second < worst->second) worst = &entry;
    }
    if (best != nullptr) row.best_symbol = best->first.str();
    if (worst != nullptr) row.worst_symbol = worst->first.str();
    return row;
}

DailyPnlRow daily_pnl_of(const Portfolio& book, Date date, Timestamp created_at) {
    std::vector<ClosedTrade> closed;
    for (const ClosedTrade& ct : book.closed_trades()) {
        if (SessionCalendar::to_local(ct.closed_at).date == date) closed.push_back(ct);
    }
    std::vector<PositionRow> open;
    for (const PositionRow& p : book.positions()) {
        if (!p.qty.is_zero()) open.push_back(p);
    }
    return compute_daily_pnl(date, closed, open, created_at);
}

Result<DailyPnlRow> eod_from_store(Store& store, Date date, Timestamp now) {
    Timestamp cutoff;
    if (auto session = SessionCalendar::session(date)) {
        cutoff = session->close;
    } else {
        cutoff = SessionCalendar::from_local(civil_from_days(days_from_civil(date) + 1), 0);
    }
    auto row = daily_pnl_at(store, date, cutoff, now);
    if (!row.ok()) return row.error();
    if (Status s = store.upsert_daily_pnl(*row); !s.ok()) {
        return make_error(s.error().code, "eod: save daily pnl: " + s.error().message);
    }
    if (Status s = store.flush(); !s.ok()) {
        return make_error(s.error().code, "eod: flush: " + s.error().message);
    }
    return row;
}

Result<DailyPnlRow> daily_pnl_at(Store& store, Date date, Timestamp cutoff, Timestamp now) {
    auto stored = load_stored_book(store, cutoff);
    if (!stored.ok())
        return make_error(stored.error().code, "eod: load trades: " + stored.error().message);
    Portfolio& book = stored->book;
    for (const PositionRow& p : book.positions()) {
        if (p.qty.raw() == 0) continue;
        auto close = last_close(store, p.symbol, cutoff);
        if (!close.ok()) {
            return make_error(close.error().code,
                              "eod: load bars of " + p.symbol.str() + ": " + close.error().message);
        }
        if (close->has_value()) book.mark(p.symbol, **close, cutoff);
    }
    return daily_pnl_of(book, date, now);
}

std::string format_money(Money m) {
    const int64_t raw = m.raw();
    // Cents, half away from zero (raw is micro-dollars: 10'000 per cent).
    const uint64_t mag =
        raw < 0 ? uint64_t{0} - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
    const uint64_t cents = (mag + 5'000) / 10'000;
    char buf[48];
    const char* sign = cents == 0 ? "" : (raw < 0 ? "-" : "+");
    std::snprintf(buf, sizeof(buf), "%s%llu.%02llu", sign,
                  static_cast<unsigned long long>(cents / 100),
                  static_cast<unsigned long long>(cents % 100));
    return buf;
}

std::string format_pnl_table(std::span<const DailyPnlRow> rows) {
    std::string out;
    char line[256];
    auto emit = [&](const char* date, Money realized, Money unrealized, Money total, int trades,
                    int wins, int losses, double win_rate, const std::string& best,
                    const std::string& worst) {
        char rate[16];
        std::snprintf(rate, sizeof(rate), "%.1f%%", win_rate);
        std::snprintf(line, sizeof(line), "%-10s %12s %12s %12s %6d %5d %6d %7s  %-8s %-8s", date,
                      format_money(realized).c_str(), format_money(unrealized).c_str(),
                      format_money(total).c_str(), trades, wins, losses, rate, best.c_str(),
                      worst.c_str());
        std::string s(line);
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out += s;
        out += '\n';
    };

    std::snprintf(line, sizeof(line), "%-10s %12s %12s %12s %6s %5s %6s %7s  %-8s %-8s", "Date",
                  "Realized", "Unrealized", "Total", "Trades", "Wins", "Losses", "WinRate", "Best",
                  "Worst");
    std::string header(line);
    while (!header.empty() && header.back() == ' ') header.pop_back();
    out += header;
    out += '\n';
    out += std::string(header.size(), '-');
    out += '\n';

    Money realized, unrealized, total;
    int trades = 0, wins = 0, losses = 0;
    for (const DailyPnlRow& r : rows) {
        emit(r.report_date.to_string().c_str(), r.realized_pnl_usd, r.unrealized_pnl_usd,
             r.total_pnl_usd, r.num_trades, r.num_wins, r.num_losses, r.win_rate, r.best_symbol,
             r.worst_symbol);
        realized += r.realized_pnl_usd;
        unrealized += r.unrealized_pnl_usd;
        total += r.total_pnl_usd;
        trades += r.num_trades;
        wins += r.num_wins;
        losses += r.num_losses;
    }
    out += std::string(header.size(), '-');
    out += '\n';
    const double rate = trades > 0 ? 100.0 * wins / trades : 0.0;
    emit("TOTAL", realized, unrealized, total, trades, wins, losses, rate, "", "");
    return out;
}

}  // namespace awet
