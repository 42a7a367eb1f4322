// The typed operations on a real SQLite store: what each reads and writes, the writer lease of
// the writing ones, the one signal rule, and the approval file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "awet/data/synthetic_market.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/ml/prediction.hpp"
#include "awet/ops/book.hpp"
#include "awet/ops/catalog.hpp"
#include "awet/ops/models.hpp"
#include "awet/ops/runs.hpp"
#include "awet/ops/system.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"
#include "sqlite_backends.hpp"

namespace awet::ops {
namespace {

class Ops : public ::testing::Test {
protected:
    void SetUp() override {
        config_.store.path = dir_.file("ops.db");
        config_.prediction.model_dir = dir_.file("models");
        config_.execution.approval_file = dir_.file("APPROVE");
        ctx_ = make_context();
    }

    std::unique_ptr<Context> make_context() {
        Backends b = sqlite_backends();
        b.open_broker = [this](const Config&,
                               const std::string&) -> Result<std::unique_ptr<Broker>> {
            return std::unique_ptr<Broker>(std::make_unique<SimBroker>(broker_config_));
        };
        return std::make_unique<Context>(config_, std::move(b), clock_);
    }

    Store& store() {
        auto s = ctx_->store();
        EXPECT_TRUE(s.ok()) << s.error().to_string();
        return **s;
    }

    void store_market(int days) {
        SyntheticMarketConfig m;
        m.days = days;
        m.symbols = {"AAPL", "MSFT"};
        for (const auto& bar : generate_synthetic_market(m)) ASSERT_TRUE(store().put_bar(bar).ok());
        ASSERT_TRUE(store().flush().ok());
    }

    TradeRow trade(const char* symbol, int n, OrderStatus status) {
        TradeRow t;
        t.ts = Timestamp::from_seconds(1'772'000'000 + n);
        t.symbol = Symbol(symbol);
        t.qty = Quantity::from_units(10);
        t.filled_qty = status == OrderStatus::kFilled ? t.qty : Quantity{};
        t.avg_fill_price = Price::from_double(101.25);
        t.status = status;
        t.idempotency_key = IdempotencyKey("key-" + std::to_string(n));
        t.correlation_id = Uuid{0xabc0U + static_cast<uint64_t>(n), 1};
        return t;
    }

    testing::TempDir dir_;
    Config config_;
    SimBrokerConfig broker_config_;
    SimClock clock_{Timestamp::from_seconds(1'773'000'000)};
    std::unique_ptr<Context> ctx_;
};

TEST_F(Ops, TradesKeepsTheNewestRowsInOrderAndCountsAll) {
    for (int n = 0; n < 5; ++n)
        ASSERT_TRUE(store().insert_trade(trade("AAPL", n, OrderStatus::kFilled)).ok());
    ASSERT_TRUE(store().insert_trade(trade("MSFT", 9, OrderStatus::kFilled)).ok());
    ASSERT_TRUE(store().flush().ok());
    auto r = trades(*ctx_, {"AAPL", 2});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->total, 5U);
    ASSERT_EQ(r->trades.size(), 2U);
    EXPECT_EQ(r->trades[0].idempotency_key.str(), "key-3");
    EXPECT_EQ(r->trades[1].idempotency_key.str(), "key-4");
    EXPECT_FALSE(trades(*ctx_, {"", 0}).ok());  // a limit of 0 is refused, not "everything"
}

TEST_F(Ops, PnlWeekIsTheSevenDaysEndingAtTheDateAndNamesTheLatestWhenEmpty) {
    DailyPnlRow row;
    row.report_date = Date{2026, 3, 4};
    row.realized_pnl_usd = Money::from_double(12.5);
    ASSERT_TRUE(store().upsert_daily_pnl(row).ok());
    ASSERT_TRUE(store().flush().ok());
    auto week = pnl(*ctx_, {PnlPeriod::kWeek, Date{2026, 3, 6}});
    ASSERT_TRUE(week.ok());
    EXPECT_EQ(week->from, (Date{2026, 2, 28}));
    ASSERT_EQ(week->rows.size(), 1U);
    auto day = pnl(*ctx_, {PnlPeriod::kDay, Date{2026, 3, 6}});
    ASSERT_TRUE(day.ok());
    EXPECT_TRUE(day->rows.empty());
    ASSERT_TRUE(day->latest.has_value());
    EXPECT_EQ(*day->latest, (Date{2026, 3, 4}));
}

TEST_F(Ops, EodDefaultsToTheLastStoredSessionAndSavesIt) {
    auto none = eod(*ctx_, {});
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("no bars stored"), std::string::npos);
    store_market(2);
    auto r = eod(*ctx_, {});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->row.report_date, (Date{2026, 3, 3}));
    auto saved = store().load_daily_pnl(Date{2026, 3, 3}, Date{2026, 3, 3});
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->size(), 1U);
}

TEST_F(Ops, AWritingOperationWaitsForNoRunButAReadingOneDoesNot) {
    ASSERT_TRUE(ctx_->store().ok());  // created and migrated
    // A replay in another process holds the store alone (the lease is a per-process lock).
    int ready[2], done[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(done), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto other = SqliteStore::open(config_.store.path, 1);
        auto run = other.ok() ? (*other)->acquire_writer(WriterMode::kExclusive, "", "a replay")
                              : Result<std::unique_ptr<WriterLease>>(other.error());
        const char ok = run.ok() ? '1' : '0';
        (void)!::write(ready[1], &ok, 1);
        char c;
        (void)!::read(done[0], &c, 1);
        ::_exit(0);
    }
    char ok = '0';
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ASSERT_EQ(ok, '1');
    auto promoted = models_promote(*ctx_, {"linear-x"});
    auto read = positions(*ctx_, {});
    (void)!::write(done[1], "x", 1);
    ::waitpid(child, nullptr, 0);
    ASSERT_FALSE(promoted.ok());
    EXPECT_EQ(promoted.error().code, ErrorCode::kAlreadyExists) << promoted.error().to_string();
    EXPECT_NE(promoted.error().message.find("needs it alone"), std::string::npos)
        << promoted.error().message;
    EXPECT_TRUE(read.ok());
}

TEST_F(Ops, TraceOfAnUnknownIdSaysWhereItLooked) {
    auto r = trace(*ctx_, {Uuid{1, 2}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_NE(r.error().message.find(config_.store.path), std::string::npos) << r.error().message;
}

TEST_F(Ops, TrainPromoteDeprecateAndPredictWithTheAgentsSignalRule) {
    store_market(3);
    std::vector<std::string> notes;
    ctx_->set_note_sink([&](std::string_view line) { notes.emplace_back(line); });
    auto trained = train(*ctx_, {"linear", {}});
    ASSERT_TRUE(trained.ok()) << trained.error().to_string();
    EXPECT_EQ(trained->model.status, ModelStatus::kCandidate);
    EXPECT_EQ(trained->model.model_type, "linear_quantile");
    EXPECT_GT(trained->features_computed, 0U);
    ASSERT_EQ(notes.size(), 1U);  // features_tft was empty: computed first, and said so
    EXPECT_FALSE(trained->tft.has_value());

    EXPECT_FALSE(predict(*ctx_, {"AAPL", std::nullopt, "", false}).ok());  // no green model yet
    auto promoted = models_promote(*ctx_, {trained->model.model_id});
    ASSERT_TRUE(promoted.ok()) << promoted.error().to_string();
    EXPECT_EQ(promoted->model.status, ModelStatus::kGreen);

    auto p = predict(*ctx_, {"AAPL", std::nullopt, "", false});
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(p->model.model_id, trained->model.model_id);
    const SignalCall rule = call_signal(p->q, config_.risk.min_confidence);
    EXPECT_EQ(p->call.signal, rule.signal);
    EXPECT_DOUBLE_EQ(p->call.confidence, rule.confidence);
    auto explain = predict(*ctx_, {"AAPL", std::nullopt, "", true});
    ASSERT_FALSE(explain.ok());  // a linear model has nothing to explain
    EXPECT_NE(explain.error().message.find("needs a tft model"), std::string::npos);

    auto retired = models_deprecate(*ctx_, {trained->model.model_id});
    ASSERT_TRUE(retired.ok());
    EXPECT_EQ(retired->model.status, ModelStatus::kDeprecated);
    auto listed = models_list(*ctx_, {});
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->models.size(), 1U);
    EXPECT_EQ(listed->models[0].status, ModelStatus::kDeprecated);
    EXPECT_FALSE(models_promote(*ctx_, {"no-such-model"}).ok());
}

TEST_F(Ops, TrainRefusesAnUnknownModelTypeBeforeTouchingTheStore) {
    auto r = train(*ctx_, {"forest", {}});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("'forest'"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(config_.store.path));
}

TEST_F(Ops, ApproveThenRevokeTheApprovalFile) {
    auto approved = approve(*ctx_, {"a person"});
    ASSERT_TRUE(approved.ok()) << approved.error().to_string();
    EXPECT_EQ(approved->path, config_.execution.approval_file);
    EXPECT_TRUE(approved->dry_run);  // the default: orders still blocked by layer 2
    EXPECT_TRUE(SafetyGate::approved(config_.execution.approval_file));
    ASSERT_TRUE(revoke(*ctx_, {}).ok());
    EXPECT_FALSE(SafetyGate::approved(config_.execution.approval_file));
}

TEST_F(Ops, ReconcileNamesAnOpenOrderTheBrokerNeverGotAndAPositionItLacks) {
    ASSERT_TRUE(store().insert_trade(trade("AAPL", 1, OrderStatus::kPending)).ok());
    ASSERT_TRUE(store().insert_trade(trade("MSFT", 2, OrderStatus::kFilled)).ok());
    ASSERT_TRUE(store().flush().ok());
    auto r = reconcile(*ctx_, {});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->orders.size(), 1U);
    EXPECT_EQ(r->orders[0].verdict, OrderCheck::Verdict::kUnresolved);
    EXPECT_NE(r->orders[0].detail.find("unknown to the broker"), std::string::npos);
    ASSERT_EQ(r->positions.size(), 1U);  // MSFT 10 in trades, the broker reports none
    EXPECT_EQ(r->positions[0].symbol.str(), "MSFT");
    EXPECT_FALSE(r->positions[0].broker_reported);
    EXPECT_FALSE(r->in_sync());
}

TEST_F(Ops, HealthRefusesAnUnknownAgentNamingIt) {
    auto r = health(*ctx_, {"127.0.0.1", {"cashier"}, 100});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("'cashier'"), std::string::npos);
}

TEST_F(Ops, IngestCsvCountsAndNamesEachFindingInFileOrder) {
    const std::string csv = dir_.file("bars.csv");
    std::ofstream(csv) << "ts,symbol,open,high,low,close,volume\n"
                          "2026-03-02T14:30:00Z,AAPL,100,101,99,100.5,1000\n"
                          "2026-03-02T14:31:00Z,AAPL,100.5,100,99,100.2,900\n"  // high < open
                          "2026-03-02T14:32:00Z,AAPL,100.2,100.9,100,100.4,800\n";
    auto first = ingest_csv(*ctx_, {{csv}});
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    EXPECT_EQ(first->files, 1U);
    EXPECT_EQ(first->rows, 3);
    EXPECT_EQ(first->stored, 2);
    EXPECT_EQ(first->rejected, 1);
    ASSERT_EQ(first->findings.size(), 1U);
    EXPECT_EQ(first->findings[0].rfind(csv + ":3: field '", 0), 0U) << first->findings[0];

    // The same file again: nothing new; one bar changed: a conflict, the stored bar kept.
    std::ofstream(csv) << "ts,symbol,open,high,low,close,volume\n"
                          "2026-03-02T14:30:00Z,AAPL,100,101,99,100.5,1000\n"
                          "2026-03-02T14:32:00Z,AAPL,100.2,100.9,100,100.7,800\n";
    auto again = ingest_csv(*ctx_, {{csv}});
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->stored, 0);
    EXPECT_EQ(again->duplicates, 1);
    EXPECT_EQ(again->conflicts, 1);
    ASSERT_EQ(again->findings.size(), 1U);
    EXPECT_NE(again->findings[0].find("conflicts with the stored bar"), std::string::npos);
    EXPECT_FALSE(ingest_csv(*ctx_, {{dir_.file("missing.csv")}}).ok());
}

TEST_F(Ops, ReplayNeedsAGreenModelThenRunsAndAnnouncesItself) {
    store_market(3);
    EXPECT_FALSE(replay(*ctx_, {}).ok());  // no green model
    auto trained = train(*ctx_, {"linear", {}});
    ASSERT_TRUE(trained.ok()) << trained.error().to_string();
    ASSERT_TRUE(models_promote(*ctx_, {trained->model.model_id}).ok());
    auto run_ctx = make_context();  // a run holds the store alone: a context of its own
    std::vector<std::string> notes;
    run_ctx->set_note_sink([&](std::string_view line) { notes.emplace_back(line); });
    ReplayRequest request;
    request.from = Date{2026, 3, 4};
    auto r = replay(*run_ctx, request);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->sessions, 1U);
    EXPECT_EQ(r->model_id, trained->model.model_id);
    EXPECT_EQ(r->result.counters.bars, r->bars);
    ASSERT_EQ(notes.size(), 1U);
    EXPECT_EQ(notes[0].rfind("AWET replay: 1 sessions", 0), 0U) << notes[0];
}

TEST(Catalog, NamesAreUniqueAndOnlyAPersonApproves) {
    std::set<std::string_view> names;
    for (const OperationInfo& op : catalog()) {
        EXPECT_TRUE(names.insert(op.name).second) << op.name;
        EXPECT_FALSE(op.summary.empty()) << op.name;
        EXPECT_EQ(find_operation(op.name), &op);
        // No operation places, changes or cancels an order.
        EXPECT_EQ(op.name.find("order"), std::string_view::npos) << op.name;
    }
    for (const char* reader : {"health", "positions", "trades", "pnl", "trace", "models.list",
                               "predict", "reconcile", "evaluate"}) {
        ASSERT_NE(find_operation(reader), nullptr) << reader;
        EXPECT_FALSE(find_operation(reader)->mutating) << reader;
    }
    for (const char* writer :
         {"eod", "models.promote", "models.deprecate", "train", "approve", "revoke"}) {
        ASSERT_NE(find_operation(writer), nullptr) << writer;
        EXPECT_TRUE(find_operation(writer)->mutating) << writer;
    }
    EXPECT_TRUE(find_operation("approve")->local_only);
    // Operations that read or write files where they are told stay on the machine.
    for (const char* files : {"ingest.csv", "features", "models.export_onnx"}) {
        ASSERT_NE(find_operation(files), nullptr) << files;
        EXPECT_TRUE(find_operation(files)->local_only) << files;
    }
    EXPECT_FALSE(find_operation("revoke")->local_only);  // the kill switch is everywhere
    EXPECT_EQ(find_operation("submit"), nullptr);
}

}  // namespace
}  // namespace awet::ops
