// Text members of a vendor's JSON document, read without throwing. nlohmann's
// `value(key, default)` throws type_error when the member holds another type ("ticker": 5); the
// exception would escape a parser that promises a Result.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace awet::marketdata {

/// obj[key] as text: `fallback` when absent or null, nullopt when it holds anything but a string.
inline std::optional<std::string> text_member(const nlohmann::json& obj, const char* key,
                                              std::string fallback) {
    if (!obj.is_object()) return fallback;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

/// obj[key] for an error message: a string as it is, any other value as its JSON text, "" when
/// absent or null (a vendor's error code may be a number).
inline std::string message_member(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object()) return {};
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace awet::marketdata
