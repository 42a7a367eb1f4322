#include "awet/ops/system.hpp"

#include "awet/execution/execution_engine.hpp"
#include "awet/execution/safety_gate.hpp"
#include "awet/service/http_endpoint.hpp"

namespace awet::ops {

namespace {

Result<AgentTarget> parse_agent(const std::string& spec, const std::string& host) {
    const auto eq = spec.find('=');
    const std::string name = spec.substr(0, eq);
    int port = default_agent_port(name);
    if (eq != std::string::npos) {
        try {
            port = std::stoi(spec.substr(eq + 1));
        } catch (const std::exception&) {
            port = -1;
        }
    }
    if (name.empty() || port <= 0 || port > 65535) {
        return make_error(ErrorCode::kInvalidArgument,
                          "--agent '" + spec +
                              "': expected NAME or NAME=PORT with a known agent or a valid port");
    }
    return AgentTarget{name, host, port};
}

/// One open row against the broker's order: "" when they agree, else what differs.
std::string compare(const TradeRow& row, const BrokerOrder& o) {
    if (o.filled_qty > row.filled_qty) {
        return "broker filled " + o.filled_qty.to_string() + " at avg " +
               o.avg_fill_price.to_string() + ", store " + row.filled_qty.to_string() +
               " (fills the store missed)";
    }
    if (o.filled_qty < row.filled_qty) {
        return "store filled " + row.filled_qty.to_string() + ", broker only " +
               o.filled_qty.to_string() + " (investigate: the store is ahead of the broker)";
    }
    if (o.status == OrderStatus::kCanceled || o.status == OrderStatus::kRejected ||
        o.status == OrderStatus::kFilled) {
        return "ended at the broker (" + o.broker_status + "), open in the store";
    }
    return "";
}

}  // namespace

Result<HealthResult> health(Context&, const HealthRequest& request) {
    if (request.timeout_ms <= 0) {
        return make_error(ErrorCode::kInvalidArgument, "timeout_ms: must be positive");
    }
    std::vector<AgentTarget> targets;
    if (request.agents.empty()) {
        targets = default_agent_targets(request.host);
    } else {
        for (const auto& spec : request.agents) {
            auto target = parse_agent(spec, request.host);
            if (!target.ok()) return target.error();
            targets.push_back(std::move(*target));
        }
    }
    HealthResult out;
    out.agents = check_agents(targets, std::chrono::milliseconds(request.timeout_ms));
    for (const auto& r : out.agents) {
        if (r.status != "ok") ++out.not_ok;
    }
    return out;
}

Result<ApproveResult> approve(Context& ctx, const ApproveRequest& request) {
    const auto& execution = ctx.config().execution;
    AWET_TRY(SafetyGate::approve(execution.approval_file, request.approved_by, ctx.now()));
    return ApproveResult{execution.approval_file, execution.dry_run};
}

Result<RevokeResult> revoke(Context& ctx, const RevokeRequest&) {
    AWET_TRY(SafetyGate::revoke(ctx.config().execution.approval_file));
    return RevokeResult{ctx.config().execution.approval_file};
}

Result<ReconcileResult> reconcile(Context& ctx, const ReconcileRequest& request) {
    auto store = ctx.store();
    if (!store.ok()) return store.error();
    auto broker = ctx.open_broker(request.venue_url);
    if (!broker.ok()) return broker.error();
    if (ctx.config().execution.broker == "sim") {
        // The simulated venue is a process of the stack: say how to get one when none answers.
        if (auto account = (*broker)->account(); !account.ok()) {
            return make_error(account.error().code,
                              "no simulated venue answers at " + request.venue_url + " (" +
                                  account.error().message +
                                  "): it runs inside `awet agent ingestion --replay` (the local "
                                  "stack: scripts/awet_start.sh); --venue URL names another");
        }
    }
    ReconcileResult out;
    out.broker = ctx.config().execution.broker == "alpaca" ? ctx.config().execution.alpaca_base_url
                                                           : request.venue_url;
    auto rows = (*store)->load_trades(TradeQuery{});
    if (!rows.ok()) return rows.error();
    for (const TradeRow& row : *rows) {
        if (row.status != OrderStatus::kPending && row.status != OrderStatus::kPartiallyFilled)
            continue;
        OrderCheck check{row, OrderCheck::Verdict::kInSync, ""};
        auto at_broker = (*broker)->get_order(std::string(row.idempotency_key.view()));
        if (!at_broker.ok()) {
            check.verdict = OrderCheck::Verdict::kUnresolved;
            check.detail = at_broker.error().code == ErrorCode::kNotFound
                               ? "unknown to the broker (written ahead, never received: the "
                                 "agent sends it after the gates)"
                               : "lookup failed: " + at_broker.error().message;
            ++out.unresolved;
        } else {
            check.detail = compare(row, *at_broker);
            if (!check.detail.empty()) {
                check.verdict = OrderCheck::Verdict::kDiffers;
                ++out.differ;
            }
        }
        out.orders.push_back(std::move(check));
    }
    // The positions the trades explain against the broker's (the engine's check loads trades
    // and asks the broker; it writes nothing).
    const Config& config = ctx.config();
    ExecutionEngine engine(config.execution, **broker, *store, config.seed);
    auto mismatches = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    if (mismatches.ok()) {
        out.positions = std::move(*mismatches);
    } else {
        out.positions_error = "positions: " + mismatches.error().message;
    }
    return out;
}

}  // namespace awet::ops
