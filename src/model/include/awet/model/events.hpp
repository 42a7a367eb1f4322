#pragma once
// The typed events that travel on the bus, one per topic family (seed §6), each carrying the
// event contract of seed §6.2 in its header. Events are flat values (no heap), immutable once
// published.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "awet/core/fixed.hpp"
#include "awet/core/ids.hpp"
#include "awet/core/time.hpp"

namespace awet {

inline constexpr int32_t kSchemaVersion = 1;

/// Producing service (seed §5.2 agents plus the jobs).
enum class Source : uint8_t {
    kIngestion,
    kFeatures,
    kPrediction,
    kRisk,
    kExecution,
    kExit,
    kReconciler,
    kWatchtower,
    kEod,
    kCli,
};
std::string_view to_string(Source s);

/// Seed §6.2: every event carries these. `ts` is when it happened at the source (ts_event),
/// `ts_init` when AWET created the event object.
struct EventHeader {
    Uuid event_id;
    Uuid correlation_id;
    IdempotencyKey idempotency_key;
    Symbol symbol;
    Timestamp ts;
    Timestamp ts_init;
    int32_t schema_version = kSchemaVersion;
    Source source = Source::kIngestion;
};

/// market.raw — one OHLCV bar. `ts` in the header is the bar's END (when it became known);
/// `bar_start` is the label used by vendors and by market_raw_minute.ts.
struct MarketBar {
    EventHeader header;
    Timestamp bar_start;
    Duration interval = Duration::minutes(1);
    Price open, high, low, close;
    Quantity volume;
};

/// Feature names, in column order of features_tft and of `awet features --out`.
enum class Feature : uint8_t {
    kRsi14,
    kSma5,
    kSma20,
    kEma5,
    kEma20,
    kReturns1,
    kReturns5,
    kReturns15,
    kVolatility20,
    kMinuteOfDay,
    kHourOfDay,
    kDayOfWeek,
    kCount
};
inline constexpr size_t kNumFeatures = static_cast<size_t>(Feature::kCount);
std::string_view feature_name(Feature f);  // "rsi_14", "sma_5", ...
inline constexpr std::array<Feature, kNumFeatures> kAllFeatures = {
    Feature::kRsi14,        Feature::kSma5,        Feature::kSma20,     Feature::kEma5,
    Feature::kEma20,        Feature::kReturns1,    Feature::kReturns5,  Feature::kReturns15,
    Feature::kVolatility20, Feature::kMinuteOfDay, Feature::kHourOfDay, Feature::kDayOfWeek};

/// market.engineered — the indicator set after one bar. A feature still in warm-up is NaN and its
/// bit in `valid_mask` is clear.
struct FeatureVector {
    EventHeader header;
    Timestamp bar_start;
    Price close;
    Quantity volume;
    std::array<double, kNumFeatures> values{};
    uint32_t valid_mask = 0;

    double get(Feature f) const { return values[static_cast<size_t>(f)]; }
    bool valid(Feature f) const { return (valid_mask >> static_cast<unsigned>(f)) & 1U; }
    bool complete() const { return valid_mask == (1U << kNumFeatures) - 1; }
};

enum class Direction : uint8_t { kUp, kDown };
std::string_view to_string(Direction d);  // "UP" / "DOWN"

/// What the forecast asks for. HOLD: no trade intent (confidence below threshold or flat).
enum class Signal : uint8_t { kHold, kBuy, kSell };
std::string_view to_string(Signal s);

inline constexpr std::array<int, 3> kHorizonsMinutes = {30, 45, 60};
inline constexpr size_t kNumHorizons = kHorizonsMinutes.size();

/// Forecast of the forward log return over one horizon.
struct QuantileForecast {
    double q10 = 0, q50 = 0, q90 = 0;
};

/// predictions.tft — seed §7.1 output for one symbol at one bar.
struct Prediction {
    EventHeader header;
    Timestamp bar_start;
    Price close;
    std::array<QuantileForecast, kNumHorizons> horizons{};
    Direction direction = Direction::kDown;  // UP iff q50 of the longest horizon > 0
    double confidence = 0;                   // in [0, 1]; see ml/README.md
    Signal signal = Signal::kHold;
    ModelId model_id;
};

enum class Side : uint8_t { kBuy, kSell };
std::string_view to_string(Side s);  // "buy" / "sell"
inline Side opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }

/// Why an order exists.
enum class OrderIntent : uint8_t { kEntry, kExit };
std::string_view to_string(OrderIntent i);  // "entry" / "exit"

enum class ExitReason : uint8_t { kNone, kTakeProfit, kStopLoss, kMaxHolding, kSessionClose };
std::string_view to_string(
    ExitReason r);  // "none", "take_profit", "stop_loss", "max_holding", "session_close"

/// Typed reasons a risk gate denies an entry (bit flags: a decision lists every gate it failed).
enum class RiskReason : uint32_t {
    kNone = 0,
    kNotionalExceedsMaxPerOrder = 1U << 0,
    kQtyExceedsMaxPerOrder = 1U << 1,
    kQtyBelowMinimum = 1U << 2,
    kOrdersPerMinuteExceeded = 1U << 3,
    kOrdersPerSymbolDayExceeded = 1U << 4,
    kCooldownActive = 1U << 5,
    kTotalExposureExceeded = 1U << 6,
    kSymbolExposureExceeded = 1U << 7,
    kCvarExceedsLimit = 1U << 8,
    kMarketClosed = 1U << 9,
    kSessionClosing = 1U << 10,
    kPositionAlreadyOpen = 1U << 11,
    kShortNotAllowed = 1U << 12,
};
inline constexpr uint32_t kNumRiskReasons = 13;
std::string_view to_string(RiskReason r);  // "NOTIONAL_EXCEEDS_MAX_PER_ORDER", ...
/// "COOLDOWN_ACTIVE,CVAR_EXCEEDS_LIMIT" for a mask ("" for none).
std::string risk_reasons_to_string(uint32_t mask);

/// risk.approved / risk.rejected — the decision on one order intent. Exits (from the exit agent)
/// arrive here approved, exempt from entry limits, with their exit reason.
struct RiskDecision {
    EventHeader header;
    bool approved = false;
    uint32_t reasons = 0;  // RiskReason bits; 0 when approved
    OrderIntent intent = OrderIntent::kEntry;
    ExitReason exit_reason = ExitReason::kNone;
    Side side = Side::kBuy;
    Quantity qty;     // proposed order size (sizing rule of seed §6.3)
    Price ref_price;  // price the decision was made at (last close)
    Money notional;
    double cvar = 0;  // estimated tail loss fraction used by the CVaR gate
    double confidence = 0;
    Uuid prediction_event_id;
};

enum class OrderStatus : uint8_t {
    kPending,  // accepted by the broker, not filled yet
    kPartiallyFilled,
    kFilled,
    kBlocked,   // stopped by a safety layer before the broker
    kRejected,  // refused by the broker
    kCanceled,
};
std::string_view to_string(OrderStatus s);  // "pending", "partially_filled", "filled", ...

/// execution.completed / execution.blocked — an order's state after a broker interaction.
/// One event per state change; `fill_qty`/`fill_price` describe the fill that caused it, if any.
struct ExecutionReport {
    EventHeader header;  // idempotency_key = client order id
    BrokerOrderId broker_order_id;
    OrderIntent intent = OrderIntent::kEntry;
    ExitReason exit_reason = ExitReason::kNone;
    Side side = Side::kBuy;
    OrderStatus status = OrderStatus::kPending;
    Quantity qty;
    Quantity filled_qty;   // cumulative
    Price avg_fill_price;  // cumulative average
    Quantity fill_qty;     // this fill
    Price fill_price;      // this fill
    Money fees;            // this fill
    Timestamp filled_at;
    bool dry_run = false;
    FixedString<63> block_reason;
};

/// The error text of a dead letter: NUL-terminated, at most 199 bytes.
using ErrorText = std::array<char, 200>;
/// The text in `buf` (up to its NUL).
std::string_view error_text_of(const ErrorText& buf);
/// Keeps what fits of `text` in `buf`, never cutting a UTF-8 sequence in half.
void set_error_text(ErrorText& buf, std::string_view text);

/// dead.letter — an event that failed to decode or to be processed, with the error.
struct DeadLetter {
    EventHeader header;
    FixedString<31> original_topic;
    ErrorText error{};  // NUL-terminated, truncated

    std::string_view error_text() const { return error_text_of(error); }
    void set_error(std::string_view text) { set_error_text(error, text); }
};

using Event =
    std::variant<MarketBar, FeatureVector, Prediction, RiskDecision, ExecutionReport, DeadLetter>;

inline const EventHeader& header_of(const Event& e) {
    return std::visit([](const auto& ev) -> const EventHeader& { return ev.header; }, e);
}
/// "market_bar", "features", "prediction", "risk_decision", "execution_report", "dead_letter".
std::string_view event_type_name(const Event& e);

}  // namespace awet
