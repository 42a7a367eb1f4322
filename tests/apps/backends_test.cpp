// The composition root's backend choices by name (apps/awet/backends.hpp).
#include "backends.hpp"

#include <gtest/gtest.h>

#include "awet_test_support.hpp"

namespace awet {
namespace {

TEST(CompositionRoot, RiskLimitsByName) {
    auto bad = make_risk_limits(RiskConfig{}, "etcd", "", "x");
    EXPECT_FALSE(bad.ok());
    auto mem = make_risk_limits(RiskConfig{}, "memory", "", "x");
    ASSERT_TRUE(mem.ok());
    EXPECT_EQ((*mem)->backend(), "memory");
    auto redis = make_risk_limits(RiskConfig{}, "redis", "redis://127.0.0.1:1", "x");
    ASSERT_TRUE(redis.ok());  // connects lazily: an unreachable server is no error here
    EXPECT_EQ((*redis)->backend(), "redis");
}

TEST(CompositionRoot, StoreByName) {
    testing::TempDir dir;
    Config c;
    c.store.path = dir.file("b.db");
    auto sqlite = open_store(c);
    ASSERT_TRUE(sqlite.ok()) << sqlite.error().to_string();
    EXPECT_EQ((*sqlite)->backend(), "sqlite");
    EXPECT_EQ(store_location(c), "SQLite " + c.store.path);
    c.store.backend = "mongo";
    EXPECT_FALSE(open_store(c).ok());
    c.store.backend = "postgres";
    c.store.postgres_url = "postgresql://awet:secret@db.local:5433/awet";
    EXPECT_EQ(store_location(c), "PostgreSQL postgresql://db.local:5433/awet");
}

}  // namespace
}  // namespace awet
