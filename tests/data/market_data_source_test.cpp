#include "awet/data/market_data_source.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "awet_test_support.hpp"

namespace awet {
namespace {

Timestamp ts(const char* iso) { return Timestamp::parse(iso).value(); }

MarketBar make_bar(const char* sym, const char* start, int64_t volume) {
    MarketBar b;
    b.header.symbol = Symbol(sym);
    b.bar_start = ts(start);
    b.header.ts = b.bar_start + Duration::minutes(1);
    b.open = b.high = b.low = b.close = Price::from_units(10);
    b.volume = Quantity::from_units(volume);
    return b;
}

std::vector<MarketBar> drain(MarketDataSource& source) {
    std::vector<MarketBar> out;
    while (true) {
        Result<std::optional<MarketBar>> r = source.next();
        EXPECT_TRUE(r.ok());
        if (!r.ok() || !r->has_value()) break;
        out.push_back(**r);
    }
    return out;
}

TEST(VectorSourceTest, OrdersByBarStartThenSymbolStably) {
    std::vector<MarketBar> bars = {
        make_bar("MSFT", "2026-03-12T13:31:00Z", 1), make_bar("MSFT", "2026-03-12T13:30:00Z", 2),
        make_bar("AAPL", "2026-03-12T13:31:00Z", 3), make_bar("AAPL", "2026-03-12T13:30:00Z", 4),
        make_bar("AAPL", "2026-03-12T13:30:00Z", 5)};
    VectorSource source(bars);
    EXPECT_EQ(source.name(), "vector");
    EXPECT_EQ(source.size(), 5u);
    std::vector<MarketBar> out = drain(source);
    ASSERT_EQ(out.size(), 5u);
    std::vector<int64_t> volumes;
    for (const MarketBar& b : out) volumes.push_back(b.volume.units());
    EXPECT_EQ(volumes, (std::vector<int64_t>{4, 5, 2, 3, 1}));
    // Stays at the end.
    Result<std::optional<MarketBar>> end = source.next();
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end->has_value());
    source.rewind();
    EXPECT_EQ(source.remaining(), 5u);
    EXPECT_EQ(drain(source).size(), 5u);

    VectorSource empty({});
    EXPECT_TRUE(drain(empty).empty());
}

TEST(CsvSourceTest, MergesRealMinuteFilesInTimeOrder) {
    std::vector<std::string> paths = {(testing::shared_data() / "bars" / "1min").string()};
    Result<std::unique_ptr<CsvSource>> opened = CsvSource::open(paths);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    CsvSource& source = **opened;
    EXPECT_EQ(source.name(), "csv");
    EXPECT_EQ(source.files().size(), 8u);  // alt/ is a subdirectory: not included
    EXPECT_EQ(source.report().rows, 7 * 4678 + 5157);
    EXPECT_EQ(source.report().accepted, 7 * 4678 + 5157);
    EXPECT_EQ(source.report().rejected, 0);
    EXPECT_EQ(source.size(), static_cast<size_t>(7 * 4678 + 5157));

    std::vector<MarketBar> out = drain(source);
    ASSERT_EQ(out.size(), static_cast<size_t>(7 * 4678 + 5157));
    const std::vector<std::string> first_minute = {"AAPL", "AMZN", "GOOG", "META",
                                                   "MSFT", "NVDA", "SPY",  "TSLA"};
    for (size_t i = 0; i < first_minute.size(); ++i) {
        EXPECT_EQ(out[i].bar_start, ts("2026-03-12T13:30:00Z"));
        EXPECT_EQ(out[i].header.symbol.view(), first_minute[i]);
    }
    for (size_t i = 1; i < out.size(); ++i) {
        bool ordered = out[i - 1].bar_start < out[i].bar_start ||
                       (out[i - 1].bar_start == out[i].bar_start &&
                        out[i - 1].header.symbol < out[i].header.symbol);
        ASSERT_TRUE(ordered) << i;
    }
    EXPECT_EQ(out.back().header.symbol.view(), "SPY");
    EXPECT_EQ(out.back().bar_start, ts("2026-03-31T14:58:00Z"));
}

TEST(CsvSourceTest, DuplicateAcrossFilesKeptOnceAndReported) {
    testing::TempDir dir;
    {
        std::ofstream a(dir.file("a.csv"));
        a << "ts,symbol,open,high,low,close,volume\n"
             "2026-03-12T13:30:00Z,AAPL,10,11,9,10,1\n"
             "2026-03-12T13:31:00Z,AAPL,10,11,9,10,2\n";
        std::ofstream b(dir.file("b.csv"));
        b << "ts,symbol,open,high,low,close,volume\n"
             "2026-03-12T13:30:00Z,MSFT,10,11,9,10,3\n"
             "2026-03-12T13:31:00Z,AAPL,10,11,9,10,4\n"
             "garbage\n";
    }
    Result<std::unique_ptr<CsvSource>> opened = CsvSource::open({dir.path().string()});
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    const CsvReadReport& report = (*opened)->report();
    EXPECT_EQ(report.rows, 5);
    EXPECT_EQ(report.accepted, 3);
    EXPECT_EQ(report.rejected, 2);
    ASSERT_EQ(report.issues.size(), 2u);
    EXPECT_EQ(report.issues[0].file, dir.file("b.csv"));
    EXPECT_EQ(report.issues[0].line, 4);
    EXPECT_EQ(report.issues[1].file, dir.file("b.csv"));
    EXPECT_EQ(report.issues[1].line, 3);
    EXPECT_EQ(report.issues[1].field, "ts");
    EXPECT_NE(report.issues[1].reason.find(dir.file("a.csv") + ":3"), std::string::npos)
        << report.issues[1].reason;

    std::vector<MarketBar> out = drain(**opened);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].volume.units(), 1);
    EXPECT_EQ(out[1].volume.units(), 3);
    EXPECT_EQ(out[2].volume.units(), 2);  // the first file's copy
}

// Defect 11 (issue 11): a copy with other values is a conflict and says which values differ and
// which copy is kept; an identical copy stays a plain duplicate.
TEST(CsvSourceTest, ConflictAcrossFilesNamesTheValuesAndTheCopyKept) {
    testing::TempDir dir;
    {
        std::ofstream a(dir.file("a.csv"));
        a << "ts,symbol,open,high,low,close,volume\n"
             "2026-03-12T13:30:00Z,AAPL,257.9,258.2,257.7,257.91,100\n"
             "2026-03-12T13:31:00Z,AAPL,10,11,9,10,2\n";
        std::ofstream b(dir.file("b.csv"));
        b << "ts,symbol,open,high,low,close,volume\n"
             "2026-03-12T13:30:00Z,AAPL,257.9,258.2,257.7,258.00,100\n"
             "2026-03-12T13:31:00Z,AAPL,10,11,9,10,2\n";
    }
    Result<std::unique_ptr<CsvSource>> opened = CsvSource::open({dir.path().string()});
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    const CsvReadReport& report = (*opened)->report();
    EXPECT_EQ(report.accepted, 2);
    EXPECT_EQ(report.rejected, 2);
    ASSERT_EQ(report.issues.size(), 2u);
    EXPECT_EQ(report.issues[0].reason,
              "conflicting bar for (AAPL, 2026-03-12T13:30:00Z) (close 257.91 in " +
                  dir.file("a.csv") + ":2, 258 here); the copy from " + dir.file("a.csv") +
                  ":2 is kept");
    EXPECT_EQ(report.issues[1].reason,
              "duplicate bar for (AAPL, 2026-03-12T13:31:00Z), already "
              "read from " +
                  dir.file("a.csv") + ":3");
    std::vector<MarketBar> out = drain(**opened);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].close, Price::parse("257.91").value());
}

TEST(CsvSourceTest, OpenErrors) {
    Result<std::unique_ptr<CsvSource>> missing = CsvSource::open({"/nonexistent/bars"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

    testing::TempDir dir;
    {
        std::ofstream a(dir.file("bad.csv"));
        a << "time,sym,price\n1,2,3\n";
    }
    Result<std::unique_ptr<CsvSource>> bad = CsvSource::open({dir.file("bad.csv")});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace awet
