#pragma once
// A loopback Beast WebSocket server for the stream tests (trade_updates and market data): it
// accepts on 127.0.0.1 (any port), runs serve(ws, index) for connection number `index` on its own
// io thread, records every JSON message the client sends and any protocol failure the script
// notices. A test derives from it, implements serve(), calls start() at the end of its
// constructor and stop() at the start of its destructor.
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "awet/alpaca/stream_common.hpp"

namespace awet::testing {

/// Keys plus quick, deterministic reconnects for a stream against a loopback server: waits of
/// 5, 10, 20, 20... ms (no jitter), 2 s to connect and to authenticate.
inline void quick_stream_options(alpaca::StreamConnectOptions& o, const char* key,
                                 const char* secret) {
    o.key_id = key;
    o.secret_key = secret;
    o.initial_backoff_ms = 5;
    o.max_backoff_ms = 20;
    o.connect_timeout_ms = 2000;
    o.auth_timeout_ms = 2000;
    o.random01 = [] { return 0.5; };  // no jitter
}

/// Polls `pred` every 2 ms for up to `limit`.
template <typename Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return pred();
}

class LoopbackWsServer {
public:
    using Ws = boost::beast::websocket::stream<boost::beast::tcp_stream>;

    LoopbackWsServer()
        : acceptor_(ioc_,
                    boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
    }
    virtual ~LoopbackWsServer() { stop(); }
    LoopbackWsServer(const LoopbackWsServer&) = delete;
    LoopbackWsServer& operator=(const LoopbackWsServer&) = delete;

    void start() {
        boost::asio::co_spawn(ioc_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    void stop() {
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }

    int port() const { return port_; }
    int connections() const { return connections_; }
    std::vector<std::string> failures() {
        std::lock_guard lock(mutex_);
        return failures_;
    }
    std::vector<nlohmann::json> received() {
        std::lock_guard lock(mutex_);
        return received_;
    }

protected:
    /// Connection number `index` (0-based), after the WebSocket handshake. Returning closes it;
    /// an exception (the client went away) is swallowed.
    virtual boost::asio::awaitable<void> serve(Ws& ws, int index) = 0;

    void fail(std::string why) {
        std::lock_guard lock(mutex_);
        failures_.push_back(std::move(why));
    }
    /// Reads one message, records it (as JSON; discarded if it is not) and returns it.
    boost::asio::awaitable<nlohmann::json> read_json(Ws& ws) {
        boost::beast::flat_buffer buffer;
        co_await ws.async_read(buffer, boost::asio::use_awaitable);
        nlohmann::json j =
            nlohmann::json::parse(boost::beast::buffers_to_string(buffer.data()), nullptr, false);
        {
            std::lock_guard lock(mutex_);
            received_.push_back(j);
        }
        co_return j;
    }
    static boost::asio::awaitable<void> write(Ws& ws, const std::string& msg, bool binary) {
        ws.binary(binary);
        co_await ws.async_write(boost::asio::buffer(msg), boost::asio::use_awaitable);
    }
    /// Reads (and ignores) until the client goes away.
    static boost::asio::awaitable<void> read_until_gone(Ws& ws) {
        boost::beast::flat_buffer rest;
        for (;;) co_await ws.async_read(rest, boost::asio::use_awaitable);
    }
    /// Sends a binary frame header announcing 300 bytes and 3 of them, then cuts the TCP
    /// connection: a drop in the middle of a frame.
    static boost::asio::awaitable<void> drop_mid_frame(Ws& ws) {
        const std::string partial("\x82\x7e\x01\x2c{\"s", 7);
        co_await boost::asio::async_write(ws.next_layer().socket(), boost::asio::buffer(partial),
                                          boost::asio::use_awaitable);
        ws.next_layer().socket().close();
    }

    /// The end of a scripted connection: a drop mid-frame, or wait until the client goes.
    static boost::asio::awaitable<void> drop_or_wait(Ws& ws, bool drop) {
        if (drop) {
            co_await drop_mid_frame(ws);
        } else {
            co_await read_until_gone(ws);
        }
    }

private:
    boost::asio::awaitable<void> accept_loop() {
        for (;;) {
            boost::asio::ip::tcp::socket socket =
                co_await acceptor_.async_accept(boost::asio::use_awaitable);
            const int index = connections_++;
            boost::asio::co_spawn(acceptor_.get_executor(), session(std::move(socket), index),
                                  boost::asio::detached);
        }
    }
    boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket, int index) {
        try {
            Ws ws(std::move(socket));
            co_await ws.async_accept(boost::asio::use_awaitable);
            co_await serve(ws, index);
        } catch (const std::exception&) {
            // the client went away
        }
    }

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    int port_ = 0;
    std::atomic<int> connections_{0};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> failures_;
    std::vector<nlohmann::json> received_;
};

}  // namespace awet::testing
