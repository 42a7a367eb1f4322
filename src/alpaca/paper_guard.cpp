#include <algorithm>
#include <cctype>
#include <string>

#include "awet/alpaca/alpaca_broker.hpp"

namespace awet::alpaca {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

Error blocked(std::string_view url, const std::string& why) {
    return make_error(ErrorCode::kSafetyBlocked,
                      "alpaca: base URL '" + std::string(url) + "' refused (" + why +
                          "): AWET is paper-only; use " + std::string(kPaperBaseUrl) +
                          " or a loopback test server");
}

}  // namespace

Status check_paper_url(std::string_view url) {
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) return blocked(url, "no scheme");
    const std::string scheme = lower(url.substr(0, sep));
    if (scheme != "http" && scheme != "https") return blocked(url, "scheme is not http(s)");
    std::string_view rest = url.substr(sep + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    const std::string_view path = rest.substr(authority.size());
    if (authority.find('@') != std::string_view::npos) return blocked(url, "user info in URL");
    // Host and optional port; "[::1]:8080" keeps its brackets.
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return blocked(url, "malformed IPv6 host");
        host = authority.substr(0, close + 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return blocked(url, "malformed host");
            port = after.substr(1);
        }
    } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return blocked(url, "malformed port");
    }
    const std::string h = lower(host);
    if (h == "127.0.0.1" || h == "localhost" || h == "[::1]") return Status::Ok();
    if (h == "paper-api.alpaca.markets") {
        if (scheme != "https") return blocked(url, "the paper host needs https");
        if (!port.empty() && port != "443") return blocked(url, "unexpected port");
        if (!path.empty() && path != "/") return blocked(url, "unexpected path");
        return Status::Ok();
    }
    return blocked(url, "host '" + h + "' is not the Alpaca paper host");
}

}  // namespace awet::alpaca
