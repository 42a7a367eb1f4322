#include "awet/execution/block_reason.hpp"

#include <gtest/gtest.h>

#include <set>

namespace awet {
namespace {

TEST(BlockReason, TextIsTheCodeThenTheDetail) {
    EXPECT_EQ(Block{BlockReason::kDryRun}.text(), "DRY_RUN");
    EXPECT_EQ((Block{BlockReason::kHalted, "positions disagree"}.text()),
              "HALTED: positions disagree");
    // An empty detail is still a detail: the approval file path "" reads as such.
    EXPECT_EQ((Block{BlockReason::kApprovalFileMissing, ""}.text()), "APPROVAL_FILE_MISSING: ");
}

TEST(BlockReason, EveryCodeHasItsOwnNameAndIsReadBackFromItsText) {
    std::set<std::string_view> names;
    for (int i = 0; i < kNumBlockReasons; ++i) {
        const auto r = static_cast<BlockReason>(i);
        EXPECT_TRUE(names.insert(to_string(r)).second) << to_string(r);
        EXPECT_NE(to_string(r), "UNKNOWN");
        EXPECT_EQ(block_reason_of(Block{r}.text()), r);
        EXPECT_EQ(block_reason_of(Block{r, "x: y"}.text()), r);
    }
}

TEST(BlockReason, TextOfNoCodeIsNone) {
    EXPECT_EQ(block_reason_of(""), std::nullopt);
    EXPECT_EQ(block_reason_of("DRY_RUNNING"), std::nullopt);
    EXPECT_EQ(block_reason_of("something else: DRY_RUN"), std::nullopt);
}

}  // namespace
}  // namespace awet
