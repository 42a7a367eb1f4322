#include "awet/model/codec.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

namespace awet {
namespace {

// ============================== Encoding (hand-written, no DOM) ==============================

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}

    void begin() { out_ += '{'; }
    void end() { out_ += '}'; }

    void key(std::string_view name) {
        if (!first_) out_ += ',';
        first_ = false;
        out_ += '"';
        out_.append(name);
        out_ += "\":";
    }
    void string(std::string_view name, std::string_view v) {
        key(name);
        quoted(v);
    }
    void raw(std::string_view name, std::string_view v) {
        key(name);
        out_.append(v);
    }
    void boolean(std::string_view name, bool v) { raw(name, v ? "true" : "false"); }
    void integer(std::string_view name, int64_t v) {
        key(name);
        append_int(v);
    }
    void number(std::string_view name, double v) {
        key(name);
        append_double(v);
    }
    template <typename Tag>
    void decimal(std::string_view name, Fixed<Tag> v) {
        key(name);
        append_fixed(v.raw());
    }
    void uuid(std::string_view name, const Uuid& u) {
        key(name);
        char buf[38];
        buf[0] = '"';
        u.write(buf + 1);
        buf[37] = '"';
        out_.append(buf, sizeof(buf));
    }
    void timestamp(std::string_view name, Timestamp t) {
        key(name);
        char buf[Timestamp::kIsoMaxLen + 2];
        buf[0] = '"';
        size_t n = t.write_iso(buf + 1);
        buf[n + 1] = '"';
        out_.append(buf, n + 2);
    }

    /// Starts a nested object/array value under `name`; the caller writes it with the raw helpers.
    void open(std::string_view name, char bracket) {
        key(name);
        out_ += bracket;
        first_ = true;
    }
    void close(char bracket) {
        out_ += bracket;
        first_ = false;
    }
    /// A writer on the same buffer with a fresh comma state (for objects inside arrays).
    Writer nested() const { return Writer(out_); }
    void element_separator() {
        if (!first_) out_ += ',';
        first_ = false;
    }

    void quoted(std::string_view v) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += '"';
        for (char c : v) {
            switch (c) {
                case '"':
                    out_ += "\\\"";
                    break;
                case '\\':
                    out_ += "\\\\";
                    break;
                case '\n':
                    out_ += "\\n";
                    break;
                case '\r':
                    out_ += "\\r";
                    break;
                case '\t':
                    out_ += "\\t";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xF], kHex[c & 0xF]};
                        out_.append(esc, 6);
                    } else {
                        out_ += c;
                    }
            }
        }
        out_ += '"';
    }
    void append_int(int64_t v) {
        char buf[24];
        auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
        out_.append(buf, static_cast<size_t>(p - buf));
    }
    void append_double(double v) {
        if (!std::isfinite(v)) {
            out_ += "null";
            return;
        }
        char buf[32];
        auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
        out_.append(buf, static_cast<size_t>(p - buf));
    }
    /// Same text as Fixed::to_string, written without a temporary string.
    void append_fixed(int64_t raw) {
        char buf[kFixedTextMax];
        out_.append(buf, format_fixed(raw, buf));
    }

private:
    std::string& out_;
    bool first_ = true;
};

void encode_header(Writer& w, const Event& event) {
    const EventHeader& h = header_of(event);
    w.string("event_type", event_type_name(event));
    w.uuid("event_id", h.event_id);
    w.uuid("correlation_id", h.correlation_id);
    w.string("idempotency_key", h.idempotency_key.view());
    w.string("symbol", h.symbol.view());
    w.timestamp("ts", h.ts);
    w.timestamp("ts_init", h.ts_init);
    w.integer("schema_version", h.schema_version);
    w.string("source", to_string(h.source));
}

void encode_body(Writer& w, const MarketBar& e) {
    w.timestamp("bar_start", e.bar_start);
    w.integer("interval_ns", e.interval.ns());
    w.decimal("open", e.open);
    w.decimal("high", e.high);
    w.decimal("low", e.low);
    w.decimal("close", e.close);
    w.decimal("volume", e.volume);
}

void encode_body(Writer& w, const FeatureVector& e) {
    w.timestamp("bar_start", e.bar_start);
    w.decimal("close", e.close);
    w.decimal("volume", e.volume);
    w.integer("valid_mask", e.valid_mask);
    w.open("features", '{');
    for (Feature f : kAllFeatures) w.number(feature_name(f), e.get(f));
    w.close('}');
}

void encode_body(Writer& w, const Prediction& e) {
    w.timestamp("bar_start", e.bar_start);
    w.decimal("close", e.close);
    w.open("horizons", '[');
    for (size_t i = 0; i < kNumHorizons; ++i) {
        w.element_separator();
        Writer inner = w.nested();
        inner.begin();
        inner.integer("minutes", kHorizonsMinutes[i]);
        inner.number("q10", e.horizons[i].q10);
        inner.number("q50", e.horizons[i].q50);
        inner.number("q90", e.horizons[i].q90);
        inner.end();
    }
    w.close(']');
    w.string("direction", to_string(e.direction));
    w.number("confidence", e.confidence);
    w.string("signal", to_string(e.signal));
    w.string("model_id", e.model_id.view());
}

void encode_body(Writer& w, const RiskDecision& e) {
    w.boolean("approved", e.approved);
    w.open("reasons", '[');
    for (uint32_t bit = 0; bit < kNumRiskReasons; ++bit) {
        uint32_t flag = 1U << bit;
        if ((e.reasons & flag) == 0) continue;
        w.element_separator();
        w.quoted(to_string(static_cast<RiskReason>(flag)));
    }
    w.close(']');
    w.string("intent", to_string(e.intent));
    w.string("exit_reason", to_string(e.exit_reason));
    w.string("side", to_string(e.side));
    w.decimal("qty", e.qty);
    w.decimal("ref_price", e.ref_price);
    w.decimal("notional", e.notional);
    w.number("cvar", e.cvar);
    w.number("confidence", e.confidence);
    w.uuid("prediction_event_id", e.prediction_event_id);
}

void encode_body(Writer& w, const ExecutionReport& e) {
    w.string("broker_order_id", e.broker_order_id.view());
    w.string("intent", to_string(e.intent));
    w.string("exit_reason", to_string(e.exit_reason));
    w.string("side", to_string(e.side));
    w.string("status", to_string(e.status));
    w.decimal("qty", e.qty);
    w.decimal("filled_qty", e.filled_qty);
    w.decimal("avg_fill_price", e.avg_fill_price);
    w.decimal("fill_qty", e.fill_qty);
    w.decimal("fill_price", e.fill_price);
    w.decimal("fees", e.fees);
    w.timestamp("filled_at", e.filled_at);
    w.boolean("dry_run", e.dry_run);
    w.string("block_reason", e.block_reason.view());
}

void encode_body(Writer& w, const DeadLetter& e) {
    w.string("original_topic", e.original_topic.view());
    w.string("error", std::string_view(e.error.data(), strnlen(e.error.data(), e.error.size())));
}

// ============================== Decoding ==============================
// nlohmann-json parses (SAX) into a small tree that keeps the text of each number, so that
// prices and quantities are read exactly by Fixed::parse instead of through a double.

struct JNode {
    enum class Type { kNull, kBool, kInt, kUint, kFloat, kString, kArray, kObject };
    Type type = Type::kNull;
    bool b = false;
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    std::string text;               // string value, or the source text of a float
    std::vector<std::string> keys;  // object member names (parallel to items)
    std::vector<JNode> items;

    const JNode* find(std::string_view name) const {
        for (size_t k = 0; k < keys.size(); ++k) {
            if (keys[k] == name) return &items[k];
        }
        return nullptr;
    }
};

class TreeBuilder {
public:
    using json = nlohmann::json;
    /// Events nest 3 levels deep; the tree is freed recursively, so a message of a million '['
    /// would overflow the stack (fuzz/seeds/json_event/regress_deep_nesting.json).
    static constexpr size_t kMaxDepth = 64;

    bool null() { return add(JNode{}) != nullptr; }
    bool boolean(bool v) {
        JNode n;
        n.type = JNode::Type::kBool;
        n.b = v;
        return add(std::move(n)) != nullptr;
    }
    bool number_integer(json::number_integer_t v) {
        JNode n;
        n.type = JNode::Type::kInt;
        n.i = v;
        return add(std::move(n)) != nullptr;
    }
    bool number_unsigned(json::number_unsigned_t v) {
        JNode n;
        n.type = JNode::Type::kUint;
        n.u = v;
        return add(std::move(n)) != nullptr;
    }
    bool number_float(json::number_float_t v, const json::string_t& s) {
        JNode n;
        n.type = JNode::Type::kFloat;
        n.d = v;
        n.text = s;
        return add(std::move(n)) != nullptr;
    }
    bool string(json::string_t& v) {
        JNode n;
        n.type = JNode::Type::kString;
        n.text = std::move(v);
        return add(std::move(n)) != nullptr;
    }
    bool binary(json::binary_t&) { return false; }
    bool start_object(std::size_t) { return open(JNode::Type::kObject); }
    bool key(json::string_t& k) {
        key_ = std::move(k);
        return true;
    }
    bool end_object() {
        stack_.pop_back();
        return true;
    }
    bool start_array(std::size_t) { return open(JNode::Type::kArray); }
    bool end_array() {
        stack_.pop_back();
        return true;
    }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& ex) {
        error_ = "malformed JSON at byte " + std::to_string(position) + ": " + ex.what();
        return false;
    }

    JNode& root() { return root_; }
    const std::string& error() const { return error_; }

private:
    bool open(JNode::Type type) {
        if (stack_.size() >= kMaxDepth) {
            error_ = "malformed JSON: nested deeper than " + std::to_string(kMaxDepth) + " levels";
            return false;
        }
        JNode n;
        n.type = type;
        JNode* node = add(std::move(n));
        if (node == nullptr) return false;
        stack_.push_back(node);
        return true;
    }
    // Pointers on the stack stay valid: only the innermost open container grows.
    JNode* add(JNode n) {
        if (stack_.empty()) {
            root_ = std::move(n);
            return &root_;
        }
        JNode* parent = stack_.back();
        if (parent->type == JNode::Type::kObject) parent->keys.push_back(std::move(key_));
        parent->items.push_back(std::move(n));
        return &parent->items.back();
    }

    JNode root_;
    std::vector<JNode*> stack_;
    std::string key_;
    std::string error_;
};

/// Reads typed fields from one JSON object; remembers the first problem (field name + what).
class Reader {
public:
    Reader(const JNode& obj, std::string prefix) : obj_(obj), prefix_(std::move(prefix)) {}

    const std::string& error() const { return error_; }
    bool failed() const { return !error_.empty(); }
    /// Takes over the first error of a reader of a nested object.
    void adopt(const Reader& inner) {
        if (error_.empty()) error_ = inner.error_;
    }
    void fail(std::string_view name, std::string_view what) {
        if (error_.empty())
            error_ = "field '" + prefix_ + std::string(name) + "': " + std::string(what);
    }

    const JNode* get(std::string_view name) {
        const JNode* n = obj_.find(name);
        if (n == nullptr) fail(name, "missing");
        return n;
    }
    const JNode* get_typed(std::string_view name, JNode::Type type, std::string_view what) {
        const JNode* n = get(name);
        if (n != nullptr && n->type != type) {
            fail(name, what);
            return nullptr;
        }
        return n;
    }
    std::string_view string(std::string_view name) {
        const JNode* n = get_typed(name, JNode::Type::kString, "expected a string");
        return n ? std::string_view(n->text) : std::string_view();
    }
    template <size_t N>
    void fixed_string(std::string_view name, FixedString<N>& out) {
        const JNode* n = get_typed(name, JNode::Type::kString, "expected a string");
        if (n != nullptr && !out.assign(n->text)) {
            fail(name, "longer than " + std::to_string(N) + " characters");
        }
    }
    void uuid(std::string_view name, Uuid& out) {
        const JNode* n = get_typed(name, JNode::Type::kString, "expected a UUID string");
        if (n == nullptr) return;
        auto u = Uuid::parse(n->text);
        if (!u) return fail(name, "expected a UUID string");
        out = *u;
    }
    void timestamp(std::string_view name, Timestamp& out) {
        const JNode* n = get_typed(name, JNode::Type::kString, "expected an ISO-8601 timestamp");
        if (n == nullptr) return;
        auto t = Timestamp::parse(n->text);
        if (!t) return fail(name, "expected an ISO-8601 timestamp");
        out = *t;
    }
    template <typename Tag>
    void decimal(std::string_view name, Fixed<Tag>& out) {
        const JNode* n = get(name);
        if (n == nullptr) return;
        std::optional<Fixed<Tag>> v;
        if (n->type == JNode::Type::kFloat) {
            v = Fixed<Tag>::parse(n->text);
        } else if (n->type == JNode::Type::kInt || n->type == JNode::Type::kUint) {
            char buf[24];
            auto [p, ec] = n->type == JNode::Type::kInt
                               ? std::to_chars(buf, buf + sizeof(buf), n->i)
                               : std::to_chars(buf, buf + sizeof(buf), n->u);
            v = Fixed<Tag>::parse(std::string_view(buf, static_cast<size_t>(p - buf)));
        }
        if (!v) return fail(name, "expected a decimal number");
        out = *v;
    }
    /// A double; null reads as NaN (NaN and infinities are written as null).
    void number(std::string_view name, double& out) {
        const JNode* n = get(name);
        if (n == nullptr) return;
        switch (n->type) {
            case JNode::Type::kNull:
                out = std::numeric_limits<double>::quiet_NaN();
                return;
            case JNode::Type::kFloat:
                out = n->d;
                return;
            case JNode::Type::kInt:
                out = static_cast<double>(n->i);
                return;
            case JNode::Type::kUint:
                out = static_cast<double>(n->u);
                return;
            default:
                fail(name, "expected a number or null");
        }
    }
    template <typename T>
    void integer(std::string_view name, T& out) {
        const JNode* n = get(name);
        if (n == nullptr) return;
        bool ok = false;
        if (n->type == JNode::Type::kInt) {
            ok = n->i >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                 (n->i < 0 || static_cast<uint64_t>(n->i) <=
                                  static_cast<uint64_t>(std::numeric_limits<T>::max()));
            if (ok) out = static_cast<T>(n->i);
        } else if (n->type == JNode::Type::kUint) {
            ok = n->u <= static_cast<uint64_t>(std::numeric_limits<T>::max());
            if (ok) out = static_cast<T>(n->u);
        }
        if (!ok) fail(name, "expected an integer in range");
    }
    void boolean(std::string_view name, bool& out) {
        const JNode* n = get_typed(name, JNode::Type::kBool, "expected true or false");
        if (n != nullptr) out = n->b;
    }
    /// An enum by its name (to_string of each value in `all`).
    template <typename E, size_t N>
    void enumeration(std::string_view name, const std::array<E, N>& all, E& out) {
        const JNode* n = get_typed(name, JNode::Type::kString, "expected a string");
        if (n == nullptr) return;
        for (E e : all) {
            if (to_string(e) == n->text) {
                out = e;
                return;
            }
        }
        fail(name, "unknown value '" + n->text + "'");
    }

private:
    const JNode& obj_;
    std::string prefix_;
    std::string error_;
};

constexpr std::array<Source, 10> kSources = {
    Source::kIngestion, Source::kFeatures,   Source::kPrediction, Source::kRisk, Source::kExecution,
    Source::kExit,      Source::kReconciler, Source::kWatchtower, Source::kEod,  Source::kCli};
constexpr std::array<Direction, 2> kDirections = {Direction::kUp, Direction::kDown};
constexpr std::array<Signal, 3> kSignals = {Signal::kHold, Signal::kBuy, Signal::kSell};
constexpr std::array<Side, 2> kSides = {Side::kBuy, Side::kSell};
constexpr std::array<OrderIntent, 2> kIntents = {OrderIntent::kEntry, OrderIntent::kExit};
constexpr std::array<ExitReason, 5> kExitReasons = {ExitReason::kNone, ExitReason::kTakeProfit,
                                                    ExitReason::kStopLoss, ExitReason::kMaxHolding,
                                                    ExitReason::kSessionClose};
constexpr std::array<OrderStatus, 6> kStatuses = {
    OrderStatus::kPending, OrderStatus::kPartiallyFilled, OrderStatus::kFilled,
    OrderStatus::kBlocked, OrderStatus::kRejected,        OrderStatus::kCanceled};

void decode_header(Reader& r, EventHeader& h) {
    r.uuid("event_id", h.event_id);
    r.uuid("correlation_id", h.correlation_id);
    r.fixed_string("idempotency_key", h.idempotency_key);
    r.fixed_string("symbol", h.symbol);
    r.timestamp("ts", h.ts);
    r.timestamp("ts_init", h.ts_init);
    r.integer("schema_version", h.schema_version);
    r.enumeration("source", kSources, h.source);
}

void decode_body(Reader& r, const JNode&, MarketBar& e) {
    r.timestamp("bar_start", e.bar_start);
    int64_t interval_ns = 0;
    r.integer("interval_ns", interval_ns);
    e.interval = Duration::nanos(interval_ns);
    r.decimal("open", e.open);
    r.decimal("high", e.high);
    r.decimal("low", e.low);
    r.decimal("close", e.close);
    r.decimal("volume", e.volume);
}

void decode_body(Reader& r, const JNode& obj, FeatureVector& e) {
    r.timestamp("bar_start", e.bar_start);
    r.decimal("close", e.close);
    r.decimal("volume", e.volume);
    r.integer("valid_mask", e.valid_mask);
    const JNode* features = r.get_typed("features", JNode::Type::kObject, "expected an object");
    if (features == nullptr) return;
    Reader fr(*features, "features.");
    for (Feature f : kAllFeatures) fr.number(feature_name(f), e.values[static_cast<size_t>(f)]);
    r.adopt(fr);
    (void)obj;
}

void decode_body(Reader& r, const JNode&, Prediction& e) {
    r.timestamp("bar_start", e.bar_start);
    r.decimal("close", e.close);
    const JNode* horizons = r.get_typed("horizons", JNode::Type::kArray, "expected an array");
    if (horizons != nullptr) {
        if (horizons->items.size() != kNumHorizons) {
            r.fail("horizons", "expected " + std::to_string(kNumHorizons) + " entries");
        } else {
            for (size_t i = 0; i < kNumHorizons; ++i) {
                std::string prefix = "horizons[" + std::to_string(i) + "].";
                const JNode& item = horizons->items[i];
                if (item.type != JNode::Type::kObject) {
                    r.fail("horizons", "expected objects");
                    break;
                }
                Reader hr(item, prefix);
                int minutes = 0;
                hr.integer("minutes", minutes);
                if (!hr.failed() && minutes != kHorizonsMinutes[i]) {
                    hr.fail("minutes", "expected " + std::to_string(kHorizonsMinutes[i]));
                }
                hr.number("q10", e.horizons[i].q10);
                hr.number("q50", e.horizons[i].q50);
                hr.number("q90", e.horizons[i].q90);
                if (hr.failed()) {
                    r.adopt(hr);
                    break;
                }
            }
        }
    }
    r.enumeration("direction", kDirections, e.direction);
    r.number("confidence", e.confidence);
    r.enumeration("signal", kSignals, e.signal);
    r.fixed_string("model_id", e.model_id);
}

void decode_body(Reader& r, const JNode&, RiskDecision& e) {
    r.boolean("approved", e.approved);
    const JNode* reasons = r.get_typed("reasons", JNode::Type::kArray, "expected an array");
    if (reasons != nullptr) {
        e.reasons = 0;
        for (const JNode& item : reasons->items) {
            bool found = false;
            for (uint32_t bit = 0; bit < kNumRiskReasons && item.type == JNode::Type::kString;
                 ++bit) {
                auto flag = static_cast<RiskReason>(1U << bit);
                if (to_string(flag) == item.text) {
                    e.reasons |= 1U << bit;
                    found = true;
                    break;
                }
            }
            if (!found) {
                r.fail("reasons", "unknown risk reason '" + item.text + "'");
                break;
            }
        }
    }
    r.enumeration("intent", kIntents, e.intent);
    r.enumeration("exit_reason", kExitReasons, e.exit_reason);
    r.enumeration("side", kSides, e.side);
    r.decimal("qty", e.qty);
    r.decimal("ref_price", e.ref_price);
    r.decimal("notional", e.notional);
    r.number("cvar", e.cvar);
    r.number("confidence", e.confidence);
    r.uuid("prediction_event_id", e.prediction_event_id);
}

void decode_body(Reader& r, const JNode&, ExecutionReport& e) {
    r.fixed_string("broker_order_id", e.broker_order_id);
    r.enumeration("intent", kIntents, e.intent);
    r.enumeration("exit_reason", kExitReasons, e.exit_reason);
    r.enumeration("side", kSides, e.side);
    r.enumeration("status", kStatuses, e.status);
    r.decimal("qty", e.qty);
    r.decimal("filled_qty", e.filled_qty);
    r.decimal("avg_fill_price", e.avg_fill_price);
    r.decimal("fill_qty", e.fill_qty);
    r.decimal("fill_price", e.fill_price);
    r.decimal("fees", e.fees);
    r.timestamp("filled_at", e.filled_at);
    r.boolean("dry_run", e.dry_run);
    r.fixed_string("block_reason", e.block_reason);
}

void decode_body(Reader& r, const JNode&, DeadLetter& e) {
    r.fixed_string("original_topic", e.original_topic);
    std::string_view text = r.string("error");
    size_t n = std::min(text.size(), e.error.size() - 1);
    // Do not cut a UTF-8 sequence in half.
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    // A missing "error" is a null view: memcpy from nullptr is undefined even for 0 bytes.
    if (n != 0) std::memcpy(e.error.data(), text.data(), n);
    e.error[n] = '\0';
}

template <typename E>
Result<Event> decode_as(const JNode& obj) {
    E e;
    Reader r(obj, "");
    decode_header(r, e.header);
    decode_body(r, obj, e);
    if (r.failed()) return make_error(ErrorCode::kParse, r.error());
    return Event(std::move(e));
}

}  // namespace

void encode_json(const Event& event, std::string& out) {
    Writer w(out);
    w.begin();
    encode_header(w, event);
    std::visit([&](const auto& e) { encode_body(w, e); }, event);
    w.end();
}

std::string to_json(const Event& event) {
    std::string out;
    out.reserve(512);
    encode_json(event, out);
    return out;
}

Result<Event> decode_json(std::string_view json) {
    TreeBuilder builder;
    bool ok = false;
    try {
        ok = nlohmann::json::sax_parse(json.begin(), json.end(), &builder);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, std::string("malformed JSON: ") + e.what());
    }
    if (!ok) {
        return make_error(ErrorCode::kParse, builder.error().empty() ? std::string("malformed JSON")
                                                                     : builder.error());
    }
    const JNode& root = builder.root();
    if (root.type != JNode::Type::kObject)
        return make_error(ErrorCode::kParse, "expected a JSON object");
    const JNode* type = root.find("event_type");
    if (type == nullptr) return make_error(ErrorCode::kParse, "field 'event_type': missing");
    if (type->type != JNode::Type::kString) {
        return make_error(ErrorCode::kParse, "field 'event_type': expected a string");
    }
    const std::string& t = type->text;
    if (t == "market_bar") return decode_as<MarketBar>(root);
    if (t == "features") return decode_as<FeatureVector>(root);
    if (t == "prediction") return decode_as<Prediction>(root);
    if (t == "risk_decision") return decode_as<RiskDecision>(root);
    if (t == "execution_report") return decode_as<ExecutionReport>(root);
    if (t == "dead_letter") return decode_as<DeadLetter>(root);
    return make_error(ErrorCode::kParse, "field 'event_type': unknown value '" + t + "'");
}

}  // namespace awet
