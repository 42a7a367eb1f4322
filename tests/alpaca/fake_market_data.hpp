#pragma once
// A loopback server speaking Alpaca's market-data v2 protocol (shared by bar_stream_test and the
// live-ingestion integration test): [{"T":"success","msg":"connected"}], the auth message checked
// against kMarketDataKey / kMarketDataSecret, [{"T":"success","msg":"authenticated"}] (or a
// scripted refusal), the subscribe message checked against {"bars":["AAPL","MSFT"]}, the
// subscription reply, then the connection's scripted messages and a drop or a wait.
#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "loopback_ws_server.hpp"

namespace awet::testing {

inline constexpr const char* kMarketDataKey = "PKMDKEY0123456789";
inline constexpr const char* kMarketDataSecret = "MdSeCrEt-abcdefghijklmnopqrstuvwxyz";

/// A "b" message for `symbol` at 2026-03-12 14:MMZ (a Thursday, in the session).
inline nlohmann::json bar_object(const std::string& symbol, int minute,
                                 const char* close = "101.25") {
    char t[32];
    std::snprintf(t, sizeof t, "2026-03-12T14:%02d:00Z", minute);
    return nlohmann::json{{"T", "b"},   {"S", symbol}, {"o", 101.0},
                          {"h", 101.5}, {"l", 100.75}, {"c", nlohmann::json::parse(close)},
                          {"v", 1200},  {"t", t}};
}

// Built outside the coroutines (GCC 12 mishandles braced initialisers across co_await).
inline nlohmann::json expected_auth() {
    return {{"action", "auth"}, {"key", kMarketDataKey}, {"secret", kMarketDataSecret}};
}
inline nlohmann::json expected_subscribe() {
    return {{"action", "subscribe"}, {"bars", {"AAPL", "MSFT"}}};
}
inline std::string connected_reply() { return R"([{"T":"success","msg":"connected"}])"; }
inline std::string authenticated_reply() { return R"([{"T":"success","msg":"authenticated"}])"; }
inline std::string subscription_reply() {
    return R"([{"T":"subscription","trades":[],"quotes":[],"bars":["AAPL","MSFT"]}])";
}
inline std::string error_reply(int code, const std::string& msg) {
    return nlohmann::json::array(
               {nlohmann::json{{"T", "error"},
                               {"code", code},
                               {"msg", msg},
                               {"echo", std::string(kMarketDataKey) + " " + kMarketDataSecret}}})
        .dump();
}

struct MdScript {
    std::vector<std::string> send;  // after the subscription reply
    int refuse_code = 0;            // answer the auth with this error (and keep the connection)
    std::string refuse_msg;
    bool drop_mid_frame = false;  // then cut the connection in the middle of a frame
    /// If set: after the subscription reply, send nothing before it is true (polled every 5 ms,
    /// for at most 30 s; then the script goes on and the test's own checks fail).
    const std::atomic<bool>* go = nullptr;
};

/// A loopback market-data v2 server; connection i follows scripts[i] (the last one repeats).
class FakeMarketData final : public LoopbackWsServer {
public:
    explicit FakeMarketData(std::vector<MdScript> scripts) : scripts_(std::move(scripts)) {
        start();
    }
    ~FakeMarketData() override { stop(); }
    std::string url() const { return "ws://127.0.0.1:" + std::to_string(port()); }

private:
    boost::asio::awaitable<void> serve(Ws& ws, int index) override {
        const MdScript& script = scripts_[std::min<size_t>(index, scripts_.size() - 1)];
        const std::string connected = connected_reply();
        co_await write(ws, connected, false);
        const nlohmann::json auth = co_await read_json(ws);
        if (auth != expected_auth()) fail("bad auth message: " + auth.dump());
        if (script.refuse_code != 0) {
            const std::string refused = error_reply(script.refuse_code, script.refuse_msg);
            co_await write(ws, refused, false);
            co_await read_until_gone(ws);
        }
        const std::string authenticated = authenticated_reply();
        co_await write(ws, authenticated, false);
        const nlohmann::json sub = co_await read_json(ws);
        if (sub != expected_subscribe()) fail("bad subscribe message: " + sub.dump());
        const std::string subscribed = subscription_reply();
        co_await write(ws, subscribed, false);
        if (script.go != nullptr) {
            boost::asio::steady_timer timer(ws.get_executor());
            for (int i = 0; i < 6000 && !script.go->load(); ++i) {
                timer.expires_after(std::chrono::milliseconds(5));
                co_await timer.async_wait(boost::asio::use_awaitable);
            }
        }
        for (const std::string& m : script.send) co_await write(ws, m, false);
        co_await drop_or_wait(ws, script.drop_mid_frame);
    }

    std::vector<MdScript> scripts_;
};

}  // namespace awet::testing
