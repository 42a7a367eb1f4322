#pragma once
// One field list per event. `visit_header(h, v)` and `visit_fields(e, v)` call `v(name, field)`
// for every field of an event in its wire order (the JSON key order, which audit payloads keep);
// the JSON and Avro codecs, the store's row writers and the schema checks are visitors of these
// lists, so a field added to an event reaches every encoding or fails a test
// (tests/model/event_fields_test.cpp).
//
// Most fields are passed as themselves (`Uuid&`, `Price&`, `Timestamp&`, an enum, ...). A field
// whose type alone does not say how it travels is passed in a wrapper: `ReasonBits` (a RiskReason
// bit mask that travels as the list of its names) and `FeatureMask` (one bit per feature).
// `const` events give `const` fields, so one list serves encoders and decoders.
#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "awet/model/events.hpp"

namespace awet {

// ---------------------------------------------------------------------------------------------
// Every value of each enum an event carries, in declaration order (decoders look names up here).

template <class E>
struct EnumValues;

template <>
struct EnumValues<Source> {
    static constexpr std::array values = {
        Source::kIngestion, Source::kFeatures, Source::kPrediction, Source::kRisk,
        Source::kExecution, Source::kExit,     Source::kReconciler, Source::kWatchtower,
        Source::kEod,       Source::kCli};
};
template <>
struct EnumValues<Direction> {
    static constexpr std::array values = {Direction::kUp, Direction::kDown};
};
template <>
struct EnumValues<Signal> {
    static constexpr std::array values = {Signal::kHold, Signal::kBuy, Signal::kSell};
};
template <>
struct EnumValues<Side> {
    static constexpr std::array values = {Side::kBuy, Side::kSell};
};
template <>
struct EnumValues<OrderIntent> {
    static constexpr std::array values = {OrderIntent::kEntry, OrderIntent::kExit};
};
template <>
struct EnumValues<ExitReason> {
    static constexpr std::array values = {ExitReason::kNone, ExitReason::kTakeProfit,
                                          ExitReason::kStopLoss, ExitReason::kMaxHolding,
                                          ExitReason::kSessionClose};
};
template <>
struct EnumValues<OrderStatus> {
    static constexpr std::array values = {OrderStatus::kPending,  OrderStatus::kPartiallyFilled,
                                          OrderStatus::kFilled,   OrderStatus::kBlocked,
                                          OrderStatus::kRejected, OrderStatus::kCanceled};
};

/// The values of `E` in declaration order; value i is `static_cast<E>(i)` (checked below).
template <class E>
constexpr const auto& enum_values() {
    return EnumValues<E>::values;
}

/// The value of `E` whose to_string is `name`, if any.
template <class E>
std::optional<E> enum_from_name(std::string_view name) {
    for (E e : enum_values<E>()) {
        if (to_string(e) == name) return e;
    }
    return std::nullopt;
}

namespace detail {
template <class E>
constexpr bool dense() {
    const auto& all = enum_values<E>();
    for (size_t i = 0; i < all.size(); ++i) {
        if (static_cast<size_t>(all[i]) != i) return false;
    }
    return true;
}
}  // namespace detail
static_assert(detail::dense<Source>() && enum_values<Source>().size() == 10);
static_assert(detail::dense<Direction>() && detail::dense<Signal>() && detail::dense<Side>());
static_assert(detail::dense<OrderIntent>() && detail::dense<ExitReason>());
static_assert(detail::dense<OrderStatus>() &&
              enum_values<OrderStatus>().back() == OrderStatus::kCanceled);

// ---------------------------------------------------------------------------------------------
// Wrappers for fields whose C++ type does not say how they travel. `U` is `uint32_t` or
// `const uint32_t`.

/// RiskDecision::reasons: RiskReason bits, on the wire the list of their names.
template <class U>
struct ReasonBits {
    U& mask;
};
/// FeatureVector::valid_mask: bit i set when feature i is out of warm-up; below 2^kNumFeatures.
template <class U>
struct FeatureMask {
    U& mask;
    static constexpr uint32_t kLimit = uint32_t{1} << kNumFeatures;
};
template <class U>
ReasonBits(U&) -> ReasonBits<U>;
template <class U>
FeatureMask(U&) -> FeatureMask<U>;

using FeatureValues = std::array<double, kNumFeatures>;
using Horizons = std::array<QuantileForecast, kNumHorizons>;

/// `T` is `U` or `const U`.
template <class T, class U>
concept FieldsOf = std::same_as<std::remove_const_t<T>, U>;

// ---------------------------------------------------------------------------------------------
// The lists.

template <FieldsOf<EventHeader> H, class V>
void visit_header(H& h, V&& v) {
    v("event_id", h.event_id);
    v("correlation_id", h.correlation_id);
    v("idempotency_key", h.idempotency_key);
    v("symbol", h.symbol);
    v("ts", h.ts);
    v("ts_init", h.ts_init);
    v("schema_version", h.schema_version);
    v("source", h.source);
}

template <FieldsOf<MarketBar> E, class V>
void visit_fields(E& e, V&& v) {
    v("bar_start", e.bar_start);
    v("interval_ns", e.interval);
    v("open", e.open);
    v("high", e.high);
    v("low", e.low);
    v("close", e.close);
    v("volume", e.volume);
}

template <FieldsOf<FeatureVector> E, class V>
void visit_fields(E& e, V&& v) {
    v("bar_start", e.bar_start);
    v("close", e.close);
    v("volume", e.volume);
    v("valid_mask", FeatureMask{e.valid_mask});
    v("features", e.values);
}

template <FieldsOf<Prediction> E, class V>
void visit_fields(E& e, V&& v) {
    v("bar_start", e.bar_start);
    v("close", e.close);
    v("horizons", e.horizons);
    v("direction", e.direction);
    v("confidence", e.confidence);
    v("signal", e.signal);
    v("model_id", e.model_id);
}

template <FieldsOf<RiskDecision> E, class V>
void visit_fields(E& e, V&& v) {
    v("approved", e.approved);
    v("reasons", ReasonBits{e.reasons});
    v("intent", e.intent);
    v("exit_reason", e.exit_reason);
    v("side", e.side);
    v("qty", e.qty);
    v("ref_price", e.ref_price);
    v("notional", e.notional);
    v("cvar", e.cvar);
    v("confidence", e.confidence);
    v("prediction_event_id", e.prediction_event_id);
}

template <FieldsOf<ExecutionReport> E, class V>
void visit_fields(E& e, V&& v) {
    v("broker_order_id", e.broker_order_id);
    v("intent", e.intent);
    v("exit_reason", e.exit_reason);
    v("side", e.side);
    v("status", e.status);
    v("qty", e.qty);
    v("filled_qty", e.filled_qty);
    v("avg_fill_price", e.avg_fill_price);
    v("fill_qty", e.fill_qty);
    v("fill_price", e.fill_price);
    v("fees", e.fees);
    v("filled_at", e.filled_at);
    v("dry_run", e.dry_run);
    v("block_reason", e.block_reason);
}

template <FieldsOf<DeadLetter> E, class V>
void visit_fields(E& e, V&& v) {
    v("original_topic", e.original_topic);
    v("error", e.error);
}

/// The fields of one quantile forecast (the `minutes` of its horizon travels beside them).
template <FieldsOf<QuantileForecast> Q, class V>
void visit_fields(Q& q, V&& v) {
    v("q10", q.q10);
    v("q50", q.q50);
    v("q90", q.q90);
}

// ---------------------------------------------------------------------------------------------
// Codec visitors. A codec's field writer derives from WriteFields<Self> and provides `out()` (its
// primitive writer: uuid, string, timestamp, i32, i64, decimal, f64, boolean, enumeration by
// symbol name) and the three nested shapes (reasons, features, horizons); a field reader derives
// from ReadFields<Self> with `in()` (uuid, fixed_string, string, timestamp, integer, i64,
// decimal, f64, boolean, enumeration over enum_values, failed, fail) and the same three shapes.
// So each type of field is written one way in one place, and a codec says only how its format
// spells a primitive.

template <class Derived>
class WriteFields {
public:
    void operator()(std::string_view n, const Uuid& v) { out().uuid(n, v); }
    template <size_t N>
    void operator()(std::string_view n, const FixedString<N>& v) {
        out().string(n, v.view());
    }
    void operator()(std::string_view n, Timestamp v) { out().timestamp(n, v); }
    void operator()(std::string_view n, Duration v) { out().i64(n, v.ns()); }
    void operator()(std::string_view n, int32_t v) { out().i32(n, v); }
    template <typename Tag>
    void operator()(std::string_view n, Fixed<Tag> v) {
        out().decimal(n, v);
    }
    void operator()(std::string_view n, double v) { out().f64(n, v); }
    void operator()(std::string_view n, bool v) { out().boolean(n, v); }
    template <typename E>
    requires std::is_enum_v<E>
    void operator()(std::string_view n, E v) { out().enumeration(n, to_string(v)); }
    void operator()(std::string_view n, FeatureMask<const uint32_t> v) { out().i64(n, v.mask); }
    void operator()(std::string_view n, ReasonBits<const uint32_t> v) { self().reasons(n, v.mask); }
    void operator()(std::string_view n, const FeatureValues& v) { self().features(n, v); }
    void operator()(std::string_view n, const Horizons& v) { self().horizons(n, v); }
    void operator()(std::string_view n, const ErrorText& v) { out().string(n, error_text_of(v)); }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
    auto& out() { return self().out(); }
};

template <class Derived>
class ReadFields {
public:
    void operator()(std::string_view n, Uuid& v) { in().uuid(n, v); }
    template <size_t N>
    void operator()(std::string_view n, FixedString<N>& v) {
        in().fixed_string(n, v);
    }
    void operator()(std::string_view n, Timestamp& v) { in().timestamp(n, v); }
    void operator()(std::string_view n, Duration& v) {
        int64_t ns = v.ns();
        in().i64(n, ns);
        v = Duration::nanos(ns);
    }
    void operator()(std::string_view n, int32_t& v) { in().integer(n, v); }
    template <typename Tag>
    void operator()(std::string_view n, Fixed<Tag>& v) {
        in().decimal(n, v);
    }
    void operator()(std::string_view n, double& v) { in().f64(n, v); }
    void operator()(std::string_view n, bool& v) { in().boolean(n, v); }
    template <typename E>
    requires std::is_enum_v<E>
    void operator()(std::string_view n, E& v) { in().enumeration(n, enum_values<E>(), v); }
    void operator()(std::string_view n, FeatureMask<uint32_t> v) {
        int64_t mask = v.mask;
        in().i64(n, mask);
        if (in().failed()) return;
        if (mask < 0 || mask >= int64_t{FeatureMask<uint32_t>::kLimit}) {
            return in().fail(n, std::to_string(mask) + " out of range (" +
                                    std::to_string(kNumFeatures) + " feature bits)");
        }
        v.mask = static_cast<uint32_t>(mask);
    }
    void operator()(std::string_view n, ReasonBits<uint32_t> v) { self().reasons(n, v.mask); }
    void operator()(std::string_view n, FeatureValues& v) { self().features(n, v); }
    void operator()(std::string_view n, Horizons& v) { self().horizons(n, v); }
    void operator()(std::string_view n, ErrorText& v) {
        std::string text;
        if (in().string(n, text)) set_error_text(v, text);
    }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
    auto& in() { return self().in(); }
};

}  // namespace awet
