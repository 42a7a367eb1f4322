// Parsers over every recorded vendor sample in shared/data/api, plus exact decimal conversion.
#include "awet/marketdata/bar_parsers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "awet_test_support.hpp"

namespace awet::marketdata {
namespace {

namespace fs = std::filesystem;
using awet::testing::shared_data;

std::string read_file(const fs::path& p) { return awet::testing::read_text(p); }

/// A recorded-http wrapper ({"request", "response": {"bodyJson"}}) gives its body; other files
/// are bodies already.
std::string body_of(const fs::path& p) {
    std::string text = read_file(p);
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_object() && doc.contains("response") && doc["response"].contains("bodyJson"))
        return doc["response"]["bodyJson"].dump();
    return text;
}

std::vector<fs::path> json_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

struct SampleTally {
    int files = 0;
    int bars_responses = 0;
    int64_t bars = 0;
    int not_bars = 0;
};

using Parser = Result<BarsPage> (*)(std::string_view, std::string_view, std::string_view, Duration);

/// Every sample parses or is reported as not a bars response, with its reason.
SampleTally run_all(const fs::path& dir, Parser parse, Duration interval) {
    SampleTally t;
    for (const auto& p : json_files(dir)) {
        ++t.files;
        const std::string name = p.lexically_relative(shared_data()).string();
        auto r = parse(body_of(p), name, "AAPL", interval);
        if (r.ok()) {
            ++t.bars_responses;
            t.bars += static_cast<int64_t>(r->bars.size());
            for (const auto& b : r->bars) {
                EXPECT_FALSE(b.header.symbol.empty()) << name;
                EXPECT_LE(b.low, b.high) << name;
                EXPECT_EQ(b.header.ts, b.bar_start + b.interval) << name;
            }
        } else {
            ++t.not_bars;
            EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().to_string();
            EXPECT_NE(r.error().message.find("not a bars response"), std::string::npos)
                << r.error().message;
            EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
        }
    }
    return t;
}

TEST(DecimalTest, ParsesExactlyAndRoundsHalfAwayFromZeroOnTheDigits) {
    EXPECT_EQ(parse_decimal_micro("0.1"), 100000);
    EXPECT_EQ(parse_decimal_micro("258.640015"), 258640015);
    EXPECT_EQ(parse_decimal_micro("100"), 100000000);
    EXPECT_EQ(parse_decimal_micro("1.0000005"), 1000001);
    EXPECT_EQ(parse_decimal_micro("-1.0000005"), -1000001);
    EXPECT_EQ(parse_decimal_micro("1.00000049999"), 1000000);
    EXPECT_EQ(parse_decimal_micro("75.0875015258789"), 75087502);
    EXPECT_EQ(parse_decimal_micro("9223372036854.775807"), INT64_MAX);
    EXPECT_FALSE(parse_decimal_micro("9223372036854.775808"));
    EXPECT_FALSE(parse_decimal_micro(""));
    EXPECT_FALSE(parse_decimal_micro("."));
    EXPECT_FALSE(parse_decimal_micro("1e3"));
    EXPECT_FALSE(parse_decimal_micro("12a"));
}

TEST(DecimalTest, ShortestDecimalGivesTheJsonTextBack) {
    EXPECT_EQ(shortest_decimal(0.1), "0.1");
    EXPECT_EQ(shortest_decimal(74.6099), "74.6099");
    EXPECT_EQ(shortest_decimal(173.703516), "173.703516");
    EXPECT_EQ(shortest_decimal(642646396.0), "642646396");
    EXPECT_EQ(shortest_decimal(0.0000001), "0.0000001");
    // 0.1 + 0.2 is not 0.3 in binary: the shortest text shows it, the parser then rounds.
    EXPECT_EQ(parse_decimal_micro(shortest_decimal(0.1 + 0.2)), 300000);
}

TEST(PolygonParserTest, EveryRecordedSampleParsesOrIsNamedNotBars) {
    const auto t = run_all(shared_data() / "api/polygon", &parse_polygon_aggs, Duration::days(1));
    EXPECT_GT(t.files, 0);
    // range (sdk mock + openapi), prev (sdk + openapi), grouped (sdk + openapi, 1 + 3 tickers).
    EXPECT_EQ(t.bars_responses, 6);
    EXPECT_EQ(t.bars, 2 + 2 + 1 + 1 + 1 + 3);
    EXPECT_EQ(t.files, t.bars_responses + t.not_bars);
}

TEST(PolygonParserTest, KnownValuesOfTheAaplRangeMock) {
    const auto path = shared_data() /
                      "api/polygon/sdk-test-mocks/"
                      "v2__aggs__ticker__AAPL__range__1__day__2005-04-01__2005-04-04.json";
    auto r = parse_polygon_aggs(read_file(path), "mock", "IGNORED", Duration::days(1));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->bars.size(), 2u);
    const MarketBar& b = r->bars[0];
    EXPECT_EQ(b.header.symbol, "AAPL");  // from "ticker"
    EXPECT_EQ(b.bar_start.iso(), "2005-04-01T05:00:00Z");
    EXPECT_EQ(b.open.raw(), 1503200);
    EXPECT_EQ(b.high.raw(), 1506400);
    EXPECT_EQ(b.low.raw(), 1448900);
    EXPECT_EQ(b.close.raw(), 1460400);
    EXPECT_EQ(b.volume, Quantity::from_units(642646396));
    EXPECT_EQ(b.interval, Duration::days(1));
    EXPECT_TRUE(r->next.empty());
}

TEST(PolygonParserTest, NextUrlIsReturnedForPaging) {
    const auto path = shared_data() /
                      "api/polygon/openapi-examples/"
                      "v2__aggs__ticker__stocksTicker__range__multiplier__timespan__"
                      "from__to.json";
    auto r = parse_polygon_aggs(read_file(path), "openapi", "AAPL", Duration::days(1));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_NE(r->next.find("cursor="), std::string::npos);
    EXPECT_EQ(r->bars[0].close.to_string(), "75.0875");
    EXPECT_EQ(r->bars[1].volume, Quantity::from_units(146535512));
}

TEST(PolygonParserTest, BadJsonAndBadFieldsAreNamed) {
    auto bad = parse_polygon_aggs("{\"results\": [", "bad.json", "AAPL", Duration::days(1));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kParse);
    EXPECT_NE(bad.error().message.find("bad.json"), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find("malformed JSON"), std::string::npos);

    const std::string body = R"({"ticker":"AAPL","results":[{"t":1,"o":1,"h":2,"l":1,"c":1,"v":1},)"
                             R"({"t":2,"o":1,"h":"x","l":1,"c":1,"v":1}],"status":"OK"})";
    auto field = parse_polygon_aggs(body, "f.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(field.ok());
    EXPECT_EQ(field.error().code, ErrorCode::kParse);
    EXPECT_NE(field.error().message.find("f.json"), std::string::npos);
    EXPECT_NE(field.error().message.find("results[1].h"), std::string::npos)
        << field.error().message;

    const std::string inverted =
        R"({"ticker":"AAPL","results":[{"t":1,"o":1,"h":0.5,"l":1,"c":1,"v":1}]})";
    auto inv = parse_polygon_aggs(inverted, "inv.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(inv.ok());
    EXPECT_NE(inv.error().message.find("results[0]"), std::string::npos) << inv.error().message;
}

TEST(PolygonParserTest, NoResultsIsAnEmptyPageAndErrorStatusIsAnError) {
    auto empty = parse_polygon_aggs(R"({"ticker":"AAPL","queryCount":0,"resultsCount":0,
        "status":"OK"})",
                                    "e", "AAPL", Duration::minutes(1));
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->bars.empty());
    auto err = parse_polygon_aggs(R"({"status":"ERROR","error":"bad range"})", "e", "AAPL",
                                  Duration::minutes(1));
    ASSERT_FALSE(err.ok());
    EXPECT_EQ(err.error().code, ErrorCode::kIo);
    EXPECT_NE(err.error().message.find("bad range"), std::string::npos);
}

TEST(YahooParserTest, EveryRecordedSampleParses) {
    const auto t = run_all(shared_data() / "api/yahoo", &parse_yahoo_chart, Duration{});
    EXPECT_EQ(t.files, 18);
    EXPECT_EQ(t.bars_responses, t.files);  // every Yahoo sample is a chart response
    // 5 one-bar files, 49 + 252 + 252, the weekend 1m file is empty; twice (wrapper + body).
    EXPECT_EQ(t.bars, 2 * (5 + 49 + 252 + 252));
}

TEST(YahooParserTest, KnownValuesRoundFloat32NoiseToSixDecimals) {
    const auto path =
        shared_data() / "api/yahoo/v8-chart-bodies/chart-AAPL-2020-01-01-to-2020-01-03.json";
    auto r = parse_yahoo_chart(read_file(path), "aapl", "", Duration{});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->bars.size(), 1u);
    const MarketBar& b = r->bars[0];
    EXPECT_EQ(b.header.symbol, "AAPL");
    EXPECT_EQ(b.interval, Duration::days(1));  // from meta.dataGranularity
    EXPECT_EQ(b.bar_start.iso(), "2020-01-02T14:30:00Z");
    EXPECT_EQ(b.close.raw(), 75087502);  // 75.0875015258789
    EXPECT_EQ(r->skipped_null_rows, 0);
}

TEST(YahooParserTest, WeekendMinuteResponseIsEmpty) {
    const auto path = shared_data() /
                      "api/yahoo/v8-chart-bodies/"
                      "chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-"
                      "interval-1m.json";
    auto r = parse_yahoo_chart(read_file(path), "weekend", "AAPL", Duration{});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->bars.empty());
}

TEST(YahooParserTest, NullsAreSkippedAndCountedNeverFilled) {
    const auto path =
        shared_data() / "api/yahoo/v8-chart-bodies/chart-AAPL-2020-08-31-to-2020-11-07.json";
    auto doc = nlohmann::json::parse(read_file(path));
    auto& quote = doc["chart"]["result"][0]["indicators"]["quote"][0];
    const int64_t t3 = doc["chart"]["result"][0]["timestamp"][3].get<int64_t>();
    quote["close"][3] = nullptr;
    quote["volume"][10] = nullptr;
    quote["open"][10] = nullptr;
    auto r = parse_yahoo_chart(doc.dump(), "nulls", "AAPL", Duration{});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->bars.size(), 47u);
    EXPECT_EQ(r->skipped_null_rows, 2);
    for (const auto& b : r->bars) EXPECT_NE(b.bar_start, Timestamp::from_seconds(t3));
}

TEST(YahooParserTest, ChartErrorAndLengthMismatchAreNamed) {
    auto err = parse_yahoo_chart(
        R"({"chart":{"result":null,"error":{"code":"Not Found","description":"No data found"}}})",
        "x", "ZZZZ", Duration{});
    ASSERT_FALSE(err.ok());
    EXPECT_EQ(err.error().code, ErrorCode::kIo);
    EXPECT_NE(err.error().message.find("No data found"), std::string::npos);

    auto bad = parse_yahoo_chart(
        R"({"chart":{"result":[{"meta":{"symbol":"A","dataGranularity":"1m"},"timestamp":[1,2],)"
        R"("indicators":{"quote":[{"open":[1,1],"high":[1,1],"low":[1],"close":[1,1],)"
        R"("volume":[1,1]}]}}],"error":null}})",
        "len.json", "A", Duration{});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kParse);
    EXPECT_NE(bad.error().message.find("quote[0].low"), std::string::npos) << bad.error().message;
}

TEST(AlpacaParserTest, EveryRecordedSampleParsesOrIsNamedNotBars) {
    const auto t = run_all(shared_data() / "api/alpaca", &parse_alpaca_bars, Duration::minutes(1));
    EXPECT_GT(t.files, 0);
    // openapi: multi, single, latest; docs: bars-v2; alpaca-py: bars, desc, 2 empty, multisymbol,
    // 2 latest, 1 latest empty.
    EXPECT_EQ(t.bars_responses, 12);
    EXPECT_EQ(t.bars, 1 + 1 + 2 + 2 + 2 + 3 + 0 + 0 + 2 + 2 + 1 + 0);
    EXPECT_EQ(t.files, t.bars_responses + t.not_bars);
}

TEST(AlpacaParserTest, SingleAndMultiSymbolShapes) {
    const auto dir = shared_data() / "api/alpaca";
    auto single = parse_alpaca_bars(read_file(dir / "docs-entities/bars-v2.json"), "single", "X",
                                    Duration::minutes(1));
    ASSERT_TRUE(single.ok()) << single.error().to_string();
    ASSERT_EQ(single->bars.size(), 2u);
    EXPECT_EQ(single->bars[0].header.symbol, "AAPL");  // from "symbol"
    EXPECT_EQ(single->bars[0].bar_start.iso(), "2021-02-01T16:01:00Z");
    EXPECT_EQ(single->bars[0].open.raw(), 133320000);
    EXPECT_EQ(single->bars[1].close.to_string(), "133.58");
    EXPECT_EQ(single->next, "MjAyMS0wMi0wMVQxNDowMjowMFo7MQ==");

    auto multi = parse_alpaca_bars(
        read_file(dir / "sdk-alpaca-py/"
                        "test_historical_stock_data__test_multisymbol_get_bars__GET_v2_stocks_"
                        "bars__1.json"),
        "multi", "", Duration::days(1));
    ASSERT_TRUE(multi.ok()) << multi.error().to_string();
    ASSERT_EQ(multi->bars.size(), 2u);
    std::map<std::string, std::string> close;
    for (const auto& b : multi->bars) close[b.header.symbol.str()] = b.close.to_string();
    EXPECT_EQ(close["AAPL"], "162.95");
    EXPECT_EQ(close["TSLA"], "858.97");
    EXPECT_TRUE(multi->next.empty());  // null token
}

TEST(AlpacaParserTest, BadTimestampIsNamedWithItsIndex) {
    auto r =
        parse_alpaca_bars(R"({"bars":[{"t":"2021-02-01T16:01:00Z","o":1,"h":1,"l":1,"c":1,"v":1},)"
                          R"({"t":"yesterday","o":1,"h":1,"l":1,"c":1,"v":1}],"symbol":"AAPL"})",
                          "t.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
    EXPECT_NE(r.error().message.find("bars[1].t"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("t.json"), std::string::npos);
}

// Defect 8 (issue 11): vendor and stream bars meet the CSV reader's bounds, in its words.
TEST(BarBoundsTest, ImpossiblePricesAndVolumesAreRefusedByEveryVendorParser) {
    auto polygon = parse_polygon_aggs(
        R"({"ticker":"AAPL","resultsCount":1,"results":[)"
        R"({"t":1773322200000,"o":10,"h":9223372036854.775,"l":9,"c":9223372036854.775,"v":1}]})",
        "big.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(polygon.ok());
    EXPECT_EQ(polygon.error().code, ErrorCode::kParse);
    EXPECT_EQ(polygon.error().message,
              "polygon aggs big.json: results[0].high: 9223372036854.775 is above "
              "data.max_price_usd (1000000)");

    // Beyond int64 micro-units: above the bound too, not "not a number".
    auto huge = parse_alpaca_bars(
        R"({"bars":[{"t":"2026-03-12T13:30:00Z","o":1,"h":1e20,"l":1,"c":1,"v":1}],"symbol":"X"})",
        "huge.json", "X", Duration::minutes(1));
    ASSERT_FALSE(huge.ok());
    EXPECT_NE(huge.error().message.find(
                  "bars[0].h: 100000000000000000000 is above data.max_price_usd (1000000)"),
              std::string::npos)
        << huge.error().message;

    auto volume = parse_alpaca_bars(
        R"({"bars":[{"t":"2026-03-12T13:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1e12}],"symbol":"X"})",
        "vol.json", "X", Duration::minutes(1));
    ASSERT_FALSE(volume.ok());
    EXPECT_NE(volume.error().message.find(
                  "bars[0].volume: 1000000000000 is above data.max_volume (100000000000)"),
              std::string::npos)
        << volume.error().message;

    // The live stream's parser (parse_alpaca_bar) with the configured limits.
    BarLimits limits;
    limits.max_price = Price::from_units(500);
    const std::string obj = R"({"t":"2026-03-12T13:30:00Z","o":499,"h":501,"l":498,"c":500,"v":7})";
    auto stream =
        parse_alpaca_bar(obj, "AAPL", Duration::minutes(1), "stream message", "[0]", limits);
    ASSERT_FALSE(stream.ok());
    EXPECT_NE(stream.error().message.find("[0].high: 501 is above data.max_price_usd (500)"),
              std::string::npos)
        << stream.error().message;
    EXPECT_TRUE(parse_alpaca_bar(obj, "AAPL", Duration::minutes(1), "stream message", "[0]").ok());

    auto yahoo = parse_yahoo_chart(
        R"({"chart":{"result":[{"meta":{"symbol":"AAPL"},"timestamp":[1773322200],)"
        R"("indicators":{"quote":[{"open":[10],"high":[11],"low":[9],"close":[10],)"
        R"("volume":[-3]}]}}],"error":null}})",
        "neg.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(yahoo.ok());
    EXPECT_NE(yahoo.error().message.find("row 0.volume: negative volume -3"), std::string::npos)
        << yahoo.error().message;

    // OHLC order, in the same words as the CSV reader.
    auto inverted = parse_polygon_aggs(
        R"({"resultsCount":1,"results":[{"t":1773322200000,"o":10,"h":9.5,"l":9,"c":10,"v":1}]})",
        "inv.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(inverted.ok());
    EXPECT_NE(inverted.error().message.find("results[0].high: high 9.5 < max(open, close) 10"),
              std::string::npos)
        << inverted.error().message;
}

TEST(IntervalNamesTest, VendorSpellings) {
    EXPECT_EQ(alpaca_timeframe(Duration::minutes(1)), "1Min");
    EXPECT_EQ(alpaca_timeframe(Duration::hours(1)), "1Hour");
    EXPECT_EQ(alpaca_timeframe(Duration::days(1)), "1Day");
    EXPECT_EQ(yahoo_interval_name(Duration::minutes(5)), "5m");
    EXPECT_EQ(yahoo_interval_name(Duration::days(1)), "1d");
    EXPECT_EQ(parse_yahoo_interval("1wk"), Duration::days(7));
    EXPECT_EQ(parse_yahoo_interval("15m"), Duration::minutes(15));
    EXPECT_FALSE(parse_yahoo_interval("1mo"));
    auto p = polygon_range(Duration::minutes(5));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->first, 5);
    EXPECT_EQ(p->second, "minute");
    EXPECT_EQ(polygon_range(Duration::days(1))->second, "day");
}

// nlohmann's value(key, default) threw type_error for a member of another type ("status":
// null, "ticker": 5, Yahoo's "code": 404): the exception escaped the parser and `awet ingest`
// terminated (found by fuzz/polygon_fuzz.cpp, yahoo_fuzz.cpp, alpaca_bars_fuzz.cpp).
TEST(BarParsers, AMemberOfTheWrongTypeIsANamedErrorNotAnEscapedException) {
    const std::string bar = R"({"t":1773322200000,"o":1,"h":1,"l":1,"c":1,"v":1})";
    const auto polygon = [&](const std::string& top, const std::string& item_extra = "") {
        return parse_polygon_aggs("{" + top + R"(,"resultsCount":1,"results":[)" +
                                      bar.substr(0, bar.size() - 1) + item_extra + "}]}",
                                  "p.json", "AAPL", Duration::minutes(1));
    };
    ASSERT_TRUE(polygon(R"("status":"OK")").ok());
    EXPECT_TRUE(polygon(R"("status":null)").ok());  // null reads as absent
    struct Case {
        std::string top, item, field;
    };
    for (const Case& c :
         {Case{R"("status":5)", "", "status"}, Case{R"("status":"OK","ticker":5)", "", "ticker"},
          Case{R"("status":"OK")", R"(,"T":["AAPL"])", "results[0].T"}}) {
        auto r = polygon(c.top, c.item);
        ASSERT_FALSE(r.ok()) << c.top << c.item;
        EXPECT_NE(r.error().message.find(c.field + ": not a string"), std::string::npos)
            << r.error().message;
    }
    // An error document whose message is not a string still says what it is.
    auto err = polygon(R"("status":"ERROR","error":{"why":"quota"})");
    ASSERT_FALSE(err.ok());
    EXPECT_NE(err.error().message.find(R"({"why":"quota"})"), std::string::npos)
        << err.error().message;

    auto yahoo_code = parse_yahoo_chart(
        R"({"chart":{"result":null,"error":{"code":404,"description":"No data found"}}})", "y.json",
        "AAPL", Duration::minutes(1));
    ASSERT_FALSE(yahoo_code.ok());
    EXPECT_NE(yahoo_code.error().message.find("404: No data found"), std::string::npos)
        << yahoo_code.error().message;
    auto yahoo_symbol = parse_yahoo_chart(
        R"({"chart":{"result":[{"meta":{"symbol":1,"dataGranularity":"1m"},"timestamp":[]}]}})",
        "y.json", "AAPL", Duration{});
    ASSERT_FALSE(yahoo_symbol.ok());
    EXPECT_NE(yahoo_symbol.error().message.find("meta.symbol: not a string"), std::string::npos)
        << yahoo_symbol.error().message;
    auto yahoo_granularity = parse_yahoo_chart(
        R"({"chart":{"result":[{"meta":{"dataGranularity":60},"timestamp":[]}]}})", "y.json",
        "AAPL", Duration{});
    ASSERT_FALSE(yahoo_granularity.ok());
    EXPECT_NE(yahoo_granularity.error().message.find("meta.dataGranularity"), std::string::npos)
        << yahoo_granularity.error().message;

    auto alpaca = parse_alpaca_bars(R"({"symbol":null,"bars":[{"t":"2026-03-12T13:30:00Z",
        "o":1,"h":1,"l":1,"c":1,"v":1}]})",
                                    "a.json", "AAPL", Duration::minutes(1));
    ASSERT_TRUE(alpaca.ok()) << alpaca.error().message;
    EXPECT_EQ(alpaca->bars.at(0).header.symbol.str(), "AAPL");
    auto alpaca_bad =
        parse_alpaca_bars(R"({"symbol":[],"bars":[]})", "a.json", "AAPL", Duration::minutes(1));
    ASSERT_FALSE(alpaca_bad.ok());
    EXPECT_NE(alpaca_bad.error().message.find("symbol: not a string"), std::string::npos)
        << alpaca_bad.error().message;
}

}  // namespace
}  // namespace awet::marketdata
