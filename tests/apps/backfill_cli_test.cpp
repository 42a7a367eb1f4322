// `awet ingest yahoo` as a user runs it, against a loopback server replaying Yahoo's recorded
// chart response: an interrupted backfill resumes from backfill_checkpoints without duplicates.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "awet_test_support.hpp"

namespace {

using awet::testing::run_command;

class YahooReplay {
public:
    YahooReplay() {
        const auto rec = nlohmann::json::parse(awet::testing::read_text(
            awet::testing::shared_data() /
            "api/yahoo/recorded-http/chart-AAPL-2020-08-31-to-2020-11-07.json"));
        body_ = rec["response"]["bodyJson"].dump();
        server_.Get(
            "/v8/finance/chart/AAPL", [this](const httplib::Request&, httplib::Response& res) {
                const int n = ++hits_;
                if (fail_after_ > 0 && n > fail_after_) {
                    res.status = 404;  // not retried: the run stops here
                    res.set_content(R"({"chart":{"result":null,"error":{"code":"Not Found"}}})",
                                    "application/json");
                    return;
                }
                res.set_content(body_, "application/json");
            });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~YahooReplay() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    void fail_after(int n) { fail_after_ = n; }
    int hits() const { return hits_; }

private:
    httplib::Server server_;
    std::thread thread_;
    std::string body_;
    int port_ = 0;
    std::atomic<int> hits_{0};
    std::atomic<int> fail_after_{0};
};

TEST(CliBackfill, InterruptedBackfillResumesWithoutDuplicates) {
    awet::testing::TempDir dir;
    YahooReplay yahoo;
    const std::string cmd = std::string(AWET_CLI) +
                            " ingest yahoo --symbols AAPL --from 2020-08-31 --to 2020-11-06 "
                            "--interval 1d --no-progress --base-url " +
                            yahoo.url() + " --db " + dir.file("b.db");
    // The vendor fails after 20 requests (20 days): the run stops and names the day.
    yahoo.fail_after(20);
    auto first = run_command(cmd);
    ASSERT_NE(first.code, 0) << first.out;
    EXPECT_NE(first.out.find("resumes"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("404"), std::string::npos) << first.out;

    // Again, with the vendor back: the 20 finished days are not fetched again.
    yahoo.fail_after(0);
    const int before = yahoo.hits();
    auto second = run_command(cmd);
    ASSERT_EQ(second.code, 0) << second.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(second.out, m,
                                  std::regex("(\\d+) bars fetched, (\\d+) stored, (\\d+) already "
                                             "present, 0 conflicting \\(stored kept\\), "
                                             "(\\d+) symbol-days resumed")))
        << second.out;
    EXPECT_EQ(std::stoi(m[4]), 20);
    EXPECT_EQ(std::stoi(m[3]), 0);  // nothing stored twice
    // 68 days in the range, 20 done before, plus one daily chart for the corporate actions.
    EXPECT_EQ(yahoo.hits() - before, 68 - 20 + 1);
    EXPECT_NE(second.out.find("data quality"), std::string::npos);
    // The recording's split and dividend are reported; the split falls on the first stored day,
    // so there is no bar before it to tell adjusted from raw history.
    EXPECT_NE(second.out.find("corporate action: AAPL split 4:1 on 2020-08-31 (yahoo): stored "
                              "bars not covered"),
              std::string::npos)
        << second.out;
    EXPECT_NE(second.out.find("corporate action: AAPL dividend 0.205 ex 2020-11-06 (yahoo): "
                              "flagged"),
              std::string::npos)
        << second.out;

    // The 49 trading days of the recording are in the store exactly once.
    auto trades = run_command(std::string(AWET_CLI) +
                              " ingest yahoo --symbols AAPL --from "
                              "2020-08-31 --to 2020-11-06 --interval 1d --no-progress "
                              "--base-url " +
                              yahoo.url() + " --db " + dir.file("b.db"));
    ASSERT_EQ(trades.code, 0) << trades.out;
    EXPECT_NE(trades.out.find("0 bars fetched, 0 stored"), std::string::npos) << trades.out;
    EXPECT_NE(trades.out.find("68 symbol-days resumed"), std::string::npos) << trades.out;
}

TEST(CliBackfill, JsonGivesTheCountsQualityAndCorporateActions) {
    awet::testing::TempDir dir;
    YahooReplay yahoo;
    // stdout alone (stderr dropped): the JSON document and nothing else.
    auto r = run_command("(" + std::string(AWET_CLI) +
                         " ingest yahoo --symbols AAPL --from 2020-08-31 --to 2020-09-04 "
                         "--interval 1d --json --base-url " +
                         yahoo.url() + " --db " + dir.file("j.db") + " 2>/dev/null)");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["vendor"], "yahoo");
    EXPECT_EQ(j["symbols"], nlohmann::json::array({"AAPL"}));
    EXPECT_EQ(j["from"], "2020-08-31");
    EXPECT_GT(j["fetched"].get<int64_t>(), 0);
    EXPECT_EQ(j["stored"], j["fetched"]);
    EXPECT_EQ(j["already_present"], 0);
    EXPECT_TRUE(j["quality"].contains("gaps"));
    EXPECT_TRUE(j["corporate_actions"].is_array());
}

TEST(CliBackfill, BadArgumentsAreOneLineErrors) {
    awet::testing::TempDir dir;
    const std::string base = std::string(AWET_CLI) + " ingest polygon --db " + dir.file("c.db");
    auto bad_date = run_command(base + " --symbols AAPL --from 2020-13-01 --to 2020-12-01");
    EXPECT_NE(bad_date.code, 0);
    EXPECT_NE(bad_date.out.find("--from"), std::string::npos) << bad_date.out;
    auto reversed = run_command(base + " --symbols AAPL --from 2020-12-02 --to 2020-12-01");
    EXPECT_NE(reversed.code, 0);
    EXPECT_NE(reversed.out.find("before"), std::string::npos) << reversed.out;
    auto interval = run_command(base +
                                " --symbols AAPL --from 2020-12-01 --to 2020-12-01 "
                                "--interval 7m");
    EXPECT_NE(interval.code, 0);
    EXPECT_NE(interval.out.find("--interval"), std::string::npos) << interval.out;
}

}  // namespace
