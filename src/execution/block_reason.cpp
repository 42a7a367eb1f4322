#include "awet/execution/block_reason.hpp"

namespace awet {

static_assert(static_cast<int>(BlockReason::kBracketNotResent) + 1 == kNumBlockReasons,
              "kNumBlockReasons counts every BlockReason");

std::string_view to_string(BlockReason r) {
    switch (r) {
        case BlockReason::kLiveEndpointRefused:
            return "LIVE_ENDPOINT_REFUSED";
        case BlockReason::kDryRun:
            return "DRY_RUN";
        case BlockReason::kApprovalFileMissing:
            return "APPROVAL_FILE_MISSING";
        case BlockReason::kApprovalFileInvalid:
            return "APPROVAL_FILE_INVALID";
        case BlockReason::kMissingIdempotencyKey:
            return "MISSING_IDEMPOTENCY_KEY";
        case BlockReason::kHalted:
            return "HALTED";
        case BlockReason::kStoreUnavailable:
            return "STORE_UNAVAILABLE";
        case BlockReason::kOutcomeUnknown:
            return "OUTCOME_UNKNOWN";
        case BlockReason::kBrokerRejected:
            return "BROKER_REJECTED";
        case BlockReason::kAwaitingLegCancel:
            return "AWAITING_LEG_CANCEL";
        case BlockReason::kClosedByBracketLeg:
            return "CLOSED_BY_BRACKET_LEG";
        case BlockReason::kBracketNotResent:
            return "BRACKET_NOT_RESENT";
    }
    return "UNKNOWN";
}

std::optional<BlockReason> block_reason_of(std::string_view text) {
    const std::string_view code = text.substr(0, text.find(':'));
    for (int i = 0; i < kNumBlockReasons; ++i) {
        const auto r = static_cast<BlockReason>(i);
        if (to_string(r) == code) return r;
    }
    return std::nullopt;
}

std::string Block::text() const {
    std::string out(to_string(reason));
    if (detail) {
        out += ": ";
        out += *detail;
    }
    return out;
}

}  // namespace awet
