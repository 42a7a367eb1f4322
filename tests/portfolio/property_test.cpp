// Property tests of the book (issue 11): random fill sequences (long and short, partial closes,
// flips through zero, fractional quantities, fees, marks) through Portfolio, checked against a
// FIFO model written here from the README conventions (lots in a deque, integer arithmetic on the
// raw fixed-point values), against exact rational FIFO PnL, and book_from_trades /
// load_stored_book over the equivalent `trades` rows against the fills applied one by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "awet/portfolio/portfolio.hpp"
#include "awet/portfolio/stored_book.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "property_support.hpp"

namespace awet {
namespace {

using testing::PropertyTally;
__extension__ typedef __int128 i128;

constexpr int kCases = 200;
constexpr int64_t kScale = 1'000'000;
const char* const kSymbols[] = {"AAPL", "MSFT", "TSLA"};
constexpr int kNumSymbols = 3;

// ------------------------------------------------------------------ reference arithmetic
/// num / den rounded half away from zero (den > 0), on 128 bits.
int64_t rdiv(i128 num, i128 den) {
    i128 q = num / den;
    i128 r = num % den;
    if (r < 0) r = -r;
    if (2 * r >= den) q += num < 0 ? -1 : 1;
    return static_cast<int64_t>(q);
}
int64_t ref_notional(int64_t price, int64_t qty) {
    return rdiv(static_cast<i128>(price) * qty, kScale);
}
int64_t ref_avg(int64_t money, int64_t qty) { return rdiv(static_cast<i128>(money) * kScale, qty); }
int64_t ref_scale(int64_t money, int64_t num, int64_t den) {
    return rdiv(static_cast<i128>(money) * num, den);
}
int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
Timestamp at(int64_t i) { return Timestamp::from_seconds(1'773'322'200 + 60 * i); }

std::string money_str(int64_t raw) { return Money::from_raw(raw).to_string(); }

// ------------------------------------------------------------------ the FIFO reference model
struct RefLot {
    int64_t qty = 0;   // > 0
    int64_t cost = 0;  // magnitude
    int64_t fee = 0;   // entry fee not yet attributed
    int64_t price = 0;
    int64_t opened = 0;  // step index
};
struct RefClosed {
    int sym = 0;
    bool long_side = true;
    int64_t qty = 0, avg_entry = 0, exit_price = 0, gross = 0, fees = 0, net = 0;
    int64_t opened = 0, closed = 0;
};
struct RefBook {
    bool short_side = false;
    std::deque<RefLot> lots;
    int64_t realized = 0;
    int64_t last = 0;
    bool has_last = false;
    int64_t opened = -1;  // -1: flat
    int64_t updated = -1;
    int64_t open_qty() const {
        int64_t q = 0;
        for (const RefLot& l : lots) q += l.qty;
        return q;
    }
    int64_t open_cost() const {
        int64_t c = 0;
        for (const RefLot& l : lots) c += l.cost;
        return c;
    }
};
/// Exact FIFO of the same fills with no rounding at all: lots of (qty, price); PnL in 1e-12 USD.
struct ExactBook {
    std::deque<std::pair<int64_t, int64_t>> lots;  // signed qty, price
    i128 realized = 0;                             // gross, 1e-12 USD
};

struct RefPortfolio {
    RefBook books[kNumSymbols];
    ExactBook exact[kNumSymbols];
    std::vector<RefClosed> closed;
    int64_t realized = 0;
    int64_t fees = 0;
    int64_t cash = 0;   // -buys + sells at fill notionals, fees excluded
    int64_t fills = 0;  // fills applied (bounds of the exact comparison)

    int64_t apply(int sym, bool buy, int64_t qty, int64_t price, int64_t fee, int64_t ts) {
        RefBook& b = books[sym];
        fees += fee;
        cash += buy ? -ref_notional(price, qty) : ref_notional(price, qty);
        ++fills;
        int64_t remaining = qty;
        int64_t closed_qty = 0;
        int64_t closing_fee = 0;
        int64_t gross = 0;
        const bool fill_short = !buy;
        if (!b.lots.empty() && b.short_side != fill_short) {
            int64_t matched_cost = 0;
            int64_t matched_fees = 0;
            const int64_t opened = b.lots.front().opened;
            while (remaining > 0 && !b.lots.empty()) {
                RefLot& lot = b.lots.front();
                const int64_t q = std::min(remaining, lot.qty);
                if (q == lot.qty) {
                    matched_cost += lot.cost;
                    matched_fees += lot.fee;
                    b.lots.pop_front();
                } else {
                    const int64_t c = ref_scale(lot.cost, q, lot.qty);
                    const int64_t f = ref_scale(lot.fee, q, lot.qty);
                    matched_cost += c;
                    matched_fees += f;
                    lot.cost -= c;
                    lot.fee -= f;
                    lot.qty -= q;
                }
                closed_qty += q;
                remaining -= q;
            }
            const int64_t proceeds = ref_notional(price, closed_qty);
            closing_fee = ref_scale(fee, closed_qty, qty);
            gross = b.short_side ? matched_cost - proceeds : proceeds - matched_cost;
            RefClosed c;
            c.sym = sym;
            c.long_side = !b.short_side;
            c.qty = closed_qty;
            c.avg_entry = ref_avg(matched_cost, closed_qty);
            c.exit_price = price;
            c.gross = gross;
            c.fees = closing_fee + matched_fees;
            c.net = gross - c.fees;
            c.opened = opened;
            c.closed = ts;
            closed.push_back(c);
            if (b.lots.empty()) b.opened = -1;
        }
        if (remaining > 0) {
            if (b.lots.empty()) {
                b.short_side = fill_short;
                b.opened = ts;
            }
            RefLot lot;
            lot.qty = remaining;
            lot.cost = ref_notional(price, qty) - ref_notional(price, closed_qty);
            lot.fee = fee - closing_fee;
            lot.price = price;
            lot.opened = ts;
            b.lots.push_back(lot);
        }
        const int64_t net = gross - fee;
        b.realized += net;
        realized += net;
        b.last = price;
        b.has_last = true;
        b.updated = ts;

        // Exact FIFO, no rounding.
        ExactBook& e = exact[sym];
        int64_t left = qty;
        const int64_t sign = buy ? 1 : -1;
        while (left > 0 && !e.lots.empty() && (e.lots.front().first > 0) != buy) {
            auto& [lq, lp] = e.lots.front();
            const int64_t m = std::min(left, abs64(lq));
            // long lot closed by a sell: m * (price - lp); short lot closed by a buy: m * (lp -
            // price)
            e.realized += static_cast<i128>(m) * (lq > 0 ? price - lp : lp - price);
            lq += lq > 0 ? -m : m;
            left -= m;
            if (lq == 0) e.lots.pop_front();
        }
        if (left > 0) e.lots.push_back({sign * left, price});
        return net;
    }
    void mark(int sym, int64_t price, int64_t ts) {
        books[sym].last = price;
        books[sym].has_last = true;
        books[sym].updated = ts;
    }
};

// ------------------------------------------------------------------ property 1a: fills one by one
struct BookStep {
    enum Kind : uint8_t { kFill, kMark } kind = kFill;
    int sym = 0;
    bool buy = true;
    int64_t qty = 0;    // raw
    int64_t price = 0;  // raw
    int64_t fee = 0;    // raw
};

std::string describe_book(const std::vector<BookStep>& steps) {
    std::ostringstream os;
    for (size_t i = 0; i < steps.size(); ++i) {
        const BookStep& s = steps[i];
        os << "    " << i << ": ";
        if (s.kind == BookStep::kMark) {
            os << "mark " << kSymbols[s.sym] << " " << Price::from_raw(s.price).to_string() << "\n";
            continue;
        }
        os << "p.apply_fill(\"" << kSymbols[s.sym] << "\", " << (s.buy ? "kBuy" : "kSell") << ", "
           << Quantity::from_raw(s.qty).to_string() << ", " << Price::from_raw(s.price).to_string()
           << ", fee " << money_str(s.fee) << ")\n";
    }
    return os.str();
}

/// A quantity: whole shares mostly, sometimes micro-shares; sometimes exactly what closes the
/// position, or more (a flip), or a part of it.
int64_t random_qty(std::mt19937_64& rng, int64_t open_signed, bool closing) {
    std::uniform_int_distribution<int> pick(0, 99);
    const int k = pick(rng);
    const int64_t open = abs64(open_signed);
    if (closing && open > 0) {
        if (k < 25) return open;  // to flat
        if (k < 45) return open + std::uniform_int_distribution<int64_t>(1, 40 * kScale)(rng);
        if (k < 75 && open > 1) return std::uniform_int_distribution<int64_t>(1, open - 1)(rng);
    }
    if (k < 70) return std::uniform_int_distribution<int64_t>(1, 50)(rng) * kScale;
    return std::uniform_int_distribution<int64_t>(1, 50 * kScale)(rng);  // fractional
}

int64_t random_fee(std::mt19937_64& rng) {
    std::uniform_int_distribution<int> pick(0, 9);
    const int k = pick(rng);
    if (k < 3) return 0;
    if (k < 5) return std::uniform_int_distribution<int64_t>(1, 100)(rng);  // micro-dollars
    return std::uniform_int_distribution<int64_t>(0, 3 * kScale)(rng);
}

/// A price random walk per symbol, in [1, 2000] dollars with micro-dollar digits.
struct PriceWalk {
    int64_t price[kNumSymbols] = {150 * kScale, 400 * kScale, 250 * kScale};
    int64_t next(std::mt19937_64& rng, int sym) {
        std::uniform_int_distribution<int64_t> step(-3 * kScale, 3 * kScale);
        int64_t p = price[sym] + step(rng);
        if (std::uniform_int_distribution<int>(0, 19)(rng) == 0) p = p * 3 / 2;  // a gap
        p = std::clamp<int64_t>(p, 1 * kScale, 2000 * kScale);
        price[sym] = p;
        return p;
    }
};

std::vector<BookStep> generate_book(uint64_t seed) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 11);
    const int n = std::uniform_int_distribution<int>(5, 120)(rng);
    const int nsym = std::uniform_int_distribution<int>(1, kNumSymbols)(rng);
    PriceWalk walk;
    int64_t pos[kNumSymbols] = {0, 0, 0};
    std::vector<BookStep> steps;
    for (int i = 0; i < n; ++i) {
        BookStep s;
        s.sym = std::uniform_int_distribution<int>(0, nsym - 1)(rng);
        s.price = walk.next(rng, s.sym);
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
            s.kind = BookStep::kMark;
            steps.push_back(s);
            continue;
        }
        const bool closing = pos[s.sym] != 0 && std::uniform_int_distribution<int>(0, 1)(rng);
        s.buy = closing ? pos[s.sym] < 0 : std::uniform_int_distribution<int>(0, 1)(rng) == 1;
        s.qty = random_qty(rng, pos[s.sym], closing);
        s.fee = random_fee(rng);
        if (std::uniform_int_distribution<int>(0, 49)(rng) == 0) {
            s.qty = -std::uniform_int_distribution<int64_t>(0, 5 * kScale)(rng);  // ignored
        }
        if (s.qty > 0) pos[s.sym] += s.buy ? s.qty : -s.qty;
        steps.push_back(s);
    }
    return steps;
}

/// Every field of the Portfolio against the model; the first difference, or nullopt.
std::optional<std::string> compare_books(const Portfolio& p, const RefPortfolio& m,
                                         int64_t* checks) {
    std::ostringstream err;
    auto fail = [&](const std::string& what, auto got, auto want) {
        err << what << ": portfolio " << got << ", model " << want;
        return err.str();
    };
    int64_t unrealized = 0;
    int64_t market_value = 0;
    for (int s = 0; s < kNumSymbols; ++s) {
        const RefBook& b = m.books[s];
        const PositionRow row = p.position(Symbol(kSymbols[s]));
        const int64_t q = b.open_qty();
        const int64_t c = b.open_cost();
        const int64_t qs = b.short_side ? -q : q;
        const int64_t cs = b.short_side ? -c : c;
        const std::string sym = kSymbols[s];
        ++*checks;
        if (row.qty.raw() != qs) return fail(sym + " qty", row.qty.raw(), qs);
        if (row.cost_basis.raw() != cs) return fail(sym + " cost_basis", row.cost_basis.raw(), cs);
        const int64_t avg = q != 0 ? ref_avg(c, q) : 0;
        if (row.avg_entry_price.raw() != avg) {
            return fail(sym + " avg_entry_price", row.avg_entry_price.raw(), avg);
        }
        const int64_t mv = b.has_last ? ref_notional(b.last, qs) : cs;
        if (row.market_value.raw() != mv)
            return fail(sym + " market_value", row.market_value.raw(), mv);
        if (row.unrealized_pl.raw() != mv - cs) {
            return fail(sym + " unrealized_pl", row.unrealized_pl.raw(), mv - cs);
        }
        if (row.realized_pl.raw() != b.realized) {
            return fail(sym + " realized_pl", row.realized_pl.raw(), b.realized);
        }
        const bool open_set = row.opened_at.is_set();
        if (open_set != (b.opened >= 0) || (open_set && row.opened_at != at(b.opened))) {
            return fail(sym + " opened_at", row.opened_at.iso(), b.opened);
        }
        if (b.updated >= 0 && row.updated_at != at(b.updated)) {
            return fail(sym + " updated_at", row.updated_at.iso(), b.updated);
        }
        // Never loses a lot: lots sum to the position, their costs to the cost basis.
        const std::vector<Lot> lots = p.lots(Symbol(kSymbols[s]));
        if (lots.size() != b.lots.size())
            return fail(sym + " lot count", lots.size(), b.lots.size());
        int64_t lot_qty = 0;
        int64_t lot_cost = 0;
        for (size_t i = 0; i < lots.size(); ++i) {
            const RefLot& r = b.lots[i];
            lot_qty += lots[i].qty.raw();
            lot_cost += lots[i].cost.raw();
            if (lots[i].qty.raw() != r.qty || lots[i].cost.raw() != r.cost ||
                lots[i].entry_fees.raw() != r.fee || lots[i].price.raw() != r.price ||
                lots[i].opened_at != at(r.opened)) {
                err << sym << " lot " << i << ": portfolio (" << lots[i].qty.to_string() << ", "
                    << lots[i].cost.to_string() << ", fee " << lots[i].entry_fees.to_string()
                    << "), model (" << Quantity::from_raw(r.qty).to_string() << ", "
                    << money_str(r.cost) << ", fee " << money_str(r.fee) << ")";
                return err.str();
            }
            if (lots[i].qty.raw() <= 0)
                return fail(sym + " lot qty not positive", lots[i].qty.raw(), 1);
        }
        if (lot_qty != row.qty.abs().raw())
            return fail(sym + " sum of lot qty", lot_qty, row.qty.raw());
        if (lot_cost != row.cost_basis.abs().raw()) {
            return fail(sym + " sum of lot cost", lot_cost, row.cost_basis.raw());
        }
        unrealized += mv - cs;
        market_value += mv;

        // Exact FIFO: same open quantity; rounding keeps cost within 1.5 micro-dollars a fill.
        const ExactBook& e = m.exact[s];
        int64_t exact_qty = 0;
        i128 exact_cost = 0;  // 1e-12 USD, signed like cost_basis
        for (const auto& [lq, lp] : e.lots) {
            exact_qty += lq;
            exact_cost += static_cast<i128>(lq) * lp;
        }
        if (exact_qty != qs) return fail(sym + " qty vs exact FIFO", qs, exact_qty);
        const i128 cost_err = static_cast<i128>(cs) * kScale - exact_cost;
        const i128 bound = static_cast<i128>(m.fills) * 3 * kScale / 2 + kScale;
        if (cost_err > bound || cost_err < -bound) {
            return fail(sym + " cost basis off the exact FIFO cost by (1e-12 USD)",
                        static_cast<int64_t>(cost_err), static_cast<int64_t>(bound));
        }
    }
    ++*checks;
    if (p.realized_pnl().raw() != m.realized)
        return fail("realized_pnl", p.realized_pnl().raw(), m.realized);
    if (p.fees().raw() != m.fees) return fail("fees", p.fees().raw(), m.fees);
    if (p.unrealized_pnl().raw() != unrealized) {
        return fail("unrealized_pnl", p.unrealized_pnl().raw(), unrealized);
    }
    // Equity identity: realized + unrealized is exactly the cash the fills moved, less fees, plus
    // what the positions are marked at (cost is conserved to the micro-dollar).
    if (p.realized_pnl().raw() + p.unrealized_pnl().raw() != m.cash - m.fees + market_value) {
        return fail("realized + unrealized vs cash flows - fees + market value",
                    p.realized_pnl().raw() + p.unrealized_pnl().raw(),
                    m.cash - m.fees + market_value);
    }
    // Gross realized against the exact FIFO (no rounding): within 2 micro-dollars a fill.
    i128 exact_realized = 0;
    for (const ExactBook& e : m.exact) exact_realized += e.realized;
    const i128 gross_err =
        static_cast<i128>(p.realized_pnl().raw() + p.fees().raw()) * kScale - exact_realized;
    const i128 bound = static_cast<i128>(m.fills) * 2 * kScale;
    if (gross_err > bound || gross_err < -bound) {
        return fail("gross realized off the exact FIFO PnL by (1e-12 USD)",
                    static_cast<int64_t>(gross_err), static_cast<int64_t>(bound));
    }
    const auto& closed = p.closed_trades();
    if (closed.size() != m.closed.size())
        return fail("closed_trades", closed.size(), m.closed.size());
    if (!closed.empty()) {
        const ClosedTrade& t = closed.back();
        const RefClosed& r = m.closed.back();
        if (!(t.symbol == kSymbols[r.sym]) || (t.side == PositionSide::kLong) != r.long_side ||
            t.qty.raw() != r.qty || t.avg_entry_price.raw() != r.avg_entry ||
            t.exit_price.raw() != r.exit_price || t.gross_pnl.raw() != r.gross ||
            t.fees.raw() != r.fees || t.net_pnl.raw() != r.net || t.opened_at != at(r.opened) ||
            t.closed_at != at(r.closed)) {
            err << "last closed trade: portfolio " << t.symbol.view() << " qty "
                << t.qty.to_string() << " gross " << t.gross_pnl.to_string() << " fees "
                << t.fees.to_string() << ", model qty " << Quantity::from_raw(r.qty).to_string()
                << " gross " << money_str(r.gross) << " fees " << money_str(r.fees);
            return err.str();
        }
    }
    return std::nullopt;
}

std::optional<std::string> run_book(const std::vector<BookStep>& steps, int64_t* checks) {
    Portfolio p;
    RefPortfolio m;
    for (size_t i = 0; i < steps.size(); ++i) {
        const BookStep& s = steps[i];
        const int64_t ts = static_cast<int64_t>(i);
        if (s.kind == BookStep::kMark) {
            p.mark(Symbol(kSymbols[s.sym]), Price::from_raw(s.price), at(ts));
            m.mark(s.sym, s.price, ts);
        } else {
            const Money got =
                p.apply_fill(Symbol(kSymbols[s.sym]), s.buy ? Side::kBuy : Side::kSell,
                             Quantity::from_raw(s.qty), Price::from_raw(s.price),
                             Money::from_raw(s.fee), at(ts));
            // qty <= 0 is ignored (fee included) and returns 0.
            const int64_t want = s.qty > 0 ? m.apply(s.sym, s.buy, s.qty, s.price, s.fee, ts) : 0;
            if (got.raw() != want) {
                return "step " + std::to_string(i) + ": apply_fill returned " + got.to_string() +
                       ", model " + money_str(want);
            }
        }
        if (auto f = compare_books(p, m, checks))
            return "after step " + std::to_string(i) + ": " + *f;
    }
    return std::nullopt;
}

TEST(PortfolioProperty, FillsMatchTheFifoModel) {
    PropertyTally tally;
    std::function<std::optional<std::string>(const std::vector<BookStep>&)> run =
        [&](const std::vector<BookStep>& steps) { return run_book(steps, &tally.checks); };
    testing::check_property<BookStep>("portfolio.fills_match_fifo_model",
                                      testing::property_seeds(kCases), generate_book, run,
                                      describe_book, tally);
    tally.report("portfolio.fills_match_fifo_model");
}

// ------------------------------------------------------------------ property 1b/1c: trade rows
/// One fill of an order.
struct OrderFill {
    int order = 0;
    int64_t qty = 0;
    int64_t price = 0;
    int64_t fee = 0;
};
struct OrderSpec {
    int sym = 0;
    bool buy = true;
};
/// A case: the orders and their fills in arrival order (one step = one fill).
struct RowsCase {
    std::vector<OrderSpec> orders;
    std::vector<OrderFill> fills;
};
struct RowsStep {
    OrderSpec spec;
    OrderFill fill;
};

std::string describe_rows(const std::vector<RowsStep>& steps) {
    std::ostringstream os;
    for (size_t i = 0; i < steps.size(); ++i) {
        const RowsStep& s = steps[i];
        os << "    fill " << i << ": order " << s.fill.order << " " << kSymbols[s.spec.sym] << " "
           << (s.spec.buy ? "buy " : "sell ") << Quantity::from_raw(s.fill.qty).to_string() << " @ "
           << Price::from_raw(s.fill.price).to_string() << " fee " << money_str(s.fill.fee) << "\n";
    }
    return os.str();
}

/// Orders of 1..4 fills at walking prices. `contiguous`: each order's fills are consecutive;
/// otherwise up to three orders are open at once and their fills interleave.
std::vector<RowsStep> generate_rows(uint64_t seed, bool contiguous) {
    std::mt19937_64 rng(seed * 0xD1B54A32D192ED03ULL + (contiguous ? 5 : 9));
    const int norders = std::uniform_int_distribution<int>(1, 40)(rng);
    const int nsym = std::uniform_int_distribution<int>(1, kNumSymbols)(rng);
    PriceWalk walk;
    int64_t pos[kNumSymbols] = {0, 0, 0};
    struct Pending {
        int order;
        OrderSpec spec;
        std::vector<int64_t> parts;
    };
    std::vector<Pending> open;
    std::vector<RowsStep> steps;
    int next_order = 0;
    auto new_order = [&]() {
        Pending o;
        o.order = next_order++;
        o.spec.sym = std::uniform_int_distribution<int>(0, nsym - 1)(rng);
        const bool closing =
            pos[o.spec.sym] != 0 && std::uniform_int_distribution<int>(0, 1)(rng) == 1;
        o.spec.buy = closing ? pos[o.spec.sym] < 0 : std::uniform_int_distribution<int>(0, 1)(rng);
        int64_t total = random_qty(rng, pos[o.spec.sym], closing);
        pos[o.spec.sym] += o.spec.buy ? total : -total;
        const int k = std::uniform_int_distribution<int>(1, 4)(rng);
        for (int i = 0; i < k && total > 0; ++i) {
            int64_t part =
                i == k - 1 ? total : std::uniform_int_distribution<int64_t>(1, total)(rng);
            if (part != total && std::uniform_int_distribution<int>(0, 1)(rng)) {
                part = std::max<int64_t>(kScale, part / kScale * kScale);  // whole shares
                part = std::min(part, total);
            }
            o.parts.push_back(part);
            total -= part;
        }
        open.push_back(o);
    };
    while (next_order < norders || !open.empty()) {
        const size_t max_open = contiguous ? 1 : 3;
        if (next_order < norders &&
            (open.empty() ||
             (open.size() < max_open && std::uniform_int_distribution<int>(0, 2)(rng) == 0))) {
            new_order();
        }
        const size_t i =
            contiguous ? 0 : std::uniform_int_distribution<size_t>(0, open.size() - 1)(rng);
        Pending& o = open[i];
        RowsStep s;
        s.spec = o.spec;
        s.fill.order = o.order;
        s.fill.qty = o.parts.front();
        s.fill.price = walk.next(rng, o.spec.sym);
        s.fill.fee = random_fee(rng);
        o.parts.erase(o.parts.begin());
        steps.push_back(s);
        if (o.parts.empty()) open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return steps;
}

/// The `trades` rows the execution engine writes for these fills: one per order, cumulative
/// filled_qty, avg_fill_price = sum of fill notionals / filled_qty, summed fees, filled_at = the
/// last fill's time. Ids in order of first fill (submission order).
std::vector<TradeRow> rows_of(const std::vector<RowsStep>& steps) {
    std::map<int, size_t> index;
    std::vector<TradeRow> rows;
    std::vector<int64_t> cost;
    for (size_t i = 0; i < steps.size(); ++i) {
        const RowsStep& s = steps[i];
        auto [it, fresh] = index.try_emplace(s.fill.order, rows.size());
        if (fresh) {
            TradeRow t;
            t.id = static_cast<int64_t>(rows.size()) + 1;
            t.ts = at(static_cast<int64_t>(i));
            t.symbol = Symbol(kSymbols[s.spec.sym]);
            t.side = s.spec.buy ? Side::kBuy : Side::kSell;
            t.idempotency_key = IdempotencyKey("order-" + std::to_string(s.fill.order));
            t.correlation_id = Uuid{0xC, static_cast<uint64_t>(s.fill.order) + 1};
            t.status = OrderStatus::kFilled;
            rows.push_back(t);
            cost.push_back(0);
        }
        TradeRow& t = rows[it->second];
        cost[it->second] += ref_notional(s.fill.price, s.fill.qty);
        t.filled_qty += Quantity::from_raw(s.fill.qty);
        t.qty = t.filled_qty;
        t.avg_fill_price = Price::from_raw(ref_avg(cost[it->second], t.filled_qty.raw()));
        t.fees += Money::from_raw(s.fill.fee);
        t.filled_at = at(static_cast<int64_t>(i));
    }
    // Orders that never filled (canceled, rejected, blocked): rows the book must skip.
    for (size_t i = 0; i < steps.size(); i += 7) {
        TradeRow t;
        t.id = static_cast<int64_t>(rows.size()) + 1;
        t.ts = at(static_cast<int64_t>(i));
        t.symbol = Symbol(kSymbols[steps[i].spec.sym]);
        t.side = steps[i].spec.buy ? Side::kSell : Side::kBuy;
        t.qty = Quantity::from_units(5);
        t.status = i % 2 == 0 ? OrderStatus::kCanceled : OrderStatus::kBlocked;
        t.idempotency_key = IdempotencyKey("unfilled-" + std::to_string(i));
        t.correlation_id = Uuid{0xE, i + 1};
        rows.push_back(t);
    }
    return rows;
}

struct RowsStats {
    int64_t symbols_compared = 0;
    int64_t exact_equal = 0;         // realized and cost identical
    int64_t rounding_only = 0;       // differ, within the rounding bound
    int64_t beyond_straddle = 0;     // beyond it: a row closes and opens (flips through zero)
    int64_t beyond_split = 0;        // beyond it: a multi-price row's lot is partly closed
    int64_t beyond_interleaved = 0;  // beyond it: fills of orders of a symbol interleave
    int64_t beyond_unexplained = 0;  // beyond it with none of those (a failure)
    int64_t max_rounding_diff = 0;   // micro-dollars, symbols without such a row
    int64_t max_allocation_diff = 0;
    int64_t stored_cases = 0;  // also through SqliteStore + load_stored_book
};

/// Fill-by-fill book vs book_from_trades over the rows. With `contiguous`, realized PnL and cost
/// must agree within the rounding bound on every symbol none of whose rows both closes and opens
/// (straddles zero); positions always agree exactly, equity at a common mark within the bound.
std::optional<std::string> run_rows(const std::vector<RowsStep>& steps, bool contiguous,
                                    bool through_store, RowsStats* stats, int64_t* checks) {
    Portfolio by_fill;
    for (size_t i = 0; i < steps.size(); ++i) {
        const RowsStep& s = steps[i];
        (void)by_fill.apply_fill(Symbol(kSymbols[s.spec.sym]),
                                 s.spec.buy ? Side::kBuy : Side::kSell,
                                 Quantity::from_raw(s.fill.qty), Price::from_raw(s.fill.price),
                                 Money::from_raw(s.fill.fee), at(static_cast<int64_t>(i)));
    }
    std::vector<TradeRow> rows = rows_of(steps);
    StoredBook stored = book_from_trades(rows);
    if (through_store) {
        auto opened = SqliteStore::open(":memory:");
        if (!opened.ok()) return "store: " + opened.error().to_string();
        auto store = std::move(opened).value();
        if (Status st = store->migrate(); !st.ok()) return "migrate: " + st.error().to_string();
        for (TradeRow t : rows) {
            auto ins = store->insert_trade(t);
            if (!ins.ok() || !*ins) return "insert_trade failed";
        }
        auto loaded = load_stored_book(*store);
        if (!loaded.ok()) return "load_stored_book: " + loaded.error().to_string();
        // Through the REAL columns and back: the same book as from the rows themselves.
        for (int s = 0; s < kNumSymbols; ++s) {
            const PositionRow a = stored.book.position(Symbol(kSymbols[s]));
            const PositionRow b = loaded->book.position(Symbol(kSymbols[s]));
            ++*checks;
            if (!(a.qty == b.qty) || !(a.cost_basis == b.cost_basis) ||
                !(a.realized_pl == b.realized_pl)) {
                return std::string("load_stored_book differs from book_from_trades on ") +
                       kSymbols[s] + ": qty " + b.qty.to_string() + " vs " + a.qty.to_string() +
                       ", realized " + b.realized_pl.to_string() + " vs " +
                       a.realized_pl.to_string();
            }
        }
        if (loaded->fills != stored.fills) return "load_stored_book replayed a different count";
        ++stats->stored_cases;
    }
    ++*checks;
    const size_t filled_rows = static_cast<size_t>(std::count_if(
        rows.begin(), rows.end(), [](const TradeRow& t) { return t.filled_qty.raw() > 0; }));
    if (stored.fills != filled_rows) {
        return "book_from_trades replayed " + std::to_string(stored.fills) + " rows, " +
               std::to_string(filled_rows) + " have fills";
    }
    if (stored.filled_by_order.size() != filled_rows) return "filled_by_order has unfilled orders";
    for (const TradeRow& t : rows) {
        if (t.filled_qty.raw() == 0) continue;
        auto it = stored.filled_by_order.find(t.idempotency_key);
        if (it == stored.filled_by_order.end() || !(it->second == t.filled_qty)) {
            return "filled_by_order of " + t.idempotency_key.str() + " wrong";
        }
    }
    Timestamp latest;
    for (const TradeRow& t : rows) latest = std::max(latest, t.filled_at);
    if (stored.last_fill != latest)
        return "last_fill " + stored.last_fill.iso() + ", want " + latest.iso();

    // Replays the rows' FIFO by quantity alone to tell why a symbol's books may differ beyond
    // rounding: a row that closes and opens (straddles zero), or a later close that takes only
    // part of a row whose fills had different prices (the fills were separate FIFO lots, the row
    // is one lot at their average).
    struct RowLot {
        int64_t remaining = 0;
        bool multi_price = false;
        bool touched = false;
    };
    std::deque<RowLot> lots[kNumSymbols];
    int64_t pos[kNumSymbols] = {0, 0, 0};
    bool straddles[kNumSymbols] = {false, false, false};
    bool splits[kNumSymbols] = {false, false, false};
    int64_t bound[kNumSymbols] = {0, 0, 0};  // micro-dollars
    std::vector<const TradeRow*> order;
    for (const TradeRow& t : rows) {
        if (t.filled_qty.raw() > 0) order.push_back(&t);
    }
    std::stable_sort(order.begin(), order.end(), [](const TradeRow* a, const TradeRow* b) {
        return a->filled_at != b->filled_at ? a->filled_at < b->filled_at : a->id < b->id;
    });
    std::map<std::string, int> fills_of_row;
    std::map<std::string, std::vector<int64_t>> prices_of_row;
    for (const RowsStep& s : steps) {
        const std::string key = "order-" + std::to_string(s.fill.order);
        ++fills_of_row[key];
        prices_of_row[key].push_back(s.fill.price);
    }
    for (const TradeRow* t : order) {
        int s = 0;
        while (!(t->symbol == kSymbols[s])) ++s;
        const std::vector<int64_t>& prices = prices_of_row[t->idempotency_key.str()];
        const bool multi =
            std::any_of(prices.begin(), prices.end(), [&](int64_t p) { return p != prices[0]; });
        const int64_t q = t->side == Side::kBuy ? t->filled_qty.raw() : -t->filled_qty.raw();
        int64_t left = abs64(q);
        if ((pos[s] > 0 && q < 0) || (pos[s] < 0 && q > 0)) {
            while (left > 0 && !lots[s].empty()) {
                RowLot& lot = lots[s].front();
                const int64_t m = std::min(left, lot.remaining);
                if (lot.multi_price && (m < lot.remaining || lot.touched)) splits[s] = true;
                lot.remaining -= m;
                lot.touched = true;
                left -= m;
                if (lot.remaining == 0) lots[s].pop_front();
            }
            if (left > 0) straddles[s] = true;
        }
        if (left > 0) lots[s].push_back(RowLot{left, multi, false});
        pos[s] += q;
        // avg_fill_price rounding: |notional(avg, Q) - sum of fill notionals| <= Q/2 + 1/2
        // micro-dollars (Q in shares); plus one partial-lot split per fill of the row.
        bound[s] += (t->filled_qty.raw() + kScale - 1) / kScale / 2 + 1 +
                    fills_of_row[t->idempotency_key.str()];
    }
    for (int s = 0; s < kNumSymbols; ++s) {
        const PositionRow a = by_fill.position(Symbol(kSymbols[s]));
        const PositionRow b = stored.book.position(Symbol(kSymbols[s]));
        const std::string sym = kSymbols[s];
        ++*checks;
        if (!(a.qty == b.qty))
            return sym + ": position " + b.qty.to_string() + " from the rows, " +
                   a.qty.to_string() + " from the fills";
        // Equity at a common mark: the cash each side moved, which differs only by rounding.
        Portfolio ma = by_fill, mb = stored.book;
        ma.mark(Symbol(kSymbols[s]), Price::from_units(100), at(100000));
        mb.mark(Symbol(kSymbols[s]), Price::from_units(100), at(100000));
        const PositionRow ra = ma.position(Symbol(kSymbols[s]));
        const PositionRow rb = mb.position(Symbol(kSymbols[s]));
        const int64_t equity_diff = abs64((ra.realized_pl.raw() + ra.unrealized_pl.raw()) -
                                          (rb.realized_pl.raw() + rb.unrealized_pl.raw()));
        if (equity_diff > bound[s]) {
            return sym + ": realized + unrealized at a common mark differs by " +
                   money_str(equity_diff) + " (bound " + money_str(bound[s]) + ")";
        }
        if (bound[s] == 0) continue;  // no row of this symbol
        ++stats->symbols_compared;
        const int64_t dr = abs64(a.realized_pl.raw() - b.realized_pl.raw());
        const int64_t dc = abs64(a.cost_basis.raw() - b.cost_basis.raw());
        const int64_t d = std::max(dr, dc);
        const bool exempt = straddles[s] || splits[s] || !contiguous;
        if (d == 0) {
            ++stats->exact_equal;
        } else if (d <= bound[s]) {
            ++stats->rounding_only;
        } else if (!contiguous) {
            ++stats->beyond_interleaved;
        } else if (straddles[s]) {
            ++stats->beyond_straddle;
        } else if (splits[s]) {
            ++stats->beyond_split;
        } else {
            ++stats->beyond_unexplained;
        }
        if (exempt) {
            stats->max_allocation_diff = std::max(stats->max_allocation_diff, d);
            continue;
        }
        stats->max_rounding_diff = std::max(stats->max_rounding_diff, d);
        if (d > bound[s]) {
            return sym + ": realized " + a.realized_pl.to_string() + " (fills) vs " +
                   b.realized_pl.to_string() + " (rows), cost " + a.cost_basis.to_string() +
                   " vs " + b.cost_basis.to_string() + ": beyond the rounding bound " +
                   money_str(bound[s]) +
                   " with no row flipping through zero and no multi-price "
                   "row partly closed";
        }
    }
    return std::nullopt;
}

void rows_property(bool contiguous, const std::string& name) {
    PropertyTally tally;
    RowsStats stats;
    std::function<std::vector<RowsStep>(uint64_t)> gen = [&](uint64_t seed) {
        return generate_rows(seed, contiguous);
    };
    uint64_t current = 0;
    std::function<std::optional<std::string>(const std::vector<RowsStep>&)> run =
        [&](const std::vector<RowsStep>& steps) {
            return run_rows(steps, contiguous, current % 2 == 0, &stats, &tally.checks);
        };
    for (uint64_t seed : testing::property_seeds(kCases)) {
        current = seed;
        testing::check_property<RowsStep>(name, {seed}, gen, run, describe_rows, tally);
    }
    tally.report(name);
    GTEST_LOG_(INFO) << name << ": " << stats.symbols_compared
                     << " symbol books compared: " << stats.exact_equal << " identical, "
                     << stats.rounding_only << " within rounding (max "
                     << money_str(stats.max_rounding_diff)
                     << " where neither applies), beyond it: " << stats.beyond_straddle
                     << " with a row that flips through zero, " << stats.beyond_split
                     << " with a multi-price row partly closed later, " << stats.beyond_interleaved
                     << " with interleaved fills (max " << money_str(stats.max_allocation_diff)
                     << "), " << stats.beyond_unexplained << " unexplained; " << stats.stored_cases
                     << " cases also through SqliteStore";
}

TEST(PortfolioProperty, BookFromTradesMatchesFillsWhenOrdersAreContiguous) {
    rows_property(true, "portfolio.book_from_trades_contiguous");
}

TEST(PortfolioProperty, BookFromTradesKeepsPositionsWhenFillsInterleave) {
    rows_property(false, "portfolio.book_from_trades_interleaved");
}

// ---------------------------------------------------------------------------------------------
// The two ways the property finds book_from_trades' realized PnL off the fills' beyond rounding
// (stored_book.hpp says "positions, cost and realized PnL are those of the fills"), cut down to
// their smallest cases. Positions and equity at a common mark agree; realized PnL and cost basis
// do not, so the live portfolio agent (fill by fill) and a book restored from `trades` (awet eod,
// a restart) report different realized PnL for the same fills. DISABLED_ until decided.

TradeRow filled_row(int64_t id, const char* symbol, Side side, const char* qty, const char* avg,
                    Timestamp filled_at) {
    TradeRow t;
    t.id = id;
    t.ts = filled_at;
    t.symbol = Symbol(symbol);
    t.side = side;
    t.qty = t.filled_qty = *Quantity::parse(qty);
    t.avg_fill_price = *Price::parse(avg);
    t.status = OrderStatus::kFilled;
    t.filled_at = filled_at;
    t.idempotency_key = IdempotencyKey("order-" + std::to_string(id));
    return t;
}

/// A sell of 10 against a long 5, filled 5 @ 100 then 5 @ 110: the fills close the long at 100
/// and open the short at 110; the row closes and opens both at the average, 105.
TEST(PortfolioKnownFailure, DISABLED_BookFromTradesOfAFlipRealizesWhatTheFillsDid) {
    Portfolio fills;
    (void)fills.apply_fill("AAPL", Side::kBuy, *Quantity::parse("5"), *Price::parse("100"), Money{},
                           at(0));
    (void)fills.apply_fill("AAPL", Side::kSell, *Quantity::parse("5"), *Price::parse("100"),
                           Money{}, at(1));
    (void)fills.apply_fill("AAPL", Side::kSell, *Quantity::parse("5"), *Price::parse("110"),
                           Money{}, at(2));
    const std::vector<TradeRow> rows = {filled_row(1, "AAPL", Side::kBuy, "5", "100", at(0)),
                                        filled_row(2, "AAPL", Side::kSell, "10", "105", at(2))};
    const StoredBook stored = book_from_trades(rows);
    EXPECT_EQ(stored.book.position("AAPL").qty, fills.position("AAPL").qty);  // -5 both
    EXPECT_EQ(fills.realized_pnl().to_string(), "0");
    EXPECT_EQ(stored.book.realized_pnl().to_string(), "0");                  // is 25
    EXPECT_EQ(stored.book.position("AAPL").cost_basis.to_string(), "-550");  // is -525
}

/// A buy of 10 filled 5 @ 100 and 5 @ 110, then a sell of 5 @ 120: FIFO sells the lot bought at
/// 100 (+100); the row is one lot at 105 and the sell takes half of it (+75).
TEST(PortfolioKnownFailure, DISABLED_BookFromTradesKeepsTheFifoLotsOfAPartlyFilledEntry) {
    Portfolio fills;
    (void)fills.apply_fill("AAPL", Side::kBuy, *Quantity::parse("5"), *Price::parse("100"), Money{},
                           at(0));
    (void)fills.apply_fill("AAPL", Side::kBuy, *Quantity::parse("5"), *Price::parse("110"), Money{},
                           at(1));
    (void)fills.apply_fill("AAPL", Side::kSell, *Quantity::parse("5"), *Price::parse("120"),
                           Money{}, at(2));
    const std::vector<TradeRow> rows = {filled_row(1, "AAPL", Side::kBuy, "10", "105", at(1)),
                                        filled_row(2, "AAPL", Side::kSell, "5", "120", at(2))};
    const StoredBook stored = book_from_trades(rows);
    EXPECT_EQ(fills.realized_pnl().to_string(), "100");
    EXPECT_EQ(stored.book.realized_pnl().to_string(), "100");               // is 75
    EXPECT_EQ(stored.book.position("AAPL").cost_basis.to_string(), "550");  // is 525
}

}  // namespace
}  // namespace awet
