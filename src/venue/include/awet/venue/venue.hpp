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
// Errors: {"error": "...", "code": <ErrorCode>} with 400/404/409/500.
//
// Events (fills and order updates) are an append-only log with sequence numbers; the client
// reads them with a cursor. `after=K` also acknowledges that the client has handled events <= K,
// so the driver can tell when the execution agent has caught up (SimVenueServer::acked()).
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "awet/execution/broker.hpp"
#include "awet/execution/sim_broker.hpp"

namespace httplib {
class Server;
}

namespace awet {

/// One entry of the venue's event log.
struct VenueEvent {
    uint64_t seq = 0;
    bool is_fill = false;
    Fill fill;          // when is_fill
    BrokerOrder order;  // otherwise (cancels, rejections)
};

class SimVenueServer final : private BrokerListener {
public:
    explicit SimVenueServer(SimBrokerConfig config = {});
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
    /// Highest `after` a client has asked with: events up to it were handled.
    uint64_t acked() const { return acked_.load(); }
    /// Orders ever created (idempotent resubmits do not count).
    size_t order_count() const;
    /// The venue's ledger (for the final reconciliation of a replay).
    Result<BrokerAccount> account();
    Result<std::vector<BrokerPosition>> positions();

private:
    void on_fill(const Fill& fill) override;
    void on_order_update(const BrokerOrder& order) override;
    void routes();

    mutable std::mutex mutex_;  // the broker and the log: HTTP threads and the driver
    SimBroker broker_;
    std::vector<VenueEvent> log_;
    std::atomic<uint64_t> acked_{0};
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

struct RemoteBrokerOptions {
    std::string url;  // http://host:port of a SimVenueServer
    int timeout_ms = 5000;
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
    /// The cursor moves past them; the venue learns it with the next call (ack()).
    Result<size_t> poll_events();
    /// Tells the venue that everything delivered so far was handled (call after the reports were
    /// published and stored).
    Status ack();
    uint64_t cursor() const { return cursor_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    BrokerListener* listener_ = nullptr;
    uint64_t cursor_ = 0;
};

}  // namespace awet
