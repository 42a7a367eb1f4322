#include "awet/portfolio/reconciler.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace awet {
namespace {

Price px(const char* s) { return *Price::parse(s); }
Money usd(const char* s) { return *Money::parse(s); }
Quantity sh(const char* s) { return *Quantity::parse(s); }
Timestamp at(int minute) { return Timestamp::from_seconds(1'773'322'200 + 60 * minute); }

/// A broker that reports what the test tells it to.
class FakeBroker final : public Broker {
public:
    std::vector<BrokerPosition> held;
    BrokerAccount acct;
    bool fail = false;

    std::string_view name() const override { return "fake"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener*) override {}
    Result<BrokerOrder> submit(const OrderRequest&) override {
        return make_error(ErrorCode::kBroker, "not used");
    }
    Status cancel(std::string_view) override { return Status::Ok(); }
    Result<BrokerOrder> get_order(std::string_view) override {
        return make_error(ErrorCode::kNotFound, "not used");
    }
    Result<std::vector<BrokerOrder>> open_orders() override { return std::vector<BrokerOrder>{}; }
    Result<std::vector<BrokerPosition>> positions() override {
        if (fail) return make_error(ErrorCode::kBroker, "connection reset");
        return held;
    }
    Result<BrokerAccount> account() override { return acct; }
};

/// Records position upserts and flushes: the one role sync_positions takes (PositionBook).
class PositionStore final : public PositionBook {
public:
    std::map<std::string, PositionRow> rows;
    int flushes = 0;

    Status upsert_position(const PositionRow& p) override {
        rows[p.symbol.str()] = p;
        return Status::Ok();
    }
    Result<std::vector<PositionRow>> load_positions() override {
        std::vector<PositionRow> out;
        for (const auto& [symbol, row] : rows) out.push_back(row);
        return out;
    }
    Status flush() override {
        ++flushes;
        return Status::Ok();
    }
};

Portfolio sample_book() {
    Portfolio p;
    (void)p.apply_fill("AAPL", Side::kBuy, sh("10"), px("100"), usd("1"), at(0));
    (void)p.apply_fill("MSFT", Side::kSell, sh("5"), px("300"), usd("0"), at(1));
    (void)p.apply_fill("GOOG", Side::kBuy, sh("2"), px("150"), usd("0"), at(2));
    (void)p.apply_fill("GOOG", Side::kSell, sh("2"), px("160"), usd("0"), at(3));  // flat, +20
    p.mark("AAPL", px("102"), at(4));                                              // +20 unrealized
    p.mark("MSFT", px("301"), at(4));                                              // -5 unrealized
    return p;
}

TEST(Reconciler, MatchingBookAndBroker) {
    Portfolio book = sample_book();
    FakeBroker broker;
    broker.held = {{"AAPL", sh("10"), px("100")}, {"MSFT", sh("-5"), px("300")}};
    broker.acct.equity = usd("100034");  // starting 100000 + 34
    Reconciler reconciler(usd("100000"));
    auto report = reconciler.reconcile(book, broker);
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_TRUE(report->ok);
    EXPECT_TRUE(report->discrepancies.empty());
    // realized: -1 fee + 20 (GOOG); unrealized: +20 - 5.
    EXPECT_EQ(report->book_equity_pnl, usd("34"));
    EXPECT_EQ(report->broker_pnl, usd("34"));
}

TEST(Reconciler, MismatchesOnBothSidesSortedBySymbol) {
    Portfolio book = sample_book();
    FakeBroker broker;
    broker.held = {{"TSLA", sh("3"), px("200")}, {"AAPL", sh("8"), px("100")}};
    broker.acct.equity = usd("99990");
    Reconciler reconciler(usd("100000"));
    auto report = reconciler.reconcile(book, broker);
    ASSERT_TRUE(report.ok());
    EXPECT_FALSE(report->ok);
    ASSERT_EQ(report->discrepancies.size(), 3U);
    EXPECT_EQ(report->discrepancies[0].symbol, "AAPL");
    EXPECT_EQ(report->discrepancies[0].book_qty, sh("10"));
    EXPECT_EQ(report->discrepancies[0].broker_qty, sh("8"));
    EXPECT_EQ(report->discrepancies[1].symbol, "MSFT");  // missing at the broker: 0 there
    EXPECT_EQ(report->discrepancies[1].book_qty, sh("-5"));
    EXPECT_EQ(report->discrepancies[1].broker_qty, sh("0"));
    EXPECT_EQ(report->discrepancies[2].symbol, "TSLA");  // missing in the book: 0 there
    EXPECT_EQ(report->discrepancies[2].book_qty, sh("0"));
    EXPECT_EQ(report->discrepancies[2].broker_qty, sh("3"));
    EXPECT_EQ(report->broker_pnl, usd("-10"));
}

TEST(Reconciler, AHoldingTheBrokerDoesNotListIsNeverTakenAsFlat) {
    // The execution engine's start-up check keeps the same rule (position_check.hpp).
    Portfolio book = sample_book();
    FakeBroker broker;
    broker.held = {{"AAPL", sh("10"), px("100")}, {"TSLA", sh("3"), px("200")}};
    auto report = Reconciler(usd("0")).reconcile(book, broker);
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->discrepancies.size(), 2U);
    EXPECT_EQ(report->discrepancies[0].symbol, "MSFT");  // held in the book, not listed
    EXPECT_FALSE(report->discrepancies[0].broker_reported);
    EXPECT_EQ(report->discrepancies[1].symbol, "TSLA");
    EXPECT_TRUE(report->discrepancies[1].broker_reported);
}

TEST(Reconciler, ToleranceAndFlatSymbols) {
    Portfolio book = sample_book();
    FakeBroker broker;
    // GOOG is flat in the book and absent at the broker: not a discrepancy.
    broker.held = {{"AAPL", sh("9"), px("100")}, {"MSFT", sh("-5"), px("300")}};
    Reconciler reconciler(usd("0"));
    auto strict = reconciler.reconcile(book, broker);
    ASSERT_TRUE(strict.ok());
    EXPECT_FALSE(strict->ok);
    ASSERT_EQ(strict->discrepancies.size(), 1U);
    EXPECT_EQ(strict->discrepancies[0].symbol, "AAPL");
    auto tolerant = reconciler.reconcile(book, broker, sh("1"));
    ASSERT_TRUE(tolerant.ok());
    EXPECT_TRUE(tolerant->ok);
}

TEST(Reconciler, BrokerErrorIsAnErrorNotADiscrepancy) {
    Portfolio book = sample_book();
    FakeBroker broker;
    broker.fail = true;
    auto report = Reconciler(usd("0")).reconcile(book, broker);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code, ErrorCode::kBroker);
    EXPECT_NE(report.error().message.find("connection reset"), std::string::npos);
}

TEST(Reconciler, SyncPositionsWritesEveryRowIncludingFlat) {
    Portfolio book = sample_book();
    PositionStore store;
    ASSERT_TRUE(Reconciler::sync_positions(book, store, at(10)).ok());
    ASSERT_EQ(store.rows.size(), 3U);
    EXPECT_EQ(store.flushes, 1);
    const PositionRow& goog = store.rows.at("GOOG");
    EXPECT_EQ(goog.qty, sh("0"));
    EXPECT_EQ(goog.realized_pl, usd("20"));
    EXPECT_EQ(goog.updated_at, at(10));
    const PositionRow& msft = store.rows.at("MSFT");
    EXPECT_EQ(msft.qty, sh("-5"));
    EXPECT_EQ(msft.cost_basis, usd("-1500"));
    EXPECT_EQ(msft.market_value, usd("-1505"));
    EXPECT_EQ(msft.unrealized_pl, usd("-5"));
    EXPECT_EQ(store.rows.at("AAPL").avg_entry_price, px("100"));
}

}  // namespace
}  // namespace awet
