#include "awet/data/synthetic_market.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "awet/calendar/calendar.hpp"
#include "awet/data/csv_bars.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

Timestamp ts(const char* iso) { return Timestamp::parse(iso).value(); }

bool same_bar(const MarketBar& a, const MarketBar& b) {
    return a.header.symbol == b.header.symbol && a.header.ts == b.header.ts &&
           a.header.source == b.header.source && a.bar_start == b.bar_start &&
           a.interval == b.interval && a.open == b.open && a.high == b.high && a.low == b.low &&
           a.close == b.close && a.volume == b.volume;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Bars of one symbol, in time order.
std::vector<MarketBar> of_symbol(const std::vector<MarketBar>& bars, std::string_view sym) {
    std::vector<MarketBar> out;
    for (const MarketBar& b : bars) {
        if (b.header.symbol.view() == sym) out.push_back(b);
    }
    return out;
}

double log_return(const MarketBar& b) { return std::log(b.close.to_double() / b.open.to_double()); }

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
    double n = static_cast<double>(x.size());
    double mx = 0, my = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / std::sqrt(sxx * syy);
}

TEST(SyntheticMarketTest, DefaultConfigShape) {
    SyntheticMarketConfig config;
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    // 2026-03-02..03-06: five full sessions, 7 symbols, 390 bars each.
    ASSERT_EQ(bars.size(), 5u * 7u * 390u);
    EXPECT_EQ(bars.front().bar_start, ts("2026-03-02T14:30:00Z"));  // EST until Mar 8
    EXPECT_EQ(bars.back().bar_start, ts("2026-03-06T20:59:00Z"));
    const std::vector<std::string> sorted = {"AAPL", "AMZN", "GOOG", "META",
                                             "MSFT", "NVDA", "TSLA"};
    for (size_t i = 0; i < bars.size(); ++i) {
        ASSERT_EQ(bars[i].header.symbol.view(), sorted[i % 7]) << i;
        ASSERT_EQ(bars[i].bar_start, bars[i - i % 7].bar_start) << i;
        if (i >= 7) {
            ASSERT_LT(bars[i - 7].bar_start, bars[i].bar_start) << i;
        }
    }
    // The first open of each symbol is its profile's start price.
    EXPECT_EQ(bars[0].open, Price::parse("258").value());  // AAPL
    EXPECT_EQ(bars[3].open, Price::parse("649").value());  // META
    EXPECT_EQ(bars[6].open, Price::parse("405").value());  // TSLA
}

TEST(SyntheticMarketTest, SameSeedIdenticalDifferentSeedDiffers) {
    SyntheticMarketConfig config;
    config.days = 3;
    std::vector<MarketBar> a = generate_synthetic_market(config);
    std::vector<MarketBar> b = generate_synthetic_market(config);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(same_bar(a[i], b[i])) << i;

    testing::TempDir dir;
    ASSERT_TRUE(write_bars_csv(dir.file("a.csv"), a).ok());
    ASSERT_TRUE(write_bars_csv(dir.file("b.csv"), b).ok());
    EXPECT_EQ(read_all(dir.file("a.csv")), read_all(dir.file("b.csv")));

    config.seed = 43;
    std::vector<MarketBar> c = generate_synthetic_market(config);
    ASSERT_EQ(c.size(), a.size());
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i) differing += same_bar(a[i], c[i]) ? 0 : 1;
    EXPECT_GT(differing, a.size() * 9 / 10);
}

TEST(SyntheticMarketTest, OhlcInvariantsAndCents) {
    SyntheticMarketConfig config;
    config.days = 10;
    config.symbols.push_back("SPY");
    config.symbols.push_back("ZZZT");  // unknown ticker: hashed profile
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    ASSERT_EQ(bars.size(), 10u * 9u * 390u);
    for (const MarketBar& b : bars) {
        ASSERT_GE(b.high, std::max(b.open, b.close)) << b.bar_start.iso();
        ASSERT_LE(b.low, std::min(b.open, b.close)) << b.bar_start.iso();
        ASSERT_GT(b.low.raw(), 0);
        for (Price p : {b.open, b.high, b.low, b.close}) ASSERT_EQ(p.raw() % 10'000, 0);
        ASSERT_EQ(b.volume.raw() % kFixedScale, 0);
        ASSERT_GE(b.volume.units(), 1);
        ASSERT_EQ(b.interval, Duration::minutes(1));
        ASSERT_EQ(b.header.ts, b.bar_start + Duration::minutes(1));
        ASSERT_EQ(b.header.source, Source::kIngestion);
        ASSERT_TRUE(b.header.event_id.is_nil());
    }
    // Bars have real ranges: most bars have high > low.
    size_t ranged = 0;
    for (const MarketBar& b : bars) ranged += b.high > b.low ? 1 : 0;
    EXPECT_GT(ranged, bars.size() * 9 / 10);
}

TEST(SyntheticMarketTest, BarsOnlyInsideSessionsIncludingEarlyClose) {
    SyntheticMarketConfig config;
    config.symbols = {"AAPL", "MSFT"};
    config.start_date = Date{2026, 11, 25};  // Wed; Thu holiday; Fri early close
    config.days = 3;
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    std::map<std::pair<std::string, std::string>, int> per_day;
    for (const MarketBar& b : bars) {
        std::optional<Session> s = SessionCalendar::session_at(b.bar_start);
        ASSERT_TRUE(s.has_value()) << b.bar_start.iso();
        ASSERT_LE(b.bar_start + b.interval, s->close);
        ++per_day[{s->date.to_string(), b.header.symbol.str()}];
    }
    EXPECT_EQ(per_day.size(), 6u);
    EXPECT_EQ((per_day[{"2026-11-25", "AAPL"}]), 390);
    EXPECT_EQ((per_day[{"2026-11-27", "AAPL"}]), 210);  // 09:30..12:59
    EXPECT_EQ((per_day[{"2026-11-30", "MSFT"}]), 390);
    EXPECT_EQ(per_day.count({"2026-11-26", "AAPL"}), 0u);
}

TEST(SyntheticMarketTest, ContinuityAndOvernightGaps) {
    SyntheticMarketConfig config;
    config.days = 10;
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    for (const std::string& sym : config.symbols) {
        std::vector<MarketBar> s = of_symbol(bars, sym);
        ASSERT_EQ(s.size(), 3900u);
        int gaps = 0;
        for (size_t i = 1; i < s.size(); ++i) {
            bool new_day = s[i].bar_start - s[i - 1].bar_start > Duration::minutes(1);
            if (new_day) {
                EXPECT_NE(s[i].open, s[i - 1].close) << sym << " " << s[i].bar_start.iso();
                ++gaps;
            } else {
                ASSERT_EQ(s[i].open, s[i - 1].close) << sym << " " << s[i].bar_start.iso();
            }
        }
        EXPECT_EQ(gaps, 9) << sym;
    }
}

TEST(SyntheticMarketTest, UShapedVolume) {
    SyntheticMarketConfig config;
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    double edge = 0, mid = 0;
    int n_edge = 0, n_mid = 0;
    for (const MarketBar& b : bars) {
        int m = SessionCalendar::to_local(b.bar_start).minute_of_day - (9 * 60 + 30);
        double v = b.volume.to_double();
        if (m < 30 || m >= 360) {
            edge += v;
            ++n_edge;
        } else if (m >= 150 && m < 240) {
            mid += v;
            ++n_mid;
        }
    }
    ASSERT_GT(n_edge, 0);
    ASSERT_GT(n_mid, 0);
    EXPECT_GT((edge / n_edge), 1.5 * (mid / n_mid));
}

TEST(SyntheticMarketTest, VolatilityRegimes) {
    SyntheticMarketConfig config;
    config.days = 20;
    SyntheticTrace trace;
    std::vector<MarketBar> bars = generate_synthetic_market(config, &trace);
    ASSERT_EQ(trace.minute_start.size(), 20u * 390u);
    ASSERT_EQ(trace.turbulent.size(), trace.minute_start.size());
    size_t turbulent = 0;
    for (uint8_t t : trace.turbulent) turbulent += t;
    EXPECT_GT(turbulent, 100u);
    EXPECT_LT(turbulent, trace.turbulent.size() / 2);

    // Mean absolute minute return over all symbols, calm vs turbulent minutes.
    double abs_calm = 0, abs_turb = 0;
    size_t n_calm = 0, n_turb = 0;
    for (size_t i = 0; i < bars.size(); ++i) {
        size_t minute = i / 7;
        ASSERT_EQ(trace.minute_start[minute], bars[i].bar_start);
        double r = std::fabs(log_return(bars[i]));
        if (trace.turbulent[minute]) {
            abs_turb += r;
            ++n_turb;
        } else {
            abs_calm += r;
            ++n_calm;
        }
    }
    EXPECT_GT(abs_turb / n_turb, 1.6 * (abs_calm / n_calm));

    // Rolling 30-minute realized volatility of AAPL varies a lot across the period.
    std::vector<MarketBar> aapl = of_symbol(bars, "AAPL");
    double lo = 1e9, hi = 0;
    for (size_t i = 30; i < aapl.size(); i += 30) {
        double ss = 0;
        for (size_t k = i - 30; k < i; ++k) ss += log_return(aapl[k]) * log_return(aapl[k]);
        double vol = std::sqrt(ss / 30);
        lo = std::min(lo, vol);
        hi = std::max(hi, vol);
    }
    EXPECT_GT(hi, 3 * lo);
}

TEST(SyntheticMarketTest, CorrelatedAndVolatilityOrdered) {
    SyntheticMarketConfig config;
    config.days = 10;
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    std::map<std::string, std::vector<double>> returns;
    for (const MarketBar& b : bars) returns[b.header.symbol.str()].push_back(log_return(b));
    // Market factor: AAPL and MSFT move together (model correlation ~0.5).
    EXPECT_GT(correlation(returns["AAPL"], returns["MSFT"]), 0.3);
    auto realized = [](const std::vector<double>& r) {
        double ss = 0;
        for (double x : r) ss += x * x;
        return std::sqrt(ss / static_cast<double>(r.size()) * 252 * 390);
    };
    EXPECT_GT(realized(returns["TSLA"]), 1.5 * realized(returns["MSFT"]));
    EXPECT_GT(realized(returns["NVDA"]), 1.3 * realized(returns["AAPL"]));
    // Annualised volatility in the configured ballpark (MSFT 25%).
    EXPECT_GT(realized(returns["MSFT"]), 0.15);
    EXPECT_LT(realized(returns["MSFT"]), 0.40);
}

/// Correlation between the past 15-minute and the next 30-minute return, within sessions.
double momentum_correlation(const SyntheticMarketConfig& config) {
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    std::vector<double> past, future;
    for (const std::string& sym : config.symbols) {
        std::vector<MarketBar> s = of_symbol(bars, sym);
        for (size_t day = 0; day < s.size() / 390; ++day) {
            const MarketBar* d = &s[day * 390];
            for (size_t t = 15; t + 30 <= 390; t += 15) {
                past.push_back(std::log(d[t - 1].close.to_double() / d[t - 15].open.to_double()));
                future.push_back(std::log(d[t + 29].close.to_double() / d[t].open.to_double()));
            }
        }
    }
    return correlation(past, future);
}

TEST(SyntheticMarketTest, WeakMomentumIsLearnable) {
    SyntheticMarketConfig config;
    config.days = 40;
    double with_momentum = momentum_correlation(config);
    config.momentum_strength = 0;
    double without = momentum_correlation(config);
    EXPECT_GT(with_momentum, 0.05);
    EXPECT_LT(with_momentum, 0.35);  // weak, not a free lunch
    EXPECT_LT(std::fabs(without), 0.06);
    EXPECT_GT(with_momentum, without + 0.04);
}

TEST(SyntheticMarketTest, SymbolListCleaning) {
    SyntheticMarketConfig config;
    config.days = 1;
    config.symbols = {"MSFT", "AAPL", "MSFT", "", "WAYTOOLONGTICKER1"};
    SyntheticMarket market(config);
    EXPECT_EQ(market.symbols(), (std::vector<std::string>{"AAPL", "MSFT"}));
    std::vector<MarketBar> day;
    EXPECT_TRUE(market.next_day(day));
    EXPECT_EQ(day.size(), 2u * 390u);
    EXPECT_FALSE(market.next_day(day));

    SymbolProfile unknown = symbol_profile("ZZZT");
    EXPECT_GE(unknown.start_price, 20.0);
    EXPECT_LE(unknown.start_price, 500.0);
    EXPECT_GE(unknown.annual_vol, 0.25);
    EXPECT_LE(unknown.annual_vol, 0.61);
    EXPECT_EQ(symbol_profile("ZZZT").start_price, unknown.start_price);

    config.days = 0;
    EXPECT_TRUE(generate_synthetic_market(config).empty());
}

TEST(SyntheticMarketTest, SourceMatchesGenerator) {
    SyntheticMarketConfig config;
    config.days = 2;
    std::vector<MarketBar> expected = generate_synthetic_market(config);
    SyntheticSource source(config);
    EXPECT_EQ(source.name(), "synthetic");
    size_t i = 0;
    while (true) {
        Result<std::optional<MarketBar>> r = source.next();
        ASSERT_TRUE(r.ok());
        if (!r->has_value()) break;
        ASSERT_LT(i, expected.size());
        ASSERT_TRUE(same_bar(**r, expected[i])) << i;
        ++i;
    }
    EXPECT_EQ(i, expected.size());
}

TEST(SyntheticMarketTest, CsvRoundTripIsIdentical) {
    SyntheticMarketConfig config;
    config.days = 2;
    std::vector<MarketBar> bars = generate_synthetic_market(config);
    testing::TempDir dir;
    const std::string path = dir.file("synthetic.csv");
    ASSERT_TRUE(write_bars_csv(path, bars).ok());
    std::vector<MarketBar> back;
    Result<CsvReadReport> r = read_bars_csv(path, [&](const MarketBar& b) { back.push_back(b); });
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->rejected, 0);
    ASSERT_EQ(back.size(), bars.size());
    for (size_t i = 0; i < bars.size(); ++i) ASSERT_TRUE(same_bar(bars[i], back[i])) << i;
}

}  // namespace
}  // namespace awet
