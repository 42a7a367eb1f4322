#pragma once
// What json.cpp and json_jobs.cpp share, private to ops: the spelling of money and of a time
// that may be unset, and reading a request's JSON form field by field.
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include "awet/ops/context.hpp"
#include "awet/ops/json.hpp"

namespace awet::ops {

inline Json money(Money m) { return m.to_string(); }
/// A time, or null while it is unset.
inline Json time_or_null(Timestamp t) { return t.is_set() ? Json(t.iso()) : Json(nullptr); }

/// Reads a request object's fields, refusing keys it never asked for.
class Fields {
public:
    explicit Fields(const Json& j) : j_(j) {}

    template <class T>
    void get(const char* key, T& out) {
        asked_.insert(key);
        if (!error_.empty() || !j_.is_object() || !j_.contains(key) || j_[key].is_null()) return;
        try {
            out = j_[key].get<T>();
        } catch (const Json::exception&) {
            fail(key, std::string("expected ") + expected<T>());
        }
    }
    /// A field that may be absent (absent or null: nullopt).
    template <class T>
    void get(const char* key, std::optional<T>& out) {
        T value{};
        asked_.insert(key);
        if (!j_.is_object() || !j_.contains(key) || j_[key].is_null()) return;
        get(key, value);
        if (error_.empty()) out = value;
    }
    void date(const char* key, std::optional<Date>& out) { parsed(key, out, parse_date_field); }
    void time(const char* key, std::optional<Timestamp>& out) {
        parsed(key, out, parse_time_field);
    }
    /// A date or a time the request cannot do without.
    void required_date(const char* key, Date& out) {
        std::optional<Date> d;
        date(key, d);
        if (d)
            out = *d;
        else
            fail(key, "required (YYYY-MM-DD)");
    }
    void required_time(const char* key, Timestamp& out) {
        std::optional<Timestamp> t;
        time(key, t);
        if (t)
            out = *t;
        else
            fail(key, "required (an ISO-8601 time)");
    }
    void fail(const char* key, const std::string& why) {
        if (error_.empty()) error_ = std::string("field '") + key + "': " + why;
    }

    template <class Request>
    Result<Request> done(Request request) {
        if (!j_.is_null() && !j_.is_object()) return invalid("a request is a JSON object");
        if (error_.empty() && j_.is_object()) {
            for (const auto& [key, value] : j_.items()) {
                if (!asked_.contains(key))
                    error_ = "field '" + key + "': not a field of this request";
            }
        }
        if (!error_.empty()) return invalid(error_);
        return request;
    }

private:
    static Error invalid(const std::string& why) {
        return make_error(ErrorCode::kInvalidArgument, why);
    }
    template <class T>
    static const char* expected() {
        if constexpr (std::is_same_v<T, bool>)
            return "true or false";
        else if constexpr (std::is_arithmetic_v<T>)
            return "a number";
        else if constexpr (std::is_same_v<T, std::string>)
            return "a string";
        else
            return "a list of strings";
    }
    template <class T, class Parse>
    void parsed(const char* key, std::optional<T>& out, Parse parse) {
        std::string text;
        get(key, text);
        if (text.empty() || !error_.empty()) return;
        auto value = parse(text, key);
        if (!value.ok()) {
            error_ = value.error().message;
            return;
        }
        out = *value;
    }

    const Json& j_;
    std::set<std::string> asked_;
    std::string error_;
};

}  // namespace awet::ops
