// BarStream and parse_stream_bars: the host guard, the parser over every recorded market-data
// stream sample (shared/data/api/alpaca/docs-streaming, read in place) and malformed input, and
// the stream against a loopback server speaking Alpaca's market-data v2 protocol: auth, subscribe
// content, bars delivered, a dropped connection -> reconnect -> resubscribe, refusals (402, 406,
// 409) fatal without reconnecting, a transient error retried. The server is FakeMarketData
// (fake_market_data.hpp, shared with the live-ingestion integration test).
#include "awet/alpaca/bar_stream.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "awet_test_support.hpp"
#include "fake_market_data.hpp"

namespace awet::alpaca {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKey = testing::kMarketDataKey;
constexpr const char* kSecret = testing::kMarketDataSecret;

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

using testing::bar_object;
using testing::expected_auth;
using testing::expected_subscribe;
using testing::FakeMarketData;
using testing::MdScript;
using testing::subscription_reply;

BarStreamOptions test_options(const std::string& url) {
    BarStreamOptions o;
    o.base_url = url;
    o.symbols = {"AAPL", "MSFT"};
    testing::quick_stream_options(o, kKey, kSecret);
    return o;
}

using testing::wait_for;

void expect_no_keys(const std::string& text) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
}

TEST(BarStreamUrl, RealHostOverWssLoopbackAnySchemeEverythingElseRefused) {
    EXPECT_EQ(*bar_stream_url("wss://stream.data.alpaca.markets", "iex"),
              "wss://stream.data.alpaca.markets/v2/iex");
    EXPECT_EQ(*bar_stream_url("wss://stream.data.alpaca.markets:443/", "SIP"),
              "wss://stream.data.alpaca.markets/v2/sip");
    EXPECT_EQ(*bar_stream_url("ws://127.0.0.1:8123", "iex"), "ws://127.0.0.1:8123/v2/iex");
    EXPECT_EQ(*bar_stream_url("wss://localhost:9", "sip"), "wss://localhost:9/v2/sip");
    EXPECT_EQ(*bar_stream_url("ws://[::1]:9", "iex"), "ws://[::1]:9/v2/iex");
    for (const char* bad :
         {"ws://stream.data.alpaca.markets", "ws://stream.data.alpaca.markets:443",
          "wss://stream.data.alpaca.markets:8443", "wss://api.alpaca.markets",
          "wss://paper-api.alpaca.markets", "wss://stream.data.alpaca.markets.example.com",
          "wss://data.alpaca.markets", "https://stream.data.alpaca.markets",
          "wss://127.0.0.1@stream.data.alpaca.markets", "stream.data.alpaca.markets"}) {
        auto r = bar_stream_url(bad, "iex");
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kSafetyBlocked) << bad;
        auto s = BarStream::create(test_options(bad));
        ASSERT_FALSE(s.ok()) << bad;
        EXPECT_EQ(s.error().code, ErrorCode::kSafetyBlocked) << bad;
        EXPECT_NE(s.error().message.find("AWET only connects to wss://stream.data.alpaca.markets"),
                  std::string::npos)
            << s.error().message;
        expect_no_keys(s.error().message);
    }
    auto feed = bar_stream_url("wss://stream.data.alpaca.markets", "delayed_sip");
    ASSERT_FALSE(feed.ok());
    EXPECT_EQ(feed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(feed.error().message.find("iex, sip"), std::string::npos);
    auto path = bar_stream_url("wss://stream.data.alpaca.markets/v2/iex", "iex");
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.error().code, ErrorCode::kInvalidArgument);
}

TEST(BarStreamUrl, CreateRefusesMissingKeysSymbolsAndBadFeed) {
    BarStreamOptions o = test_options("ws://127.0.0.1:1");
    o.secret_key.clear();
    auto s = BarStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find("ALPACA_API_SECRET"), std::string::npos);
    expect_no_keys(s.error().message);
    o = test_options("ws://127.0.0.1:1");
    o.key_id.clear();
    s = BarStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("ALPACA_API_KEY"), std::string::npos);
    o = test_options("ws://127.0.0.1:1");
    o.symbols.clear();
    s = BarStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("no symbols"), std::string::npos);
    o = test_options("ws://127.0.0.1:1");
    o.symbols = {"AAPL", "WAY-TOO-LONG-SYMBOL"};
    s = BarStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("WAY-TOO-LONG-SYMBOL"), std::string::npos);
    o = test_options("ws://127.0.0.1:1");
    o.feed = "otc";
    s = BarStream::create(o);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    auto ok = BarStream::create(test_options("ws://127.0.0.1:1"));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ((*ok)->url(), "ws://127.0.0.1:1/v2/iex");
}

TEST(ParseStreamBars, EveryRecordedSampleBarsParsedOthersCounted) {
    const auto dir = testing::shared_data() / "api/alpaca/docs-streaming";
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().filename().string().rfind("market-data-stream__", 0) == 0)
            files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    ASSERT_EQ(files.size(), 5u);
    std::vector<MarketBar> bars;
    std::map<std::string, int64_t> skipped;
    json all = json::array();
    for (const auto& f : files) {
        const json sample = json::parse(read_text(f));
        all.push_back(sample);
        // On the wire every message is an array of objects.
        auto parsed = parse_stream_bars(json::array({sample}).dump());
        ASSERT_TRUE(parsed.ok()) << f << ": " << parsed.error().to_string();
        EXPECT_EQ(parsed->malformed, 0) << f;
        EXPECT_TRUE(parsed->notes.empty()) << f << ": " << parsed->notes.front();
        bars.insert(bars.end(), parsed->bars.begin(), parsed->bars.end());
        for (const auto& [k, v] : parsed->skipped) skipped[k] += v;
    }
    EXPECT_EQ(skipped, (std::map<std::string, int64_t>{{"d", 1}, {"q", 1}, {"s", 1}, {"t", 1}}));
    ASSERT_EQ(bars.size(), 1u);
    const MarketBar& b = bars[0];
    EXPECT_EQ(b.header.symbol.str(), "SPY");
    EXPECT_EQ(b.bar_start, *Timestamp::parse("2021-02-22T19:15:00Z"));
    EXPECT_EQ(b.interval, Duration::minutes(1));
    EXPECT_EQ(b.header.ts, *Timestamp::parse("2021-02-22T19:16:00Z"));
    EXPECT_EQ(b.header.source, Source::kIngestion);
    EXPECT_EQ(b.open.raw(), 388'985'000);
    EXPECT_EQ(b.high.raw(), 389'130'000);
    EXPECT_EQ(b.low.raw(), 388'975'000);
    EXPECT_EQ(b.close.raw(), 389'120'000);
    EXPECT_EQ(b.volume.raw(), int64_t{49'378} * 1'000'000);

    // All five in one message, plus the entity sample of a bar: the same bar twice.
    all.push_back(json::parse(
        read_text(testing::shared_data() / "api/alpaca/docs-entities/stream-bar-v2.json")));
    auto together = parse_stream_bars(all.dump());
    ASSERT_TRUE(together.ok());
    EXPECT_EQ(together->bars.size(), 2u);
    EXPECT_EQ(together->skipped.size(), 4u);
    EXPECT_EQ(together->bars[1].close.raw(), 389'120'000);
    // A lone object (not wrapped) is accepted too.
    auto lone = parse_stream_bars(read_text(files[2]));
    ASSERT_TRUE(lone.ok());
    EXPECT_EQ(lone->bars.size(), 1u);
}

TEST(ParseStreamBars, MalformedBarsAreNamedByFieldAndNeverStopTheRest) {
    json msg = json::array();
    msg.push_back(bar_object("AAPL", 31));
    json bad_price = bar_object("AAPL", 32);
    bad_price["h"] = "abc";
    msg.push_back(bad_price);
    json no_symbol = bar_object("AAPL", 33);
    no_symbol.erase("S");
    msg.push_back(no_symbol);
    json bad_time = bar_object("MSFT", 34);
    bad_time["t"] = "yesterday";
    msg.push_back(bad_time);
    json low_high = bar_object("MSFT", 35);
    low_high["l"] = 102.0;
    msg.push_back(low_high);
    msg.push_back(json{{"T", "error"}, {"code", 500}, {"msg", "internal error"}});
    msg.push_back(json{{"T", "zz"}});
    msg.push_back(json{{"x", 1}});
    msg.push_back(json{{"T", "subscription"}, {"bars", {"AAPL"}}});
    msg.push_back(bar_object("MSFT", 36, "101.1234567"));
    auto r = parse_stream_bars(msg.dump());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->bars.size(), 2u);
    EXPECT_EQ(r->bars[0].header.symbol.str(), "AAPL");
    EXPECT_EQ(r->bars[1].header.symbol.str(), "MSFT");
    EXPECT_EQ(r->bars[1].close.raw(), 101'123'457);  // 7th decimal rounded half away from zero
    EXPECT_EQ(r->malformed, 4);
    EXPECT_EQ(r->skipped, (std::map<std::string, int64_t>{
                              {"error", 1}, {"subscription", 1}, {"unknown", 1}, {"zz", 1}}));
    ASSERT_EQ(r->notes.size(), 7u);
    EXPECT_NE(r->notes[0].find("[1].h"), std::string::npos) << r->notes[0];
    EXPECT_NE(r->notes[1].find("[2].S"), std::string::npos) << r->notes[1];
    EXPECT_NE(r->notes[2].find("[3].t"), std::string::npos) << r->notes[2];
    EXPECT_NE(r->notes[3].find("[4].low"), std::string::npos) << r->notes[3];
    EXPECT_NE(r->notes[4].find("error 500 'internal error'"), std::string::npos) << r->notes[4];
    EXPECT_NE(r->notes[5].find("unknown message type 'zz'"), std::string::npos) << r->notes[5];
    EXPECT_NE(r->notes[6].find("[7]: no string \"T\""), std::string::npos) << r->notes[6];

    for (const char* text : {"", "[{\"T\":\"b\"", "not json", "42", "\"b\""}) {
        auto e = parse_stream_bars(text);
        ASSERT_FALSE(e.ok()) << text;
        EXPECT_EQ(e.error().code, ErrorCode::kParse) << text;
    }
    auto empty = parse_stream_bars("[]");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->bars.empty());
}

TEST(BarStream, AuthSubscribeBarsThenDropReconnectAndResubscribe) {
    MdScript first;
    first.send = {json::array({bar_object("AAPL", 31), bar_object("MSFT", 31)}).dump(),
                  R"([{"T":"t","S":"AAPL","p":101.2,"s":5,"t":"2026-03-12T14:32:10Z"}])",
                  json::array({bar_object("AAPL", 32)}).dump()};
    first.drop_mid_frame = true;
    MdScript second;
    second.send = {subscription_reply(),  // a repeated control reply is not queued
                   json::array({bar_object("AAPL", 34), bar_object("MSFT", 34)}).dump()};
    FakeMarketData server({first, second});

    std::vector<int64_t> sleeps;
    std::mutex sleeps_mutex;
    BarStreamOptions o = test_options(server.url());
    o.sleep_ms = [&](int64_t ms) {
        std::lock_guard lock(sleeps_mutex);
        sleeps.push_back(ms);
    };
    auto created = BarStream::create(o);
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    BarStream& stream = **created;
    EXPECT_EQ(stream.url(), server.url() + "/v2/iex");
    ASSERT_TRUE(stream.start().ok());
    EXPECT_FALSE(stream.start().ok());

    std::vector<std::string> messages;
    ASSERT_TRUE(wait_for([&] {
        for (auto& m : stream.drain()) messages.push_back(std::move(m));
        return messages.size() >= 4;
    })) << "got "
        << messages.size() << "; last error: " << stream.status().last_error;
    ASSERT_TRUE(wait_for([&] { return stream.status().authorized; }));

    std::vector<std::string> seen;
    int64_t trades = 0;
    for (const auto& m : messages) {
        auto r = parse_stream_bars(m);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        for (const auto& b : r->bars) {
            seen.push_back(b.header.symbol.str() + "@" + b.bar_start.iso().substr(11, 5));
        }
        trades += r->skipped.count("t") ? r->skipped.at("t") : 0;
    }
    EXPECT_EQ(messages.size(), 4u);  // success/subscription replies not queued
    EXPECT_EQ(seen, (std::vector<std::string>{"AAPL@14:31", "MSFT@14:31", "AAPL@14:32",
                                              "AAPL@14:34", "MSFT@14:34"}));
    EXPECT_EQ(trades, 1);

    const StreamStatus st = stream.status();
    EXPECT_TRUE(st.running);
    EXPECT_EQ(st.connections, 2u);
    EXPECT_EQ(st.reconnects, 1u);
    EXPECT_EQ(st.messages, 4u);
    EXPECT_FALSE(st.fatal);
    expect_no_keys(st.last_error);
    {
        std::lock_guard lock(sleeps_mutex);
        EXPECT_EQ(sleeps, (std::vector<int64_t>{5}));
    }
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
    const auto received = server.received();
    ASSERT_EQ(received.size(), 4u);  // auth + subscribe on each connection, exactly
    EXPECT_EQ(received[0], expected_auth());
    EXPECT_EQ(received[1], expected_subscribe());
    EXPECT_EQ(received[2], expected_auth());
    EXPECT_EQ(received[3], expected_subscribe());
    stream.stop();
    EXPECT_FALSE(stream.status().running);
    stream.stop();
}

TEST(BarStream, RefusalsAreFatalWithAClearErrorAndNoReconnect) {
    const std::vector<std::tuple<int, std::string, std::string>> cases = {
        {402, "auth failed", "ALPACA_API_KEY"},
        {406, "connection limit exceeded", "another client is connected"},
        {409, "insufficient subscription", "use feed iex"},
    };
    for (const auto& [code, msg, hint] : cases) {
        MdScript refuse;
        refuse.refuse_code = code;
        refuse.refuse_msg = msg;
        FakeMarketData server({refuse});
        int sleeps = 0;
        BarStreamOptions o = test_options(server.url());
        o.sleep_ms = [&](int64_t) { ++sleeps; };
        if (code == 409) o.feed = "sip";
        auto created = BarStream::create(o);
        ASSERT_TRUE(created.ok());
        BarStream& stream = **created;
        ASSERT_TRUE(stream.start().ok());
        ASSERT_TRUE(wait_for([&] { return !stream.status().running; })) << code;
        std::this_thread::sleep_for(50ms);  // a reconnect storm would show up here
        const StreamStatus st = stream.status();
        EXPECT_TRUE(st.fatal) << code;
        EXPECT_FALSE(st.authorized);
        EXPECT_EQ(st.reconnects, 0u) << code;
        EXPECT_EQ(sleeps, 0) << code;
        EXPECT_EQ(server.connections(), 1) << code;
        EXPECT_NE(st.last_error.find("error " + std::to_string(code) + " '" + msg + "'"),
                  std::string::npos)
            << st.last_error;
        EXPECT_NE(st.last_error.find(hint), std::string::npos) << st.last_error;
        EXPECT_NE(st.last_error.find("not reconnecting"), std::string::npos) << st.last_error;
        expect_no_keys(st.last_error);
        EXPECT_TRUE(stream.drain().empty());
    }
}

TEST(BarStream, ATransientErrorWhileAuthenticatingReconnects) {
    MdScript timeout;
    timeout.refuse_code = 404;
    timeout.refuse_msg = "auth timeout";
    MdScript ok;
    ok.send = {json::array({bar_object("MSFT", 40)}).dump()};
    FakeMarketData server({timeout, ok});
    BarStreamOptions o = test_options(server.url());
    o.sleep_ms = [](int64_t) {};
    auto created = BarStream::create(o);
    ASSERT_TRUE(created.ok());
    BarStream& stream = **created;
    ASSERT_TRUE(stream.start().ok());
    ASSERT_TRUE(wait_for([&] { return stream.status().messages == 1; }))
        << stream.status().last_error;
    const StreamStatus st = stream.status();
    EXPECT_FALSE(st.fatal);
    EXPECT_EQ(st.connections, 2u);
    EXPECT_EQ(st.reconnects, 1u);
    auto drained = stream.drain();
    ASSERT_EQ(drained.size(), 1u);
    EXPECT_EQ(parse_stream_bars(drained[0])->bars.size(), 1u);
    stream.stop();
}

TEST(BarStreamParse, AnExcerptNeverEndsInTheMiddleOfAToken) {
    // A malformed message echoing a key across the 200-character excerpt cut: the key is either
    // whole in the error (and scrubbed later by its exact text) or absent, never a fragment.
    const std::string key = "PKFAKEKEYID0123456789";
    for (size_t offset = 180; offset <= 200; ++offset) {
        const std::string message = "[{" + std::string(offset - 2, 'x') + " " + key + " tail";
        auto r = parse_stream_bars(message);
        ASSERT_FALSE(r.ok());
        const std::string& e = r.error().message;
        const bool whole = e.find(key) != std::string::npos;
        if (!whole) {
            for (size_t n = 4; n < key.size(); ++n) {
                ASSERT_EQ(e.find(key.substr(0, n) + "..."), std::string::npos)
                    << "offset " << offset << ": " << e;
            }
        }
    }
}

}  // namespace
}  // namespace awet::alpaca
