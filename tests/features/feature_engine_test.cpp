// FeatureEngine: per-symbol state, the derived header, many symbols, and the CSV export.
#include "awet/features/feature_engine.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "awet_test_support.hpp"

namespace awet {
namespace {

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }

MarketBar make_bar(HeaderFactory& ingest, const std::string& symbol, Timestamp start,
                   double close) {
    MarketBar b;
    b.bar_start = start;
    b.header = ingest.root(Symbol(symbol), make_key("bar", Symbol(symbol), start).view(),
                           start + Duration::minutes(1), start + Duration::minutes(1));
    b.open = b.high = b.low = b.close = Price::from_double(close);
    b.volume = Quantity::from_units(1000);
    return b;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string l;
    while (std::getline(in, l)) lines.push_back(l);
    return lines;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s) {
        if (ch == ',') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    out.push_back(cur);
    return out;
}

TEST(FeatureEngine, KeepsOneIndicatorStatePerSymbol) {
    HeaderFactory ingest(Source::kIngestion, 1);
    HeaderFactory headers(Source::kFeatures, 2);
    FeatureEngine engine;
    IndicatorSet alone_a, alone_b;
    const Timestamp t0 = at("2026-03-12T13:30:00Z");
    for (int i = 0; i < 60; ++i) {
        const Timestamp t = t0 + Duration::minutes(i);
        const double ca = 100.0 + std::sin(i * 0.3) * 2, cb = 50.0 + std::cos(i * 0.7);
        std::array<double, kNumFeatures> va{}, vb{};
        uint32_t ma = 0, mb = 0;
        alone_a.update(Price::from_double(ca).to_double(), t, va, ma);
        alone_b.update(Price::from_double(cb).to_double(), t, vb, mb);
        const FeatureVector& fa = engine.update(make_bar(ingest, "AAPL", t, ca), headers, t);
        EXPECT_EQ(fa.valid_mask, ma);
        for (size_t f = 0; f < kNumFeatures; ++f) {
            if (std::isnan(va[f])) {
                EXPECT_TRUE(std::isnan(fa.values[f]));
            } else {
                EXPECT_EQ(fa.values[f], va[f]) << "AAPL " << i << " " << f;
            }
        }
        const FeatureVector& fb = engine.update(make_bar(ingest, "MSFT", t, cb), headers, t);
        EXPECT_EQ(fb.valid_mask, mb);
        for (size_t f = 0; f < kNumFeatures; ++f) {
            if (!std::isnan(vb[f])) {
                EXPECT_EQ(fb.values[f], vb[f]) << "MSFT " << i << " " << f;
            }
        }
    }
    EXPECT_EQ(engine.num_symbols(), 2U);
    ASSERT_NE(engine.find(Symbol("AAPL")), nullptr);
    EXPECT_EQ(engine.find(Symbol("AAPL"))->count(), 60);
    EXPECT_EQ(engine.find(Symbol("AAP")), nullptr);
}

TEST(FeatureEngine, DerivesTheEngineeredEventFromTheBar) {
    HeaderFactory ingest(Source::kIngestion, 1);
    HeaderFactory headers(Source::kFeatures, 2);
    FeatureEngine engine;
    const Timestamp t = at("2026-03-12T13:30:00Z");
    MarketBar bar = make_bar(ingest, "NVDA", t, 181.25);
    bar.volume = Quantity::from_units(12345);
    const Timestamp now = at("2026-03-12T13:31:00.5Z");
    const FeatureVector& fv = engine.update(bar, headers, now);
    EXPECT_EQ(fv.header.symbol, Symbol("NVDA"));
    EXPECT_EQ(fv.header.correlation_id, bar.header.correlation_id);
    EXPECT_NE(fv.header.event_id, bar.header.event_id);
    EXPECT_EQ(fv.header.idempotency_key.view(), "feat:NVDA:" + std::to_string(t.ns()));
    EXPECT_EQ(fv.header.ts, bar.header.ts);
    EXPECT_EQ(fv.header.ts_init, now);
    EXPECT_EQ(fv.header.source, Source::kFeatures);
    EXPECT_EQ(fv.bar_start, t);
    EXPECT_EQ(fv.close, Price::from_double(181.25));
    EXPECT_EQ(fv.volume, Quantity::from_units(12345));
    EXPECT_EQ(fv.valid_mask, (1U << static_cast<unsigned>(Feature::kMinuteOfDay)) |
                                 (1U << static_cast<unsigned>(Feature::kHourOfDay)) |
                                 (1U << static_cast<unsigned>(Feature::kDayOfWeek)));
    EXPECT_EQ(fv.get(Feature::kMinuteOfDay), 570);
}

TEST(FeatureEngine, HandlesManySymbolsAndSimilarNames) {
    HeaderFactory ingest(Source::kIngestion, 1);
    HeaderFactory headers(Source::kFeatures, 2);
    FeatureEngine engine(4);  // forces the symbol table to grow
    std::vector<std::string> names;
    for (int i = 0; i < 300; ++i) {
        std::string name = std::to_string(i);
        name.insert(name.begin(), 'S');
        names.push_back(name);
    }
    names.push_back("BRK.B");
    names.push_back("BRK.A");
    names.push_back("ABCDEFGHIJKLMNO");  // 15 chars, full capacity
    names.push_back("ABCDEFGHIJKLMN");
    const Timestamp t0 = at("2026-03-12T13:30:00Z");
    for (int round = 0; round < 3; ++round) {
        for (size_t s = 0; s < names.size(); ++s) {
            const auto& fv = engine.update(
                make_bar(ingest, names[s], t0 + Duration::minutes(round), 10.0 + s + round),
                headers, t0);
            EXPECT_EQ(fv.header.symbol, Symbol(names[s]));
            if (round > 0) {
                EXPECT_NEAR(fv.get(Feature::kReturns1),
                            (10.0 + s + round) / (10.0 + s + round - 1) - 1, 1e-12)
                    << names[s];
            }
        }
    }
    EXPECT_EQ(engine.num_symbols(), names.size());
    for (const auto& n : names) {
        ASSERT_NE(engine.find(Symbol(n)), nullptr) << n;
        EXPECT_EQ(engine.find(Symbol(n))->count(), 3) << n;
    }
    engine.reset();
    EXPECT_EQ(engine.num_symbols(), 0U);
    EXPECT_EQ(engine.find(Symbol("S1")), nullptr);
}

TEST(ExportFeaturesCsv, WritesHeaderIsoTimesEmptyWarmUpFieldsAndRoundTripValues) {
    HeaderFactory ingest(Source::kIngestion, 1);
    HeaderFactory headers(Source::kFeatures, 2);
    FeatureEngine engine;
    std::vector<FeatureVector> rows;
    const Timestamp t0 = at("2026-03-12T13:30:00Z");
    for (int i = 0; i < 25; ++i) {
        rows.push_back(engine.update(
            make_bar(ingest, "AAPL", t0 + Duration::minutes(i), 250.0 + 0.37 * i * (i % 3)),
            headers, t0));
    }
    testing::TempDir dir;
    const std::string path = dir.file("features.csv");
    ASSERT_TRUE(export_features_csv(path, rows).ok());
    const auto lines = read_lines(path);
    ASSERT_EQ(lines.size(), 26U);
    EXPECT_EQ(
        lines[0],
        "ts,symbol,rsi_14,sma_5,sma_20,ema_5,ema_20,returns_1,returns_5,returns_15,volatility_20,"
        "minute_of_day,hour_of_day,day_of_week");
    EXPECT_EQ(lines[1], "2026-03-12T13:30:00Z,AAPL,,,,,,,,,,570,9,3");
    for (size_t r = 0; r < rows.size(); ++r) {
        const auto cells = split(lines[r + 1]);
        ASSERT_EQ(cells.size(), 2 + kNumFeatures);
        EXPECT_EQ(cells[0], rows[r].bar_start.iso());
        for (size_t f = 0; f < kNumFeatures; ++f) {
            const std::string& cell = cells[2 + f];
            if (!rows[r].valid(kAllFeatures[f])) {
                EXPECT_TRUE(cell.empty()) << r << " " << f;
                continue;
            }
            double v = 0;
            ASSERT_EQ(std::from_chars(cell.data(), cell.data() + cell.size(), v).ec, std::errc())
                << cell;
            EXPECT_EQ(v, rows[r].values[f]) << r << " " << f;  // shortest round-trip digits
        }
    }
    EXPECT_FALSE(split(lines[25])[2 + static_cast<size_t>(Feature::kVolatility20)].empty());
}

TEST(ExportFeaturesCsv, UnwritablePathIsAnErrorNamingIt) {
    testing::TempDir dir;
    const std::string path = dir.file("no/such/dir/features.csv");
    const Status s = export_features_csv(path, {});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kIo);
    EXPECT_NE(s.error().message.find(path), std::string::npos);
}

}  // namespace
}  // namespace awet
