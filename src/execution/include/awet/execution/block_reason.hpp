#pragma once
// Why an order did not go (or is not going) to the broker, typed like RiskReason. The trade row
// and the ExecutionReport keep the text form "<CODE>" or "<CODE>: <detail>" (what operators read
// and what the audit trail has always shown); code that decides reads the code, never the text.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace awet {

enum class BlockReason : uint8_t {
    kLiveEndpointRefused,    // safety layer 1: the broker is not a paper endpoint
    kDryRun,                 // safety layer 2: execution.dry_run
    kApprovalFileMissing,    // safety layer 3: detail = the path
    kApprovalFileInvalid,    // safety layer 3: detail = "<path>: <why>"
    kMissingIdempotencyKey,  // a decision without a key can never be deduplicated
    kHalted,                 // the engine was halted: detail = why
    kStoreUnavailable,       // the write-ahead row could not be made durable: detail = the error
    kOutcomeUnknown,         // the submit's outcome is unknown (pending, never resent)
    kBrokerRejected,         // the broker refused: detail = its error
    kAwaitingLegCancel,      // an exit parked until its bracket legs are canceled
    kClosedByBracketLeg,     // an exit not sent: a bracket leg had closed the position
    kBracketNotResent,       // a leg not resent after a restart: detail = why
};
inline constexpr int kNumBlockReasons = 12;

/// "LIVE_ENDPOINT_REFUSED", "DRY_RUN", "APPROVAL_FILE_MISSING", ...
std::string_view to_string(BlockReason r);
/// The code a block_reason text starts with ("DRY_RUN", "HALTED: ..."); nullopt for "" and for a
/// text that starts with no code (rows written by something else).
std::optional<BlockReason> block_reason_of(std::string_view text);

/// One block: its code and, for some codes, a detail (which may be empty: an approval file
/// path that is "" still reads "APPROVAL_FILE_MISSING: ").
struct Block {
    BlockReason reason;
    std::optional<std::string> detail;

    /// "<CODE>" or "<CODE>: <detail>".
    std::string text() const;
    bool operator==(const Block&) const = default;
    friend bool operator==(const Block& b, std::string_view text) { return b.text() == text; }
    friend std::ostream& operator<<(std::ostream& os, const Block& b) { return os << b.text(); }
};

}  // namespace awet
