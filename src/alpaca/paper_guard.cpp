#include <algorithm>
#include <cctype>
#include <string>

#include "awet/alpaca/alpaca_broker.hpp"
#include "url_internal.hpp"

namespace awet::alpaca {

namespace detail {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

UrlParts split_url(std::string_view url) {
    UrlParts u;
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        u.error = "no scheme";
        return u;
    }
    u.scheme = ascii_lower(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    u.path = std::string(rest.substr(authority.size()));
    if (authority.find('@') != std::string_view::npos) {
        u.error = "user info in URL";
        return u;
    }
    // Host and optional port; "[::1]:8080" keeps its brackets.
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            u.error = "malformed IPv6 host";
            return u;
        }
        host = authority.substr(0, close + 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                u.error = "malformed host";
                return u;
            }
            port = after.substr(1);
        }
    } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        u.error = "malformed port";
        return u;
    }
    u.host = ascii_lower(host);
    u.port = std::string(port);
    return u;
}

bool is_loopback_host(std::string_view host) {
    return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace detail

namespace {

Error blocked(std::string_view url, const std::string& why) {
    return make_error(ErrorCode::kSafetyBlocked,
                      "alpaca: base URL '" + std::string(url) + "' refused (" + why +
                          "): AWET is paper-only; use " + std::string(kPaperBaseUrl) +
                          " or a loopback test server");
}

}  // namespace

Status check_paper_url(std::string_view url) {
    const detail::UrlParts u = detail::split_url(url);
    if (u.error == "no scheme") return blocked(url, u.error);
    if (!u.scheme.empty() && u.scheme != "http" && u.scheme != "https")
        return blocked(url, "scheme is not http(s)");
    if (!u.error.empty()) return blocked(url, u.error);
    if (detail::is_loopback_host(u.host)) return Status::Ok();
    if (u.host == "paper-api.alpaca.markets") {
        if (u.scheme != "https") return blocked(url, "the paper host needs https");
        if (!u.port.empty() && u.port != "443") return blocked(url, "unexpected port");
        if (!u.path.empty() && u.path != "/") return blocked(url, "unexpected path");
        return Status::Ok();
    }
    return blocked(url, "host '" + u.host + "' is not the Alpaca paper host");
}

}  // namespace awet::alpaca
