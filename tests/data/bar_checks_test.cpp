// The plausibility checks every bar ingest path shares (issue 11, defect 8).
#include "awet/data/bar_checks.hpp"

#include <gtest/gtest.h>

#include <string>

#include "awet/config/config.hpp"

namespace awet {
namespace {

std::string why(std::string_view text, BarValueKind kind = BarValueKind::kPrice,
                const BarLimits& limits = {}) {
    std::string reason;
    const std::optional<int64_t> v = parse_bar_value(text, kind, limits, reason);
    return v ? "ok " + std::to_string(*v) : reason;
}

TEST(BarChecksTest, DefaultsAreTheConfigDefaults) {
    const BarLimits defaults;
    const BarLimits from_config = bar_limits(DataConfig{});
    EXPECT_EQ(defaults.max_price, from_config.max_price);
    EXPECT_EQ(defaults.max_volume, from_config.max_volume);
    EXPECT_EQ(defaults.max_price, Price::from_units(1'000'000));
    EXPECT_EQ(defaults.max_volume, Quantity::from_units(100'000'000'000));
}

TEST(BarChecksTest, ConfigKeysAreReadAndBounded) {
    auto ok =
        load_config_from_string("data:\n  max_price_usd: 750000.5\n  max_volume: 5000\n", "t.yaml");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    const BarLimits limits = bar_limits(ok->data);
    EXPECT_EQ(limits.max_price, Price::parse("750000.5").value());
    EXPECT_EQ(limits.max_volume, Quantity::from_units(5000));
    const std::pair<const char*, const char*> bad[] = {
        {"data:\n  max_price_usd: 0\n", "data.max_price_usd"},
        {"data:\n  max_price_usd: 1000000001\n", "data.max_price_usd"},
        {"data:\n  max_volume: -1\n", "data.max_volume"},
        {"data:\n  max_volume: 500000000001\n", "data.max_volume"}};
    for (const auto& [yaml, key] : bad) {
        auto r = load_config_from_string(yaml, "t.yaml");
        ASSERT_FALSE(r.ok()) << yaml;
        EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
    }
}

TEST(BarChecksTest, ParseBarValueNamesEachProblem) {
    EXPECT_EQ(why("258.640015"), "ok 258640015");
    EXPECT_EQ(why("+1.50000000"), "ok 1500000");
    EXPECT_EQ(why("-0"), "ok 0");
    EXPECT_EQ(why("1000000"), "ok 1000000000000");
    EXPECT_EQ(why(""), "empty value");
    EXPECT_EQ(why("abc"), "not a decimal number 'abc'");
    EXPECT_EQ(why("1e5"), "not a decimal number '1e5'");
    EXPECT_EQ(why("."), "not a decimal number '.'");
    EXPECT_EQ(why("-1"), "negative price '-1'");
    EXPECT_EQ(why("-5", BarValueKind::kVolume), "negative volume '-5'");
    EXPECT_EQ(why("12.1234567"), "12.1234567 has more than 6 decimals");
    EXPECT_EQ(why(".0000001"), ".0000001 has more than 6 decimals");
    EXPECT_EQ(why("9223372036854.775807"),
              "9223372036854.775807 is above data.max_price_usd (1000000)");
    EXPECT_EQ(why("9223372036854.775808"),  // beyond int64 micro-units: still "above"
              "9223372036854.775808 is above data.max_price_usd (1000000)");
    EXPECT_EQ(why("1000000.000001"), "1000000.000001 is above data.max_price_usd (1000000)");
    EXPECT_EQ(why("100000000001", BarValueKind::kVolume),
              "100000000001 is above data.max_volume (100000000000)");
    EXPECT_EQ(why(std::string(60, '9')),
              std::string(40, '9') + "... is above data.max_price_usd (1000000)");
    BarLimits tight{Price::from_units(5), Quantity::from_units(7)};
    EXPECT_EQ(why("5.000001", BarValueKind::kPrice, tight),
              "5.000001 is above data.max_price_usd (5)");
    EXPECT_EQ(why("7", BarValueKind::kVolume, tight), "ok 7000000");
}

TEST(BarChecksTest, CheckBarValuesBoundsAndOhlcOrder) {
    MarketBar b;
    b.open = Price::from_units(10);
    b.high = Price::from_units(11);
    b.low = Price::from_units(9);
    b.close = Price::from_units(10);
    b.volume = Quantity::from_units(100);
    EXPECT_FALSE(check_bar_values(b, {}).has_value());

    auto problem = [](MarketBar bar) {
        auto p = check_bar_values(bar, {});
        return p ? p->field + ": " + p->reason : std::string("none");
    };
    MarketBar x = b;
    x.close = Price::from_raw(INT64_MAX);
    x.high = x.close;
    EXPECT_EQ(problem(x), "high: 9223372036854.775807 is above data.max_price_usd (1000000)");
    x = b;
    x.volume = Quantity::from_units(-1);
    EXPECT_EQ(problem(x), "volume: negative volume -1");
    x = b;
    x.low = Price{};
    EXPECT_EQ(problem(x), "low: low must be > 0, got 0");
    x = b;
    x.high = Price::parse("9.5").value();
    EXPECT_EQ(problem(x), "high: high 9.5 < max(open, close) 10");
    x = b;
    x.low = Price::parse("10.2").value();
    EXPECT_EQ(problem(x), "low: low 10.2 > min(open, close) 10");
    x = b;
    x.open = Price::from_units(-1);
    EXPECT_EQ(problem(x), "open: negative price -1");
}

TEST(BarChecksTest, BarDifferencesListsEachDifferingField) {
    MarketBar a;
    a.open = a.high = a.low = Price::from_units(10);
    a.close = Price::parse("257.91").value();
    a.high = a.close;
    a.volume = Quantity::from_units(5);
    MarketBar b = a;
    EXPECT_TRUE(same_bar_values(a, b));
    EXPECT_EQ(bar_differences(a, "stored", b, "in file"), "");
    b.close = Price::from_units(258);
    b.high = b.close;
    b.volume = Quantity::from_units(6);
    EXPECT_FALSE(same_bar_values(a, b));
    EXPECT_EQ(bar_differences(a, "stored", b, "in file"),
              "high 257.91 stored, 258 in file; close 257.91 stored, 258 in file; volume 5 "
              "stored, 6 in file");
}

}  // namespace
}  // namespace awet
