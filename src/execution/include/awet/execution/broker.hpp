#pragma once
// The broker seam: the simulated paper broker (default) and Alpaca paper (later) implement it.
// Orders are idempotent by client order id: a second submit of the same id returns the existing
// order and never creates another.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// The exit legs of a bracket entry (execution.bracket_orders), held by the broker as one-cancels-
/// other once the entry fills, for the entry's quantity, on the opposite side. The legs' client
/// order ids are bracket_leg_key(entry id, leg) (awet/model/bracket.hpp).
struct BracketLegs {
    Price take_profit_limit;  // limit price of the take-profit leg
    Price stop_loss_stop;     // stop (trigger) price of the stop-loss leg
};

struct OrderRequest {
    IdempotencyKey client_order_id;
    Symbol symbol;
    Side side = Side::kBuy;
    Quantity qty;
    Timestamp ts;  // decision time
    Uuid correlation_id;
    OrderIntent intent = OrderIntent::kEntry;
    ExitReason exit_reason = ExitReason::kNone;
    std::optional<BracketLegs> bracket;  // entries only; market order + OCO exit legs
};

/// The broker's view of one order.
struct BrokerOrder {
    IdempotencyKey client_order_id;
    std::string broker_order_id;
    Symbol symbol;
    Side side = Side::kBuy;
    Quantity qty;
    Quantity filled_qty;
    Price avg_fill_price;
    Money fees;  // cumulative fees of the fills so far (0 where the broker charges none)
    OrderStatus status = OrderStatus::kPending;
    std::string broker_status;  // the broker's own word ("new", "filled", ...)
    Timestamp submitted_at;
    Timestamp updated_at;
    /// Bracket legs of a parent order (empty otherwise), each named by its bracket_leg_key when
    /// the broker lets us tell which leg it is (Alpaca's own leg ids are kept in broker_order_id).
    std::vector<BrokerOrder> legs;
    Price limit_price;  // a take-profit leg's limit (0 when none)
    Price stop_price;   // a stop-loss leg's stop (0 when none)
};

/// One execution at the broker.
struct Fill {
    std::string fill_id;  // unique per fill (dedup across stream and REST)
    IdempotencyKey client_order_id;
    std::string broker_order_id;
    Symbol symbol;
    Side side = Side::kBuy;
    Quantity qty;
    Price price;
    Money fees;
    Timestamp ts;
    bool order_done = false;  // true when this fill completes the order
    /// The order's filled quantity including this fill (zero: the broker did not say). Lets a
    /// restarted consumer tell a fill it already applied (the stored filled_qty covers it) from a
    /// new one, when its in-memory fill-id set is gone.
    Quantity cum_qty;
};

struct BrokerPosition {
    Symbol symbol;
    Quantity qty;  // signed
    Price avg_entry_price;
};

struct BrokerAccount {
    Money cash;
    Money equity;        // cash + marked positions
    Money realized_pnl;  // cumulative, net of fees
    Money fees;
};

/// Receives asynchronous broker events (fills, status changes), on the caller's event loop.
class BrokerListener {
public:
    virtual ~BrokerListener() = default;
    virtual void on_fill(const Fill& fill) = 0;
    virtual void on_order_update(const BrokerOrder& order) = 0;
};

class Broker {
public:
    virtual ~Broker() = default;
    Broker() = default;
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    virtual std::string_view name() const = 0;
    /// Paper-only guard (seed §9.1 layer 1): a broker that is not a paper venue answers false and
    /// execution refuses to start.
    virtual bool is_paper() const = 0;
    virtual void set_listener(BrokerListener* listener) = 0;

    /// Idempotent by client_order_id. kOutcomeUnknown when the broker may or may not have the
    /// order.
    virtual Result<BrokerOrder> submit(const OrderRequest& request) = 0;
    virtual Status cancel(std::string_view client_order_id) = 0;
    virtual Result<BrokerOrder> get_order(std::string_view client_order_id) = 0;
    virtual Result<std::vector<BrokerOrder>> open_orders() = 0;
    virtual Result<std::vector<BrokerPosition>> positions() = 0;
    virtual Result<BrokerAccount> account() = 0;
};

}  // namespace awet
