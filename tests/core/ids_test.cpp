#include "awet/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>

namespace awet {
namespace {

TEST(Uuid, CanonicalFormat) {
    Uuid u{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    EXPECT_EQ(u.str(), "01234567-89ab-cdef-fedc-ba9876543210");
    char buf[36];
    u.write(buf);
    EXPECT_EQ(std::string(buf, 36), u.str());
    EXPECT_EQ(Uuid{}.str(), "00000000-0000-0000-0000-000000000000");
    EXPECT_TRUE(Uuid{}.is_nil());
}

TEST(Uuid, ParseAcceptsBothCases) {
    auto lower = Uuid::parse("01234567-89ab-cdef-fedc-ba9876543210");
    auto upper = Uuid::parse("01234567-89AB-CDEF-FEDC-BA9876543210");
    ASSERT_TRUE(lower && upper);
    EXPECT_EQ(*lower, *upper);
    EXPECT_EQ(lower->hi, 0x0123456789abcdefULL);
    EXPECT_EQ(lower->lo, 0xfedcba9876543210ULL);
}

TEST(Uuid, ParseRejectsMalformed) {
    for (const char* bad :
         {"", "01234567-89ab-cdef-fedc-ba987654321", "01234567-89ab-cdef-fedc-ba98765432100",
          "0123456789abcdeffedcba9876543210", "01234567-89ab-cdef-fedc_ba9876543210",
          "0123456-789ab-cdef-fedc-ba9876543210", "01234567-89ab-cdef-fedc-ba987654321g",
          "{1234567-89ab-cdef-fedc-ba9876543210}", " 1234567-89ab-cdef-fedc-ba9876543210"}) {
        EXPECT_FALSE(Uuid::parse(bad)) << bad;
    }
}

TEST(IdGenerator, KnownValueForSeed42) {
    // splitmix64 from state 42 ^ 0x9E3779B97F4A7C15, two words, version/variant bits set
    // (computed independently in Python).
    IdGenerator g(42);
    EXPECT_EQ(g.next().str(), "28efe333-b266-4103-8752-6757130f9f52");
}

TEST(IdGenerator, DeterministicBySeedAndV4Shaped) {
    IdGenerator a(7), b(7), c(8);
    std::set<Uuid> seen;
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
        Uuid x = a.next();
        Uuid y = b.next();
        Uuid z = c.next();
        ASSERT_EQ(x, y);
        differs = differs || x != z;
        std::string s = x.str();
        ASSERT_EQ(s[14], '4') << s;
        ASSERT_TRUE(s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b') << s;
        ASSERT_EQ(*Uuid::parse(s), x);
        seen.insert(x);
    }
    EXPECT_TRUE(differs);
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(FixedString, AssignRefusesWhatDoesNotFit) {
    Symbol s;
    EXPECT_TRUE(s.assign("BRK.B"));
    EXPECT_EQ(s, "BRK.B");
    EXPECT_FALSE(s.assign("ABCDEFGHIJKLMNOP"));  // 16 > 15
    EXPECT_EQ(s.view(), "BRK.B");
    // Text becomes an id only if it fits: never a cut.
    EXPECT_FALSE(Symbol::parse("ABCDEFGHIJKLMNOPQRS").has_value());
    ASSERT_TRUE(Symbol::parse("BRK.B").has_value());
    EXPECT_EQ(*Symbol::parse("BRK.B"), "BRK.B");
    auto too_long = ModelId::make(std::string(48, 'm'), "model id");
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().message.find("longer than 47 characters"), std::string::npos);
    EXPECT_LT(Symbol("AAPL"), Symbol("MSFT"));
    // Ids of different kinds are different types (a model id is not a broker order id).
    static_assert(!std::is_convertible_v<ModelId, BrokerOrderId>);
    static_assert(!std::is_convertible_v<BrokerOrderId, ModelId>);
    static_assert(!std::is_convertible_v<std::string, IdempotencyKey>);
    static_assert(!std::is_convertible_v<std::string_view, Symbol>);
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

TEST(IdGeneratorV7, TimeOrderedVersion7AndDeterministic) {
    IdGenerator a(9), b(9);
    const Timestamp t0 = Timestamp::parse("2026-03-12T13:30:00Z").value();
    Uuid prev;
    for (int i = 0; i < 100; ++i) {
        const Timestamp t = t0 + Duration::millis(i);
        const Uuid u = a.next(t);
        EXPECT_EQ(u, b.next(t));
        EXPECT_EQ(u.str()[14], '7');  // version
        EXPECT_TRUE(u.str()[19] == '8' || u.str()[19] == '9' || u.str()[19] == 'a' ||
                    u.str()[19] == 'b');
        EXPECT_EQ(u.hi >> 16, static_cast<uint64_t>(t.ns() / 1'000'000));  // Unix ms prefix
        if (i > 0) {
            EXPECT_LT(prev, u);  // later millisecond sorts later
        }
        prev = u;
    }
}

}  // namespace
}  // namespace awet
