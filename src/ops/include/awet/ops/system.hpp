#pragma once
// Operations on the running system: the agents' health, the approval file (the third safety
// layer) and a read-only reconciliation of the store against the broker.
#include <string>
#include <vector>

#include "awet/execution/position_check.hpp"
#include "awet/ops/context.hpp"
#include "awet/service/health_check.hpp"

namespace awet::ops {

struct HealthRequest {
    std::string host = "127.0.0.1";
    /// "NAME" or "NAME=PORT" per agent to ask; empty: all eight at their default ports.
    std::vector<std::string> agents;
    int timeout_ms = 1000;
};
struct HealthResult {
    std::vector<AgentHealthReport> agents;
    int not_ok = 0;  // agents whose status is not "ok"
};
Result<HealthResult> health(Context& ctx, const HealthRequest& request);

/// Creates the approval file (execution.approval_file). Only a person at the machine approves:
/// no face that crosses a network offers this operation (catalog: local_only).
struct ApproveRequest {
    std::string approved_by = "awet-cli";
};
struct ApproveResult {
    std::string path;
    bool dry_run = true;  // execution.dry_run: when true every order is still blocked (layer 2)
};
Result<ApproveResult> approve(Context& ctx, const ApproveRequest& request);

/// Removes the approval file: the kill switch, every order blocked from the next one on.
struct RevokeRequest {};
struct RevokeResult {
    std::string path;
};
Result<RevokeResult> revoke(Context& ctx, const RevokeRequest& request);

/// The store against the broker, read-only: every order still open in `trades` as the broker
/// sees it, and the positions the trades explain against the broker's. The execution agent is the
/// one that applies the broker's truth (only it can publish recovered fills to the portfolio).
struct ReconcileRequest {
    std::string venue_url = "http://127.0.0.1:8009";  // the simulated venue (execution.broker sim)
};
struct OrderCheck {
    TradeRow row;
    enum class Verdict : uint8_t { kInSync, kDiffers, kUnresolved } verdict = Verdict::kInSync;
    std::string detail;  // what differs, or why it is unresolved; "" when in sync
};
struct ReconcileResult {
    std::string broker;  // where the broker was asked
    std::vector<OrderCheck> orders;
    std::vector<PositionMismatch> positions;
    /// Set when the positions could not be compared (the broker or the store did not answer):
    /// the orders above are still reported.
    std::string positions_error;
    int differ = 0, unresolved = 0;
    bool in_sync() const {
        return differ + unresolved == 0 && positions.empty() && positions_error.empty();
    }
};
Result<ReconcileResult> reconcile(Context& ctx, const ReconcileRequest& request);

}  // namespace awet::ops
