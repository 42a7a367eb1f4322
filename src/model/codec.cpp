#include "awet/model/codec.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <vector>

#include "awet/model/event_fields.hpp"

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
    // The primitives WriteFields calls (event_fields.hpp).
    void i32(std::string_view name, int32_t v) { integer(name, v); }
    void i64(std::string_view name, int64_t v) { integer(name, v); }
    void f64(std::string_view name, double v) { number(name, v); }
    void enumeration(std::string_view name, std::string_view symbol) { string(name, symbol); }
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

/// Writes the fields of a list (event_fields.hpp) as JSON members.
class FieldWriter : public WriteFields<FieldWriter> {
public:
    explicit FieldWriter(Writer& w) : w_(w) {}
    Writer& out() { return w_; }

    void reasons(std::string_view n, uint32_t mask) {
        w_.open(n, '[');
        for (uint32_t bit = 0; bit < kNumRiskReasons; ++bit) {
            const uint32_t flag = 1U << bit;
            if ((mask & flag) == 0) continue;
            w_.element_separator();
            w_.quoted(to_string(static_cast<RiskReason>(flag)));
        }
        w_.close(']');
    }
    void features(std::string_view n, const FeatureValues& v) {
        w_.open(n, '{');
        for (Feature f : kAllFeatures) w_.number(feature_name(f), v[static_cast<size_t>(f)]);
        w_.close('}');
    }
    void horizons(std::string_view n, const Horizons& v) {
        w_.open(n, '[');
        for (size_t i = 0; i < kNumHorizons; ++i) {
            w_.element_separator();
            Writer inner = w_.nested();
            inner.begin();
            inner.integer("minutes", kHorizonsMinutes[i]);
            FieldWriter fields(inner);
            visit_fields(v[i], fields);
            inner.end();
        }
        w_.close(']');
    }

private:
    Writer& w_;
};

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
    // The primitives ReadFields calls (event_fields.hpp).
    void i64(std::string_view name, int64_t& out) { integer(name, out); }
    void f64(std::string_view name, double& out) { number(name, out); }
    bool string(std::string_view name, std::string& out) {
        const JNode* n = get_typed(name, JNode::Type::kString, "expected a string");
        if (n != nullptr) out = n->text;
        return n != nullptr;
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

/// Reads the fields of a list (event_fields.hpp) from JSON members.
class FieldReader : public ReadFields<FieldReader> {
public:
    explicit FieldReader(Reader& r) : r_(r) {}
    Reader& in() { return r_; }

    void reasons(std::string_view n, uint32_t& mask) {
        const JNode* reasons = r_.get_typed(n, JNode::Type::kArray, "expected an array");
        if (reasons == nullptr) return;
        mask = 0;
        for (const JNode& item : reasons->items) {
            bool found = false;
            for (uint32_t bit = 0; bit < kNumRiskReasons && item.type == JNode::Type::kString;
                 ++bit) {
                const uint32_t flag = 1U << bit;
                if (to_string(static_cast<RiskReason>(flag)) == item.text) {
                    mask |= flag;
                    found = true;
                    break;
                }
            }
            if (!found) return r_.fail(n, "unknown risk reason '" + item.text + "'");
        }
    }
    void features(std::string_view n, FeatureValues& v) {
        const JNode* features = r_.get_typed(n, JNode::Type::kObject, "expected an object");
        if (features == nullptr) return;
        Reader fr(*features, std::string(n) + ".");
        for (Feature f : kAllFeatures) fr.number(feature_name(f), v[static_cast<size_t>(f)]);
        r_.adopt(fr);
    }
    void horizons(std::string_view n, Horizons& v) {
        const JNode* horizons = r_.get_typed(n, JNode::Type::kArray, "expected an array");
        if (horizons == nullptr) return;
        if (horizons->items.size() != kNumHorizons) {
            return r_.fail(n, "expected " + std::to_string(kNumHorizons) + " entries");
        }
        for (size_t i = 0; i < kNumHorizons; ++i) {
            const JNode& item = horizons->items[i];
            if (item.type != JNode::Type::kObject) return r_.fail(n, "expected objects");
            Reader hr(item, std::string(n) + "[" + std::to_string(i) + "].");
            int minutes = 0;
            hr.integer("minutes", minutes);
            if (!hr.failed() && minutes != kHorizonsMinutes[i]) {
                hr.fail("minutes", "expected " + std::to_string(kHorizonsMinutes[i]));
            }
            FieldReader fields(hr);
            visit_fields(v[i], fields);
            if (hr.failed()) return r_.adopt(hr);
        }
    }

private:
    Reader& r_;
};

template <typename E>
Result<Event> decode_as(const JNode& obj) {
    E e;
    Reader r(obj, "");
    FieldReader fields(r);
    visit_header(e.header, fields);
    visit_fields(e, fields);
    if (r.failed()) return make_error(ErrorCode::kParse, r.error());
    return Event(std::move(e));
}

}  // namespace

void encode_json(const Event& event, std::string& out) {
    Writer w(out);
    w.begin();
    w.string("event_type", event_type_name(event));
    std::visit(
        [&](const auto& e) {
            FieldWriter fields(w);
            visit_header(e.header, fields);
            visit_fields(e, fields);
        },
        event);
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
