// The throwaway PostgreSQL server used by the PostgreSQL store tests: starts, answers, stops.
#include "pg_server.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

namespace {

TEST(PgServer, StartsAnswersQueriesAndStops) {
    int port = -1;
    {
        awet::testing::PgServer server;
        ASSERT_TRUE(server.ok()) << server.error();
        port = server.port();
        pqxx::connection conn(server.url());
        pqxx::work tx(conn);
        const auto v = tx.exec1("SELECT current_setting('server_version_num')::int")[0].as<int>();
        EXPECT_GE(v, 150000);
        tx.commit();
        pqxx::nontransaction nt(conn);
        nt.exec0("CREATE DATABASE awet_t1");
        pqxx::connection c2(server.url("awet_t1"));
        EXPECT_TRUE(c2.is_open());
    }
    // After the destructor nothing listens on the port any more.
    EXPECT_THROW(
        pqxx::connection("postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres"),
        pqxx::broken_connection);
}

}  // namespace
