// The JSON form of the operations: requests refuse what they do not know and name the field;
// results keep money exact; `call` runs an operation by name on its JSON.
#include <gtest/gtest.h>

#include "awet/core/clock.hpp"
#include "awet/ops/catalog.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "sqlite_backends.hpp"

namespace awet::ops {
namespace {

std::string error_of(const Json& j) {
    auto r = request_from_json<TradesRequest>(j);
    return r.ok() ? "" : r.error().message;
}

TEST(OpsJson, RequestsNameTheFieldThatIsWrong) {
    EXPECT_EQ(error_of(Json::object()), "");
    EXPECT_EQ(error_of(nullptr), "");  // no body: the defaults
    EXPECT_NE(error_of({{"symbl", "AAPL"}}).find("field 'symbl': not a field"), std::string::npos);
    EXPECT_NE(error_of({{"limit", "ten"}}).find("field 'limit': expected a number"),
              std::string::npos);
    EXPECT_NE(error_of({{"limit", 0}}).find("field 'limit': at least 1"), std::string::npos);
    EXPECT_NE(error_of(Json::array()).find("a JSON object"), std::string::npos);
    auto limited = request_from_json<TradesRequest>({{"symbol", "MSFT"}, {"limit", 3}});
    ASSERT_TRUE(limited.ok());
    EXPECT_EQ(limited->symbol, "MSFT");
    EXPECT_EQ(limited->limit, 3U);

    auto bad_date = request_from_json<PnlRequest>({{"date", "2026-13-01"}});
    ASSERT_FALSE(bad_date.ok());
    EXPECT_NE(bad_date.error().message.find("date: expected a date YYYY-MM-DD"), std::string::npos);
    auto bad_period = request_from_json<PnlRequest>({{"period", "month"}});
    ASSERT_FALSE(bad_period.ok());
    EXPECT_NE(bad_period.error().message.find("'period'"), std::string::npos);
    auto week = request_from_json<PnlRequest>({{"period", "week"}, {"date", "2026-03-06"}});
    ASSERT_TRUE(week.ok());
    EXPECT_EQ(week->period, PnlPeriod::kWeek);
    EXPECT_EQ(*week->date, (Date{2026, 3, 6}));

    EXPECT_FALSE(request_from_json<PromoteRequest>(Json::object()).ok());  // model_id required
    auto trace = request_from_json<TraceRequest>({{"correlation_id", "not-a-uuid"}});
    ASSERT_FALSE(trace.ok());
    EXPECT_NE(trace.error().message.find("correlation_id"), std::string::npos);
    auto at = request_from_json<PredictRequest>({{"symbol", "AAPL"}, {"at", "noon"}});
    ASSERT_FALSE(at.ok());
    EXPECT_NE(at.error().message.find("at: expected an ISO-8601 time"), std::string::npos);
}

TEST(OpsJson, BackfillAndDemoRequestsNameWhatIsMissingOrWrong) {
    const Json full = {{"vendor", "yahoo"},
                       {"symbols", {"AAPL", "MSFT"}},
                       {"from", "2020-08-31"},
                       {"to", "2020-09-04"},
                       {"interval", "1d"}};
    for (const char* field : {"vendor", "symbols", "from", "to"}) {
        Json without = full;
        without.erase(field);
        auto r = request_from_json<IngestVendorRequest>(without);
        ASSERT_FALSE(r.ok()) << field;
        EXPECT_NE(r.error().message.find(std::string("field '") + field + "'"), std::string::npos)
            << field << ": " << r.error().message;
    }
    auto backfill = request_from_json<IngestVendorRequest>(full);
    ASSERT_TRUE(backfill.ok()) << backfill.error().message;
    EXPECT_EQ(backfill->symbols.size(), 2U);
    EXPECT_EQ(backfill->to, (Date{2020, 9, 4}));
    EXPECT_EQ(backfill->interval, "1d");

    auto demo = request_from_json<DemoRequest>({{"days", 0}});
    ASSERT_FALSE(demo.ok());
    EXPECT_NE(demo.error().message.find("field 'days': at least 1"), std::string::npos)
        << demo.error().message;
    auto seeded = request_from_json<DemoRequest>({{"seed", 7}, {"train_days", 2}});
    ASSERT_TRUE(seeded.ok());
    EXPECT_EQ(seeded->seed, std::optional<uint64_t>(7));
    EXPECT_EQ(seeded->train_days, 2);
    EXPECT_EQ(seeded->days, 5);
}

TEST(OpsJson, TradeMoneyIsAnExactDecimalStringAndUnsetTimesAreNull) {
    TradesResult r;
    TradeRow t;
    t.symbol = Symbol("AAPL");
    t.qty = Quantity::from_units(7);
    t.avg_fill_price = Price::from_double(187.1234);
    t.fees = Money::from_double(0.01);
    t.ts = Timestamp::from_seconds(1'772'460'000);
    r.trades.push_back(t);
    r.total = 12;
    const Json j = to_json(r);
    EXPECT_EQ(j["total"], 12);
    const Json& row = j["trades"][0];
    EXPECT_EQ(row["avg_fill_price"], Price::from_double(187.1234).to_string());
    EXPECT_EQ(row["qty"], "7");
    EXPECT_EQ(row["side"], "buy");
    EXPECT_EQ(row["status"], "pending");
    EXPECT_TRUE(row["filled_at"].is_null());
    EXPECT_EQ(row["ts"], t.ts.iso());
    EXPECT_TRUE(row["paper_trade"].get<bool>());
}

TEST(OpsJson, CallRunsAnOperationByNameOnAStore) {
    testing::TempDir dir;
    Config config;
    config.store.path = dir.file("call.db");
    Backends b = sqlite_backends();
    SimClock clock;
    Context ctx(config, std::move(b), clock);
    auto listed = call(ctx, "models.list", Json::object());
    ASSERT_TRUE(listed.ok()) << listed.error().to_string();
    EXPECT_TRUE((*listed)["models"].is_array());
    EXPECT_TRUE((*listed)["models"].empty());
    auto positions = call(ctx, "positions", nullptr);
    ASSERT_TRUE(positions.ok());
    EXPECT_TRUE((*positions)["positions"].empty());
    auto unknown = call(ctx, "place_order", Json::object());
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    auto bad = call(ctx, "trades", {{"limit", -1}});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    // Every operation in the catalog answers `call` (a bad request, not "no operation").
    for (const OperationInfo& op : catalog()) {
        auto r = call(ctx, op.name, {{"no_such_field", 1}});
        ASSERT_FALSE(r.ok()) << op.name;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument)
            << op.name << ": " << r.error().message;
    }
}

}  // namespace
}  // namespace awet::ops
