// `awet scheduler --simulate` on the real bars, as a user runs it: a trading week where every
// slot runs once (also across a restart), the trades are those of a plain replay of the same
// days, and the watchdog's kill switch blocks every order after it trips.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "cli_support.hpp"

namespace {

using awet::testing::json_of;
using awet::testing::run_awet;

std::string bars_dir() { return (awet::testing::shared_data() / "bars" / "1min").string(); }

class SchedulerCli : public ::testing::Test {
protected:
    void SetUp() override { awet::testing::write_cli_config(dir_); }
    /// A store of AAPL, MSFT and NVDA bars with a baseline trained up to 2026-03-13, promoted;
    /// the gate open.
    std::string store(const std::string& name) {
        const std::string args = "--config " + dir_.file("cfg.yaml") + " --db " + dir_.file(name);
        EXPECT_EQ(run_awet("ingest csv " + bars_dir() + "/AAPL.csv " + bars_dir() + "/MSFT.csv " +
                           bars_dir() + "/NVDA.csv " + args)
                      .code,
                  0);
        auto train = run_awet("train --model linear --to 2026-03-13 " + args);
        std::smatch m;
        EXPECT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")))
            << train.out;
        EXPECT_EQ(run_awet("models promote " + std::string(m[1]) + " " + args).code, 0);
        EXPECT_EQ(run_awet("approve " + args).code, 0);
        return args;
    }
    /// Every order of the store: idempotency key -> "status filled_qty".
    std::map<std::string, std::string> orders(const std::string& args) {
        const auto j =
            json_of(std::string(AWET_CLI) + " trades --fills --limit 100000 --json " + args);
        std::map<std::string, std::string> out;
        for (const auto& t : j["trades"]) {
            out[t["idempotency_key"].get<std::string>()] =
                t["status"].get<std::string>() + " " + t["filled_qty"].get<std::string>();
        }
        return out;
    }
    awet::testing::TempDir dir_;
};

TEST_F(SchedulerCli, ASimulatedWeekRunsEverySlotOnceAndTradesAsAReplayOfTheSameDays) {
    // No candidate is promoted in this week (a gate it cannot pass): the green model trades
    // throughout, so a replay of the same days must give the same orders.
    const std::string keep = "AWET_SCHEDULER_PROMOTION_MARGIN_PCT=50 ";
    const std::string sim = store("sim.db");
    const auto week =
        json_of(keep + AWET_CLI + " scheduler --simulate --from 2026-03-16 --days 5 --json " + sim);
    ASSERT_TRUE(week.is_object());
    std::map<std::string, int> per_job;
    std::set<std::string> slots;
    for (const auto& r : week["runs"]) {
        ++per_job[r["job"].get<std::string>()];
        EXPECT_EQ(r["status"], "ok") << r.dump();
        EXPECT_EQ(r["trigger"], "on_time") << r.dump();
        EXPECT_FALSE(r["finished_at"].is_null()) << r.dump();
        EXPECT_TRUE(
            slots.insert(r["job"].get<std::string>() + r["slot"].get<std::string>()).second);
        if (r["job"] == "night_training") EXPECT_EQ(r["details"]["promoted"], false) << r.dump();
    }
    // Monday 16 to Friday 20 March 2026: five sessions, 26 watchdog slots each.
    EXPECT_EQ(per_job,
              (std::map<std::string, int>{
                  {"eod", 5}, {"morning_check", 5}, {"night_training", 5}, {"watchdog", 130}}));
    EXPECT_GT(week["bars_traded"].get<int64_t>(), 5000);
    const auto traded = orders(sim);
    ASSERT_FALSE(traded.empty()) << "no orders in the week: the test proves nothing";

    // The same days as a plain replay on a store made the same way: the same orders.
    const std::string plain = store("replay.db");
    ASSERT_EQ(run_awet("replay --from 2026-03-16 --to 2026-03-20 " + plain).code, 0);
    EXPECT_EQ(orders(plain), traded);

    // A scheduler stopped after two days and started again: nothing runs twice, the trades are
    // the same as the week's in one go.
    const std::string restarted = store("restart.db");
    const auto two = json_of(
        keep + AWET_CLI + " scheduler --simulate --from 2026-03-16 --days 2 --json " + restarted);
    const auto rest = json_of(
        keep + AWET_CLI + " scheduler --simulate --from 2026-03-16 --days 5 --json " + restarted);
    EXPECT_EQ(two["runs"].size() + rest["runs"].size(), week["runs"].size());
    for (const auto& r : rest["runs"]) {
        EXPECT_GE(r["slot"].get<std::string>(), std::string("2026-03-18")) << r.dump();
    }
    const auto all = json_of(std::string(AWET_CLI) + " jobs --limit 1000 --json " + restarted);
    EXPECT_EQ(all["runs"].size(), week["runs"].size());
    EXPECT_EQ(orders(restarted), traded);
    // Once more: nothing was due.
    auto again = run_awet("scheduler --simulate --from 2026-03-16 --days 5 " + restarted);
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_NE(again.out.find("nothing was due"), std::string::npos) << again.out;
}

/// The night training's summary and figures of a one-day simulation (2026-03-20: the candidate
/// trains up to 03-18, both are scored on 03-19).
nlohmann::json night_training(const std::string& args, const std::string& env = "") {
    const auto day =
        json_of(env + " " + AWET_CLI +
                " scheduler --simulate --from 2026-03-20 --days 1 --no-trade --json " + args);
    for (const auto& r : day["runs"]) {
        if (r["job"] == "night_training") return r;
    }
    ADD_FAILURE() << "no night training run: " << day.dump();
    return {};
}

TEST_F(SchedulerCli, ThePromotionGatePromotesABetterCandidateAndRefusesAWorseOne) {
    const std::string bars = bars_dir();
    const auto prepare = [&](const std::string& db, const std::string& train_range) {
        const std::string args = "--config " + dir_.file("cfg.yaml") + " --db " + dir_.file(db);
        EXPECT_EQ(run_awet("ingest csv " + bars + "/AAPL.csv " + bars + "/MSFT.csv " + bars +
                           "/NVDA.csv " + args)
                      .code,
                  0);
        auto train = run_awet("train --model linear " + train_range + " " + args);
        std::smatch m;
        EXPECT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")));
        EXPECT_EQ(run_awet("models promote " + std::string(m[1]) + " " + args).code, 0);
        return std::make_pair(args, std::string(m[1]));
    };
    // A green model of one session against a candidate of five: promoted.
    const auto [weak_args, weak] = prepare("weak.db", "--from 2026-03-12 --to 2026-03-12");
    const auto better = night_training(weak_args);
    EXPECT_EQ(better["status"], "ok") << better.dump();
    EXPECT_EQ(better["details"]["promoted"], true) << better.dump();
    EXPECT_EQ(better["details"]["green"], weak);
    EXPECT_EQ(better["details"]["held_out_from"], "2026-03-19");
    const std::string promoted = better["details"]["candidate"];
    for (size_t h = 0; h < 3; ++h) {
        EXPECT_LT(better["details"]["candidate_score"]["horizons"][h]["pinball"].get<double>(),
                  better["details"]["green_score"]["horizons"][h]["pinball"].get<double>());
    }
    const auto models = json_of(std::string(AWET_CLI) + " models list --json " + weak_args);
    for (const auto& m : models["models"]) {
        EXPECT_EQ(m["status"], m["model_id"] == promoted ? "green" : "deprecated") << m.dump();
    }

    // A green model of five sessions against a candidate of one: refused, the green kept.
    const auto [strong_args, strong] = prepare("strong.db", "--to 2026-03-18");
    const auto worse = night_training(strong_args, "AWET_SCHEDULER_NIGHT_TRAINING_SESSIONS=1");
    EXPECT_EQ(worse["details"]["promoted"], false) << worse.dump();
    EXPECT_NE(worse["summary"].get<std::string>().find("kept " + strong), std::string::npos)
        << worse.dump();
    EXPECT_FALSE(worse["details"]["verdict"].get<std::string>().empty());
    const auto kept = json_of(std::string(AWET_CLI) + " models list --json " + strong_args);
    for (const auto& m : kept["models"]) {
        EXPECT_EQ(m["status"], m["model_id"] == strong ? "green" : "candidate") << m.dump();
    }
}

TEST_F(SchedulerCli, AMorningWithoutYesterdaysBarsIsANoGoThatShutsTheGate) {
    const std::string args = store("stale.db");
    ASSERT_TRUE(std::filesystem::exists(dir_.file("APPROVE")));
    // The stored bars end on 2026-03-31; the session of Tuesday 2026-04-07 follows 04-06's.
    const auto day =
        json_of(std::string(AWET_CLI) +
                " scheduler --simulate --from 2026-04-07 --days 1 --no-trade --json " + args);
    nlohmann::json check;
    for (const auto& r : day["runs"]) {
        if (r["job"] == "morning_check") check = r;
    }
    ASSERT_FALSE(check.is_null()) << day.dump();
    EXPECT_EQ(check["details"]["go"], false) << check.dump();
    EXPECT_EQ(check["details"]["revoked"], true) << check.dump();
    EXPECT_TRUE(std::regex_search(
        check["summary"].get<std::string>(),
        std::regex("no-go: data_fresh: bars through 2026-03-\\d\\d \\(previous session "
                   "2026-04-06\\); approval file revoked")))
        << check.dump();
    EXPECT_FALSE(std::filesystem::exists(dir_.file("APPROVE")));
}

TEST_F(SchedulerCli, TheWatchdogTripsTheKillSwitchAndEveryLaterOrderIsBlocked) {
    const std::string args = store("kill.db");
    // A limit of one cent: the first loss of the week passes it.
    const auto week =
        json_of("AWET_SCHEDULER_WATCHDOG_MAX_DRAWDOWN_USD=0.01 " + std::string(AWET_CLI) +
                " scheduler --simulate --from 2026-03-16 --days 2 --json " + args);
    ASSERT_TRUE(week.is_object());
    std::string tripped_at;
    for (const auto& r : week["runs"]) {
        if (r["job"] == "watchdog" && r["details"]["tripped"] == true) {
            tripped_at = r["slot"].get<std::string>();
            EXPECT_NE(r["summary"].get<std::string>().find("kill switch"), std::string::npos);
            break;
        }
    }
    ASSERT_FALSE(tripped_at.empty()) << "the watchdog never tripped: " << week.dump();
    EXPECT_FALSE(std::filesystem::exists(dir_.file("APPROVE")));
    const auto j = json_of(std::string(AWET_CLI) + " trades --fills --limit 100000 --json " + args);
    int later = 0;
    for (const auto& t : j["trades"]) {
        if (t["ts"].get<std::string>() <= tripped_at) continue;
        ++later;
        EXPECT_EQ(t["status"], "blocked") << t.dump();
    }
    EXPECT_GT(later, 0) << "no order after the trip: the test proves nothing";
    // The next morning's check reports the gate shut.
    const auto checks = json_of(std::string(AWET_CLI) + " jobs --job morning_check --json " + args);
    ASSERT_EQ(checks["runs"].size(), 2U);
    const std::string gates = checks["runs"][1]["details"]["checks"].dump();
    EXPECT_NE(gates.find("approval file absent"), std::string::npos) << gates;
}

}  // namespace
