// The text form of the operations' results: what a person reads.
#include "awet/ops/text.hpp"

#include <gtest/gtest.h>

namespace awet::ops {
namespace {

ClosedTrade trip(const char* entry, const char* exit, const char* net, int64_t held_minutes) {
    ClosedTrade t;
    t.symbol = Symbol("AAPL");
    t.qty = Quantity::from_units(3);
    t.avg_entry_price = *Price::parse(entry);
    t.exit_price = *Price::parse(exit);
    t.opened_at = Timestamp::from_seconds(1'773'000'000);
    t.closed_at = t.opened_at + Duration::minutes(held_minutes);
    t.net_pnl = *Money::parse(net);
    return t;
}

TEST(OpsText, RoundTripsShowMoneyAsMoneyAndTheTimeHeld) {
    TradesResult r;
    r.round_trips = {trip("1234567.891", "1234570.125", "-12.3", 125),
                     trip("99.995", "100.004", "0.005", 3 * 24 * 60 + 4 * 60)};
    r.round_trips_total = 7;
    r.round_trips_net = *Money::parse("-40.125");
    const std::string text = to_text(r);
    EXPECT_NE(text.find("$1,234,567.89"), std::string::npos) << text;
    EXPECT_NE(text.find("$1,234,570.13"), std::string::npos) << text;  // half away from zero
    EXPECT_NE(text.find("-$12.30"), std::string::npos) << text;
    EXPECT_NE(text.find("2h05m"), std::string::npos) << text;
    EXPECT_NE(text.find("$100.00"), std::string::npos) << text;
    EXPECT_NE(text.find("+$0.01"), std::string::npos) << text;
    EXPECT_NE(text.find("3d04h"), std::string::npos) << text;
    EXPECT_NE(text.find("7 round trips, net -$40.13 after fees (the newest 2 shown)"),
              std::string::npos)
        << text;
}

TEST(OpsText, NoRoundTripsSaysWhereTheOrdersAre) {
    const std::string text = to_text(TradesResult{});
    EXPECT_NE(text.find("no round trips"), std::string::npos) << text;
    EXPECT_NE(text.find("awet trades --fills"), std::string::npos) << text;
    TradesResult rows;
    rows.fills = true;
    EXPECT_NE(to_text(rows).find("(no trades)"), std::string::npos);
}

}  // namespace
}  // namespace awet::ops
