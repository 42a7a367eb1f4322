#pragma once
// The three safety layers of seed §9.1, checked before every order reaches a broker.
#include <optional>
#include <string>
#include <string_view>

#include "awet/core/config.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/execution/broker.hpp"

namespace awet {

/// Layer 1: AWET is paper trading only. Hard-coded; there is no switch.
inline constexpr bool kPaperTradeOnly = true;
static_assert(kPaperTradeOnly, "AWET is a paper-trading system; live trading does not exist");

/// Block reasons (prefixes of what SafetyGate::check returns).
inline constexpr std::string_view kBlockLiveEndpoint = "LIVE_ENDPOINT_REFUSED";
inline constexpr std::string_view kBlockDryRun = "DRY_RUN";
inline constexpr std::string_view kBlockApprovalMissing = "APPROVAL_FILE_MISSING";

/// Decides whether an order may go to the broker. Owned by the execution engine; const and
/// stateless apart from the configuration, so any thread may call check(). The approval file is
/// looked up on every call (one stat()), so `awet revoke` takes effect at the next order.
class SafetyGate {
public:
    explicit SafetyGate(const ExecutionConfig& config);

    /// nullopt: the order may go. Otherwise the reason, first failing layer only:
    /// "LIVE_ENDPOINT_REFUSED" (broker.is_paper() false), "DRY_RUN" (execution.dry_run true),
    /// "APPROVAL_FILE_MISSING: <path>" (layer 3 file absent).
    std::optional<std::string> check(const Broker& broker) const;

    bool dry_run() const { return dry_run_; }
    const std::string& approval_file() const { return approval_file_; }

    /// Creates the approval file (and its parent directories) with a short text body naming who
    /// approved and when. Overwrites an existing file.
    static Status approve(const std::string& path, std::string_view who, Timestamp at);
    /// Removes the approval file; succeeds if it was already absent.
    static Status revoke(const std::string& path);
    /// true if the file exists.
    static bool approved(const std::string& path);

private:
    bool dry_run_;
    std::string approval_file_;
};

}  // namespace awet
