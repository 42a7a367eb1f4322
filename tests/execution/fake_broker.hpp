#pragma once
// A Broker that records calls and answers with a configurable paper flag (tests only).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "awet/execution/broker.hpp"

namespace awet::testing {

class FakeBroker final : public Broker {
public:
    explicit FakeBroker(bool paper) : paper_(paper) {}
    std::string_view name() const override { return "fake"; }
    bool is_paper() const override { return paper_; }
    void set_listener(BrokerListener* listener) override { listener_ = listener; }
    Result<BrokerOrder> submit(const OrderRequest& request) override {
        ++submits;
        requests.push_back(request);
        BrokerOrder o;
        o.client_order_id = request.client_order_id;
        o.broker_order_id = "fake-" + std::to_string(submits);
        o.symbol = request.symbol;
        o.side = request.side;
        o.qty = request.qty;
        o.broker_status = "new";
        if (submit_error) return make_error(*submit_error, "fake: submit failed");
        known.push_back(o);
        return o;
    }
    /// Records the id; `on_cancel` (if set) may change `known` as the broker would.
    Status cancel(std::string_view id) override {
        cancels.emplace_back(id);
        if (on_cancel) on_cancel(id);
        return Status::Ok();
    }
    /// Orders it accepted; anything else answers `lookup_error` (default: not found).
    Result<BrokerOrder> get_order(std::string_view id) override {
        ++lookups;
        for (const auto& o : known) {
            if (o.client_order_id.view() == id) return o;
        }
        return make_error(lookup_error, "fake: no order " + std::string(id));
    }
    Result<std::vector<BrokerOrder>> open_orders() override { return std::vector<BrokerOrder>{}; }
    Result<std::vector<BrokerPosition>> positions() override {
        return std::vector<BrokerPosition>{};
    }
    Result<BrokerAccount> account() override { return BrokerAccount{}; }

    int submits = 0;
    std::vector<OrderRequest> requests;
    std::vector<std::string> cancels;
    std::function<void(std::string_view)> on_cancel;
    int lookups = 0;
    std::optional<ErrorCode> submit_error;  // the next submits fail with it (order not kept)
    ErrorCode lookup_error = ErrorCode::kNotFound;
    std::vector<BrokerOrder> known;
    BrokerListener* listener_ = nullptr;

private:
    bool paper_;
};

}  // namespace awet::testing
