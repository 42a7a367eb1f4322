// The schema written once (src/store/schema.cpp), spelled in each dialect.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "awet/store/migrations.hpp"

namespace awet {
namespace {

TEST(Schema, BothDialectsHaveTheSameVersionsAndNamesInOrder) {
    const auto sqlite = migrations(SchemaDialect::kSqlite);
    const auto postgres = migrations(SchemaDialect::kPostgres);
    ASSERT_EQ(sqlite.size(), postgres.size());
    for (size_t i = 0; i < sqlite.size(); ++i) {
        EXPECT_EQ(sqlite[i].version, static_cast<int>(i) + 1);
        EXPECT_EQ(postgres[i].version, sqlite[i].version);
        EXPECT_EQ(postgres[i].name, sqlite[i].name);
    }
}

TEST(Schema, EveryTokenIsSpelledInEachDialect) {
    for (SchemaDialect d : {SchemaDialect::kSqlite, SchemaDialect::kPostgres}) {
        for (const Migration& m : migrations(d)) {
            EXPECT_EQ(m.sql.find('{'), std::string_view::npos) << m.name;
            EXPECT_EQ(m.sql.find('}'), std::string_view::npos) << m.name;
        }
    }
}

/// The line of `sql` that declares `column` of the first table after `table`.
std::string column_line(std::string_view sql, std::string_view table, std::string_view column) {
    const size_t t = sql.find("CREATE TABLE " + std::string(table) + " (");
    if (t == std::string_view::npos) return {};
    const size_t c = sql.find("\n    " + std::string(column) + " ", t);
    if (c == std::string_view::npos) return {};
    const size_t end = sql.find('\n', c + 1);
    std::string line(sql.substr(c + 5, end - c - 5));
    std::string collapsed;
    for (char ch : line) {
        if (ch != ' ' || collapsed.empty() || collapsed.back() != ' ') collapsed += ch;
    }
    return collapsed;
}

TEST(Schema, EachDialectSpellsPricesUuidsInstantsAndFlagsItsOwnWay) {
    const std::string_view lite = migrations(SchemaDialect::kSqlite)[2].sql;
    const std::string_view pg = migrations(SchemaDialect::kPostgres)[2].sql;
    EXPECT_EQ(column_line(lite, "trades", "avg_fill_price"), "avg_fill_price REAL NOT NULL,");
    EXPECT_EQ(column_line(pg, "trades", "avg_fill_price"), "avg_fill_price BIGINT NOT NULL,");
    EXPECT_EQ(column_line(lite, "trades", "correlation_id"), "correlation_id TEXT NOT NULL,");
    EXPECT_EQ(column_line(pg, "trades", "correlation_id"), "correlation_id UUID NOT NULL,");
    EXPECT_EQ(column_line(pg, "trades", "filled_at"), "filled_at TIMESTAMPTZ,");
    EXPECT_EQ(column_line(lite, "trades", "dry_run"),
              "dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),");
    EXPECT_EQ(column_line(pg, "trades", "dry_run"), "dry_run BOOLEAN NOT NULL,");
    // SQLite's audit index and PostgreSQL's are each its own.
    EXPECT_NE(lite.find("audit_events_day_correlation_id"), std::string_view::npos);
    EXPECT_EQ(pg.find("audit_events_day_correlation_id"), std::string_view::npos);
    EXPECT_NE(pg.find("audit_events_correlation_id ON audit_events (correlation_id, seq)"),
              std::string_view::npos);
}

TEST(Schema, AnEventTableKeyedByItsIdempotencyKeyHasItsRowIdAsPrimaryKey) {
    const std::string_view pg = migrations(SchemaDialect::kPostgres)[1].sql;
    // Bars and features are hypertable candidates: no primary key beside (ts_ns, symbol).
    EXPECT_EQ(column_line(pg, "features_tft", "id"), "id BIGINT GENERATED ALWAYS AS IDENTITY,");
    EXPECT_EQ(column_line(pg, "features_tft", "idempotency_key"), "idempotency_key TEXT NOT NULL,");
    EXPECT_EQ(column_line(pg, "predictions_tft", "id"),
              "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,");
    EXPECT_EQ(column_line(pg, "predictions_tft", "idempotency_key"),
              "idempotency_key TEXT NOT NULL UNIQUE,");
    const std::string_view lite = migrations(SchemaDialect::kSqlite)[1].sql;
    EXPECT_EQ(column_line(lite, "predictions_tft", "id"), "id INTEGER PRIMARY KEY,");
}

}  // namespace
}  // namespace awet
