#pragma once
// URL pieces shared by the paper guard, the stream URL guards and the WebSocket client. Private
// to src/alpaca.
#include <string>
#include <string_view>

namespace awet::alpaca::detail {

/// ASCII lower case (URLs, schemes, hosts, error words).
std::string ascii_lower(std::string_view s);

/// scheme://[user@]host[:port][path]: the pieces, or `error` saying what is malformed
/// ("no scheme", "user info in URL", "malformed IPv6 host", "malformed host", "malformed port").
struct UrlParts {
    std::string scheme;  // lower case
    std::string host;    // lower case; an IPv6 host keeps its brackets ("[::1]")
    std::string port;    // digits, empty when absent
    std::string path;    // everything after the authority ("", "/", "/stream", "/v2/iex?x")
    std::string error;   // non-empty: malformed
};
UrlParts split_url(std::string_view url);

/// 127.0.0.1, localhost, [::1] (lower case, as split_url gives it).
bool is_loopback_host(std::string_view host);

}  // namespace awet::alpaca::detail
