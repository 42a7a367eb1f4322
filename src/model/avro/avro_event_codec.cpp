#include "awet/model_avro/avro_event_codec.hpp"

#include <avro.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "awet/model/event_fields.hpp"

namespace awet {
namespace {

using json = nlohmann::json;

// Two defects of avro-c 1.11 on malformed input, found by fuzz/avro_event_fuzz.cpp:
//  - it allocates a string's or bytes' declared length before reading them: a 170-byte message
//    declaring a 6 GB string had the consumer allocate 6 GB;
//  - when the bytes are cut short it returns without freeing that buffer (AVRO-4246, fixed
//    upstream after 1.11): every truncated message leaked.
// So while a message is read on a thread, avro-c's allocations go through a capped allocator that
// also remembers what it handed out. A refused allocation makes avro_value_read fail (kParse);
// after a failed read the value is destroyed (freeing all it owns) and what is left of the read's
// allocations is what avro-c leaked, freed here.
struct DecodeAllocations {
    size_t cap = 0;                                     // 0: not reading
    std::unordered_map<void*, size_t>* live = nullptr;  // allocated during the read, not freed
};
thread_local DecodeAllocations t_decode;

void* tracking_allocator(void*, void* ptr, size_t, size_t nsize) {
    if (nsize == 0) {
        if (t_decode.live != nullptr && ptr != nullptr) t_decode.live->erase(ptr);
        std::free(ptr);  // avro-c's default allocator is realloc/free too
        return nullptr;
    }
    if (t_decode.cap != 0 && nsize > t_decode.cap) return nullptr;
    void* out = std::realloc(ptr, nsize);
    if (out != nullptr && t_decode.live != nullptr) {
        if (ptr != nullptr) t_decode.live->erase(ptr);
        t_decode.live->emplace(out, nsize);
    }
    return out;
}

/// The allocation window of one avro_value_read on this thread.
class DecodeAllocationWindow {
public:
    explicit DecodeAllocationWindow(size_t message_size) {
        static const bool installed = (avro_set_allocator(tracking_allocator, nullptr), true);
        (void)installed;
        // Values take more memory than their encoding (value structs, array growth): generous.
        t_decode.cap = std::max<size_t>(16 * message_size, size_t{64} << 10);
        t_decode.live = &live_;
    }
    ~DecodeAllocationWindow() { t_decode = DecodeAllocations{}; }
    DecodeAllocationWindow(const DecodeAllocationWindow&) = delete;
    DecodeAllocationWindow& operator=(const DecodeAllocationWindow&) = delete;

    /// After a failed read and the destruction of everything that could own its allocations.
    void free_leaked() {
        for (const auto& [ptr, size] : live_) std::free(ptr);
        live_.clear();
    }

private:
    std::unordered_map<void*, size_t> live_;
};

template <typename E>
constexpr std::string_view record_name_of_event() {
    if constexpr (std::is_same_v<E, MarketBar>) return "awet.events.MarketBar";
    if constexpr (std::is_same_v<E, FeatureVector>) return "awet.events.FeatureVector";
    if constexpr (std::is_same_v<E, Prediction>) return "awet.events.Prediction";
    if constexpr (std::is_same_v<E, RiskDecision>) return "awet.events.RiskDecision";
    if constexpr (std::is_same_v<E, ExecutionReport>) return "awet.events.ExecutionReport";
    if constexpr (std::is_same_v<E, DeadLetter>) return "awet.events.DeadLetter";
    return "";
}

std::string avro_error() {
    const char* e = avro_strerror();
    return (e != nullptr && *e != '\0') ? std::string(e) : std::string("avro error");
}

/// A parsed schema with one reusable generic value of it (filled on encode, read into on decode).
class AvroSchema {
public:
    static Result<std::unique_ptr<AvroSchema>> parse(std::string_view schema_json) {
        auto s = std::unique_ptr<AvroSchema>(new AvroSchema());
        if (avro_schema_from_json_length(schema_json.data(), schema_json.size(), &s->schema_) !=
            0) {
            s->schema_ = nullptr;
            return make_error(ErrorCode::kParse, "not an Avro schema: " + avro_error());
        }
        if (!is_avro_record(s->schema_)) return make_error(ErrorCode::kParse, "not a record");
        s->iface_ = avro_generic_class_from_schema(s->schema_);
        if (s->iface_ == nullptr) return make_error(ErrorCode::kInternal, avro_error());
        if (avro_generic_value_new(s->iface_, &s->value_) != 0) {
            return make_error(ErrorCode::kInternal, avro_error());
        }
        s->has_value_ = true;
        s->full_name_ = avro_schema_type_name(s->schema_);
        if (const char* ns = avro_schema_namespace(s->schema_); ns != nullptr && *ns != '\0') {
            s->full_name_ = std::string(ns) + "." + s->full_name_;
        }
        return s;
    }
    ~AvroSchema() {
        if (has_value_) avro_value_decref(&value_);
        if (iface_ != nullptr) avro_value_iface_decref(iface_);
        if (schema_ != nullptr) avro_schema_decref(schema_);
    }
    AvroSchema(const AvroSchema&) = delete;
    AvroSchema& operator=(const AvroSchema&) = delete;

    avro_value_t& value() { return value_; }
    const std::string& full_name() const { return full_name_; }

private:
    AvroSchema() = default;
    avro_schema_t schema_ = nullptr;
    avro_value_iface_t* iface_ = nullptr;
    avro_value_t value_{};
    bool has_value_ = false;
    std::string full_name_;
};

// ============================== Encoding ==============================

/// Sets the fields of one record value by name. Strict: a field the schema lacks is an error (the
/// current schema must carry every field); lenient (an older writer schema): the field is left out.
class RecordWriter {
public:
    RecordWriter(avro_value_t* record, bool strict, std::string prefix, std::string& error)
        : record_(record), strict_(strict), prefix_(std::move(prefix)), error_(error) {}

    void fail(std::string_view name, std::string_view what) {
        if (error_.empty())
            error_ = "field '" + prefix_ + std::string(name) + "': " + std::string(what);
    }
    bool field(std::string_view name, avro_value_t& out) {
        if (!error_.empty() || record_ == nullptr) return false;
        if (avro_value_get_by_name(record_, std::string(name).c_str(), &out, nullptr) != 0) {
            if (strict_) fail(name, "not in the writer schema");
            return false;
        }
        return true;
    }
    void check(std::string_view name, int rc) {
        if (rc != 0) fail(name, avro_error());
    }
    void i64(std::string_view name, int64_t v) {
        avro_value_t f;
        if (field(name, f)) check(name, avro_value_set_long(&f, v));
    }
    void i32(std::string_view name, int32_t v) {
        avro_value_t f;
        if (field(name, f)) check(name, avro_value_set_int(&f, v));
    }
    void f64(std::string_view name, double v) {
        avro_value_t f;
        if (field(name, f)) check(name, avro_value_set_double(&f, v));
    }
    void boolean(std::string_view name, bool v) {
        avro_value_t f;
        if (field(name, f)) check(name, avro_value_set_boolean(&f, v ? 1 : 0));
    }
    static int set_string(avro_value_t& f, std::string_view v) {
        // avro-c string sizes count the terminating NUL.
        const std::string text(v);
        return avro_value_set_string_len(&f, text.c_str(), text.size() + 1);
    }
    void string(std::string_view name, std::string_view v) {
        avro_value_t f;
        if (field(name, f)) check(name, set_string(f, v));
    }
    /// An enum by symbol name (the writer schema's index of that symbol).
    static int set_enum(avro_value_t& f, std::string_view symbol) {
        avro_schema_t schema = avro_value_get_schema(&f);
        if (!is_avro_enum(schema)) return EINVAL;
        const int index = avro_schema_enum_get_by_name(schema, std::string(symbol).c_str());
        if (index < 0) return EINVAL;
        return avro_value_set_enum(&f, index);
    }
    void enumeration(std::string_view name, std::string_view symbol) {
        avro_value_t f;
        if (field(name, f) && set_enum(f, symbol) != 0) {
            fail(name, "symbol '" + std::string(symbol) + "' not in the writer schema's enum");
        }
    }
    void uuid(std::string_view name, const Uuid& u) { string(name, u.str()); }
    template <typename Tag>
    void decimal(std::string_view name, Fixed<Tag> v) {
        i64(name, v.raw());
    }
    void timestamp(std::string_view name, Timestamp t) { i64(name, t.ns()); }
    /// A writer on a nested record field (inactive if the field is absent in a lenient writer).
    RecordWriter record(std::string_view name, avro_value_t& storage) {
        const bool present = field(name, storage);
        return RecordWriter(present ? &storage : nullptr, strict_,
                            prefix_ + std::string(name) + ".", error_);
    }

private:
    avro_value_t* record_;
    bool strict_;
    std::string prefix_;
    std::string& error_;
};

/// Sets the fields of a list (event_fields.hpp) in an Avro record.
class FieldWriter : public WriteFields<FieldWriter> {
public:
    explicit FieldWriter(RecordWriter& w) : w_(w) {}
    RecordWriter& out() { return w_; }

    void reasons(std::string_view n, uint32_t mask) {
        avro_value_t reasons;
        if (!w_.field(n, reasons)) return;
        for (uint32_t bit = 0; bit < kNumRiskReasons; ++bit) {
            const uint32_t flag = 1U << bit;
            if ((mask & flag) == 0) continue;
            avro_value_t item;
            const auto symbol = to_string(static_cast<RiskReason>(flag));
            if (avro_value_append(&reasons, &item, nullptr) != 0 ||
                RecordWriter::set_enum(item, symbol) != 0) {
                return w_.fail(n, "cannot write '" + std::string(symbol) + "'");
            }
        }
        if ((mask >> kNumRiskReasons) != 0) w_.fail(n, "unknown risk reason bits");
    }
    void features(std::string_view n, const FeatureValues& v) {
        avro_value_t storage;
        RecordWriter features = w_.record(n, storage);
        for (Feature f : kAllFeatures) features.f64(feature_name(f), v[static_cast<size_t>(f)]);
    }
    void horizons(std::string_view n, const Horizons& v) {
        avro_value_t horizons;
        if (!w_.field(n, horizons)) return;
        for (size_t i = 0; i < kNumHorizons; ++i) {
            avro_value_t item;
            if (avro_value_append(&horizons, &item, nullptr) != 0) return w_.fail(n, avro_error());
            std::string error;
            RecordWriter hw(&item, true, std::string(n) + "[" + std::to_string(i) + "].", error);
            hw.i32("minutes", kHorizonsMinutes[i]);
            FieldWriter fields(hw);
            visit_fields(v[i], fields);
            if (!error.empty()) return w_.fail(n, error);
        }
    }

private:
    RecordWriter& w_;
};

void write_event(RecordWriter& root, const auto& e) {
    avro_value_t storage;
    RecordWriter header = root.record("header", storage);
    FieldWriter header_fields(header);
    visit_header(e.header, header_fields);
    FieldWriter fields(root);
    visit_fields(e, fields);
}

// ============================== Decoding ==============================

/// The reader (current) schema's view of one record: its field names and their defaults.
using FieldTable = std::map<std::string, const json*, std::less<>>;  // name -> default or null
using FieldTables = std::map<std::string, FieldTable, std::less<>>;  // record name -> fields

/// o[key] for an object that has it, else null: never throws, never copies (FieldTables point into
/// the document).
const json& member(const json& o, const char* key) {
    static const json kNull;
    if (!o.is_object()) return kNull;
    auto it = o.find(key);
    return it == o.end() ? kNull : *it;
}

std::string text_of(const json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }

std::string short_name(const std::string& name) {
    const size_t dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
}

void collect_fields(const json& type, FieldTables& out) {
    if (type.is_array()) {
        for (const json& t : type) collect_fields(t, out);
        return;
    }
    if (!type.is_object()) return;
    const std::string kind = text_of(member(type, "type"));
    if (kind == "record") {
        FieldTable& table = out[short_name(text_of(member(type, "name")))];
        const json& fields = member(type, "fields");
        if (!fields.is_array()) return;
        for (const json& f : fields) {
            const json& d = member(f, "default");
            table[text_of(member(f, "name"))] =
                f.is_object() && f.contains("default") ? &d : nullptr;
            collect_fields(member(f, "type"), out);
        }
    } else if (kind == "array") {
        collect_fields(member(type, "items"), out);
    } else if (kind == "map") {
        collect_fields(member(type, "values"), out);
    }
}

/// Reads the fields of one writer record as the reader schema has them (see the class comment of
/// AvroEventCodec): the first problem is kept, with the field's path.
class RecordReader {
public:
    RecordReader(avro_value_t* record, const FieldTable* reader, std::string prefix,
                 std::string& error)
        : record_(record), reader_(reader), prefix_(std::move(prefix)), error_(error) {}

    void fail(std::string_view name, std::string_view what) {
        if (error_.empty())
            error_ = "field '" + prefix_ + std::string(name) + "': " + std::string(what);
    }

    enum class From { kWriter, kDefault, kNowhere };
    From lookup(std::string_view name, avro_value_t& out, const json*& dflt) {
        if (!error_.empty() || reader_ == nullptr) return From::kNowhere;
        auto it = reader_->find(name);
        // Not in the reader schema: the reader does not know the field; the C++ default stays.
        if (it == reader_->end()) return From::kNowhere;
        if (record_ != nullptr &&
            avro_value_get_by_name(record_, std::string(name).c_str(), &out, nullptr) == 0) {
            return From::kWriter;
        }
        if (it->second != nullptr) {
            dflt = it->second;
            return From::kDefault;
        }
        fail(name, "missing in the writer schema and without a default in the reader's");
        return From::kNowhere;
    }

    void i64(std::string_view name, int64_t& out) {
        avro_value_t v;
        const json* d = nullptr;
        switch (lookup(name, v, d)) {
            case From::kWriter:
                read_integer(name, v, out);
                return;
            case From::kDefault:
                if (d->is_number_integer()) {
                    out = d->get<int64_t>();
                } else {
                    fail(name, "default is not an integer");
                }
                return;
            case From::kNowhere:
                return;
        }
    }
    template <typename T>
    void integer(std::string_view name, T& out) {
        int64_t v = static_cast<int64_t>(out);
        i64(name, v);
        if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
            (v > 0 &&
             static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
            return fail(name, std::to_string(v) + " out of range");
        }
        out = static_cast<T>(v);
    }
    template <typename Tag>
    void decimal(std::string_view name, Fixed<Tag>& out) {
        int64_t raw = out.raw();
        i64(name, raw);
        out = Fixed<Tag>::from_raw(raw);
    }
    void timestamp(std::string_view name, Timestamp& out) {
        int64_t ns = out.ns();
        i64(name, ns);
        out = Timestamp::from_ns(ns);
    }
    void f64(std::string_view name, double& out) {
        avro_value_t v;
        const json* d = nullptr;
        switch (lookup(name, v, d)) {
            case From::kWriter:
                switch (avro_value_get_type(&v)) {
                    case AVRO_DOUBLE:
                        check(name, avro_value_get_double(&v, &out));
                        return;
                    case AVRO_FLOAT: {
                        float f = 0;
                        check(name, avro_value_get_float(&v, &f));
                        out = f;
                        return;
                    }
                    case AVRO_INT32:
                    case AVRO_INT64: {
                        int64_t i = 0;
                        read_integer(name, v, i);
                        out = static_cast<double>(i);
                        return;
                    }
                    default:
                        return fail(name, "expected a double");
                }
            case From::kDefault:
                if (d->is_number()) {
                    out = d->get<double>();
                } else {
                    fail(name, "default is not a number");
                }
                return;
            case From::kNowhere:
                return;
        }
    }
    void boolean(std::string_view name, bool& out) {
        avro_value_t v;
        const json* d = nullptr;
        switch (lookup(name, v, d)) {
            case From::kWriter: {
                int b = 0;
                if (avro_value_get_type(&v) != AVRO_BOOLEAN)
                    return fail(name, "expected a boolean");
                check(name, avro_value_get_boolean(&v, &b));
                out = b != 0;
                return;
            }
            case From::kDefault:
                if (d->is_boolean()) {
                    out = d->get<bool>();
                } else {
                    fail(name, "default is not a boolean");
                }
                return;
            case From::kNowhere:
                return;
        }
    }
    /// A string (or bytes); false if the field is not read (absent from the reader, or an error).
    bool string(std::string_view name, std::string& out) {
        avro_value_t v;
        const json* d = nullptr;
        switch (lookup(name, v, d)) {
            case From::kWriter: {
                const avro_type_t type = avro_value_get_type(&v);
                if (type == AVRO_STRING) {
                    const char* s = nullptr;
                    size_t size = 0;
                    if (avro_value_get_string(&v, &s, &size) != 0) {
                        fail(name, avro_error());
                        return false;
                    }
                    out.assign(s, size > 0 ? size - 1 : 0);  // size counts the NUL
                    return true;
                }
                if (type == AVRO_BYTES) {
                    const void* b = nullptr;
                    size_t size = 0;
                    if (avro_value_get_bytes(&v, &b, &size) != 0) {
                        fail(name, avro_error());
                        return false;
                    }
                    out.assign(static_cast<const char*>(b), size);
                    return true;
                }
                fail(name, "expected a string");
                return false;
            }
            case From::kDefault:
                if (!d->is_string()) {
                    fail(name, "default is not a string");
                    return false;
                }
                out = d->get<std::string>();
                return true;
            case From::kNowhere:
                return false;
        }
        return false;
    }
    template <size_t N>
    void fixed_string(std::string_view name, FixedString<N>& out) {
        std::string text;
        if (string(name, text) && !out.assign(text)) {
            fail(name, "longer than " + std::to_string(N) + " bytes");
        }
    }
    void uuid(std::string_view name, Uuid& out) {
        std::string text;
        if (!string(name, text)) return;
        auto u = Uuid::parse(text);
        if (!u) return fail(name, "'" + text.substr(0, 40) + "' is not a UUID");
        out = *u;
    }
    /// The symbol of an enum (or the text of a string) at `v`; nullopt after a failure.
    std::optional<std::string> symbol(std::string_view name, avro_value_t& v) {
        if (avro_value_get_type(&v) == AVRO_STRING) {
            const char* s = nullptr;
            size_t size = 0;
            if (avro_value_get_string(&v, &s, &size) != 0)
                return fail(name, avro_error()), std::nullopt;
            return std::string(s, size > 0 ? size - 1 : 0);
        }
        if (avro_value_get_type(&v) != AVRO_ENUM)
            return fail(name, "expected an enum"), std::nullopt;
        int index = 0;
        if (avro_value_get_enum(&v, &index) != 0) return fail(name, avro_error()), std::nullopt;
        // avro-c neither checks the index it reads nor returns null for an unknown one (it
        // returns an uninitialised pointer): range-check first (fuzz/avro_event_fuzz.cpp).
        const avro_schema_t schema = avro_value_get_schema(&v);
        if (index < 0 || index >= avro_schema_enum_number_of_symbols(schema))
            return fail(name, "enum index " + std::to_string(index) + " out of range"),
                   std::nullopt;
        const char* s = avro_schema_enum_get(schema, index);
        if (s == nullptr) return fail(name, "enum index out of range"), std::nullopt;
        return std::string(s);
    }
    template <typename E, size_t N>
    void enumeration(std::string_view name, const std::array<E, N>& all, E& out) {
        avro_value_t v;
        const json* d = nullptr;
        std::optional<std::string> text;
        switch (lookup(name, v, d)) {
            case From::kWriter:
                text = symbol(name, v);
                break;
            case From::kDefault:
                if (d->is_string())
                    text = d->get<std::string>();
                else
                    fail(name, "default is not a symbol");
                break;
            case From::kNowhere:
                return;
        }
        if (!text) return;
        for (E e : all) {
            if (to_string(e) == *text) {
                out = e;
                return;
            }
        }
        fail(name, "unknown symbol '" + *text + "'");
    }
    /// A nested record or array value from the writer (no defaults for those).
    bool child(std::string_view name, avro_value_t& out) {
        const json* d = nullptr;
        const From from = lookup(name, out, d);
        if (from == From::kDefault) fail(name, "a default for a record or array is not supported");
        return from == From::kWriter;
    }

    /// A reader of a nested record; inactive when the reader schema does not have the field.
    RecordReader nested(std::string_view name, avro_value_t& storage, const FieldTable* fields) {
        const bool present = child(name, storage);
        return RecordReader(present ? &storage : nullptr, present ? fields : nullptr,
                            prefix_ + std::string(name) + ".", error_);
    }
    bool active() const { return reader_ != nullptr && error_.empty(); }
    bool failed() const { return !error_.empty(); }

    void check(std::string_view name, int rc) {
        if (rc != 0) fail(name, avro_error());
    }
    void read_integer(std::string_view name, avro_value_t& v, int64_t& out) {
        if (avro_value_get_type(&v) == AVRO_INT64)
            return check(name, avro_value_get_long(&v, &out));
        if (avro_value_get_type(&v) == AVRO_INT32) {
            int32_t i = 0;
            check(name, avro_value_get_int(&v, &i));
            out = i;
            return;
        }
        fail(name, "expected a long");
    }

private:
    avro_value_t* record_;
    const FieldTable* reader_;
    std::string prefix_;
    std::string& error_;
};

const FieldTable* table(const FieldTables& tables, std::string_view record) {
    auto it = tables.find(record);
    return it == tables.end() ? nullptr : &it->second;
}

/// Reads the fields of a list (event_fields.hpp) as the reader schema has them.
class FieldReader : public ReadFields<FieldReader> {
public:
    FieldReader(RecordReader& r, const FieldTables& tables) : r_(r), tables_(tables) {}
    RecordReader& in() { return r_; }

    void reasons(std::string_view n, uint32_t& mask) {
        avro_value_t reasons;
        if (!r_.child(n, reasons)) return;
        size_t count = 0;
        if (avro_value_get_type(&reasons) != AVRO_ARRAY ||
            avro_value_get_size(&reasons, &count) != 0) {
            return r_.fail(n, "expected an array");
        }
        mask = 0;
        for (size_t i = 0; i < count && r_.active(); ++i) {
            avro_value_t item;
            if (avro_value_get_by_index(&reasons, i, &item, nullptr) != 0) {
                return r_.fail(n, avro_error());
            }
            auto text = r_.symbol(n, item);
            if (!text) return;
            bool found = false;
            for (uint32_t bit = 0; bit < kNumRiskReasons && !found; ++bit) {
                if (to_string(static_cast<RiskReason>(1U << bit)) == *text) {
                    mask |= 1U << bit;
                    found = true;
                }
            }
            if (!found) r_.fail(n, "unknown risk reason '" + *text + "'");
        }
    }
    void features(std::string_view n, FeatureValues& v) {
        avro_value_t storage;
        RecordReader fr = r_.nested(n, storage, table(tables_, "Features"));
        for (Feature f : kAllFeatures) fr.f64(feature_name(f), v[static_cast<size_t>(f)]);
    }
    void horizons(std::string_view n, Horizons& v) {
        avro_value_t horizons;
        if (!r_.child(n, horizons)) return;
        size_t count = 0;
        if (avro_value_get_type(&horizons) != AVRO_ARRAY ||
            avro_value_get_size(&horizons, &count) != 0) {
            return r_.fail(n, "expected an array");
        }
        if (count != kNumHorizons) {
            return r_.fail(
                n, std::to_string(count) + " entries, expected " + std::to_string(kNumHorizons));
        }
        for (size_t i = 0; i < count && r_.active(); ++i) {
            avro_value_t item;
            if (avro_value_get_by_index(&horizons, i, &item, nullptr) != 0) {
                return r_.fail(n, avro_error());
            }
            std::string error;
            RecordReader hr(&item, table(tables_, "Horizon"),
                            std::string(n) + "[" + std::to_string(i) + "].", error);
            int32_t minutes = kHorizonsMinutes[i];
            hr.integer("minutes", minutes);
            if (error.empty() && minutes != kHorizonsMinutes[i]) {
                hr.fail("minutes", std::to_string(minutes) + ", expected " +
                                       std::to_string(kHorizonsMinutes[i]));
            }
            FieldReader fields(hr, tables_);
            visit_fields(v[i], fields);
            if (!error.empty()) r_.fail(n, error);
        }
    }

private:
    RecordReader& r_;
    const FieldTables& tables_;
};

template <typename E>
Result<Event> read_as(avro_value_t& root, const FieldTables& tables) {
    E e;
    std::string error;
    RecordReader r(&root, table(tables, short_name(std::string(record_name_of_event<E>()))), "",
                   error);
    avro_value_t header;
    RecordReader hr = r.nested("header", header, table(tables, "EventHeader"));
    FieldReader header_fields(hr, tables);
    visit_header(e.header, header_fields);
    FieldReader fields(r, tables);
    visit_fields(e, fields);
    if (!error.empty()) return make_error(ErrorCode::kParse, error);
    return Event(std::move(e));
}

// ============================== Compatibility ==============================

/// Avro's resolution rules (specification, "Schema Resolution") for the types the events use.
class CompatibilityChecker {
public:
    void check(const json& writer, const json& reader, const std::string& path) {
        const json& w = resolve(writer, writer_names_);
        const json& r = resolve(reader, reader_names_);
        if (w.is_array() || r.is_array()) return problem(path, "unions are not supported");
        const std::string wt = type_of(w), rt = type_of(r);
        if (wt == rt) {
            if (wt == "record") return record(w, r, path);
            if (wt == "enum") return enumeration(w, r, path);
            if (wt == "array") return check(member(w, "items"), member(r, "items"), path + "[]");
            if (wt == "map") return check(member(w, "values"), member(r, "values"), path + "{}");
            if (wt == "fixed" && member(w, "size") != member(r, "size")) {
                return problem(path, "fixed sizes differ");
            }
            return;
        }
        static const std::set<std::pair<std::string, std::string>> kPromotions = {
            {"int", "long"},    {"int", "float"},    {"int", "double"},   {"long", "float"},
            {"long", "double"}, {"float", "double"}, {"string", "bytes"}, {"bytes", "string"}};
        if (kPromotions.count({wt, rt}) == 0) {
            problem(path, "the writer's " + wt + " cannot be read as " + rt);
        }
    }
    void collect(const json& type, bool writer) {
        auto& names = writer ? writer_names_ : reader_names_;
        if (type.is_array()) {
            for (const json& t : type) collect(t, writer);
            return;
        }
        if (!type.is_object()) return;
        const std::string kind = text_of(member(type, "type"));
        if (kind == "record" || kind == "enum" || kind == "fixed") {
            names[short_name(text_of(member(type, "name")))] = &type;
        }
        if (kind == "record" && member(type, "fields").is_array()) {
            for (const json& f : member(type, "fields")) collect(member(f, "type"), writer);
        } else if (kind == "array") {
            collect(member(type, "items"), writer);
        } else if (kind == "map") {
            collect(member(type, "values"), writer);
        }
    }
    const std::vector<std::string>& problems() const { return problems_; }

private:
    using Names = std::map<std::string, const json*>;
    static const json& resolve(const json& t, const Names& names) {
        if (t.is_string()) {
            auto it = names.find(short_name(t.get<std::string>()));
            if (it != names.end()) return *it->second;
        }
        return t;
    }
    static std::string type_of(const json& t) {
        if (t.is_string()) return t.get<std::string>();
        if (t.is_object() && t.contains("type") && t["type"].is_string()) {
            return t["type"].get<std::string>();
        }
        return "?";
    }
    void problem(const std::string& path, const std::string& what) {
        problems_.push_back((path.empty() ? std::string("record") : "field '" + path + "'") + ": " +
                            what);
    }
    void record(const json& w, const json& r, const std::string& path) {
        const std::string wn = short_name(text_of(member(w, "name")));
        const std::string rn = short_name(text_of(member(r, "name")));
        if (wn != rn) return problem(path, "record " + wn + " is not " + rn);
        std::map<std::string, const json*> writer_fields;
        if (member(w, "fields").is_array()) {
            for (const json& f : member(w, "fields"))
                writer_fields[text_of(member(f, "name"))] = &f;
        }
        if (!member(r, "fields").is_array()) return;
        for (const json& f : member(r, "fields")) {
            const std::string name = text_of(member(f, "name"));
            const std::string sub = path.empty() ? name : path + "." + name;
            auto it = writer_fields.find(name);
            if (it != writer_fields.end()) {
                check(member(*it->second, "type"), member(f, "type"), sub);
            } else if (!f.is_object() || !f.contains("default")) {
                problem(sub, "not written by the writer schema and no default in the reader's");
            }
        }
    }
    void enumeration(const json& w, const json& r, const std::string& path) {
        std::set<std::string> reader_symbols;
        if (member(r, "symbols").is_array()) {
            for (const json& sym : member(r, "symbols")) reader_symbols.insert(text_of(sym));
        }
        if (!member(r, "default").is_null()) return;  // unknown symbols read as the default
        if (!member(w, "symbols").is_array()) return;
        for (const json& sym : member(w, "symbols")) {
            if (reader_symbols.count(text_of(sym)) == 0) {
                problem(path, "enum symbol '" + text_of(sym) + "' unknown to the reader");
            }
        }
    }

    Names writer_names_, reader_names_;
    std::vector<std::string> problems_;
};

}  // namespace

Status check_schema_compatible(std::string_view writer_schema_json,
                               std::string_view reader_schema_json) {
    const json writer = json::parse(writer_schema_json, nullptr, /*allow_exceptions=*/false);
    const json reader = json::parse(reader_schema_json, nullptr, /*allow_exceptions=*/false);
    if (writer.is_discarded())
        return make_error(ErrorCode::kParse, "writer schema: malformed JSON");
    if (reader.is_discarded())
        return make_error(ErrorCode::kParse, "reader schema: malformed JSON");
    CompatibilityChecker checker;
    checker.collect(writer, true);
    checker.collect(reader, false);
    checker.check(writer, reader, "");
    if (checker.problems().empty()) return Status::Ok();
    std::string all;
    for (const auto& p : checker.problems()) all += (all.empty() ? "" : "; ") + p;
    return make_error(ErrorCode::kInvalidArgument, all);
}

// ============================== The codec ==============================

struct AvroEventCodec::Impl {
    SchemaCatalog catalog;
    std::shared_ptr<SchemaRegistryClient> registry;

    /// The current version of one record: what encode writes and what decode reads as.
    struct Current {
        const SchemaEntry* entry = nullptr;
        json doc;
        FieldTables fields;
        std::unique_ptr<AvroSchema> schema;  // its generic value is the encode scratch
    };
    std::map<std::string, Current, std::less<>> current;  // by full record name
    /// Writer schemas by wire id (decode), each already checked against the current version.
    std::map<int32_t, std::unique_ptr<AvroSchema>> writers;
    /// Wire id of the current schema of each topic (registry ids are per subject).
    std::map<Topic, int32_t> wire_ids;
    /// Older writer schemas by local id (encode_with).
    std::map<int32_t, std::unique_ptr<AvroSchema>> pinned;

    std::string where(Topic topic) const { return "avro " + std::string(topic_name(topic)); }

    Result<Current*> current_of(Topic topic) {
        auto it = current.find(record_name_of(topic));
        if (it == current.end()) {
            return make_error(ErrorCode::kInvalidArgument, where(topic) + ": no schema");
        }
        return &it->second;
    }

    Result<int32_t> wire_id(Topic topic, const Current& c) {
        if (auto it = wire_ids.find(topic); it != wire_ids.end()) return it->second;
        int32_t id = c.entry->id;
        if (registry) {
            auto registered = registry->register_schema(subject_of(topic), c.entry->json);
            if (!registered.ok()) {
                return make_error(registered.error().code,
                                  where(topic) + ": " + registered.error().message);
            }
            id = *registered;
        }
        wire_ids[topic] = id;
        return id;
    }

    Status encode(Topic topic, const Event& event, AvroSchema& schema, bool strict, int32_t id,
                  std::string& out) {
        const std::string_view expected = record_name_of(topic);
        const std::string_view type = event_type_name(event);
        if (schema.full_name() != expected) {
            return make_error(ErrorCode::kInvalidArgument, where(topic) + ": schema " +
                                                               schema.full_name() + " is not " +
                                                               std::string(expected));
        }
        avro_value_t& root = schema.value();
        if (avro_value_reset(&root) != 0) {
            return make_error(ErrorCode::kInternal, where(topic) + ": " + avro_error());
        }
        std::string error;
        RecordWriter w(&root, strict, "", error);
        const bool matches = std::visit(
            [&](const auto& e) {
                using E = std::decay_t<decltype(e)>;
                if (record_name_of_event<E>() != expected) return false;
                write_event(w, e);
                return true;
            },
            event);
        if (!matches) {
            return make_error(ErrorCode::kInvalidArgument,
                              where(topic) + ": a " + std::string(type) +
                                  " event, the topic carries " + std::string(expected));
        }
        if (!error.empty()) {
            return make_error(ErrorCode::kInvalidArgument, where(topic) + ": " + error);
        }
        size_t size = 0;
        if (avro_value_sizeof(&root, &size) != 0) {
            return make_error(ErrorCode::kInternal, where(topic) + ": " + avro_error());
        }
        const size_t start = out.size();
        out.resize(start + kAvroWireHeaderSize + size);
        char* p = out.data() + start;
        p[0] = static_cast<char>(kAvroMagicByte);
        const auto uid = static_cast<uint32_t>(id);
        p[1] = static_cast<char>(uid >> 24);
        p[2] = static_cast<char>(uid >> 16);
        p[3] = static_cast<char>(uid >> 8);
        p[4] = static_cast<char>(uid);
        avro_writer_t writer =
            avro_writer_memory(p + kAvroWireHeaderSize, static_cast<int64_t>(size));
        const int rc = writer == nullptr ? ENOMEM : avro_value_write(writer, &root);
        if (writer != nullptr) avro_writer_free(writer);
        if (rc != 0) {
            out.resize(start);
            return make_error(ErrorCode::kInternal, where(topic) + ": " + avro_error());
        }
        return Status::Ok();
    }

    /// The writer schema of a wire id, parsed and checked against the current version.
    Result<AvroSchema*> writer_of(Topic topic, int32_t id, const Current& reader) {
        if (auto it = writers.find(id); it != writers.end()) return it->second.get();
        std::string text;
        if (registry) {
            auto fetched = registry->schema_by_id(id);
            if (!fetched.ok()) {
                return make_error(fetched.error().code, where(topic) + ": schema id " +
                                                            std::to_string(id) + ": " +
                                                            fetched.error().message);
            }
            text = std::move(*fetched);
        } else {
            const SchemaEntry* e = catalog.by_id(id);
            if (e == nullptr) {
                return make_error(ErrorCode::kNotFound,
                                  where(topic) + ": unknown schema id " + std::to_string(id) +
                                      " (not in the local catalogue " + catalog.dir() + ")");
            }
            text = e->json;
        }
        auto schema = AvroSchema::parse(text);
        if (!schema.ok()) {
            return make_error(
                ErrorCode::kParse,
                where(topic) + ": schema id " + std::to_string(id) + ": " + schema.error().message);
        }
        if ((*schema)->full_name() != reader.entry->full_name) {
            return make_error(ErrorCode::kInvalidArgument,
                              where(topic) + ": schema id " + std::to_string(id) + " is " +
                                  (*schema)->full_name() + ", the topic carries " +
                                  reader.entry->full_name);
        }
        Status compatible = check_schema_compatible(text, reader.entry->json);
        if (!compatible.ok()) {
            return make_error(ErrorCode::kInvalidArgument,
                              where(topic) + ": schema id " + std::to_string(id) +
                                  " cannot be read as the current " + reader.entry->full_name +
                                  ": " + compatible.error().message);
        }
        return writers.emplace(id, std::move(*schema)).first->second.get();
    }
};

AvroEventCodec::AvroEventCodec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AvroEventCodec::~AvroEventCodec() = default;

const SchemaCatalog& AvroEventCodec::catalog() const { return impl_->catalog; }

Result<std::unique_ptr<AvroEventCodec>> AvroEventCodec::create(
    SchemaCatalog catalog, std::shared_ptr<SchemaRegistryClient> registry) {
    auto impl = std::make_unique<Impl>();
    impl->catalog = std::move(catalog);
    impl->registry = std::move(registry);
    for (size_t t = 0; t < kNumTopics; ++t) {
        const std::string_view name = record_name_of(static_cast<Topic>(t));
        if (impl->current.count(name) != 0) continue;
        const SchemaEntry* entry = impl->catalog.current(name);
        if (entry == nullptr) {
            return make_error(ErrorCode::kNotFound, "no current schema of " + std::string(name) +
                                                        " in " + impl->catalog.dir());
        }
        Impl::Current c;
        c.entry = entry;
        c.doc = json::parse(entry->json);
        collect_fields(c.doc, c.fields);
        auto schema = AvroSchema::parse(entry->json);
        if (!schema.ok())
            return make_error(ErrorCode::kParse, entry->file + ": " + schema.error().message);
        c.schema = std::move(*schema);
        impl->current.emplace(std::string(name), std::move(c));
    }
    return std::unique_ptr<AvroEventCodec>(new AvroEventCodec(std::move(impl)));
}

Result<std::string> AvroEventCodec::encode(Topic topic, const Event& event) {
    std::string out;
    Status st = encode_to(topic, event, out);
    if (!st.ok()) return st.error();
    return out;
}

Status AvroEventCodec::encode_to(Topic topic, const Event& event, std::string& out) {
    auto current = impl_->current_of(topic);
    if (!current.ok()) return current.error();
    auto id = impl_->wire_id(topic, **current);
    if (!id.ok()) return id.error();
    return impl_->encode(topic, event, *(*current)->schema, /*strict=*/true, *id, out);
}

Result<std::string> AvroEventCodec::encode_with(Topic topic, const Event& event,
                                                int32_t local_schema_id) {
    auto it = impl_->pinned.find(local_schema_id);
    if (it == impl_->pinned.end()) {
        const SchemaEntry* entry = impl_->catalog.by_id(local_schema_id);
        if (entry == nullptr) {
            return make_error(ErrorCode::kNotFound, impl_->where(topic) + ": unknown schema id " +
                                                        std::to_string(local_schema_id));
        }
        auto schema = AvroSchema::parse(entry->json);
        if (!schema.ok()) return schema.error();
        it = impl_->pinned.emplace(local_schema_id, std::move(*schema)).first;
    }
    int32_t id = local_schema_id;
    if (impl_->registry) {
        auto registered = impl_->registry->register_schema(
            subject_of(topic), impl_->catalog.by_id(local_schema_id)->json);
        if (!registered.ok()) return registered.error();
        id = *registered;
    }
    std::string out;
    Status st = impl_->encode(topic, event, *it->second, /*strict=*/false, id, out);
    if (!st.ok()) return st.error();
    return out;
}

Result<Event> AvroEventCodec::decode(Topic topic, std::string_view bytes) {
    const std::string where = impl_->where(topic);
    if (bytes.size() < kAvroWireHeaderSize) {
        return make_error(ErrorCode::kParse, where + ": " + std::to_string(bytes.size()) +
                                                 " bytes, shorter than the 5-byte wire header");
    }
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    if (p[0] != kAvroMagicByte) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", p[0]);
        return make_error(ErrorCode::kParse, where + ": magic byte " + hex +
                                                 ", expected 0x00 (not the Confluent wire format)");
    }
    const auto id = static_cast<int32_t>((uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) |
                                         (uint32_t{p[3]} << 8) | uint32_t{p[4]});
    auto current = impl_->current_of(topic);
    if (!current.ok()) return current.error();
    auto writer = impl_->writer_of(topic, id, **current);
    if (!writer.ok()) return writer.error();
    avro_value_t& root = (*writer)->value();
    if (avro_value_reset(&root) != 0)
        return make_error(ErrorCode::kInternal, where + ": " + avro_error());
    const size_t body = bytes.size() - kAvroWireHeaderSize;
    avro_reader_t reader =
        avro_reader_memory(bytes.data() + kAvroWireHeaderSize, static_cast<int64_t>(body));
    if (reader == nullptr) return make_error(ErrorCode::kInternal, where + ": " + avro_error());
    int rc = 0;
    std::string read_error;
    {
        DecodeAllocationWindow window(body);
        rc = avro_value_read(reader, &root);
        if (rc != 0) {
            read_error = avro_error();
            // The cached writer (schema, class, value) goes: all it owns is freed; what the read
            // allocated beyond that avro-c leaked. It is parsed again on the next message.
            impl_->writers.erase(id);
            window.free_leaked();
        }
    }
    avro_reader_free(reader);
    if (rc != 0) {
        return make_error(ErrorCode::kParse,
                          where + " (schema id " + std::to_string(id) +
                              "): truncated or malformed payload: " + read_error);
    }
    // avro-c's memory reader cannot tell how much it consumed; the encoded size of what was read
    // can (exact for single-block arrays, which is how Avro writers encode them).
    size_t used = 0;
    if (avro_value_sizeof(&root, &used) == 0 && used < body) {
        return make_error(ErrorCode::kParse, where + " (schema id " + std::to_string(id) +
                                                 "): " + std::to_string(body - used) +
                                                 " bytes after the record");
    }
    const FieldTables& tables = (*current)->fields;
    Result<Event> event = make_error(ErrorCode::kInternal, "unreachable");
    switch (topic) {
        case Topic::kMarketRaw:
            event = read_as<MarketBar>(root, tables);
            break;
        case Topic::kMarketEngineered:
            event = read_as<FeatureVector>(root, tables);
            break;
        case Topic::kPredictionsTft:
            event = read_as<Prediction>(root, tables);
            break;
        case Topic::kRiskApproved:
        case Topic::kRiskRejected:
            event = read_as<RiskDecision>(root, tables);
            break;
        case Topic::kExecutionCompleted:
        case Topic::kExecutionBlocked:
            event = read_as<ExecutionReport>(root, tables);
            break;
        case Topic::kDeadLetter:
            event = read_as<DeadLetter>(root, tables);
            break;
        case Topic::kCount:
            break;
    }
    if (!event.ok()) {
        return make_error(event.error().code, where + " (schema id " + std::to_string(id) +
                                                  "): " + event.error().message);
    }
    return event;
}

}  // namespace awet
