#include "awet/execution/safety_gate.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "awet/execution/sim_broker.hpp"
#include "awet_test_support.hpp"
#include "fake_broker.hpp"

namespace awet {
namespace {

static_assert(kPaperTradeOnly);

ExecutionConfig config(bool dry_run, const std::string& approval) {
    ExecutionConfig c;
    c.dry_run = dry_run;
    c.approval_file = approval;
    return c;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

TEST(SafetyGate, DefaultConfigIsDryRun) {
    SafetyGate gate{ExecutionConfig{}};
    SimBroker broker;
    EXPECT_TRUE(gate.dry_run());
    EXPECT_EQ(gate.check(broker), std::optional<std::string>("DRY_RUN"));
}

TEST(SafetyGate, DryRunBlocksEvenWithApproval) {
    testing::TempDir tmp;
    const std::string file = tmp.file("APPROVE_EXECUTION");
    ASSERT_TRUE(SafetyGate::approve(file, "tester", Timestamp::from_seconds(0)).ok());
    SafetyGate gate(config(true, file));
    SimBroker broker;
    EXPECT_EQ(gate.check(broker), std::optional<std::string>("DRY_RUN"));
}

TEST(SafetyGate, MissingApprovalFileBlocks) {
    testing::TempDir tmp;
    const std::string file = tmp.file("sub/APPROVE_EXECUTION");
    SafetyGate gate(config(false, file));
    SimBroker broker;
    EXPECT_EQ(gate.check(broker), "APPROVAL_FILE_MISSING: " + file);
}

TEST(SafetyGate, ApproveThenRevokeIsCheckedEveryTime) {
    testing::TempDir tmp;
    const std::string file = tmp.file(".tmp/nested/APPROVE_EXECUTION");
    SafetyGate gate(config(false, file));
    SimBroker broker;
    const Timestamp when = *Timestamp::parse("2026-03-12T14:00:00Z");
    ASSERT_TRUE(SafetyGate::approve(file, "ops@example", when).ok());  // creates parents
    EXPECT_TRUE(SafetyGate::approved(file));
    EXPECT_EQ(gate.check(broker), std::nullopt);
    const std::string body = slurp(file);
    EXPECT_NE(body.find("approved_by: ops@example"), std::string::npos) << body;
    EXPECT_NE(body.find("approved_at: 2026-03-12T14:00:00Z"), std::string::npos) << body;

    ASSERT_TRUE(SafetyGate::revoke(file).ok());
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_EQ(gate.check(broker), "APPROVAL_FILE_MISSING: " + file);
    EXPECT_TRUE(SafetyGate::revoke(file).ok());  // already absent: fine
}

TEST(SafetyGate, NonPaperBrokerRefusedBeforeAnythingElse) {
    testing::TempDir tmp;
    const std::string file = tmp.file("APPROVE_EXECUTION");
    ASSERT_TRUE(SafetyGate::approve(file, "tester", Timestamp::from_seconds(0)).ok());
    testing::FakeBroker live(false);
    EXPECT_EQ(SafetyGate(config(false, file)).check(live),
              std::optional<std::string>("LIVE_ENDPOINT_REFUSED"));
    EXPECT_EQ(SafetyGate(config(true, file)).check(live),
              std::optional<std::string>("LIVE_ENDPOINT_REFUSED"));
    testing::FakeBroker paper(true);
    EXPECT_EQ(SafetyGate(config(false, file)).check(paper), std::nullopt);
}

TEST(SafetyGate, BadPathsAreErrors) {
    EXPECT_FALSE(SafetyGate::approve("", "x", Timestamp::from_seconds(0)).ok());
    EXPECT_FALSE(SafetyGate::revoke("").ok());
    testing::TempDir tmp;
    // The parent "directory" is a regular file.
    const std::string blocker = tmp.file("file");
    std::ofstream(blocker) << "x";
    Status s = SafetyGate::approve(blocker + "/APPROVE", "x", Timestamp::from_seconds(0));
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kIo);
    SafetyGate gate(config(false, ""));
    SimBroker broker;
    EXPECT_EQ(gate.check(broker), std::optional<std::string>("APPROVAL_FILE_MISSING: "));
}

TEST(SafetyGate, ADirectoryAtTheApprovalPathDoesNotOpenTheGate) {
    testing::TempDir tmp;
    const std::string path = tmp.file("APPROVE_EXECUTION");
    std::filesystem::create_directories(path);
    SafetyGate gate(config(false, path));
    SimBroker broker;
    const auto block = gate.check(broker);
    ASSERT_TRUE(block.has_value());
    EXPECT_TRUE(block->text().starts_with("APPROVAL_FILE_INVALID: " + path)) << *block;
    EXPECT_NE(block->text().find("directory"), std::string::npos) << *block;
    EXPECT_FALSE(SafetyGate::approved(path));
    // Neither approve nor revoke touches it.
    Status approve = SafetyGate::approve(path, "x", Timestamp::from_seconds(0));
    ASSERT_FALSE(approve.ok());
    EXPECT_EQ(approve.error().code, ErrorCode::kAlreadyExists);
    EXPECT_FALSE(SafetyGate::revoke(path).ok());
    EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST(SafetyGate, AFileWithoutAwetContentDoesNotOpenTheGateAndIsNeverOverwritten) {
    testing::TempDir tmp;
    const std::string path = tmp.file("notes.txt");
    std::ofstream(path) << "my precious notes\n";
    SafetyGate gate(config(false, path));
    SimBroker broker;
    const auto block = gate.check(broker);
    ASSERT_TRUE(block.has_value());
    EXPECT_TRUE(block->text().starts_with("APPROVAL_FILE_INVALID")) << *block;
    Status approve = SafetyGate::approve(path, "x", Timestamp::from_seconds(0));
    ASSERT_FALSE(approve.ok());
    EXPECT_NE(approve.error().message.find(path), std::string::npos) << approve.error().message;
    Status revoke = SafetyGate::revoke(path);
    ASSERT_FALSE(revoke.ok());
    EXPECT_NE(revoke.error().message.find("not an approval file"), std::string::npos);
    EXPECT_EQ(slurp(path), "my precious notes\n");
    // An empty file, or AWET's header without who and when, is no approval either.
    std::ofstream(path, std::ios::trunc) << "";
    EXPECT_TRUE(gate.check(broker).has_value());
    std::ofstream(path, std::ios::trunc) << kApprovalFileHeader << "\n";
    EXPECT_TRUE(gate.check(broker).has_value());
    std::ofstream(path, std::ios::trunc) << kApprovalFileHeader << "\napproved_by: ops\n";
    EXPECT_TRUE(gate.check(broker).has_value());
}

TEST(SafetyGate, ContentIsCheckedAgainWhenTheFileChanges) {
    testing::TempDir tmp;
    const std::string path = tmp.file("APPROVE_EXECUTION");
    SafetyGate gate(config(false, path));
    SimBroker broker;
    ASSERT_TRUE(SafetyGate::approve(path, "ops", Timestamp::from_seconds(0)).ok());
    EXPECT_EQ(gate.check(broker), std::nullopt);
    EXPECT_EQ(gate.check(broker), std::nullopt);  // cached
    // Replaced in place by something else of another size: checked again, blocked.
    std::ofstream(path, std::ios::trunc) << "x\n";
    EXPECT_TRUE(gate.check(broker).has_value());
    // Approved again over an earlier approval file: allowed, and the gate opens.
    std::filesystem::remove(path);
    ASSERT_TRUE(SafetyGate::approve(path, "ops", Timestamp::from_seconds(1)).ok());
    ASSERT_TRUE(SafetyGate::approve(path, "ops2", Timestamp::from_seconds(2)).ok());
    EXPECT_NE(slurp(path).find("approved_by: ops2"), std::string::npos);
    EXPECT_EQ(gate.check(broker), std::nullopt);
}

}  // namespace
}  // namespace awet
