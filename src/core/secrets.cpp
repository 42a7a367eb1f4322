#include "awet/core/secrets.hpp"

namespace awet {

std::string redact(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
        if (s.empty()) continue;
        for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3)) {
            text.replace(pos, s.size(), "***");
        }
    }
    return text;
}

std::string redacted_excerpt(const std::string& text, const std::vector<std::string>& secrets,
                             size_t max_bytes) {
    std::string clean = redact(text, secrets);
    if (clean.size() <= max_bytes) return clean;
    clean.resize(max_bytes);
    return clean + "...";
}

std::vector<std::string> connection_secrets(std::string_view url) {
    std::vector<std::string> out;
    // scheme://user:password@host
    if (const size_t scheme = url.find("://"); scheme != std::string_view::npos) {
        const size_t start = scheme + 3;
        const size_t at = url.rfind('@');
        if (at != std::string_view::npos && at > start) {
            const std::string_view userinfo = url.substr(start, at - start);
            if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
                out.emplace_back(userinfo.substr(colon + 1));
            }
        }
    }
    // password=... in a query (?password=x&...) or a key=value string (password=x or 'x y')
    for (size_t at = url.find("password="); at != std::string_view::npos;
         at = url.find("password=", at + 9)) {
        size_t v = at + 9;
        std::string value;
        if (v < url.size() && url[v] == '\'') {
            for (++v; v < url.size() && url[v] != '\''; ++v) {
                if (url[v] == '\\' && v + 1 < url.size()) ++v;
                value += url[v];
            }
        } else {
            while (v < url.size() && url[v] != '&' && url[v] != ' ' && url[v] != '#') {
                value += url[v++];
            }
        }
        if (!value.empty()) out.push_back(value);
    }
    return out;
}

}  // namespace awet
