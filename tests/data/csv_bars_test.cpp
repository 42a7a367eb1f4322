#include "awet/data/csv_bars.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "awet_test_support.hpp"

namespace awet {
namespace {

Timestamp ts(const char* iso) { return Timestamp::parse(iso).value(); }
Price px(const char* text) { return Price::parse(text).value(); }

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
}

struct Collected {
    std::vector<MarketBar> bars;
    std::function<void(const MarketBar&)> sink() {
        return [this](const MarketBar& b) { bars.push_back(b); };
    }
};

std::string minute_file(const std::string& sym) {
    return (testing::shared_data() / "bars" / "1min" / (sym + ".csv")).string();
}

TEST(CsvBarsTest, RealMinuteFilesLoadWithoutRejects) {
    const std::vector<std::pair<std::string, int64_t>> files = {
        {"AAPL", 4678}, {"AMZN", 4678}, {"GOOG", 4678}, {"META", 4678},
        {"MSFT", 4678}, {"NVDA", 4678}, {"SPY", 5157},  {"TSLA", 4678}};
    for (const auto& [sym, rows] : files) {
        Collected c;
        Result<CsvReadReport> r = read_bars_csv(minute_file(sym), c.sink());
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_EQ(r->rows, rows) << sym;
        EXPECT_EQ(r->accepted, rows) << sym;
        EXPECT_EQ(r->rejected, 0) << sym;
        EXPECT_TRUE(r->issues.empty()) << sym;
        EXPECT_EQ(r->interval, Duration::minutes(1));
        ASSERT_EQ(static_cast<int64_t>(c.bars.size()), rows);
        for (const MarketBar& b : c.bars) EXPECT_EQ(b.header.symbol.view(), sym);
    }
}

TEST(CsvBarsTest, RealAaplFirstAndLastRowExact) {
    Collected c;
    Result<CsvReadReport> r = read_bars_csv(minute_file("AAPL"), c.sink());
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(c.bars.size(), 4678u);
    // 2026-03-12T13:30:00Z,AAPL,258.640015,258.950012,257.454987,257.98999,1169548
    const MarketBar& b = c.bars.front();
    EXPECT_EQ(b.bar_start, Timestamp::from_seconds(1773322200));
    EXPECT_EQ(b.header.ts, Timestamp::from_seconds(1773322200 + 60));  // bar end
    EXPECT_EQ(b.interval, Duration::minutes(1));
    EXPECT_EQ(b.header.symbol.view(), "AAPL");
    EXPECT_EQ(b.header.source, Source::kIngestion);
    EXPECT_TRUE(b.header.event_id.is_nil());
    EXPECT_TRUE(b.header.correlation_id.is_nil());
    EXPECT_EQ(b.open.raw(), 258'640'015);
    EXPECT_EQ(b.high.raw(), 258'950'012);
    EXPECT_EQ(b.low.raw(), 257'454'987);
    EXPECT_EQ(b.close.raw(), 257'989'990);
    EXPECT_EQ(b.volume, Quantity::from_units(1'169'548));
    // 2026-03-27T19:59:00Z,AAPL,249.229996,249.369995,248.610001,248.619995,1505723
    const MarketBar& last = c.bars.back();
    EXPECT_EQ(last.bar_start, ts("2026-03-27T19:59:00Z"));
    EXPECT_EQ(last.open, px("249.229996"));
    EXPECT_EQ(last.close, px("248.619995"));
    EXPECT_EQ(last.volume, Quantity::from_units(1'505'723));
}

TEST(CsvBarsTest, MalformedRowsAreReportedAndSkipped) {
    testing::TempDir dir;
    const std::string path = dir.file("bad.csv");
    const std::vector<std::string> lines = {
        "ts,symbol,open,high,low,close,volume",                   // 1
        "2026-03-12T13:30:00Z,AAPL,10,11,9,10.5,100",             // 2 good
        "2026-03-12T13:31:00Z,AAPL,10,11,9,10.5",                 // 3 too few fields
        "2026-03-12T13:32:00Z,AAPL,abc,11,9,10.5,100",            // 4 open
        "2026-03-12T13:33:00Z,AAPL,10,9.5,9,10.5,100",            // 5 high < max(o,c)
        "2026-03-12T13:34:00Z,AAPL,10,11,10.2,10.5,100",          // 6 low > min(o,c)
        "",                                                       // 7 blank
        "2026-03-12T13:35:00Z,AAPL,10,11,0,10.5,100",             // 8 low == 0
        "2026-03-12T13:36:00Z,AAPL,-10,11,9,10.5,100",            // 9 negative open
        "2026-03-12T13:37:00Z,AAPL,10,11,9,10.5,-5",              // 10 negative volume
        "2026-03-12T13:38:00Z,,10,11,9,10.5,100",                 // 11 empty symbol
        "2026-03-12T13:39:00Z,ABCDEFGHIJKLMNOPQ,10,11,9,10.5,1",  // 12 symbol too long
        "2026-03-12T13:30:00Z,AAPL,10,11,9,10.5,100",             // 13 duplicate of line 2
        "not-a-time,AAPL,10,11,9,10.5,100",                       // 14 ts
        "hello world",                                            // 15 garbage
        "2026-03-12T13:40:00Z,AAPL,\"10,11,9,10.5,100",           // 16 unterminated quote
        "2026-03-12T13:41:00Z,AA\"PL,10,11,9,10.5,100",           // 17 stray quote
        "2026-03-12T13:42:00Z,\"MSFT\",10,11,9,10.5,100",         // 18 good (quoted)
        "2026-03-12T13:43:00Z,AAPL,10.1234567,11,9,10.5,100",     // 19 beyond 1e-6
        "2026-03-12T13:44:00Z,AAPL,10,11,9,10.5,1e5",             // 20 volume
        "2026-03-12T13:45:00Z,AAPL,10,11,9,,100",                 // 21 empty close
        " 2026-03-12T13:46:00Z , AAPL ,10,11,9,10.5,100 ",        // 22 good (spaces)
        "2026-03-12T13:47:00Z,AAPL,10,11,9,10.5,100,extra",       // 23 too many fields
        "2026-03-12T13:48:00Z,AA PL,10,11,9,10.5,100",            // 24 bad symbol char
        "2026-03-12T13:49:00Z,AAPL,10,11,9,10.5,100",             // 25 good, no newline
    };
    // CRLF endings, a UTF-8 BOM, no final newline.
    std::string content = "\xEF\xBB\xBF";
    for (size_t i = 0; i < lines.size(); ++i) {
        content += lines[i];
        if (i + 1 < lines.size()) content += "\r\n";
    }
    write_file(path, content);

    Collected c;
    Result<CsvReadReport> r = read_bars_csv(path, c.sink());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->rows, 23);
    EXPECT_EQ(r->accepted, 4);
    EXPECT_EQ(r->rejected, 19);

    struct Expected {
        int64_t line;
        const char* field;
        const char* reason_part;
    };
    const std::vector<Expected> expected = {
        {3, "row", "expected 7 fields, got 6"},
        {4, "open", "not a decimal number 'abc'"},
        {5, "high", "high 9.5 < max(open, close) 10.5"},
        {6, "low", "low 10.2 > min(open, close) 10"},
        {8, "low", "low must be > 0"},
        {9, "open", "negative price"},
        {10, "volume", "negative volume"},
        {11, "symbol", "empty symbol"},
        {12, "symbol", "longer than 15"},
        {13, "ts", "duplicate bar for (AAPL, 2026-03-12T13:30:00Z), first on line 2"},
        {14, "ts", "unparsable timestamp 'not-a-time'"},
        {15, "row", "expected 7 fields, got 1"},
        {16, "row", "unterminated quote"},
        {17, "row", "stray quote"},
        {19, "open", "10.1234567 has more than 6 decimals"},
        {20, "volume", "not a decimal number '1e5'"},
        {21, "close", "empty value"},
        {23, "row", "expected 7 fields, got 8"},
        {24, "symbol", "invalid character"},
    };
    // One issue per rejected row, in file order.
    ASSERT_EQ(r->issues.size(), expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
        const CsvIssue& issue = r->issues[k];
        EXPECT_EQ(issue.file, path);
        EXPECT_EQ(issue.line, expected[k].line) << issue.to_string();
        EXPECT_EQ(issue.field, expected[k].field) << issue.to_string();
        EXPECT_NE(issue.reason.find(expected[k].reason_part), std::string::npos)
            << issue.to_string();
    }

    ASSERT_EQ(c.bars.size(), 4u);
    EXPECT_EQ(c.bars[0].bar_start, ts("2026-03-12T13:30:00Z"));
    EXPECT_EQ(c.bars[1].header.symbol.view(), "MSFT");
    EXPECT_EQ(c.bars[2].bar_start, ts("2026-03-12T13:46:00Z"));
    EXPECT_EQ(c.bars[2].header.symbol.view(), "AAPL");
    EXPECT_EQ(c.bars[3].bar_start, ts("2026-03-12T13:49:00Z"));
    EXPECT_EQ(c.bars[3].close, px("10.5"));
    EXPECT_EQ(c.bars[3].volume, Quantity::from_units(100));
}

// Defect 8 (issue 11): a price beyond any market (here exactly int64 micro-units, which SQLite's
// REAL columns read back negative) or a value with more than 6 decimals is named as such.
TEST(CsvBarsTest, ImpossibleValuesAreNamedNotCalledNonDecimal) {
    const std::string text =
        "ts,symbol,open,high,low,close,volume\n"
        "2026-03-12T13:30:00Z,AAPL,10,9223372036854.775807,9,9223372036854.775807,1\n"  // 2
        "2026-03-12T13:31:00Z,AAPL,12.1234567,13,12,12.5,1\n"                           // 3
        "2026-03-12T13:32:00Z,AAPL,10,99999999999999999999999,9,10,1\n"                 // 4
        "2026-03-12T13:33:00Z,AAPL,10,11,9,10,100000000001\n"                           // 5
        "2026-03-12T13:34:00Z,AAPL,10,11,9,10,1.0000001\n"                              // 6
        "2026-03-12T13:35:00Z,AAPL,1000000,1000000.000001,999999,1000000,1\n"           // 7
        "2026-03-12T13:36:00Z,AAPL,1000000,1000000,999999,1000000.00000000,1\n"         // 8 good
        "2026-03-12T13:37:00Z,AAPL,10.50000000,11,9,10,100000000000\n"                  // 9 good
        "2026-03-12T13:38:00Z,AAPL,99999999999999999999.1234567,11,9,10,1\n";           // 10
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "big.csv", c.sink());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->accepted, 2);
    const std::vector<std::string> expected = {
        "big.csv:2: field 'high': 9223372036854.775807 is above data.max_price_usd (1000000)",
        "big.csv:3: field 'open': 12.1234567 has more than 6 decimals",
        "big.csv:4: field 'high': 99999999999999999999999 is above data.max_price_usd (1000000)",
        "big.csv:5: field 'volume': 100000000001 is above data.max_volume (100000000000)",
        "big.csv:6: field 'volume': 1.0000001 has more than 6 decimals",
        "big.csv:7: field 'high': 1000000.000001 is above data.max_price_usd (1000000)",
        "big.csv:10: field 'open': 99999999999999999999.1234567 is above data.max_price_usd "
        "(1000000)",
    };
    ASSERT_EQ(r->issues.size(), expected.size());
    for (size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(r->issues[k].to_string(), expected[k]);
    ASSERT_EQ(c.bars.size(), 2u);
    EXPECT_EQ(c.bars[0].close, Price::from_units(1'000'000));
    EXPECT_EQ(c.bars[1].open, px("10.5"));

    // The bounds are the caller's (config data.max_price_usd / data.max_volume).
    BarLimits tight;
    tight.max_price = Price::from_units(100);
    tight.max_volume = Quantity::from_units(1000);
    Collected t;
    Result<CsvReadReport> rt = parse_bars_csv(
        "ts,symbol,open,high,low,close,volume\n"
        "2026-03-12T13:30:00Z,AAPL,99,101,98,100,5\n"
        "2026-03-12T13:31:00Z,AAPL,99,100,98,100,1001\n"
        "2026-03-12T13:32:00Z,AAPL,99,100,98,100,1000\n",
        "tight.csv", t.sink(), Duration::minutes(1), tight);
    ASSERT_TRUE(rt.ok());
    EXPECT_EQ(rt->accepted, 1);
    ASSERT_EQ(rt->issues.size(), 2u);
    EXPECT_EQ(rt->issues[0].to_string(),
              "tight.csv:2: field 'high': 101 is above data.max_price_usd (100)");
    EXPECT_EQ(rt->issues[1].to_string(),
              "tight.csv:3: field 'volume': 1001 is above data.max_volume (1000)");
}

// Defect 11 (issue 11): rows that used to pass without a word are refused or normalised by rule.
TEST(CsvBarsTest, OffMinuteTimestampsAndDaysWithoutASessionAreRefused) {
    const std::string text =
        "ts,symbol,open,high,low,close,volume\n"
        "2026-03-12T13:31:30Z,AAPL,10,11,9,10,1\n"    // 2 seconds
        "2026-03-12T13:32:00.5Z,AAPL,10,11,9,10,1\n"  // 3 fraction of a second
        "1773322201,AAPL,10,11,9,10,1\n"              // 4 epoch seconds, 13:30:01
        "2026-03-14T14:30:00Z,AAPL,10,11,9,10,1\n"    // 5 Saturday
        "2026-03-15,AAPL,10,11,9,10,1\n"              // 6 Sunday (daily bar)
        "2026-04-03T14:30:00Z,AAPL,10,11,9,10,1\n"    // 7 Good Friday 2026
        "2026-03-12T13:33:00Z,AAPL,10,11,9,10,1\n"    // 8 good
        "2026-03-16T00:00:00Z,AAPL,10,11,9,10,1\n"    // 9 good: a daily bar of Monday (UTC)
        "2026-03-14T00:30:00Z,AAPL,10,11,9,10,1\n";   // 10 good: Friday 20:30 in New York
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "ts.csv", c.sink());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 3);
    EXPECT_EQ(r->rejected, 6);
    const std::vector<std::pair<int64_t, std::string>> expected = {
        {2, "is not on a whole minute"},
        {3, "is not on a whole minute"},
        {4, "'1773322201' is not on a whole minute (2026-03-12T13:30:01Z)"},
        {5, "2026-03-14 is a Saturday: no US-equities session"},
        {6, "2026-03-15 is a Sunday: no US-equities session ('2026-03-15')"},
        {7, "2026-04-03 is an NYSE holiday: no US-equities session"},
    };
    ASSERT_EQ(r->issues.size(), expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
        EXPECT_EQ(r->issues[k].line, expected[k].first);
        EXPECT_EQ(r->issues[k].field, "ts");
        EXPECT_NE(r->issues[k].reason.find(expected[k].second), std::string::npos)
            << r->issues[k].to_string();
    }
}

TEST(CsvBarsTest, LowerCaseSymbolsAreUpperCasedAndNotedOncePerFile) {
    const std::string text =
        "ts,symbol,open,high,low,close,volume\n"
        "2026-03-12T13:30:00Z,aapl,10,11,9,10,1\n"
        "2026-03-12T13:31:00Z,Aapl,10,11,9,10,1\n"
        "2026-03-12T13:30:00Z,AAPL,10,11,9,10,1\n"  // the same bar as line 2
        "2026-03-12T13:30:00Z,brk.b,10,11,9,10,1\n";
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "low.csv", c.sink());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 3);
    EXPECT_EQ(r->normalized_symbols, 3);
    ASSERT_EQ(r->issues.size(), 1u);
    EXPECT_EQ(r->issues[0].to_string(),
              "low.csv:4: field 'ts': duplicate bar for (AAPL, 2026-03-12T13:30:00Z), first on "
              "line 2");
    ASSERT_EQ(r->notes.size(), 1u);
    EXPECT_EQ(r->notes[0],
              "low.csv: 3 row(s) with lower-case symbols stored upper-cased (first 'aapl' on "
              "line 2)");
    ASSERT_EQ(c.bars.size(), 3u);
    EXPECT_EQ(c.bars[0].header.symbol.view(), "AAPL");
    EXPECT_EQ(c.bars[1].header.symbol.view(), "AAPL");
    EXPECT_EQ(c.bars[2].header.symbol.view(), "BRK.B");

    CsvReadReport total;
    total.merge(*r);
    total.merge(*r);
    EXPECT_EQ(total.notes.size(), 2u);
    EXPECT_EQ(total.normalized_symbols, 6);
}

TEST(CsvBarsTest, DuplicatesFoundInAnyRowOrder) {
    const std::string text =
        "ts,symbol,open,high,low,close,volume\n"
        "2026-03-12T13:32:00Z,AAPL,1,1,1,1,1\n"   // 2
        "2026-03-12T13:30:00Z,AAPL,1,1,1,1,1\n"   // 3 out of order
        "2026-03-12T13:31:00Z,AAPL,1,1,1,1,1\n"   // 4 out of order
        "2026-03-12T13:30:00Z,AAPL,1,1,1,1,1\n"   // 5 duplicate of 3
        "2026-03-12T13:32:00Z,AAPL,1,1,1,1,1\n"   // 6 duplicate of 2
        "2026-03-12T13:30:00Z,MSFT,1,1,1,1,1\n"   // 7 other symbol: fine
        "2026-03-12T13:33:00Z,AAPL,1,1,1,1,1\n"   // 8
        "2026-03-12T13:31:00Z,AAPL,1,1,1,1,1\n";  // 9 duplicate of 4
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "dup.csv", c.sink());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 5);
    EXPECT_EQ(r->rejected, 3);
    ASSERT_EQ(r->issues.size(), 3u);
    EXPECT_EQ(r->issues[0].line, 5);
    EXPECT_NE(r->issues[0].reason.find("first on line 3"), std::string::npos);
    EXPECT_EQ(r->issues[1].line, 6);
    EXPECT_NE(r->issues[1].reason.find("first on line 2"), std::string::npos);
    EXPECT_EQ(r->issues[2].line, 9);
    EXPECT_NE(r->issues[2].reason.find("first on line 4"), std::string::npos);
    EXPECT_EQ(c.bars.size(), 5u);
}

TEST(CsvBarsTest, IssueToStringNamesFileLineAndField) {
    CsvIssue issue{"a.csv", 12, "high", "too low"};
    EXPECT_EQ(issue.to_string(), "a.csv:12: field 'high': too low");
}

TEST(CsvBarsTest, ColumnsMatchedByNameInAnyOrder) {
    const std::string text =
        "\n\nVolume,Close,SYMBOL,Note,Low,High,Open,TS\n"
        "100,10.5,AAPL,hello,9,11,10,2026-03-12T13:30:00Z\n"
        "\n"
        "200,10.75,AAPL,,9.5,11.25,10.5,2026-03-12T13:31:00Z\n";
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "mem", c.sink());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->rows, 2);
    EXPECT_EQ(r->accepted, 2);
    ASSERT_EQ(c.bars.size(), 2u);
    EXPECT_EQ(c.bars[1].open, px("10.5"));
    EXPECT_EQ(c.bars[1].high, px("11.25"));
    EXPECT_EQ(c.bars[1].low, px("9.5"));
    EXPECT_EQ(c.bars[1].close, px("10.75"));
    EXPECT_EQ(c.bars[1].volume, Quantity::from_units(200));
    EXPECT_EQ(c.bars[1].bar_start, ts("2026-03-12T13:31:00Z"));
}

TEST(CsvBarsTest, HeaderErrors) {
    Collected c;
    Result<CsvReadReport> missing = read_bars_csv("/nonexistent/dir/bars.csv", c.sink());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_NE(missing.error().message.find("/nonexistent/dir/bars.csv"), std::string::npos);

    Result<CsvReadReport> no_volume = parse_bars_csv(
        "ts,symbol,open,high,low,close\n2026-03-12,AAPL,1,1,1,1\n", "x.csv", c.sink());
    ASSERT_FALSE(no_volume.ok());
    EXPECT_EQ(no_volume.error().code, ErrorCode::kParse);
    EXPECT_NE(no_volume.error().message.find("missing column 'volume'"), std::string::npos);
    EXPECT_NE(no_volume.error().message.find("x.csv:1"), std::string::npos);

    // A data row where the header should be.
    Result<CsvReadReport> headerless =
        parse_bars_csv("2026-03-12T13:30:00Z,AAPL,10,11,9,10.5,100\n", "y.csv", c.sink());
    ASSERT_FALSE(headerless.ok());
    EXPECT_EQ(headerless.error().code, ErrorCode::kParse);

    Result<CsvReadReport> empty = parse_bars_csv("", "e.csv", c.sink());
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message.find("no header"), std::string::npos);
    Result<CsvReadReport> blank = parse_bars_csv("\r\n  \n\n", "b.csv", c.sink());
    ASSERT_FALSE(blank.ok());

    Result<CsvReadReport> dup =
        parse_bars_csv("ts,symbol,open,high,low,close,volume,Close\n", "d.csv", c.sink());
    ASSERT_FALSE(dup.ok());
    EXPECT_NE(dup.error().message.find("duplicate column"), std::string::npos);

    testing::TempDir dir;
    Result<CsvReadReport> directory = read_bars_csv(dir.path().string(), c.sink());
    ASSERT_FALSE(directory.ok());

    Result<CsvReadReport> header_only =
        parse_bars_csv("ts,symbol,open,high,low,close,volume", "h.csv", c.sink());
    ASSERT_TRUE(header_only.ok());
    EXPECT_EQ(header_only->rows, 0);
    EXPECT_TRUE(c.bars.empty());
}

TEST(CsvBarsTest, EpochTimestamps) {
    const std::string text =
        "ts,symbol,open,high,low,close,volume\n"
        "1773322200,AAPL,10,11,9,10.5,100\n"            // seconds
        "1773322260000,AAPL,10,11,9,10.5,100\n"         // milliseconds
        "1773322320000000000,AAPL,10,11,9,10.5,100\n";  // nanoseconds
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "epoch.csv", c.sink());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 3);
    ASSERT_EQ(c.bars.size(), 3u);
    EXPECT_EQ(c.bars[0].bar_start, ts("2026-03-12T13:30:00Z"));
    EXPECT_EQ(c.bars[1].bar_start, ts("2026-03-12T13:31:00Z"));
    EXPECT_EQ(c.bars[2].bar_start, ts("2026-03-12T13:32:00Z"));
    EXPECT_EQ(c.bars[2].header.ts, ts("2026-03-12T13:33:00Z"));
}

TEST(CsvBarsTest, RealDailyFileWithIntervalInference) {
    const std::string path = (testing::shared_data() / "bars" / "1day" / "AAPL.csv").string();
    Collected c;
    Result<CsvReadReport> r = read_bars_csv(path, c.sink(), kInferInterval);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->rows, 2768);
    EXPECT_EQ(r->accepted, 2768);
    EXPECT_EQ(r->rejected, 0);
    EXPECT_EQ(r->interval, Duration::days(1));
    ASSERT_EQ(c.bars.size(), 2768u);
    // 2013-01-02T00:00:00Z,AAPL,19.779285,19.821428,19.343929,19.608213,560518000
    EXPECT_EQ(c.bars[0].bar_start, ts("2013-01-02T00:00:00Z"));
    EXPECT_EQ(c.bars[0].header.ts, ts("2013-01-03T00:00:00Z"));
    EXPECT_EQ(c.bars[0].interval, Duration::days(1));
    EXPECT_EQ(c.bars[0].open, px("19.779285"));
    EXPECT_EQ(c.bars[0].volume, Quantity::from_units(560'518'000));
    for (const MarketBar& b : c.bars) ASSERT_EQ(b.interval, Duration::days(1));
}

TEST(CsvBarsTest, IntervalInferenceCases) {
    // Per symbol: smallest positive gap (rows out of order), 5 minutes for AAA, 1 minute for BBB.
    const std::string text =
        "ts,symbol,open,high,low,close,volume\n"
        "2026-03-12T13:50:00Z,AAA,1,1,1,1,1\n"
        "2026-03-12T13:30:00Z,AAA,1,1,1,1,1\n"
        "2026-03-12T13:35:00Z,AAA,1,1,1,1,1\n"
        "2026-03-12T13:30:00Z,BBB,1,1,1,1,1\n"
        "2026-03-12T13:31:00Z,BBB,1,1,1,1,1\n";
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "m.csv", c.sink(), kInferInterval);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(c.bars.size(), 5u);
    EXPECT_EQ(c.bars[0].interval, Duration::minutes(5));
    EXPECT_EQ(c.bars[0].header.ts, ts("2026-03-12T13:55:00Z"));
    EXPECT_EQ(c.bars[3].interval, Duration::minutes(1));
    EXPECT_EQ(r->interval, Duration::minutes(1));  // smallest over symbols

    // Date-only timestamps: 1 day even with weekly spacing.
    Collected d;
    Result<CsvReadReport> rd = parse_bars_csv(
        "ts,symbol,open,high,low,close,volume\n2026-03-02,AAA,1,1,1,1,1\n2026-03-09,AAA,1,1,1,1,"
        "1\n",
        "d.csv", d.sink(), kInferInterval);
    ASSERT_TRUE(rd.ok());
    EXPECT_EQ(rd->interval, Duration::days(1));
    ASSERT_EQ(d.bars.size(), 2u);
    EXPECT_EQ(d.bars[1].header.ts, ts("2026-03-10T00:00:00Z"));

    // A single intraday row: 1 minute; a single midnight row: 1 day.
    Collected s;
    Result<CsvReadReport> rs = parse_bars_csv(
        "ts,symbol,open,high,low,close,volume\n2026-03-12T13:30:00Z,AAA,1,1,1,1,1\n"
        "2026-03-12T00:00:00Z,BBB,1,1,1,1,1\n",
        "s.csv", s.sink(), kInferInterval);
    ASSERT_TRUE(rs.ok());
    ASSERT_EQ(s.bars.size(), 2u);
    EXPECT_EQ(s.bars[0].interval, Duration::minutes(1));
    EXPECT_EQ(s.bars[1].interval, Duration::days(1));

    // A fixed interval is applied as given.
    Collected f;
    Result<CsvReadReport> rf =
        parse_bars_csv("ts,symbol,open,high,low,close,volume\n2026-03-12T13:30:00Z,AAA,1,1,1,1,1\n",
                       "f.csv", f.sink(), Duration::minutes(15));
    ASSERT_TRUE(rf.ok());
    EXPECT_EQ(rf->interval, Duration::minutes(15));
    EXPECT_EQ(f.bars[0].header.ts, ts("2026-03-12T13:45:00Z"));
}

TEST(CsvBarsTest, IssuesAreCappedButAllCounted) {
    std::string text = "ts,symbol,open,high,low,close,volume\n";
    for (int i = 0; i < 1500; ++i) text += "bad,AAPL,1,1,1,1,1\n";
    text += "2026-03-12T13:30:00Z,AAPL,1,1,1,1,1\n";
    Collected c;
    Result<CsvReadReport> r = parse_bars_csv(text, "many.csv", c.sink());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->rows, 1501);
    EXPECT_EQ(r->rejected, 1500);
    EXPECT_EQ(r->accepted, 1);
    EXPECT_EQ(r->issues.size(), CsvReadReport::kMaxIssues);
    EXPECT_EQ(r->issues.back().line, 1001);
}

TEST(CsvBarsTest, RandomGarbageNeverCrashes) {
    // Seeded random bytes (including quotes, commas, CR, NUL) after a valid header, plus
    // mutations of a good row: every row is accepted or rejected, nothing escapes.
    std::mt19937_64 rng(7);
    const std::string good = "2026-03-12T13:30:00Z,AAPL,10,11,9,10.5,100";
    const std::string alphabet = std::string("0123456789.,-\"\r\t :TZAPLe+") + '\0';
    std::string text = "ts,symbol,open,high,low,close,volume\n";
    for (int i = 0; i < 3000; ++i) {
        std::string line = good;
        if (i % 2 == 0) {
            line.assign(rng() % 60, 'x');
            for (char& ch : line) ch = alphabet[rng() % alphabet.size()];
        } else {
            for (int k = 0; k < 3; ++k)
                line[rng() % line.size()] = alphabet[rng() % alphabet.size()];
        }
        text += line + "\n";
    }
    int64_t sunk = 0;
    Result<CsvReadReport> r = parse_bars_csv(text, "fuzz.csv", [&](const MarketBar& b) {
        ++sunk;
        EXPECT_GE(b.high, std::max(b.open, b.close));
        EXPECT_LE(b.low, std::min(b.open, b.close));
        EXPECT_GT(b.low.raw(), 0);
    });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->rows, r->accepted + r->rejected);
    EXPECT_EQ(sunk, r->accepted);
    EXPECT_GT(r->rejected, 1000);
}

TEST(CsvBarsTest, ThrowingSinkBecomesAnError) {
    Result<CsvReadReport> r = parse_bars_csv(
        "ts,symbol,open,high,low,close,volume\n2026-03-12T13:30:00Z,AAPL,1,1,1,1,1\n", "t.csv",
        [](const MarketBar&) { throw std::runtime_error("sink is full"); });
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("sink is full"), std::string::npos);
}

TEST(CsvBarsTest, ExpandPaths) {
    testing::TempDir dir;
    write_file(dir.file("b.csv"), "x");
    write_file(dir.file("a.CSV"), "x");
    write_file(dir.file("c.txt"), "x");
    std::filesystem::create_directories(dir.path() / "sub");
    write_file((dir.path() / "sub" / "d.csv").string(), "x");
    write_file(dir.file("z.csv"), "x");

    std::vector<std::string> in = {dir.file("z.csv"), dir.path().string()};
    Result<std::vector<std::string>> out = expand_csv_paths(in);
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    std::vector<std::string> expected = {dir.file("z.csv"), dir.file("a.CSV"), dir.file("b.csv"),
                                         dir.file("z.csv")};
    EXPECT_EQ(*out, expected);

    std::vector<std::string> bad = {dir.file("nope.csv")};
    Result<std::vector<std::string>> err = expand_csv_paths(bad);
    ASSERT_FALSE(err.ok());
    EXPECT_EQ(err.error().code, ErrorCode::kNotFound);
}

TEST(CsvBarsTest, WriteThenReadRoundTrip) {
    testing::TempDir dir;
    std::vector<MarketBar> bars(2);
    bars[0].header.symbol = Symbol("AAPL");
    bars[0].bar_start = ts("2026-03-12T13:30:00Z");
    bars[0].open = px("258.640015");
    bars[0].high = px("258.950012");
    bars[0].low = px("257.454987");
    bars[0].close = px("257.98999");
    bars[0].volume = Quantity::from_units(1169548);
    bars[1] = bars[0];
    bars[1].header.symbol = Symbol("BRK.B");
    bars[1].open = px("0.01");
    bars[1].low = px("0.01");
    bars[1].volume = Quantity::parse("12.5").value();
    const std::string path = dir.file("out.csv");
    ASSERT_TRUE(write_bars_csv(path, bars).ok());

    std::ifstream in(path);
    std::string header, first;
    std::getline(in, header);
    std::getline(in, first);
    EXPECT_EQ(header, "ts,symbol,open,high,low,close,volume");
    EXPECT_EQ(first,
              "2026-03-12T13:30:00Z,AAPL,258.640015,258.950012,257.454987,257.98999,1169548");

    Collected c;
    Result<CsvReadReport> r = read_bars_csv(path, c.sink());
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(c.bars.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(c.bars[i].header.symbol, bars[i].header.symbol);
        EXPECT_EQ(c.bars[i].bar_start, bars[i].bar_start);
        EXPECT_EQ(c.bars[i].open, bars[i].open);
        EXPECT_EQ(c.bars[i].high, bars[i].high);
        EXPECT_EQ(c.bars[i].low, bars[i].low);
        EXPECT_EQ(c.bars[i].close, bars[i].close);
        EXPECT_EQ(c.bars[i].volume, bars[i].volume);
    }

    EXPECT_FALSE(write_bars_csv((dir.path() / "no" / "such" / "dir.csv").string(), bars).ok());
}

}  // namespace
}  // namespace awet
