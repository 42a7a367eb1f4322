// The venue's JSON bodies (src/venue/venue_codec.hpp, private to the component): what the venue
// and RemoteBroker refuse to read.
#include "venue_codec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace awet::venue {
namespace {

using nlohmann::json;

json order_request() {
    return json::parse(R"({"client_order_id":"entry:AAPL:1","symbol":"AAPL","side":0,
        "qty":1000000,"ts":0,"correlation_id":"00000000-0000-0000-0000-000000000000",
        "intent":0,"exit_reason":0})");
}

json broker_order() {
    return json::parse(R"({"client_order_id":"entry:AAPL:1","broker_order_id":"sim-000001",
        "symbol":"AAPL","side":0,"qty":1000000,"filled_qty":0,"avg_fill_price":0,"status":0,
        "broker_status":"new","submitted_at":0,"updated_at":0})");
}

// A JSON float where an integer belongs was converted with static_cast: 1e300 is undefined
// behaviour (UBSan), 1.5 became 1 micro-share without a word (found by fuzz/venue_codec_fuzz.cpp).
TEST(VenueCodec, AFloatWhereAnIntegerBelongsIsRefusedNamingTheField) {
    ASSERT_TRUE(order_request_from(order_request()).ok());
    for (const char* qty : {"1e300", "1.5", "-1e300", "1000000.0"}) {
        json j = order_request();
        j["qty"] = json::parse(qty);
        auto r = order_request_from(j);
        ASSERT_FALSE(r.ok()) << qty;
        EXPECT_NE(r.error().message.find("field 'qty': not an integer"), std::string::npos)
            << r.error().message;
    }
    json j = order_request();
    j["side"] = 1e10;
    auto r = order_request_from(j);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("field 'side': not an integer"), std::string::npos)
        << r.error().message;
}

TEST(VenueCodec, AnIntegerBeyondTheFieldsTypeIsOutOfRangeNotNarrowed) {
    json j = order_request();
    j["side"] = 4294967296LL;  // int: would narrow to 0 (a buy)
    auto r = order_request_from(j);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("field 'side': out of range"), std::string::npos)
        << r.error().message;
    json o = broker_order();
    o["submitted_at"] = json::parse("18446744073709551615");  // uint64 max: beyond int64
    auto b = broker_order_from(o);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("field 'submitted_at': out of range"), std::string::npos)
        << b.error().message;
    o["submitted_at"] = json::parse("177332221773322320000000000");  // 1.7e26: a float to nlohmann
    EXPECT_FALSE(broker_order_from(o).ok());
}

// RemoteBroker reads the venue's answers without a size limit: an order whose legs nest
// thousands deep overflowed the stack in broker_order_from.
TEST(VenueCodec, LegsNestedDeeperThanABracketAreRefusedNotRecursedInto) {
    json leaf = broker_order();
    json bracket = broker_order();
    bracket["legs"] = json::array({leaf, leaf});
    auto ok = broker_order_from(bracket);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->legs.size(), 2U);

    json deep = broker_order();
    for (int i = 0; i < 100000; ++i) {
        json outer = broker_order();
        outer["legs"] = json::array();
        outer["legs"].push_back(std::move(deep));  // moved, never copied (a copy recurses)
        deep = std::move(outer);
    }
    auto r = broker_order_from(deep);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("nested deeper than"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace awet::venue
