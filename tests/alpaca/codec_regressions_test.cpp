// Inputs the fuzz targets found (fuzz/alpaca_rest_fuzz.cpp), kept as unit tests of the decoder.
#include <gtest/gtest.h>

#include <string>

#include "awet/alpaca/alpaca_codec.hpp"

namespace awet::alpaca {
namespace {

// Rounding past the sixth decimal at the int64 edge overflowed (undefined behaviour, a wrapped
// negative price under -fwrapv).
TEST(AlpacaCodecRegressions, RoundingAtTheInt64EdgeIsMalformedNotWrapped) {
    EXPECT_FALSE(parse_decimal<Price>("9223372036854.7758075").has_value());
    EXPECT_FALSE(parse_decimal<Money>("-9223372036854.7758085").has_value());
    auto below = parse_decimal<Quantity>("9223372036854.7758064");
    ASSERT_TRUE(below.has_value());
    EXPECT_EQ(below->raw(), 9223372036854775806);
    auto up = parse_decimal<Price>("9223372036854.7758065");
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->raw(), 9223372036854775807);
}

// An order whose legs nest thousands deep overflowed the stack of the recursive leg parser.
TEST(AlpacaCodecRegressions, DeeplyNestedLegsAreAnErrorNotACrash) {
    const std::string order = R"("id":"a","symbol":"AAPL","side":"buy","status":"new")";
    std::string deep;
    const int depth = 50'000;
    for (int i = 0; i < depth; ++i) deep += "{" + order + R"(,"legs":[)";
    deep += "{" + order + "}";
    for (int i = 0; i < depth; ++i) deep += "]}";
    auto r = parse_order(deep);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("legs nested deeper than"), std::string::npos)
        << r.error().message.substr(0, 200);

    // A bracket's one level of legs still parses.
    auto bracket =
        parse_order("{" + order + R"(,"order_class":"bracket","client_order_id":"e1",)" +
                    R"("legs":[{"id":"b",)" +
                    R"("symbol":"AAPL","side":"sell","status":"held","type":"limit"}]})");
    ASSERT_TRUE(bracket.ok()) << bracket.error().message;
    EXPECT_EQ(bracket->legs.size(), 1U);
}

}  // namespace
}  // namespace awet::alpaca
