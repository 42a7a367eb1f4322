// WsClient over Boost.Beast (header-only), C++20 coroutines on a private io_context that one
// background thread runs. See ws_client.hpp.
#include "ws_client.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <utility>  // first: Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

namespace awet::alpaca {

int64_t stream_backoff_ms(const StreamConnectOptions& o, int attempt, double r) {
    double wait = static_cast<double>(o.initial_backoff_ms);
    for (int i = 1; i < attempt && wait < static_cast<double>(o.max_backoff_ms); ++i) wait *= 2;
    wait = std::min(wait, static_cast<double>(o.max_backoff_ms));
    r = std::clamp(r, 0.0, 1.0);
    const double j = std::clamp(o.jitter, 0.0, 1.0);
    wait *= 1.0 + j * (2.0 * r - 1.0);
    return std::max<int64_t>(0, static_cast<int64_t>(std::llround(wait)));
}

namespace detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

WsTarget make_target(const UrlParts& u, std::string path) {
    WsTarget t;
    t.tls = u.scheme == "https" || u.scheme == "wss";
    const std::string default_port = t.tls ? "443" : "80";
    t.port = u.port.empty() ? default_port : u.port;
    t.host_header = u.host + (t.port == default_port ? "" : ":" + t.port);
    t.host = u.host;
    if (t.host.size() >= 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
    t.path = std::move(path);
    t.url = std::string(t.tls ? "wss://" : "ws://") + t.host_header + t.path;
    return t;
}

std::string excerpt(const std::string& msg) {
    if (msg.size() <= 200) return msg;
    // The excerpt is scrubbed of keys later, by text match: a key cut in two would survive as a
    // fragment. Back off to the last delimiter before the cut, so a token is whole or absent.
    auto token = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
               c == '+' || c == '/' || c == '=';
    };
    size_t end = 200;
    while (end > 0 && token(msg[end - 1]) && token(msg[end])) --end;
    return msg.substr(0, end) + "...";
}

namespace {
enum class Outcome { kRetry, kFatal, kStopped };
}  // namespace

struct WsClient::Impl {
    WsTarget target;
    StreamConnectOptions opt;
    std::unique_ptr<WsProtocol> protocol;
    std::unique_ptr<asio::ssl::context> ssl;
    std::mt19937 rng{std::random_device{}()};

    std::mutex control;  // start/stop
    std::thread thread;
    std::unique_ptr<asio::io_context> ioc;
    std::atomic<bool> stopping{false};

    mutable std::mutex mutex;  // queue and status
    std::deque<std::string> queue;
    StreamStatus st;

    // io thread only
    std::function<void()> closer;
    asio::steady_timer* backoff_timer = nullptr;
    bool authorized_this_connection = false;

    std::string scrub(std::string s) const {
        for (const std::string* k : {&opt.key_id, &opt.secret_key}) {
            if (k->empty()) continue;
            for (size_t p = s.find(*k); p != std::string::npos; p = s.find(*k, p + 3)) {
                s.replace(p, k->size(), "***");
            }
        }
        return s;
    }
    void set_error(const std::string& msg) {
        std::string clean = scrub(msg);
        std::lock_guard lock(mutex);
        st.last_error = std::move(clean);
    }
    void set_flags(bool connected, bool authorized) {
        std::lock_guard lock(mutex);
        st.connected = connected;
        st.authorized = authorized;
    }
    void push(std::string msg) {
        std::lock_guard lock(mutex);
        if (queue.size() >= std::max<size_t>(1, opt.max_queued)) {
            queue.pop_front();
            ++st.dropped;
            st.last_error = "alpaca stream: queue full (" + std::to_string(opt.max_queued) +
                            " messages), oldest dropped";
        }
        queue.push_back(std::move(msg));
        ++st.messages;
    }
    std::string prefixed(const std::string& why) const {
        return "alpaca stream " + target.url + ": " + why;
    }

    template <typename WS>
    asio::awaitable<Outcome> session(WS& ws, std::string& phase);
    asio::awaitable<Outcome> connect_once();
    asio::awaitable<void> run();
};

template <typename WS>
asio::awaitable<Outcome> WsClient::Impl::session(WS& ws, std::string& phase) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    closer = [&] {
        resolver.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
    };
    auto close_now = [&] {
        beast::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
    };
    if (stopping) co_return Outcome::kStopped;

    phase = "resolve";
    auto endpoints = co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
    phase = "connect";
    beast::get_lowest_layer(ws).expires_after(std::chrono::milliseconds(opt.connect_timeout_ms));
    co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::use_awaitable);
    if constexpr (!std::is_same_v<typename WS::next_layer_type, beast::tcp_stream>) {
        phase = "tls handshake";
        if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), target.host.c_str())) {
            throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                        asio::error::get_ssl_category()));
        }
        ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(target.host));
        co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client,
                                                 asio::use_awaitable);
    }
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout to{};
    to.handshake_timeout = std::chrono::milliseconds(opt.connect_timeout_ms);
    to.idle_timeout = std::chrono::milliseconds(opt.idle_timeout_ms);
    to.keep_alive_pings = true;
    ws.set_option(to);
    const std::string agent = protocol->user_agent();
    ws.set_option(websocket::stream_base::decorator(
        [agent](websocket::request_type& req) { req.set(beast::http::field::user_agent, agent); }));
    phase = "websocket handshake";
    co_await ws.async_handshake(target.host_header, target.path, asio::use_awaitable);
    {
        std::lock_guard lock(mutex);
        st.connected = true;
        ++st.connections;
    }

    // Authenticate, bounded by auth_timeout_ms.
    phase = "authenticate";
    bool auth_timed_out = false;
    asio::steady_timer deadline(ex);
    deadline.expires_after(std::chrono::milliseconds(opt.auth_timeout_ms));
    deadline.async_wait([&, this](beast::error_code ec) {
        if (ec) return;
        auth_timed_out = true;
        if (closer) closer();
    });
    ws.text(true);
    const std::string auth = protocol->auth_message();
    try {
        co_await ws.async_write(asio::buffer(auth), asio::use_awaitable);
        beast::flat_buffer buffer;
        for (bool authorized = false; !authorized;) {
            buffer.clear();
            co_await ws.async_read(buffer, asio::use_awaitable);
            std::string msg = beast::buffers_to_string(buffer.data());
            WsReply reply = protocol->on_auth_reply(msg);
            switch (reply.verdict) {
                case WsVerdict::kAuthorized:
                    authorized = true;
                    break;
                case WsVerdict::kQueue:
                    push(std::move(msg));
                    break;
                case WsVerdict::kSkip:
                    if (!reply.why.empty()) set_error(prefixed(reply.why));
                    break;
                case WsVerdict::kFatal:
                case WsVerdict::kRetry:
                    deadline.cancel();
                    set_error(prefixed(reply.why));
                    close_now();
                    co_return reply.verdict == WsVerdict::kFatal ? Outcome::kFatal
                                                                 : Outcome::kRetry;
            }
        }
    } catch (const std::exception&) {
        if (!auth_timed_out) throw;
    }
    deadline.cancel();
    if (auth_timed_out) {
        throw beast::system_error(asio::error::timed_out);
    }

    phase = protocol->subscribe_phase();
    for (const std::string& m : protocol->subscribe_messages()) {
        co_await ws.async_write(asio::buffer(m), asio::use_awaitable);
    }
    authorized_this_connection = true;
    set_flags(true, true);

    phase = "read";
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        co_await ws.async_read(buffer, asio::use_awaitable);
        std::string msg = beast::buffers_to_string(buffer.data());
        WsReply reply = protocol->on_message(msg);
        switch (reply.verdict) {
            case WsVerdict::kQueue:
                if (!reply.why.empty()) set_error(prefixed(reply.why));
                push(std::move(msg));
                break;
            case WsVerdict::kSkip:
            case WsVerdict::kAuthorized:
                if (!reply.why.empty()) set_error(prefixed(reply.why));
                break;
            case WsVerdict::kFatal:
            case WsVerdict::kRetry:
                set_error(prefixed(reply.why));
                close_now();
                co_return reply.verdict == WsVerdict::kFatal ? Outcome::kFatal : Outcome::kRetry;
        }
    }
}

asio::awaitable<Outcome> WsClient::Impl::connect_once() {
    auto ex = co_await asio::this_coro::executor;
    std::string phase = "start";
    authorized_this_connection = false;
    std::string error;
    Outcome out = Outcome::kRetry;
    try {
        if (target.tls) {
            websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ex, *ssl);
            out = co_await session(ws, phase);
            closer = nullptr;
        } else {
            websocket::stream<beast::tcp_stream> ws(ex);
            out = co_await session(ws, phase);
            closer = nullptr;
        }
    } catch (const beast::system_error& e) {
        closer = nullptr;
        if (e.code() == websocket::error::closed) {
            error = "closed by the server";
        } else {
            error = e.code().message();
        }
    } catch (const std::exception& e) {
        closer = nullptr;
        error = e.what();
    }
    set_flags(false, false);
    if (stopping) co_return Outcome::kStopped;
    if (!error.empty()) set_error(prefixed(phase + ": " + error));
    co_return out;
}

asio::awaitable<void> WsClient::Impl::run() {
    auto ex = co_await asio::this_coro::executor;
    int attempt = 0;  // failed connections since the last authorized one
    for (bool first = true; !stopping; first = false) {
        if (!first) {
            std::lock_guard lock(mutex);
            ++st.reconnects;
        }
        const Outcome out = co_await connect_once();
        if (out != Outcome::kRetry || stopping) {
            if (out == Outcome::kFatal) {
                std::lock_guard lock(mutex);
                st.fatal = true;
            }
            break;
        }
        attempt = authorized_this_connection ? 1 : attempt + 1;
        uint64_t reconnects = 0;
        {
            std::lock_guard lock(mutex);
            reconnects = st.reconnects;
        }
        if (opt.max_reconnects >= 0 && reconnects >= static_cast<uint64_t>(opt.max_reconnects)) {
            std::lock_guard lock(mutex);
            st.fatal = true;
            st.last_error = prefixed("gave up after " + std::to_string(reconnects) +
                                     " reconnects; last: " + st.last_error);
            break;
        }
        const double r =
            opt.random01 ? opt.random01() : std::uniform_real_distribution<double>(0.0, 1.0)(rng);
        const int64_t wait = stream_backoff_ms(opt, attempt, r);
        if (opt.sleep_ms) {
            opt.sleep_ms(wait);
        } else {
            asio::steady_timer timer(ex);
            backoff_timer = &timer;
            if (!stopping) {
                timer.expires_after(std::chrono::milliseconds(wait));
                try {
                    co_await timer.async_wait(asio::use_awaitable);
                } catch (const std::exception&) {
                    // cancelled by stop()
                }
            }
            backoff_timer = nullptr;
        }
    }
}

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsClient::~WsClient() { stop(); }

Result<std::unique_ptr<WsClient>> WsClient::create(WsTarget target, StreamConnectOptions options,
                                                   std::unique_ptr<WsProtocol> protocol) {
    if (options.key_id.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca stream: no API key id (set ALPACA_API_KEY)");
    }
    if (options.secret_key.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca stream: no API secret (set ALPACA_API_SECRET)");
    }
    if (options.initial_backoff_ms <= 0 || options.max_backoff_ms < options.initial_backoff_ms ||
        options.connect_timeout_ms <= 0 || options.auth_timeout_ms <= 0 ||
        options.idle_timeout_ms <= 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca stream: timeouts and back-off must be positive, "
                          "max_backoff_ms >= initial_backoff_ms");
    }
    auto impl = std::make_unique<Impl>();
    impl->target = std::move(target);
    impl->opt = std::move(options);
    impl->protocol = std::move(protocol);
    if (impl->target.tls) {
        try {
            impl->ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
            impl->ssl->set_default_verify_paths();
            impl->ssl->set_verify_mode(asio::ssl::verify_peer);
        } catch (const std::exception& e) {
            return make_error(ErrorCode::kIo, std::string("alpaca stream: TLS setup: ") + e.what());
        }
    }
    return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

Status WsClient::start() {
    Impl& m = *impl_;
    std::lock_guard control(m.control);
    {
        std::lock_guard lock(m.mutex);
        if (m.st.running) {
            return make_error(ErrorCode::kInvalidArgument, "alpaca stream: already running");
        }
    }
    if (m.thread.joinable()) m.thread.join();  // ended on its own (fatal)
    m.stopping = false;
    {
        std::lock_guard lock(m.mutex);
        m.st.running = true;
        m.st.fatal = false;
    }
    m.ioc = std::make_unique<asio::io_context>(1);
    asio::co_spawn(*m.ioc, m.run(), [&m](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            m.set_error(std::string("alpaca stream: internal: ") + ex.what());
        }
    });
    m.thread = std::thread([&m] {
        m.ioc->run();
        std::lock_guard lock(m.mutex);
        m.st.running = false;
        m.st.connected = false;
        m.st.authorized = false;
    });
    return Status::Ok();
}

void WsClient::stop() {
    Impl& m = *impl_;
    std::lock_guard control(m.control);
    if (!m.thread.joinable()) return;
    m.stopping = true;
    asio::post(*m.ioc, [&m] {
        if (m.closer) m.closer();
        if (m.backoff_timer) m.backoff_timer->cancel();
    });
    m.thread.join();
    m.ioc.reset();
}

std::vector<std::string> WsClient::drain() {
    std::lock_guard lock(impl_->mutex);
    std::vector<std::string> out(std::make_move_iterator(impl_->queue.begin()),
                                 std::make_move_iterator(impl_->queue.end()));
    impl_->queue.clear();
    return out;
}

StreamStatus WsClient::status() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->st;
}

const std::string& WsClient::url() const { return impl_->target.url; }

}  // namespace detail

StreamClient::StreamClient(std::unique_ptr<detail::WsClient> client) : client_(std::move(client)) {}
StreamClient::~StreamClient() = default;  // the client stops itself
Status StreamClient::start() { return client_->start(); }
void StreamClient::stop() { client_->stop(); }
std::vector<std::string> StreamClient::drain() { return client_->drain(); }
StreamStatus StreamClient::status() const { return client_->status(); }
const std::string& StreamClient::url() const { return client_->url(); }

}  // namespace awet::alpaca
