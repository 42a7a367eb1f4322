// `awet reconcile` as a user runs it, against a loopback Alpaca (REST v2 by client order id and
// positions): an order stuck open in the store that the broker filled is reported with the
// broker's fill, the position the store cannot explain is named, the exit code says "differ",
// and nothing is written; once the store agrees, exit 0.
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <thread>

#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

using awet::testing::run_command;

TradeRow row(const char* key, const char* symbol, int64_t qty, int64_t filled, OrderStatus status) {
    TradeRow r;
    r.ts = *Timestamp::parse("2026-03-12T14:01:00Z");
    r.symbol = Symbol(symbol);
    r.qty = Quantity::from_units(qty);
    r.filled_qty = Quantity::from_units(filled);
    r.avg_fill_price = filled > 0 ? Price::from_units(250) : Price{};
    r.status = status;
    r.idempotency_key = IdempotencyKey(key);
    r.correlation_id = Uuid{0xC, static_cast<uint64_t>(qty)};
    return r;
}

TEST(CliReconcile, ReportsWhatTheBrokerHasThatTheStoreMissedAndWritesNothing) {
    awet::testing::TempDir dir;
    const std::string db = dir.file("r.db");
    {
        auto st = SqliteStore::open(db);
        ASSERT_TRUE(st.ok());
        ASSERT_TRUE((*st)->migrate().ok());
        ASSERT_TRUE(
            (*st)->insert_trade(row("entry-AAPL-1", "AAPL", 5, 0, OrderStatus::kPending)).ok());
        ASSERT_TRUE(
            (*st)->insert_trade(row("entry-MSFT-1", "MSFT", 3, 3, OrderStatus::kFilled)).ok());
        ASSERT_TRUE((*st)->flush().ok());
    }
    httplib::Server alpaca;
    alpaca.Get(
        "/v2/orders:by_client_order_id", [](const httplib::Request& req, httplib::Response& res) {
            if (req.get_param_value("client_order_id") != "entry-AAPL-1") {
                res.status = 404;
                res.set_content(R"({"message":"order not found"})", "application/json");
                return;
            }
            res.set_content(R"({"id":"ord-1","client_order_id":"entry-AAPL-1","symbol":"AAPL",)"
                            R"("side":"buy","qty":"5","filled_qty":"5","filled_avg_price":"101.5",)"
                            R"("status":"filled","submitted_at":"2026-03-12T14:01:00Z",)"
                            R"("updated_at":"2026-03-12T14:02:00Z"})",
                            "application/json");
        });
    alpaca.Get("/v2/positions", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"([{"symbol":"AAPL","qty":"5","avg_entry_price":"101.5","side":"long"},)"
                        R"({"symbol":"MSFT","qty":"3","avg_entry_price":"250","side":"long"}])",
                        "application/json");
    });
    const int port = alpaca.bind_to_any_port("127.0.0.1");
    std::thread server([&] { alpaca.listen_after_bind(); });
    while (!alpaca.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    const std::string cmd =
        "AWET_EXECUTION_BROKER=alpaca AWET_EXECUTION_ALPACA_BASE_URL=http://"
        "127.0.0.1:" +
        std::to_string(port) + " ALPACA_API_KEY=PKTEST ALPACA_API_SECRET=hunter2 " +
        std::string(AWET_CLI) + " reconcile --db " + db;
    auto differ = run_command(cmd);
    EXPECT_EQ(differ.code, 1) << differ.out;
    EXPECT_NE(differ.out.find("entry-AAPL-1"), std::string::npos) << differ.out;
    EXPECT_NE(differ.out.find("broker filled 5 at avg 101.5, store 0 (fills the store missed)"),
              std::string::npos)
        << differ.out;
    EXPECT_NE(differ.out.find("position AAPL   trades 0, broker 5"), std::string::npos)
        << differ.out;
    EXPECT_NE(differ.out.find("1 open orders (0 in sync, 1 differ, 0 unresolved), 1 position"),
              std::string::npos)
        << differ.out;
    EXPECT_EQ(differ.out.find("hunter2"), std::string::npos);

    // Read-only: the row is as it was.
    {
        auto st = SqliteStore::open(db);
        ASSERT_TRUE(st.ok());
        auto r = (*st)->find_trade("entry-AAPL-1");
        ASSERT_TRUE(r.ok() && r->has_value());
        EXPECT_EQ((*r)->status, OrderStatus::kPending);
        EXPECT_TRUE((*r)->filled_qty.is_zero());
        // What the execution agent would do: the row brought to the broker's fill.
        TradeRow done = **r;
        done.filled_qty = Quantity::from_units(5);
        done.status = OrderStatus::kFilled;
        ASSERT_TRUE((*st)->update_trade(done).ok());
        ASSERT_TRUE((*st)->flush().ok());
    }
    auto agree = run_command(cmd);
    EXPECT_EQ(agree.code, 0) << agree.out;
    EXPECT_NE(agree.out.find("0 open orders (0 in sync, 0 differ, 0 unresolved), 0 position"),
              std::string::npos)
        << agree.out;

    // The live host is refused before anything is asked.
    auto live = run_command(
        "AWET_EXECUTION_BROKER=alpaca "
        "AWET_EXECUTION_ALPACA_BASE_URL=https://api.alpaca.markets "
        "ALPACA_API_KEY=PKTEST ALPACA_API_SECRET=hunter2 " +
        std::string(AWET_CLI) + " reconcile --db " + db);
    EXPECT_EQ(live.code, 2) << live.out;
    EXPECT_NE(live.out.find("paper"), std::string::npos) << live.out;
    alpaca.stop();
    server.join();
}

}  // namespace
}  // namespace awet
