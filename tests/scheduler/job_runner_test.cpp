// The job runner against a real store: every slot once, across a restart; missed slots by
// policy, recorded; failures, exceptions and timeouts recorded; runs left by a stopped
// scheduler marked.
#include "awet/scheduler/job_runner.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "awet/calendar/calendar.hpp"
#include "awet/store_sqlite/sqlite_store.hpp"
#include "awet_test_support.hpp"

namespace awet {
namespace {

Timestamp local(const char* date, int hh, int mm) {
    return SessionCalendar::from_local(*Date::parse(date), hh * 60 + mm);
}

class JobRunnerTest : public ::testing::Test {
protected:
    void SetUp() override { open(); }
    void open() {
        store_.reset();
        auto s = SqliteStore::open(dir_.file("jobs.db"));
        ASSERT_TRUE(s.ok()) << s.error().message;
        store_ = std::move(*s);
        ASSERT_TRUE(store_->migrate().ok());
    }
    /// A runner whose bodies count their runs (and record the trigger).
    std::unique_ptr<JobRunner> runner() {
        auto r = std::make_unique<JobRunner>(*store_, schedule_, clock_, 7);
        for (JobKind job : kJobKinds) {
            r->set_body(job, [this, job](const JobRun& run) -> Result<JobOutcome> {
                ++calls_[job];
                triggers_.push_back(std::string(job_name(job)) + ":" + run.trigger);
                return JobOutcome{true, "done at " + run.slot.at.iso(), "{}"};
            });
        }
        return r;
    }
    std::vector<JobRunRecord> rows(const std::string& job = "") {
        JobRunQuery q;
        q.job = job;
        return *store_->load_job_runs(q);
    }

    testing::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    SchedulerConfig config_;
    Schedule schedule_{config_};
    SimClock clock_{local("2026-03-10", 0, 0)};
    std::map<JobKind, int> calls_;
    std::vector<std::string> triggers_;
};

TEST_F(JobRunnerTest, EverySlotRunsOnceOnTimeAndARestartRunsNothingTwice) {
    const Timestamp start = clock_.now();
    const auto day = schedule_.all_slots(start, local("2026-03-11", 0, 0));
    ASSERT_EQ(day.size(), 1U + 1U + 26U + 1U);
    auto first = runner();
    size_t half = day.size() / 2;
    for (size_t i = 0; i < half; ++i) {
        clock_.advance_to(day[i].at);
        auto written = first->run_due(start);
        ASSERT_TRUE(written.ok()) << written.error().message;
        EXPECT_FALSE(written->empty()) << day[i].at.iso();
    }
    // The scheduler restarts at the same instant: nothing is due that has not run.
    first.reset();
    open();
    auto second = runner();
    auto again = second->run_due(start);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty());
    for (size_t i = half; i < day.size(); ++i) {
        clock_.advance_to(day[i].at);
        ASSERT_TRUE(second->run_due(start).ok());
    }
    EXPECT_EQ(calls_[JobKind::kNightTraining], 1);
    EXPECT_EQ(calls_[JobKind::kMorningCheck], 1);
    EXPECT_EQ(calls_[JobKind::kWatchdog], 26);
    EXPECT_EQ(calls_[JobKind::kEod], 1);
    const auto all = rows();
    ASSERT_EQ(all.size(), day.size());
    for (const auto& r : all) {
        EXPECT_EQ(r.status, "ok") << r.job << " " << r.slot.iso();
        EXPECT_EQ(r.trigger, "on_time") << r.job << " " << r.slot.iso();
        EXPECT_EQ(r.started_at, r.slot);  // the simulated clock stood at the slot
        EXPECT_FALSE(r.correlation_id.is_nil());
        EXPECT_EQ(r.summary, "done at " + r.slot.iso());
    }
    // A later call, the day over: nothing more.
    clock_.advance_to(local("2026-03-10", 23, 0));
    EXPECT_TRUE(second->run_due(start)->empty());
    EXPECT_EQ(*second->last_slot(), local("2026-03-10", 16, 30));
}

TEST_F(JobRunnerTest, SlotsMissedWhileDownFollowEachJobsPolicyAndTheChoiceIsRecorded) {
    // Down from Monday 00:00 until Wednesday 12:05.
    const Timestamp since = local("2026-03-09", 0, 0);
    clock_.advance_to(local("2026-03-11", 12, 5));
    auto r = runner();
    auto written = r->run_due(since);
    ASSERT_TRUE(written.ok()) << written.error().message;
    // EOD catches up Monday and Tuesday; night training and the morning check run Wednesday's
    // (latest) and skip the older ones; every missed watchdog slot is skipped.
    EXPECT_EQ(calls_[JobKind::kEod], 2);
    EXPECT_EQ(calls_[JobKind::kNightTraining], 1);
    EXPECT_EQ(calls_[JobKind::kMorningCheck], 1);
    EXPECT_EQ(calls_[JobKind::kWatchdog], 0);
    const auto night = rows("night_training");
    ASSERT_EQ(night.size(), 3U);
    EXPECT_EQ(night[0].status, "skipped");
    EXPECT_NE(night[0].summary.find("policy latest"), std::string::npos) << night[0].summary;
    EXPECT_EQ(night[2].status, "ok");
    EXPECT_EQ(night[2].trigger, "catch_up");
    EXPECT_EQ(night[2].slot, local("2026-03-11", 2, 0));
    const auto watch = rows("watchdog");
    EXPECT_EQ(watch.size(), 26U + 26U + 11U);  // Monday, Tuesday, Wednesday 09:30 .. 12:00
    for (const auto& w : watch) EXPECT_EQ(w.status, "skipped");
    for (const auto& e : rows("eod")) EXPECT_EQ(e.trigger, "catch_up");
    // The next watchdog slot, on time, runs.
    clock_.advance_to(local("2026-03-11", 12, 15));
    ASSERT_TRUE(r->run_due(since).ok());
    EXPECT_EQ(calls_[JobKind::kWatchdog], 1);
    EXPECT_EQ(triggers_.back(), "watchdog:on_time");
}

TEST_F(JobRunnerTest, FailuresExceptionsAndTimeoutsAreRecordedAndTheScheduleGoesOn) {
    config_.job_timeout_minutes = 1;
    const Schedule quick{config_};
    JobRunner r(*store_, quick, clock_, 3);
    r.set_body(JobKind::kNightTraining, [](const JobRun&) -> Result<JobOutcome> {
        return make_error(ErrorCode::kNotFound, "no bars to train on");
    });
    r.set_body(JobKind::kMorningCheck, [](const JobRun&) -> Result<JobOutcome> {
        throw std::runtime_error("disk on fire");
    });
    r.set_body(JobKind::kEod, [](const JobRun&) -> Result<JobOutcome> {
        return JobOutcome{false, "no-go: 2 agents down", R"({"down":2})"};
    });
    // The watchdog has no body: recorded failed, not a crash.
    clock_.advance_to(local("2026-03-10", 9, 30));
    ASSERT_TRUE(r.run_due(local("2026-03-10", 0, 0)).ok());
    clock_.advance_to(local("2026-03-10", 16, 30));
    ASSERT_TRUE(r.run_due(local("2026-03-10", 16, 30)).ok());
    std::map<std::string, JobRunRecord> by_job;
    for (const auto& row : rows()) by_job[row.job] = row;
    EXPECT_EQ(by_job["night_training"].status, "failed");
    EXPECT_EQ(by_job["night_training"].summary, "no bars to train on");
    EXPECT_EQ(by_job["morning_check"].status, "failed");
    EXPECT_EQ(by_job["morning_check"].summary, "threw: disk on fire");
    EXPECT_EQ(by_job["watchdog"].status, "failed");
    EXPECT_EQ(by_job["watchdog"].summary, "no body for this job");
    EXPECT_EQ(by_job["eod"].status, "failed");
    EXPECT_EQ(by_job["eod"].details_json, R"({"down":2})");

    // A run that returns after its timeout (real time): timed_out, with what it said.
    Schedule tight{config_};
    tight.set_timeout(JobKind::kEod, Duration::millis(5));
    JobRunner slow(*store_, tight, clock_, 4);
    slow.set_body(JobKind::kEod, [](const JobRun& run) -> Result<JobOutcome> {
        EXPECT_FALSE(run.expired());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_TRUE(run.expired());
        return JobOutcome{true, "saved", "{}"};
    });
    clock_.advance(Duration::minutes(1));  // not the EOD slot the first runner ran
    auto late = slow.run_now(JobKind::kEod);
    ASSERT_TRUE(late.ok()) << late.error().message;
    EXPECT_EQ(late->status, "timed_out");
    EXPECT_EQ(late->trigger, "manual");
    EXPECT_NE(late->summary.find("saved"), std::string::npos) << late->summary;

    // A row a stopped scheduler left running: marked timed_out once its timeout has passed.
    JobRunRecord stale;
    stale.job = "eod";
    stale.slot = local("2026-03-09", 16, 30);
    stale.trigger = "on_time";
    stale.status = "running";
    stale.started_at = stale.slot;
    stale.details_json = "{}";
    stale.correlation_id = IdGenerator(9).next();
    ASSERT_TRUE(*store_->claim_job_run(stale));
    auto marked = r.recover();
    ASSERT_TRUE(marked.ok());
    EXPECT_EQ(*marked, 1);
    const auto eods = rows("eod");
    EXPECT_EQ(eods.front().slot, stale.slot);
    EXPECT_EQ(eods.front().status, "timed_out");
    EXPECT_NE(eods.front().summary.find("not run again"), std::string::npos);
    EXPECT_EQ(*r.recover(), 0);
}

}  // namespace
}  // namespace awet
