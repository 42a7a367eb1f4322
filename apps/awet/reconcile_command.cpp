// `awet reconcile`: what the broker says about every order still open in `trades`, and the
// positions the trades explain against the broker's — a report, nothing written. The execution
// agent is the one that applies the broker's truth (at start, after each stream reconnect and
// every 30 s), because only it can publish the recovered fills to the portfolio: a command that
// wrote the rows itself would leave the portfolio without those fills. Exit code 0 when the
// store and the broker agree, 1 when they differ (the report says how), 2 when the broker or the
// store cannot be read.
#include "reconcile_command.hpp"

#include <cstdio>
#include <memory>

#include "awet/core/clock.hpp"
#include "awet/execution/execution_engine.hpp"
#include "awet/venue/venue.hpp"

namespace awet::cli {

namespace {

int fail_line(const std::string& reason) {
    std::fprintf(stderr, "awet: %s\n", reason.c_str());
    return 2;
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

Result<AlpacaFromConfig> alpaca_from_config(const Config& config) {
    alpaca::AlpacaOptions ao;
    ao.base_url = config.execution.alpaca_base_url;
    auto with_keys = alpaca::options_from_env(ao);
    if (!with_keys.ok()) return with_keys.error();
    auto made = alpaca::AlpacaBroker::create(*with_keys);
    if (!made.ok()) return made.error();
    return AlpacaFromConfig{std::move(*made), *with_keys};
}

int reconcile(const Common& common, const ReconcileArgs& args) {
    auto config = load(common);
    if (!config) return 2;
    auto store = open_store(*config);
    if (!store.ok()) return fail_line(store.error().message);
    std::unique_ptr<Broker> broker;
    std::string where;
    if (config->execution.broker == "alpaca") {
        auto made = alpaca_from_config(*config);
        if (!made.ok()) return fail_line(made.error().message);
        broker = std::move(made->broker);
        where = config->execution.alpaca_base_url;
    } else {
        broker = std::make_unique<RemoteBroker>(RemoteBrokerOptions{args.venue_url, 5000});
        where = args.venue_url;
    }

    TradeQuery query;
    auto rows = (*store)->load_trades(query);
    if (!rows.ok()) return fail_line(rows.error().message);
    int open = 0, differ = 0, unknown = 0;
    for (const TradeRow& row : *rows) {
        if (row.status != OrderStatus::kPending && row.status != OrderStatus::kPartiallyFilled)
            continue;
        ++open;
        const std::string key(row.idempotency_key.view());
        auto at_broker = broker->get_order(key);
        std::string what;
        if (!at_broker.ok()) {
            ++unknown;
            what = at_broker.error().code == ErrorCode::kNotFound
                       ? "unknown to the broker (written ahead, never received: the agent sends "
                         "it after the gates)"
                       : "lookup failed: " + at_broker.error().message;
        } else {
            what = compare(row, *at_broker);
            if (!what.empty()) ++differ;
        }
        std::printf("%-44s %-6s %-4s %s %s/%s: %s\n", key.c_str(), row.symbol.str().c_str(),
                    row.side == Side::kBuy ? "buy" : "sell",
                    std::string(to_string(row.status)).c_str(), row.filled_qty.to_string().c_str(),
                    row.qty.to_string().c_str(), what.empty() ? "in sync" : what.c_str());
    }

    // The positions the trades explain against the broker's (read-only: the engine's check
    // loads trades and asks the broker; it writes nothing).
    ExecutionEngine engine(config->execution, *broker, store->get(), config->seed);
    auto mismatches = engine.check_positions(Timestamp::from_ns(INT64_MIN));
    if (!mismatches.ok()) return fail_line("positions: " + mismatches.error().message);
    for (const PositionMismatch& m : *mismatches) {
        std::printf("position %-6s %s\n", m.symbol.str().c_str(), describe(m, "trades").c_str());
    }
    std::printf(
        "%s: %d open orders (%d in sync, %d differ, %d unresolved), %zu position "
        "mismatch(es)\n",
        where.c_str(), open, open - differ - unknown, differ, unknown, mismatches->size());
    if (differ + unknown > 0 || !mismatches->empty()) {
        std::printf(
            "the execution agent applies the broker's truth at start, after each stream "
            "reconnect and every 30 s (it alone publishes recovered fills to the "
            "portfolio); a position mismatch that remains halts its trading\n");
        return 1;
    }
    return 0;
}

}  // namespace awet::cli
