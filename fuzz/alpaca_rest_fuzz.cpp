// Alpaca Trading API REST bodies (src/alpaca/alpaca_codec.hpp): orders, account, positions, clock,
// calendar and the exact decimal reader, what AlpacaBroker reads from every response. The first
// line of the input also goes through the paper-only URL guard (check_paper_url, execution.
// alpaca_base_url). Oracle: the guard accepts only the paper host over https or a loopback host.
#include <algorithm>
#include <cctype>
#include <string>

#include "awet/alpaca/alpaca_broker.hpp"
#include "awet/alpaca/alpaca_codec.hpp"
#include "fuzz_support.hpp"

using namespace awet;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

void check_guard(std::string_view url) {
    if (!alpaca::check_paper_url(url).ok()) return;
    const std::string u = lower(url);
    const bool paper =
        u == "https://paper-api.alpaca.markets" || u == "https://paper-api.alpaca.markets/" ||
        u == "https://paper-api.alpaca.markets:443" || u == "https://paper-api.alpaca.markets:443/";
    bool loopback = false;
    for (std::string_view scheme : {"http://", "https://"}) {
        for (std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
            const std::string prefix = std::string(scheme) + std::string(host);
            if (u.rfind(prefix, 0) != 0) continue;
            const char next = u.size() > prefix.size() ? u[prefix.size()] : '/';
            if (next == '/' || next == ':' || next == '?' || next == '#') loopback = true;
        }
    }
    AWET_FUZZ_EXPECT(paper || loopback);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    (void)alpaca::parse_order(body);
    (void)alpaca::parse_orders(body);
    (void)alpaca::parse_account(body);
    (void)alpaca::parse_position(body);
    (void)alpaca::parse_positions(body);
    (void)alpaca::parse_clock(body);
    (void)alpaca::parse_calendar(body);
    const std::string_view first = body.substr(0, std::min(body.find('\n'), size_t{256}));
    (void)alpaca::parse_decimal<Price>(first);
    (void)alpaca::parse_decimal<Money>(first);
    (void)alpaca::parse_decimal<Quantity>(first);
    (void)alpaca::map_order_status(first, size % 2 == 0);
    check_guard(first);
    return 0;
}
