// Crash consistency of `awet replay`: the process is killed (SIGKILL, by AWET_CRASH_AT: no
// destructor, no flush, no unlock) at seeded points across bars, order submissions, fills, exits,
// the EOD job and the store's commits, then the same command is run again on the same store. It
// must end with exactly the store an uninterrupted run leaves: the same trades, positions,
// risk decisions, predictions, daily PnL and audit chains, row for row — 0 lost, 0 doubled.
//
// The run that is killed starts on a store with an earlier run's results and open positions
// (flat_at_close: false), so that the restart also rebuilds what it carried over.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "awet_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using awet::testing::CommandResult;

/// Every row of the tables a run writes, as text, without the columns a rerun may number
/// differently (surrogate keys) or stamp with the wall clock.
std::map<std::string, std::string> dump(const std::string& db_path) {
    static const std::vector<std::pair<std::string, std::string>> kTables = {
        {"trades", "ts_ns, idempotency_key"},         {"positions", "symbol"},
        {"risk_decisions", "ts_ns, idempotency_key"}, {"predictions_tft", "ts_ns, idempotency_key"},
        {"daily_pnl_summary", "report_date"},         {"audit_events", "seq"},
    };
    static const std::set<std::string> kSkip = {"id", "seq", "created_at", "created_at_ns"};
    std::map<std::string, std::string> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << "cannot open " << db_path;
        sqlite3_close(db);
        return out;
    }
    for (const auto& [table, order] : kTables) {
        const std::string sql = "SELECT * FROM " + table + " ORDER BY " + order;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
            continue;
        }
        std::string text;
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(s); ++c) {
                if (kSkip.contains(sqlite3_column_name(s, c))) continue;
                const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
                text += v != nullptr ? v : "NULL";
                text += '|';
            }
            text += '\n';
        }
        sqlite3_finalize(s);
        out[table] = text;
    }
    sqlite3_close(db);
    return out;
}

/// Rows of `runs`: every one finished?
std::pair<int, int> runs_finished(const std::string& db_path) {
    sqlite3* db = nullptr;
    std::pair<int, int> n{0, 0};
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT count(*), count(finished_at_ns) FROM runs", -1, &s,
                               nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            n = {sqlite3_column_int(s, 0), sqlite3_column_int(s, 1)};
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return n;
}

/// The first line where two dumps of a table differ, for the failure message.
std::string first_difference(const std::string& want, const std::string& got) {
    std::istringstream a(want), b(got);
    std::string la, lb;
    for (int line = 1;; ++line) {
        const bool ha = static_cast<bool>(std::getline(a, la));
        const bool hb = static_cast<bool>(std::getline(b, lb));
        if (!ha && !hb) return "identical";
        if (!ha || !hb || la != lb) {
            return "row " + std::to_string(line) + ":\n  want " + (ha ? la : "(none)") +
                   "\n  got  " + (hb ? lb : "(none)");
        }
    }
}

int64_t count_in(const std::string& out, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(pattern))) return -1;
    return std::stoll(m[1]);
}

class CrashConsistency : public ::testing::Test {
protected:
    void SetUp() override {
        // A busy book: entries through the day (shorts too), exits of every kind, positions and
        // exit orders still open at the close that the next run takes over.
        std::ofstream(dir_.file("cfg.yaml"))
            << "execution:\n  dry_run: false\n  approval_file: " << dir_.file("APPROVE")
            << "\nprediction:\n  model_dir: " << dir_.file("models")
            << "\nexits:\n  flat_at_close: false\n  take_profit_pct: 0.6\n  stop_loss_pct: 0.4"
            << "\n  max_holding_minutes: 120"
            << "\nrisk:\n  min_confidence: 0\n  allow_short: true\n  cooldown_minutes: 25"
            << "\n  max_orders_per_symbol_per_day: 20"
            << "\nlogging:\n  level: error\n  format: text\n";
        const std::string bars = (awet::testing::shared_data() / "bars" / "1min").string();
        std::string files;
        for (const char* s : {"AAPL", "NVDA", "TSLA", "MSFT"})
            files += " " + bars + "/" + s + ".csv";
        ASSERT_EQ(awet("ingest csv" + files, "base.db").code, 0);
        auto train = awet("train --model linear", "base.db");
        ASSERT_EQ(train.code, 0) << train.out;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(train.out, m, std::regex("registered (\\S+) as candidate")));
        ASSERT_EQ(awet("models promote " + std::string(m[1]), "base.db").code, 0);
        ASSERT_EQ(awet("approve", "base.db").code, 0);
        // An earlier run whose positions stay open into the run that is killed.
        auto earlier = awet("replay --from 2026-03-20 --days 1", "base.db");
        ASSERT_EQ(earlier.code, 0) << earlier.out;
    }

    CommandResult awet(const std::string& args, const std::string& db,
                       const std::string& env = "") const {
        return awet::testing::run_command(env + " " + AWET_CLI + " " + args + " --config " +
                                          dir_.file("cfg.yaml") + " --db " + dir_.file(db));
    }

    /// A copy of the prepared store (the earlier run closed it cleanly: no WAL to carry).
    std::string copy_of_base(const std::string& name) const {
        fs::copy_file(dir_.file("base.db"), dir_.file(name), fs::copy_options::overwrite_existing);
        return name;
    }

    static constexpr const char* kRun = "replay --from 2026-03-23 --days 2";
    awet::testing::TempDir dir_;
};

TEST_F(CrashConsistency, AReplayKilledAnywhereAndRunAgainEndsAsIfNeverInterrupted) {
    ASSERT_FALSE(fs::exists(dir_.file("base.db-wal")) &&
                 fs::file_size(dir_.file("base.db-wal")) > 0);
    // The reference: the same run, never interrupted.
    const std::string reference_db = copy_of_base("reference.db");
    auto reference = awet(kRun, reference_db);
    ASSERT_EQ(reference.code, 0) << reference.out;
    // It takes over open positions, their lots and open exit orders from the earlier run.
    ASSERT_GT(count_in(reference.out, R"(carried over\s+(\d+) open positions)"), 0)
        << reference.out;
    ASSERT_GT(count_in(reference.out, R"((\d+) open orders brought)"), 0) << reference.out;
    const auto want = dump(dir_.file(reference_db));
    ASSERT_FALSE(want.at("trades").empty());
    ASSERT_FALSE(want.at("audit_events").empty());
    EXPECT_EQ(runs_finished(dir_.file(reference_db)), std::make_pair(2, 2));

    // How often the run passes each crash point, from its own summary.
    const std::map<std::string, int64_t> passes = {
        {"bar", count_in(reference.out, R"(bars processed\s+(\d+))")},
        {"order.submit", count_in(reference.out, R"(orders\s+(\d+) submitted)")},
        {"fill", count_in(reference.out, R"(fills\s+(\d+))")},
        {"exit", count_in(reference.out, R"(exits\s+(\d+))")},
        {"eod", 2},           // two sessions
        {"store.commit", 3},  // at least: the run's mark, each EOD
    };
    for (const auto& [point, n] : passes) {
        ASSERT_GT(n, 0) << point << " is never passed:\n" << reference.out;
    }

    // Seeded kill points: up to eight per crash point (every pass where there are fewer),
    // anywhere in the run.
    constexpr int64_t kPerPoint = 8;
    std::mt19937_64 rng(20261202);
    std::vector<std::pair<std::string, int64_t>> kills;
    for (const auto& [point, n] : passes) {
        std::uniform_int_distribution<int64_t> at(1, n);
        std::set<int64_t> chosen;
        while (static_cast<int64_t>(chosen.size()) < std::min(kPerPoint, n)) chosen.insert(at(rng));
        for (int64_t i : chosen) kills.emplace_back(point, i);
    }
    ASSERT_GE(kills.size(), 30U);

    int killed = 0;
    for (const auto& [point, n] : kills) {
        const std::string at = point + ":" + std::to_string(n);
        SCOPED_TRACE("killed at " + at);
        const std::string db = copy_of_base("crash.db");
        fs::remove(dir_.file(db + "-wal"));
        fs::remove(dir_.file(db + "-shm"));
        auto crashed = awet(kRun, db, "AWET_CRASH_AT=" + at);
        // Killed by SIGKILL: the shell reports 128 + 9, or no exit status at all.
        ASSERT_TRUE(crashed.code == 137 || crashed.code == -1)
            << "not killed (exit " << crashed.code << "):\n"
            << crashed.out;
        ++killed;

        auto again = awet(kRun, db);
        ASSERT_EQ(again.code, 0) << again.out;
        if (point != "store.commit") {
            // The mark was committed before any result: the rerun knows it redoes a run.
            EXPECT_NE(again.out.find("interrupted run"), std::string::npos) << again.out;
        }
        const auto got = dump(dir_.file(db));
        for (const auto& [table, rows] : want) {
            EXPECT_EQ(got.at(table), rows)
                << table << ": " << first_difference(rows, got.at(table));
        }
        EXPECT_EQ(runs_finished(dir_.file(db)), std::make_pair(2, 2));
        if (HasFailure()) break;  // one diagnosis is enough; the rest would repeat it
    }
    EXPECT_EQ(killed, static_cast<int>(kills.size()));
    if (!HasFailure())
        std::printf("crash consistency: %d kills across %zu crash points, every rerun identical\n",
                    killed, passes.size());
}

}  // namespace
