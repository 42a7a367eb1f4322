// Splits and dividends from the recorded Polygon reference mocks and Yahoo chart events, and the
// split check over real bars: Yahoo's NVDA history is split-adjusted across its 4:1 split of
// 2021-07-20; the same bars made raw again (pre-split prices times 4) are flagged as raw.
#include "awet/marketdata/corporate_actions.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "awet/calendar/calendar.hpp"
#include "awet/marketdata/bar_parsers.hpp"
#include "awet_test_support.hpp"

namespace awet::marketdata {
namespace {

namespace fs = std::filesystem;
using awet::testing::read_text;
using awet::testing::shared_data;
using Kind = CorporateAction::Kind;

const fs::path kYahoo = "api/yahoo/v8-chart-bodies";
const char* kNvda = "historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.json";
const char* kMsft = "historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.json";
const char* kAapl = "chart-AAPL-2020-08-31-to-2020-11-07.json";

TEST(CorporateActions, PolygonSplitsMockParsesEveryResult) {
    const auto body =
        read_text(shared_data() / "api/polygon/sdk-test-mocks/v3__reference__splits.json");
    auto page = parse_polygon_splits(body, "splits mock");
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    ASSERT_EQ(page->actions.size(), 10U);
    const CorporateAction& googl = page->actions[0];
    EXPECT_EQ(googl.kind, Kind::kSplit);
    EXPECT_EQ(googl.symbol, "GOOGL");
    EXPECT_EQ(googl.effective.to_string(), "2022-07-18");
    EXPECT_EQ(googl.split_from, 1);
    EXPECT_EQ(googl.split_to, 20);
    EXPECT_EQ(googl.source, "polygon");
    EXPECT_EQ(googl.describe(), "GOOGL split 20:1 on 2022-07-18");
    // A reverse split (2 old shares become 1).
    const CorporateAction& brw = page->actions[7];
    EXPECT_EQ(brw.symbol, "BRW");
    EXPECT_EQ(brw.split_from, 2);
    EXPECT_EQ(brw.split_to, 1);
    EXPECT_TRUE(page->next.empty());
}

TEST(CorporateActions, PolygonDividendsMockParsesEveryResultExactly) {
    const auto body =
        read_text(shared_data() / "api/polygon/sdk-test-mocks/v3__reference__dividends.json");
    auto page = parse_polygon_dividends(body, "dividends mock");
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    ASSERT_EQ(page->actions.size(), 10U);
    const CorporateAction& first = page->actions[0];
    EXPECT_EQ(first.kind, Kind::kDividend);
    EXPECT_EQ(first.symbol, "CSSEN");
    EXPECT_EQ(first.effective.to_string(), "2025-06-12");
    EXPECT_EQ(first.cash_amount, *Price::parse("0.59375"));
    EXPECT_EQ(first.describe(), "CSSEN dividend 0.59375 ex 2025-06-12");
    EXPECT_EQ(page->actions[9].symbol, "AIRTP");
    EXPECT_EQ(page->actions[9].cash_amount, *Price::parse("0.5"));
}

TEST(CorporateActions, PolygonErrorsNameTheSourceAndField) {
    auto not_json = parse_polygon_splits("{oops", "GET /v3/reference/splits");
    ASSERT_FALSE(not_json.ok());
    EXPECT_NE(not_json.error().message.find("GET /v3/reference/splits"), std::string::npos);
    auto zero = parse_polygon_splits(
        R"({"results":[{"ticker":"X","execution_date":"2022-01-03","split_from":0,"split_to":2}]})",
        "splits");
    ASSERT_FALSE(zero.ok());
    EXPECT_NE(zero.error().message.find("results[0].split_from"), std::string::npos)
        << zero.error().message;
    auto bad_date = parse_polygon_dividends(
        R"({"results":[{"ticker":"X","ex_dividend_date":"03/01/2022","cash_amount":1}]})", "divs");
    ASSERT_FALSE(bad_date.ok());
    EXPECT_NE(bad_date.error().message.find("results[0].ex_dividend_date"), std::string::npos);
    auto error_status =
        parse_polygon_splits(R"({"status":"ERROR","error":"Unknown API Key"})", "splits");
    ASSERT_FALSE(error_status.ok());
    EXPECT_NE(error_status.error().message.find("Unknown API Key"), std::string::npos);
    auto empty = parse_polygon_splits(R"({"status":"OK","results":[]})", "splits");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->actions.empty());
}

TEST(CorporateActions, YahooChartEventsOfEveryRecordedChart) {
    auto nvda = parse_yahoo_events(read_text(shared_data() / kYahoo / kNvda), kNvda);
    ASSERT_TRUE(nvda.ok()) << nvda.error().to_string();
    ASSERT_EQ(nvda->size(), 1U);
    EXPECT_EQ((*nvda)[0].describe(), "NVDA split 4:1 on 2021-07-20");
    EXPECT_EQ((*nvda)[0].source, "yahoo");

    auto msft = parse_yahoo_events(read_text(shared_data() / kYahoo / kMsft), kMsft);
    ASSERT_TRUE(msft.ok()) << msft.error().to_string();
    ASSERT_EQ(msft->size(), 4U);
    EXPECT_EQ((*msft)[0].describe(), "MSFT dividend 0.56 ex 2021-02-17");
    EXPECT_EQ((*msft)[3].describe(), "MSFT dividend 0.62 ex 2021-11-17");

    auto aapl = parse_yahoo_events(read_text(shared_data() / kYahoo / kAapl), kAapl);
    ASSERT_TRUE(aapl.ok()) << aapl.error().to_string();
    ASSERT_EQ(aapl->size(), 2U);  // sorted by date: the split, then the dividend
    EXPECT_EQ((*aapl)[0].describe(), "AAPL split 4:1 on 2020-08-31");
    EXPECT_EQ((*aapl)[1].describe(), "AAPL dividend 0.205 ex 2020-11-06");

    // Every other recorded chart body parses, with or without events.
    for (const auto& e : fs::directory_iterator(shared_data() / kYahoo)) {
        auto any = parse_yahoo_events(read_text(e.path()), e.path().filename().string());
        EXPECT_TRUE(any.ok()) << e.path() << ": " << any.error().to_string();
    }
    auto no_meta = parse_yahoo_events(R"({"chart":{"result":[{"events":{}}]}})", "chart");
    ASSERT_FALSE(no_meta.ok());
    EXPECT_NE(no_meta.error().message.find("meta.symbol"), std::string::npos);
}

TEST(CorporateActions, SplitCheckTellsAdjustedFromRawHistoryOnRealBars) {
    const std::string body = read_text(shared_data() / kYahoo / kNvda);
    auto page = parse_yahoo_chart(body, kNvda, "NVDA", Duration::days(1));
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    auto events = parse_yahoo_events(body, kNvda);
    ASSERT_TRUE(events.ok());
    const CorporateAction split = (*events)[0];

    // Yahoo's quotes are split-adjusted: no jump across 2021-07-20.
    const SplitCheck adjusted = check_split(split, page->bars);
    EXPECT_EQ(adjusted.adjustment, SplitAdjustment::kAdjusted);
    EXPECT_EQ(adjusted.close_before, *Price::parse("18.779751"));
    EXPECT_EQ(adjusted.open_after, *Price::parse("18.73"));

    // Undo the adjustment for the days before: the series now jumps by the ratio.
    std::vector<MarketBar> raw = page->bars;
    for (MarketBar& b : raw) {
        if (SessionCalendar::to_local(b.bar_start).date < split.effective) {
            b.open = Price::from_raw(b.open.raw() * 4);
            b.close = Price::from_raw(b.close.raw() * 4);
        }
    }
    EXPECT_EQ(check_split(split, raw).adjustment, SplitAdjustment::kRaw);

    // The AAPL chart starts on its split day: nothing before it to compare.
    auto aapl_body = read_text(shared_data() / kYahoo / kAapl);
    auto aapl = parse_yahoo_chart(aapl_body, kAapl, "AAPL", Duration::days(1));
    auto aapl_events = parse_yahoo_events(aapl_body, kAapl);
    ASSERT_TRUE(aapl.ok() && aapl_events.ok());
    EXPECT_EQ(check_split((*aapl_events)[0], aapl->bars).adjustment, SplitAdjustment::kNotCovered);
    // Bars of another symbol are not evidence.
    EXPECT_EQ(check_split((*aapl_events)[0], page->bars).adjustment, SplitAdjustment::kNotCovered);
}

// Found by fuzz/yahoo_fuzz.cpp and polygon_fuzz.cpp: an event date beyond +-9.2e9 s overflowed
// int64 nanoseconds (UBSan), and members of the wrong type threw out of the parser.
TEST(CorporateActions, EventDatesOutOfRangeAndMembersOfTheWrongTypeAreNamedErrors) {
    const auto yahoo = [](const std::string& meta, const std::string& date) {
        return parse_yahoo_events(R"({"chart":{"result":[{"meta":)" + meta +
                                      R"(,"events":{"splits":{"1":{"date":)" + date +
                                      R"(,"numerator":4,"denominator":1}}}}]}})",
                                  "events.json");
    };
    auto ok = yahoo(R"({"symbol":"AAPL"})", "1598880600");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    ASSERT_EQ(ok->size(), 1U);
    EXPECT_EQ((*ok)[0].effective.to_string(), "2020-08-31");
    for (const char* date : {"9300000000000", "-9300000000000", "9223372036854775807"}) {
        auto r = yahoo(R"({"symbol":"AAPL"})", date);
        ASSERT_FALSE(r.ok()) << date;
        EXPECT_NE(r.error().message.find("events.splits.1.date: out of range"), std::string::npos)
            << r.error().message;
    }
    auto symbol = yahoo(R"({"symbol":1})", "1598880600");
    ASSERT_FALSE(symbol.ok());
    EXPECT_NE(symbol.error().message.find("meta.symbol"), std::string::npos)
        << symbol.error().message;

    auto polygon = parse_polygon_splits(R"({"status":"ERROR","error":404})", "splits");
    ASSERT_FALSE(polygon.ok());
    EXPECT_NE(polygon.error().message.find("ERROR: 404"), std::string::npos)
        << polygon.error().message;
}

}  // namespace
}  // namespace awet::marketdata
