#pragma once
// The three safety layers of seed §9.1, checked before every order reaches a broker.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/execution/block_reason.hpp"
#include "awet/execution/broker.hpp"
#include "awet/execution/execution_config.hpp"

namespace awet {

/// Layer 1: AWET is paper trading only. Hard-coded; there is no switch.
inline constexpr bool kPaperTradeOnly = true;
static_assert(kPaperTradeOnly, "AWET is a paper-trading system; live trading does not exist");

/// The first line of every approval file `awet approve` writes; a file without it (or anything
/// that is not a regular file) never opens layer 3.
inline constexpr std::string_view kApprovalFileHeader = "AWET paper-trading execution approved";
/// Decides whether an order may go to the broker. Owned by the execution engine; const and
/// stateless apart from the configuration, so any thread may call check(). The approval file is
/// looked up on every call (one stat(); its content is read again whenever its inode, size or
/// modification time changed), so `awet revoke` takes effect at the next order.
class SafetyGate {
public:
    explicit SafetyGate(const ExecutionConfig& config);

    /// nullopt: the order may go. Otherwise the block, first failing layer only (text forms):
    /// "LIVE_ENDPOINT_REFUSED" (broker.is_paper() false), "DRY_RUN" (execution.dry_run true),
    /// "APPROVAL_FILE_MISSING: <path>" (layer 3 file absent), "APPROVAL_FILE_INVALID: <path>:
    /// <why>" (something is at the path that is not an approval file: a directory, a file
    /// without AWET's header, approved_by and approved_at lines).
    std::optional<Block> check(const Broker& broker) const;

    bool dry_run() const { return dry_run_; }
    const std::string& approval_file() const { return approval_file_; }

    /// Creates the approval file (and its parent directories) with a short text body naming who
    /// approved and when, written to a temporary file and renamed into place. Replaces an
    /// earlier approval file; refuses (kAlreadyExists) to replace anything else at the path.
    static Status approve(const std::string& path, std::string_view who, Timestamp at);
    /// Removes the approval file; succeeds if it was already absent. Refuses
    /// (kInvalidArgument) to remove anything that is not an approval file.
    static Status revoke(const std::string& path);
    /// true if an approval file is at the path (see approval_problem()).
    static bool approved(const std::string& path);
    /// Why the path does not hold a valid approval file: nullopt when it does; "missing" when
    /// nothing is there; otherwise what is wrong ("a directory", "no approved_by line", ...).
    static std::optional<std::string> approval_problem(const std::string& path);

private:
    /// approval_problem() with the last verified (inode, size, mtime) remembered, so an
    /// unchanged file costs one stat().
    std::optional<std::string> cached_problem() const;

    bool dry_run_;
    std::string approval_file_;
    struct Verified {
        bool valid = false;
        uint64_t dev = 0, ino = 0;
        int64_t size = -1, mtime_ns = -1, ctime_ns = -1;
    };
    mutable std::mutex mutex_;
    mutable Verified verified_;
};

}  // namespace awet
