#include "awet/model/events.hpp"

#include <algorithm>
#include <cstring>

namespace awet {

std::string_view to_string(Source s) {
    switch (s) {
        case Source::kIngestion:
            return "ingestion";
        case Source::kFeatures:
            return "features";
        case Source::kPrediction:
            return "prediction";
        case Source::kRisk:
            return "risk";
        case Source::kExecution:
            return "execution";
        case Source::kExit:
            return "exit";
        case Source::kReconciler:
            return "reconciler";
        case Source::kWatchtower:
            return "watchtower";
        case Source::kEod:
            return "eod";
        case Source::kCli:
            return "cli";
    }
    return "unknown";
}

std::string_view feature_name(Feature f) {
    switch (f) {
        case Feature::kRsi14:
            return "rsi_14";
        case Feature::kSma5:
            return "sma_5";
        case Feature::kSma20:
            return "sma_20";
        case Feature::kEma5:
            return "ema_5";
        case Feature::kEma20:
            return "ema_20";
        case Feature::kReturns1:
            return "returns_1";
        case Feature::kReturns5:
            return "returns_5";
        case Feature::kReturns15:
            return "returns_15";
        case Feature::kVolatility20:
            return "volatility_20";
        case Feature::kMinuteOfDay:
            return "minute_of_day";
        case Feature::kHourOfDay:
            return "hour_of_day";
        case Feature::kDayOfWeek:
            return "day_of_week";
        case Feature::kCount:
            break;
    }
    return "unknown";
}

std::string_view to_string(Direction d) { return d == Direction::kUp ? "UP" : "DOWN"; }

std::string_view to_string(Signal s) {
    switch (s) {
        case Signal::kHold:
            return "HOLD";
        case Signal::kBuy:
            return "BUY";
        case Signal::kSell:
            return "SELL";
    }
    return "unknown";
}

std::string_view to_string(Side s) { return s == Side::kBuy ? "buy" : "sell"; }

std::string_view to_string(OrderIntent i) { return i == OrderIntent::kEntry ? "entry" : "exit"; }

std::string_view to_string(ExitReason r) {
    switch (r) {
        case ExitReason::kNone:
            return "none";
        case ExitReason::kTakeProfit:
            return "take_profit";
        case ExitReason::kStopLoss:
            return "stop_loss";
        case ExitReason::kMaxHolding:
            return "max_holding";
        case ExitReason::kSessionClose:
            return "session_close";
    }
    return "unknown";
}

std::string_view to_string(RiskReason r) {
    switch (r) {
        case RiskReason::kNone:
            return "NONE";
        case RiskReason::kNotionalExceedsMaxPerOrder:
            return "NOTIONAL_EXCEEDS_MAX_PER_ORDER";
        case RiskReason::kQtyExceedsMaxPerOrder:
            return "QTY_EXCEEDS_MAX_PER_ORDER";
        case RiskReason::kQtyBelowMinimum:
            return "QTY_BELOW_MINIMUM";
        case RiskReason::kOrdersPerMinuteExceeded:
            return "ORDERS_PER_MINUTE_EXCEEDED";
        case RiskReason::kOrdersPerSymbolDayExceeded:
            return "ORDERS_PER_SYMBOL_DAY_EXCEEDED";
        case RiskReason::kCooldownActive:
            return "COOLDOWN_ACTIVE";
        case RiskReason::kTotalExposureExceeded:
            return "TOTAL_EXPOSURE_EXCEEDED";
        case RiskReason::kSymbolExposureExceeded:
            return "SYMBOL_EXPOSURE_EXCEEDED";
        case RiskReason::kCvarExceedsLimit:
            return "CVAR_EXCEEDS_LIMIT";
        case RiskReason::kMarketClosed:
            return "MARKET_CLOSED";
        case RiskReason::kSessionClosing:
            return "SESSION_CLOSING";
        case RiskReason::kPositionAlreadyOpen:
            return "POSITION_ALREADY_OPEN";
        case RiskReason::kShortNotAllowed:
            return "SHORT_NOT_ALLOWED";
    }
    return "UNKNOWN";
}

std::string risk_reasons_to_string(uint32_t mask) {
    std::string out;
    for (uint32_t bit = 0; bit < kNumRiskReasons; ++bit) {
        uint32_t flag = 1U << bit;
        if ((mask & flag) == 0) continue;
        if (!out.empty()) out += ',';
        out += to_string(static_cast<RiskReason>(flag));
    }
    return out;
}

std::string_view to_string(OrderStatus s) {
    switch (s) {
        case OrderStatus::kPending:
            return "pending";
        case OrderStatus::kPartiallyFilled:
            return "partially_filled";
        case OrderStatus::kFilled:
            return "filled";
        case OrderStatus::kBlocked:
            return "blocked";
        case OrderStatus::kRejected:
            return "rejected";
        case OrderStatus::kCanceled:
            return "canceled";
    }
    return "unknown";
}

std::string_view event_type_name(const Event& e) {
    static constexpr std::string_view kNames[] = {
        "market_bar", "features", "prediction", "risk_decision", "execution_report", "dead_letter"};
    static_assert(std::size(kNames) == std::variant_size_v<Event>);
    return kNames[e.index()];
}

std::string_view error_text_of(const ErrorText& buf) {
    return {buf.data(), strnlen(buf.data(), buf.size())};
}

void set_error_text(ErrorText& buf, std::string_view text) {
    size_t n = std::min(text.size(), buf.size() - 1);
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    // An empty view may be null: memcpy from nullptr is undefined even for 0 bytes.
    if (n != 0) std::memcpy(buf.data(), text.data(), n);
    buf[n] = '\0';
}

}  // namespace awet
