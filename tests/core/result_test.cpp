#include "awet/core/result.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace awet {
namespace {

TEST(Result, ErrorCodeNamesAreDistinct) {
    std::set<std::string> names;
    for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
        names.insert(to_string(static_cast<ErrorCode>(c)));
    }
    EXPECT_EQ(names.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
    EXPECT_STREQ(to_string(ErrorCode::kOutcomeUnknown), "outcome_unknown");
    EXPECT_EQ(make_error(ErrorCode::kNotFound, "x").to_string(), "not_found: x");
}

Result<int> half(int v) {
    if (v % 2 != 0) return make_error(ErrorCode::kInvalidArgument, "odd");
    return v / 2;
}

Status quarter(int v, int& out) {
    auto h = half(v);
    AWET_TRY(h);
    auto q = half(*h);
    AWET_TRY(q);
    out = *q;
    return Status::Ok();
}

TEST(Result, ValueAndErrorAndTry) {
    EXPECT_EQ(*half(8), 4);
    EXPECT_FALSE(half(3).ok());
    int out = 0;
    EXPECT_TRUE(quarter(8, out).ok());
    EXPECT_EQ(out, 2);
    Status s = quarter(6, out);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace awet
