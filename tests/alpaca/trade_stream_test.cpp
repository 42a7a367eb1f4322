// TradeUpdatesStream against a loopback Beast WebSocket server that plays Alpaca's trade_updates
// stream: it asserts the authenticate/listen handshake, sends fills, drops the connection in the
// middle of a frame, replays a fill after the reconnect, and refuses bad keys.
#include "awet/alpaca/trade_stream.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "awet/alpaca/trade_updates.hpp"
#include "loopback_ws_server.hpp"

namespace awet::alpaca {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "PKTESTKEY0123456789";
constexpr const char* kSecret = "SeCrEt-abcdefghijklmnopqrstuvwxyz0123";

/// One trade_updates fill for order `n`, execution `x` (like FakeAlpaca::fill in the scenarios).
std::string fill_message(int n, int x, int filled, int total) {
    const json order = {{"id", "ord-" + std::to_string(n)},
                        {"client_order_id", "cid-" + std::to_string(n)},
                        {"symbol", "AAPL"},
                        {"side", "buy"},
                        {"qty", std::to_string(total)},
                        {"filled_qty", std::to_string(filled)},
                        {"filled_avg_price", "101.5"},
                        {"status", filled >= total ? "filled" : "partially_filled"},
                        {"submitted_at", "2026-03-12T14:01:00Z"},
                        {"updated_at", "2026-03-12T14:02:00Z"}};
    return json{{"stream", "trade_updates"},
                {"data",
                 {{"event", filled >= total ? "fill" : "partial_fill"},
                  {"execution_id", "ord-" + std::to_string(n) + "-x" + std::to_string(x)},
                  {"timestamp", "2026-03-12T14:02:00Z"},
                  {"price", "101.5"},
                  {"qty", "1"},
                  {"position_qty", std::to_string(filled)},
                  {"order", order}}}}
        .dump();
}

// Built outside the coroutines (GCC 12 mishandles braced initialisers across co_await).
json expected_auth() {
    return {{"action", "authenticate"}, {"data", {{"key_id", kKey}, {"secret_key", kSecret}}}};
}
json expected_listen() {
    return {{"action", "listen"}, {"data", {{"streams", json::array({"trade_updates"})}}}};
}
std::string unauthorized_reply() {
    return json{{"stream", "authorization"},
                {"data",
                 {{"status", "unauthorized"},
                  {"action", "authenticate"},
                  {"echo", std::string(kKey) + " " + kSecret}}}}
        .dump();
}
std::string authorized_reply() {
    return R"({"stream":"authorization","data":{"status":"authorized","action":"authenticate"}})";
}
std::string listening_reply() {
    return R"({"stream":"listening","data":{"streams":["trade_updates"]}})";
}
struct ConnScript {
    std::vector<std::pair<std::string, bool>> send;  // message, as a binary frame
    bool drop_mid_frame = false;  // then cut the TCP connection in the middle of a frame
    bool unauthorized = false;    // answer the authenticate with "unauthorized" (echoing the key)
    bool silent = false;          // never answer the authenticate
};

/// A loopback trade_updates server; connection i follows scripts[i] (the last one repeats).
class FakeStream final : public testing::LoopbackWsServer {
public:
    explicit FakeStream(std::vector<ConnScript> scripts) : scripts_(std::move(scripts)) { start(); }
    ~FakeStream() override { stop(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

private:
    asio::awaitable<void> serve(Ws& ws, int index) override {
        const ConnScript& script = scripts_[std::min<size_t>(index, scripts_.size() - 1)];
        const json auth = co_await read_json(ws);
        if (auth != expected_auth()) fail("bad authenticate message: " + auth.dump());
        if (script.silent) co_await read_until_gone(ws);
        if (script.unauthorized) {
            const std::string refused = unauthorized_reply();
            co_await write(ws, refused, true);
            co_await read_until_gone(ws);
        }
        const std::string authorized = authorized_reply();
        co_await write(ws, authorized, true);
        const json listen = co_await read_json(ws);
        if (listen != expected_listen()) fail("bad listen message: " + listen.dump());
        const std::string listening = listening_reply();
        co_await write(ws, listening, true);
        for (const auto& [msg, binary] : script.send) co_await write(ws, msg, binary);
        co_await drop_or_wait(ws, script.drop_mid_frame);
    }

    std::vector<ConnScript> scripts_;
};

TradeStreamOptions test_options(const std::string& url) {
    TradeStreamOptions o;
    o.base_url = url;
    testing::quick_stream_options(o, kKey, kSecret);
    return o;
}

using testing::wait_for;

void expect_no_keys(const std::string& text) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
}

TEST(TradeStreamUrl, PaperHostIsWssLoopbackIsWsEverythingElseRefused) {
    auto paper = trade_stream_url("https://paper-api.alpaca.markets");
    ASSERT_TRUE(paper.ok());
    EXPECT_EQ(*paper, "wss://paper-api.alpaca.markets/stream");
    EXPECT_EQ(*trade_stream_url("https://paper-api.alpaca.markets:443/"),
              "wss://paper-api.alpaca.markets/stream");
    EXPECT_EQ(*trade_stream_url("wss://paper-api.alpaca.markets/stream"),
              "wss://paper-api.alpaca.markets/stream");
    EXPECT_EQ(*trade_stream_url("http://127.0.0.1:8123"), "ws://127.0.0.1:8123/stream");
    EXPECT_EQ(*trade_stream_url("ws://localhost:8123/stream"), "ws://localhost:8123/stream");
    EXPECT_EQ(*trade_stream_url("http://[::1]:9"), "ws://[::1]:9/stream");
    for (const char* bad :
         {"https://api.alpaca.markets", "wss://api.alpaca.markets/stream",
          "http://paper-api.alpaca.markets", "ws://paper-api.alpaca.markets/stream",
          "http://127.0.0.1@api.alpaca.markets", "https://stream.data.alpaca.markets"}) {
        auto r = trade_stream_url(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kSafetyBlocked) << bad;
        TradeStreamOptions o = test_options(bad);
        auto s = TradeUpdatesStream::create(o);
        ASSERT_FALSE(s.ok()) << bad;
        EXPECT_EQ(s.error().code, ErrorCode::kSafetyBlocked);
        EXPECT_NE(s.error().message.find("paper-only"), std::string::npos);
        expect_no_keys(s.error().message);
    }
}

TEST(TradeStreamUrl, MissingKeysAreRefusedWithoutValues) {
    TradeStreamOptions o = test_options("http://127.0.0.1:1");
    o.secret_key.clear();
    auto s = TradeUpdatesStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find("ALPACA_API_SECRET"), std::string::npos);
    expect_no_keys(s.error().message);
    o = test_options("http://127.0.0.1:1");
    o.key_id.clear();
    s = TradeUpdatesStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("ALPACA_API_KEY"), std::string::npos);
}

TEST(TradeStreamBackoff, DoublesIsCappedAndJittered) {
    TradeStreamOptions o;
    o.initial_backoff_ms = 500;
    o.max_backoff_ms = 30'000;
    o.jitter = 0.2;
    EXPECT_EQ(trade_stream_backoff_ms(o, 1, 0.5), 500);
    EXPECT_EQ(trade_stream_backoff_ms(o, 2, 0.5), 1000);
    EXPECT_EQ(trade_stream_backoff_ms(o, 3, 0.5), 2000);
    EXPECT_EQ(trade_stream_backoff_ms(o, 7, 0.5), 30'000);
    EXPECT_EQ(trade_stream_backoff_ms(o, 1000, 0.5), 30'000);
    EXPECT_EQ(trade_stream_backoff_ms(o, 1, 0.0), 400);
    EXPECT_EQ(trade_stream_backoff_ms(o, 100, 0.0), 24'000);
    EXPECT_LE(trade_stream_backoff_ms(o, 100, 0.999999), 36'000);
}

TEST(TradeStream, ReconnectsReauthenticatesAndTheParserDropsTheReplayedFill) {
    ConnScript first;
    first.send = {{fill_message(1, 1, 1, 3), true},
                  {fill_message(1, 2, 2, 3), true},
                  {fill_message(2, 1, 1, 2), true}};
    first.drop_mid_frame = true;
    ConnScript second;
    second.send = {{fill_message(2, 1, 1, 2), false},  // replayed after the reconnect, as text
                   {fill_message(1, 3, 3, 3), true},
                   {fill_message(2, 2, 2, 2), true}};
    FakeStream server({first, second});

    std::mutex sleeps_mutex;
    std::vector<int64_t> sleeps;
    TradeStreamOptions o = test_options(server.url());
    o.sleep_ms = [&](int64_t ms) {
        {
            std::lock_guard lock(sleeps_mutex);
            sleeps.push_back(ms);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
    auto created = TradeUpdatesStream::create(o);
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    TradeUpdatesStream& stream = **created;
    EXPECT_EQ(stream.url(), "ws" + server.url().substr(4) + "/stream");
    ASSERT_TRUE(stream.start().ok());
    EXPECT_FALSE(stream.start().ok());  // already running

    std::vector<std::string> messages;
    ASSERT_TRUE(wait_for([&] {
        for (auto& m : stream.drain()) messages.push_back(std::move(m));
        return messages.size() >= 6;
    })) << "got "
        << messages.size() << " messages; last error: " << stream.status().last_error;
    ASSERT_TRUE(wait_for([&] { return stream.status().authorized; }));

    // The reader's side: parse on this thread; the replay is recognised by its execution id.
    TradeUpdateParser parser;
    std::vector<std::string> fills;
    int duplicates = 0;
    for (const auto& m : messages) {
        auto u = parser.parse(m);
        ASSERT_TRUE(u.ok()) << u.error().to_string();
        if (u->fill) {
            fills.push_back(u->fill->fill_id);
        } else if (u->note.find("duplicate") != std::string::npos) {
            ++duplicates;
        }
    }
    EXPECT_EQ(messages.size(), 6u);  // control replies (authorization, listening) not queued
    EXPECT_EQ(fills, (std::vector<std::string>{"ord-1-x1", "ord-1-x2", "ord-2-x1", "ord-1-x3",
                                               "ord-2-x2"}));
    EXPECT_EQ(duplicates, 1);

    const TradeStreamStatus st = stream.status();
    EXPECT_TRUE(st.running);
    EXPECT_TRUE(st.connected);
    EXPECT_EQ(st.connections, 2u);
    EXPECT_EQ(st.reconnects, 1u);
    EXPECT_EQ(st.messages, 6u);
    EXPECT_FALSE(st.fatal);
    EXPECT_FALSE(st.last_error.empty());  // the drop is remembered
    expect_no_keys(st.last_error);
    {
        std::lock_guard lock(sleeps_mutex);
        EXPECT_EQ(sleeps, (std::vector<int64_t>{5}));
    }

    // The server saw authenticate + listen on both connections, exactly as Alpaca expects them.
    EXPECT_EQ(server.connections(), 2);
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
    const auto received = server.received();
    ASSERT_EQ(received.size(), 4u);
    EXPECT_EQ(received[0]["action"], "authenticate");
    EXPECT_EQ(received[1]["action"], "listen");
    EXPECT_EQ(received[2]["action"], "authenticate");
    EXPECT_EQ(received[3]["action"], "listen");

    stream.stop();
    EXPECT_FALSE(stream.status().running);
    EXPECT_FALSE(stream.status().connected);
    stream.stop();  // idempotent
}

TEST(TradeStream, UnauthorizedStopsWithAClearErrorAndNoReconnects) {
    ConnScript refuse;
    refuse.unauthorized = true;
    FakeStream server({refuse});
    int sleeps = 0;
    TradeStreamOptions o = test_options(server.url());
    o.sleep_ms = [&](int64_t) { ++sleeps; };
    auto created = TradeUpdatesStream::create(o);
    ASSERT_TRUE(created.ok());
    TradeUpdatesStream& stream = **created;
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return !stream.status().running; }));
    std::this_thread::sleep_for(100ms);  // a reconnect storm would show up here

    const TradeStreamStatus st = stream.status();
    EXPECT_TRUE(st.fatal);
    EXPECT_FALSE(st.authorized);
    EXPECT_EQ(st.reconnects, 0u);
    EXPECT_EQ(sleeps, 0);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_NE(st.last_error.find("unauthorized"), std::string::npos) << st.last_error;
    EXPECT_NE(st.last_error.find("ALPACA_API_KEY"), std::string::npos) << st.last_error;
    expect_no_keys(st.last_error);
    EXPECT_TRUE(stream.drain().empty());
    stream.stop();
}

TEST(TradeStream, GivesUpAfterTheReconnectCapWithExponentialWaits) {
    // A port with nothing listening: every connect is refused.
    uint16_t port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    std::vector<int64_t> sleeps;
    TradeStreamOptions o = test_options("http://127.0.0.1:" + std::to_string(port));
    o.max_reconnects = 4;
    o.sleep_ms = [&](int64_t ms) { sleeps.push_back(ms); };
    auto created = TradeUpdatesStream::create(o);
    ASSERT_TRUE(created.ok());
    TradeUpdatesStream& stream = **created;
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return !stream.status().running; }));
    stream.stop();
    const TradeStreamStatus st = stream.status();
    EXPECT_TRUE(st.fatal);
    EXPECT_EQ(st.reconnects, 4u);
    EXPECT_EQ(st.connections, 0u);
    EXPECT_EQ(sleeps, (std::vector<int64_t>{5, 10, 20, 20}));
    EXPECT_NE(st.last_error.find("gave up after 4 reconnects"), std::string::npos) << st.last_error;
    EXPECT_NE(st.last_error.find("connect"), std::string::npos) << st.last_error;
    expect_no_keys(st.last_error);
}

TEST(TradeStream, StopCutsABackoffWaitShort) {
    uint16_t port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    TradeStreamOptions o = test_options("http://127.0.0.1:" + std::to_string(port));
    o.initial_backoff_ms = 60'000;
    o.max_backoff_ms = 60'000;
    o.sleep_ms = nullptr;  // the real, interruptible timer
    auto created = TradeUpdatesStream::create(o);
    ASSERT_TRUE(created.ok());
    TradeUpdatesStream& stream = **created;
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return !stream.status().last_error.empty(); }));
    const auto t0 = std::chrono::steady_clock::now();
    stream.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_FALSE(stream.status().running);
    EXPECT_EQ(stream.status().reconnects, 0u);
}

TEST(TradeStream, NoAuthorizationReplyTimesOut) {
    ConnScript silent;
    silent.silent = true;
    FakeStream server({silent});
    TradeStreamOptions o = test_options(server.url());
    o.auth_timeout_ms = 100;
    o.max_reconnects = 0;
    auto created = TradeUpdatesStream::create(o);
    ASSERT_TRUE(created.ok());
    TradeUpdatesStream& stream = **created;
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return !stream.status().running; }));
    const TradeStreamStatus st = stream.status();
    EXPECT_EQ(st.connections, 1u);
    EXPECT_NE(st.last_error.find("authenticate: "), std::string::npos) << st.last_error;
    EXPECT_NE(st.last_error.find("timed out"), std::string::npos) << st.last_error;
    expect_no_keys(st.last_error);
}

TEST(TradeStream, HttpsBaseMeansTlsAndAFailedTlsHandshakeIsRetried) {
    FakeStream server({ConnScript{}});  // speaks plain ws: the TLS handshake fails
    TradeStreamOptions o = test_options("https://127.0.0.1:" + server.url().substr(17));
    o.max_reconnects = 1;
    o.sleep_ms = [](int64_t) {};
    auto created = TradeUpdatesStream::create(o);
    ASSERT_TRUE(created.ok());
    TradeUpdatesStream& stream = **created;
    EXPECT_EQ(stream.url().rfind("wss://127.0.0.1:", 0), 0u) << stream.url();
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return !stream.status().running; }));
    const TradeStreamStatus st = stream.status();
    EXPECT_TRUE(st.fatal);
    EXPECT_EQ(st.reconnects, 1u);
    EXPECT_EQ(st.connections, 0u);
    EXPECT_NE(st.last_error.find("tls handshake"), std::string::npos) << st.last_error;
    EXPECT_TRUE(server.received().empty());  // nothing, keys least of all, went out in clear
}

TEST(TradeStream, StopClosesALiveConnectionAndStartReconnects) {
    ConnScript quiet;
    quiet.send = {{fill_message(7, 1, 1, 1), true}};
    FakeStream server({quiet});
    auto created = TradeUpdatesStream::create(test_options(server.url()));
    ASSERT_TRUE(created.ok());
    TradeUpdatesStream& stream = **created;
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return stream.status().messages == 1; }));
    stream.stop();
    EXPECT_FALSE(stream.status().connected);
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return stream.status().messages == 2; }));
    EXPECT_EQ(stream.status().connections, 2u);
    EXPECT_EQ(stream.drain().size(), 2u);
    stream.stop();
}

}  // namespace
}  // namespace awet::alpaca
