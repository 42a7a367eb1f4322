#pragma once
// SimBroker: the default paper broker. Fills orders against the bars it is fed, with slippage,
// optional volume participation and fees, and keeps its own cash/positions ledger. Fill model and
// ledger conventions: src/execution/README.md.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "awet/core/fixed.hpp"
#include "awet/core/result.hpp"
#include "awet/execution/broker.hpp"
#include "awet/execution/execution_config.hpp"
#include "awet/model/bracket.hpp"
#include "awet/model/events.hpp"
#include "awet/store/store.hpp"

namespace awet {

struct SimBrokerConfig {
    int64_t slippage_bps = 2;  // against the order: buys pay more, sells get less
    Money fee_per_share;       // fee = max(min_fee, fee_per_share * qty) per fill
    Money min_fee;
    double participation_rate = 0;  // 0: whole order on one bar; else floor(rate * volume)/bar
    Money starting_cash = Money::from_units(100000);

    static SimBrokerConfig from(const ExecutionConfig& config);
};

/// Bounds SimBroker::submit enforces on every order (the venue checks them field by field
/// first): they keep every quantity x price product far inside the fixed-point range (Money
/// stops near 9.2e12 USD), so a notional can never saturate into a meaningless fill.
inline constexpr Quantity kMaxOrderQty = Quantity::from_units(1'000'000'000);
inline constexpr Price kMaxOrderPrice = Price::from_units(1'000'000);
inline constexpr Money kMaxOrderNotional = Money::from_units(1'000'000'000'000);

/// Simulated paper venue. Owned by the composition root (or a test); single-threaded: submit,
/// cancel, queries and on_bar all run on the execution agent's loop, and fills are delivered to
/// the listener synchronously from on_bar.
class SimBroker final : public Broker {
public:
    explicit SimBroker(SimBrokerConfig config = {});

    std::string_view name() const override { return "sim"; }
    bool is_paper() const override { return true; }
    void set_listener(BrokerListener* listener) override { listener_ = listener; }

    /// A request with `bracket` also creates its two exit legs (client ids bracket_leg_key),
    /// held until the entry is done; the returned parent lists them in `legs`. Refused
    /// (kInvalidArgument) beyond kMaxOrderQty / kMaxOrderPrice / kMaxOrderNotional; a buy beyond
    /// the buying power is refused (kBroker, "insufficient buying power"): what it would cost at
    /// the symbol's last close (else the take-profit limit), slippage and fees included, plus the
    /// open buys, above the cash. A buy that reaches its fill without the cash for it (no price
    /// was known at submit, or the price moved) is rejected there (status rejected).
    Result<BrokerOrder> submit(const OrderRequest& request) override;
    /// Cancels the unfilled remainder of an open (pending or partially filled) order; canceling
    /// a bracket entry also cancels its legs, canceling one leg leaves the other.
    Status cancel(std::string_view client_order_id) override;
    Result<BrokerOrder> get_order(std::string_view client_order_id) override;
    Result<std::vector<BrokerOrder>> open_orders() override;
    Result<std::vector<BrokerPosition>> positions() override;
    Result<BrokerAccount> account() override;

    /// Fills the open orders of the bar's symbol submitted at or before bar_start (in submission
    /// order), then the armed bracket legs of that symbol (stop-loss first, OCO), then marks that
    /// symbol's position at the bar's close.
    void on_bar(const MarketBar& bar);

    /// A simulated venue for a run on a store that already holds trades: the positions and cash
    /// those trades explain (every filled quantity at its average price with its fees, in fill
    /// order), and every order they leave open (pending, partially filled, bracket legs) known
    /// by its client order id as expired with the earlier run's venue (status canceled, broker
    /// word "expired", its fills kept), so a reconciliation closes it and a resubmit of the same
    /// key is idempotent. Only before the first order (kInvalidArgument otherwise).
    Status restore(std::span<const TradeRow> trades);

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
    static constexpr size_t kNone = SIZE_MAX;
    struct SimOrder {
        BrokerOrder order;
        Timestamp not_before;  // request ts: fills on bars with bar_start >= this
        Money fill_cost;       // sum of fill notionals (average price)
        int fills = 0;
        // Bracket: a parent knows its legs; a leg its parent and kind, and rests ("held") until
        // the parent is done, then is armed for the parent's filled quantity.
        size_t tp_leg = kNone;
        size_t sl_leg = kNone;
        size_t parent = kNone;
        BracketLeg leg = BracketLeg::kTakeProfit;
        bool armed = false;
    };

    Book& book(const Symbol& symbol);
    void apply_fill(Book& b, Side side, Quantity qty, Price price, Money fee);
    Money fee_for(Quantity qty) const;
    /// The order with its legs (a bracket parent), as the broker reports it.
    BrokerOrder view(size_t index) const;
    /// Sets the order canceled (updated_at = at, never earlier) and tells the listener.
    void cancel_order(size_t index, Timestamp at);
    /// Books one fill of orders_[index] (ledger, order state) and delivers it.
    void fill_order(size_t index, Quantity qty, Price price, const MarketBar& bar);
    /// A parent that is done: arms its legs (or cancels them when nothing filled).
    void settle_legs(size_t parent);
    /// The armed legs of the bar's symbol against its range (OCO).
    void trigger_legs(const MarketBar& bar, size_t end);

    SimBrokerConfig config_;
    BrokerListener* listener_ = nullptr;
    std::vector<SimOrder> orders_;  // submission order
    size_t first_open_ = 0;         // orders_[0, first_open_) are done
    // The number of the last broker id given ("sim-000042": 42); restore() starts it after the
    // highest stored one, so ids stay unique across the runs of one store and do not depend on
    // how many orders were still open.
    uint64_t last_id_number_ = 0;
    std::unordered_map<IdempotencyKey, size_t> by_client_;  // lookup only, never iterated
    std::vector<Book> books_;                               // first-seen order
    Timestamp last_bar_end_;  // close of the latest bar seen: the time of a cancel()
    Money cash_;
    Money realized_;  // FIFO, net of fees
    Money fees_;
    std::optional<ErrorCode> fail_next_;
    bool fail_accept_ = false;
};

}  // namespace awet
