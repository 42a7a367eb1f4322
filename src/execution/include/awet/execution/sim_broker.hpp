#pragma once
// SimBroker: the default paper broker. Fills orders against the bars it is fed, with slippage,
// optional volume participation and fees, and keeps its own cash/positions ledger. Fill model and
// ledger conventions: src/execution/README.md.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "awet/core/config.hpp"
#include "awet/core/fixed.hpp"
#include "awet/core/result.hpp"
#include "awet/execution/broker.hpp"
#include "awet/model/events.hpp"

namespace awet {

struct SimBrokerConfig {
    int64_t slippage_bps = 2;  // against the order: buys pay more, sells get less
    Money fee_per_share;       // fee = max(min_fee, fee_per_share * qty) per fill
    Money min_fee;
    double participation_rate = 0;  // 0: whole order on one bar; else floor(rate * volume)/bar
    Money starting_cash = Money::from_units(100000);

    static SimBrokerConfig from(const ExecutionConfig& config);
};

/// Simulated paper venue. Owned by the composition root (or a test); single-threaded: submit,
/// cancel, queries and on_bar all run on the execution agent's loop, and fills are delivered to
/// the listener synchronously from on_bar.
class SimBroker final : public Broker {
public:
    explicit SimBroker(SimBrokerConfig config = {});

    std::string_view name() const override { return "sim"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener* listener) override { listener_ = listener; }

    Result<BrokerOrder> submit(const OrderRequest& request) override;
    /// Cancels the unfilled remainder of an open (pending or partially filled) order.
    Status cancel(std::string_view client_order_id) override;
    Result<BrokerOrder> get_order(std::string_view client_order_id) override;
    Result<std::vector<BrokerOrder>> open_orders() override;
    Result<std::vector<BrokerPosition>> positions() override;
    Result<BrokerAccount> account() override;

    /// Fills the open orders of the bar's symbol submitted at or before bar_start (in submission
    /// order), then marks that symbol's position at the bar's close.
    void on_bar(const MarketBar& bar);

    /// Test hook: the next submit() fails with `code`. With accept_anyway the order is still
    /// created (and will fill) — the "timed out but the venue has it" case of kOutcomeUnknown.
    void fail_next_submit(ErrorCode code, bool accept_anyway = false);

    /// Number of orders ever created (idempotent resubmits do not count).
    size_t order_count() const { return orders_.size(); }

private:
    struct Lot {
        Quantity qty;  // signed: >0 long lot, <0 short lot
        Price price;
    };
    struct Book {
        Symbol symbol;
        std::deque<Lot> lots;  // FIFO
        Quantity qty;          // signed sum of lots
        Price mark;
        bool has_mark = false;
    };
    struct SimOrder {
        BrokerOrder order;
        Timestamp not_before;  // request ts: fills on bars with bar_start >= this
        Money fill_cost;       // sum of fill notionals (average price)
        int fills = 0;
    };

    Book& book(const Symbol& symbol);
    void apply_fill(Book& b, Side side, Quantity qty, Price price, Money fee);
    Money fee_for(Quantity qty) const;

    SimBrokerConfig config_;
    BrokerListener* listener_ = nullptr;
    std::vector<SimOrder> orders_;                          // submission order
    size_t first_open_ = 0;                                 // orders_[0, first_open_) are done
    std::unordered_map<IdempotencyKey, size_t> by_client_;  // lookup only, never iterated
    std::vector<Book> books_;                               // first-seen order
    Money cash_;
    Money realized_;  // FIFO, net of fees
    Money fees_;
    std::optional<ErrorCode> fail_next_;
    bool fail_accept_ = false;
};

}  // namespace awet
