#pragma once
// The simulated paper venue as a service of its own, for AWET running as separate processes.
//
// In the embedded pipeline the SimBroker lives inside the process and is stepped by the replay
// loop. When every agent is its own process, the venue must outlive the execution agent (a
// restarted execution agent finds its orders, fills and positions where it left them, as it would
// at Alpaca) and must be stepped by whoever owns the market clock: the replay driver. So the
// driver hosts a SimVenueServer (a SimBroker behind a small JSON-over-HTTP API, loopback by
// default) and the execution agent talks to it through RemoteBroker, an ordinary Broker.
//
// Protocol (JSON; fixed-point values as raw integer micro-units, times as int64 ns, enums as
// their integer values — it is AWET's own internal protocol, not a vendor's):
//   POST   /v1/orders                      OrderRequest  -> BrokerOrder (idempotent by client id)
//   GET    /v1/orders/{client_order_id}    -> BrokerOrder | 404
//   DELETE /v1/orders/{client_order_id}    -> 200 | 404 | 409
//   GET    /v1/orders?status=open          -> [BrokerOrder]
//   GET    /v1/positions                   -> [BrokerPosition]
//   GET    /v1/account                     -> BrokerAccount
//   GET    /v1/events?after=K              -> {"events":[{seq, fill|order}...], "last": N}
//   POST   /v1/events/ack                  {"cursor": K} -> {"acked": K'}
// Every request carries "Authorization: Bearer <token>", the shared secret of AWET_VENUE_TOKEN
// (compared in constant time); without it: 401, logged and counted (awet_http_refused_total).
// An order is checked before the broker sees it: qty a positive whole number of shares up to
// kMaxOrderQty, bracket prices positive up to kMaxOrderPrice, their notional up to
// kMaxOrderNotional (400 naming the field); a buy beyond the buying power is refused with 403.
// Errors: {"error": "...", "code": <ErrorCode>} with 400/401/403/404/409/413/500. The server is
// made by make_http_server() (header and body timeouts, 64 KiB bodies, connection limit).
//
// Events (fills and order updates) are an append-only log with sequence numbers; the client
// reads them with a cursor (reading acknowledges nothing) and, once it has handled them,
// acknowledges the cursor with POST /v1/events/ack, so the driver can tell when the execution
// agent has caught up (SimVenueServer::acked()).
#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "awet/execution/broker.hpp"
#include "awet/execution/sim_broker.hpp"
#include "awet/service/metrics.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace awet {

/// One entry of the venue's event log.
struct VenueEvent {
    uint64_t seq = 0;
    bool is_fill = false;
    Fill fill;          // when is_fill
    BrokerOrder order;  // otherwise (cancels, rejections)
};

/// The environment variable that holds the venue's shared token (a secret: never in a config
/// file, never logged).
inline constexpr const char* kVenueTokenEnv = "AWET_VENUE_TOKEN";
/// Shortest token the venue accepts.
inline constexpr size_t kMinVenueTokenLength = 16;
/// The token from AWET_VENUE_TOKEN; the error is one line saying how to set it.
Result<std::string> venue_token_from_env();

struct SimVenueServerOptions {
    /// Required (start() refuses without one, or with one shorter than kMinVenueTokenLength).
    std::string token;
    /// Optional: refused requests counted as awet_http_refused_total{server="venue"}.
    std::shared_ptr<AgentMetrics> metrics;
};

/// The SimBroker behind the venue protocol. Owned by the replay driver (the ingestion agent with
/// --replay); HTTP requests run on the server's threads, on_bar() on the driver's, one at a time
/// under the mutex.
class SimVenueServer final : private BrokerListener {
public:
    explicit SimVenueServer(SimBrokerConfig config = {}, SimVenueServerOptions options = {});
    ~SimVenueServer() override;
    SimVenueServer(const SimVenueServer&) = delete;
    SimVenueServer& operator=(const SimVenueServer&) = delete;

    /// Listens on host:port (0: a free port) in a background thread.
    Status start(const std::string& host, int port);
    void stop();
    int port() const { return port_; }

    /// The market moves: resting orders of the bar's symbol fill at its open (SimBroker::on_bar).
    void on_bar(const MarketBar& bar);
    /// Sequence number of the last event (0: none yet).
    uint64_t last_seq() const;
    /// Before start(): the venue holds what a store's earlier trades explain (SimBroker::restore:
    /// positions, cash, their open orders expired), as the embedded replay's broker does.
    Status restore(std::span<const TradeRow> trades);
    /// Highest cursor a client has acknowledged (POST /v1/events/ack): events up to it were
    /// handled. Reading events never moves it.
    uint64_t acked() const { return acked_.load(); }
    /// Requests refused for a missing or wrong token.
    uint64_t unauthorized() const { return unauthorized_.load(); }
    /// Orders ever created (idempotent resubmits do not count).
    size_t order_count() const;
    /// The venue's ledger (for the final reconciliation of a replay).
    Result<BrokerAccount> account();
    Result<std::vector<BrokerPosition>> positions();

private:
    void on_fill(const Fill& fill) override;
    void on_order_update(const BrokerOrder& order) override;
    void routes();
    /// The guard of every request: the bearer token.
    bool authorized(const httplib::Request& req, httplib::Response& res);

    mutable std::mutex mutex_;  // the broker and the log: HTTP threads and the driver
    SimBroker broker_;
    SimVenueServerOptions options_;
    std::vector<VenueEvent> log_;
    std::atomic<uint64_t> acked_{0};
    std::atomic<uint64_t> unauthorized_{0};
    std::atomic<int64_t> last_refusal_log_s_{0};  // refusals are logged at most 10 a second
    std::atomic<int> refusal_logs_in_window_{0};
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

struct RemoteBrokerOptions {
    std::string url;  // http://host:port of a SimVenueServer
    int timeout_ms = 5000;
    /// The venue's shared token; empty: AWET_VENUE_TOKEN from the environment.
    std::string token;
};

/// A Broker over the venue protocol. Submit is never retried blindly: a transport error after the
/// request may have reached the venue is kOutcomeUnknown (the caller keeps the order pending and
/// settles it by client order id). Events are pulled by poll_events() on the caller's loop and
/// handed to the listener there.
class RemoteBroker final : public Broker {
public:
    explicit RemoteBroker(RemoteBrokerOptions options);
    ~RemoteBroker() override;

    std::string_view name() const override { return "sim-venue"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener* listener) override { listener_ = listener; }

    Result<BrokerOrder> submit(const OrderRequest& request) override;
    Status cancel(std::string_view client_order_id) override;
    Result<BrokerOrder> get_order(std::string_view client_order_id) override;
    Result<std::vector<BrokerOrder>> open_orders() override;
    Result<std::vector<BrokerPosition>> positions() override;
    Result<BrokerAccount> account() override;

    /// Fetches the events after the cursor and delivers them to the listener; returns how many.
    /// The cursor moves past them; the venue learns it only from ack().
    Result<size_t> poll_events();
    /// Tells the venue that everything delivered so far was handled (call after the reports were
    /// published and stored): POST /v1/events/ack with the cursor.
    Status ack();
    uint64_t cursor() const { return cursor_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    BrokerListener* listener_ = nullptr;
    uint64_t cursor_ = 0;
};

}  // namespace awet
