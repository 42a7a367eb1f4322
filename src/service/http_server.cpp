#include "awet/service/http_server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

// The connection handling below replaces cpp-httplib's own (Server::process_and_close_socket, a
// private virtual, overridden; Server::process_request, protected, still parses and routes each
// request) and is written against the 0.11 series Debian 12 ships.
static_assert(CPPHTTPLIB_VERSION[0] == '0' && CPPHTTPLIB_VERSION[1] == '.',
              "cpp-httplib 0.x expected (see http_server.cpp)");

namespace awet {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// Where a connection is. Idle, headers, body and closing are "waiting on the client": those are
/// the connections a new one may push out when the server is full. Handling is never interrupted.
enum class Phase { kIdle, kHeaders, kBody, kHandling, kClosing };

/// One connection while a worker serves it; shared state (phase, since, evicted) under the
/// server's registry mutex, the rest owned by the worker.
struct Connection {
    int fd = -1;
    Phase phase = Phase::kHeaders;
    SteadyClock::time_point since;     // when the phase began: eviction takes the oldest
    SteadyClock::time_point deadline;  // reads fail after it
    size_t budget = 0;                 // bytes the phase may still read
    bool evicted = false;
    bool close_after = false;  // a refused request whose body was not read
    bool broken = false;       // a read ran out of time or budget: nothing more on it
};

thread_local Connection* t_connection = nullptr;
thread_local bool t_refuse_busy = false;  // the queue is full: answer 503 without reading

int millis_until(SteadyClock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX));
}

/// 0: timed out; >0: readable (or hung up / evicted: the read then sees it); <0: error.
int poll_fd(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int r = ::poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        return r;
    }
}

void ip_and_port(const sockaddr_storage& addr, std::string& ip, int& port) {
    char host[NI_MAXHOST] = {};
    char serv[NI_MAXSERV] = {};
    if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), sizeof addr, host, sizeof host,
                      serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
        ip = host;
        port = std::atoi(serv);
    }
}

class HardenedServer;

/// The socket of one connection as cpp-httplib's request parser reads it: every read is bounded
/// by the phase's deadline and byte budget, so neither trickling nor volume can hold it.
class ConnectionStream final : public httplib::Stream {
public:
    ConnectionStream(HardenedServer& server, Connection& c) : server_(server), c_(c) {}

    bool is_readable() const override {
        return off_ < len_ || poll_fd(c_.fd, POLLIN, millis_until(c_.deadline)) > 0;
    }
    bool is_writable() const override;
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getpeername(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
            ip_and_port(addr, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
            ip_and_port(addr, ip, port);
    }
    socket_t socket() const override { return c_.fd; }

    /// Waits (idle between requests) until the next request's first byte, the deadline, or the
    /// connection ends; true when there is something to read.
    bool wait_for_request() {
        if (off_ < len_) return true;
        return poll_fd(c_.fd, POLLIN, millis_until(c_.deadline)) > 0;
    }

private:
    HardenedServer& server_;
    Connection& c_;
    char buf_[4096];
    size_t off_ = 0, len_ = 0;  // buffered bytes not yet handed out (kept across requests)
};

/// Serves each accepted connection on a thread of its own, up to max_connections (see
/// HttpServerLimits); cpp-httplib's accept loop hands the connections over through enqueue().
class ConnectionQueue final : public httplib::TaskQueue {
public:
    explicit ConnectionQueue(HardenedServer& server);
    ~ConnectionQueue() override = default;
    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

private:
    void work();

    HardenedServer& server_;
    const size_t max_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    size_t busy_ = 0, idle_ = 0;
    bool shutdown_ = false;
};

class HardenedServer final : public httplib::Server {
public:
    explicit HardenedServer(HttpServerOptions options) : options_(std::move(options)) {
        const HttpServerLimits& l = options_.limits;
        set_keep_alive_max_count(std::max<size_t>(1, l.max_requests_per_connection));
        set_keep_alive_timeout(std::max<time_t>(
            1, std::chrono::duration_cast<std::chrono::seconds>(l.idle_timeout).count()));
        set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(l.header_timeout));
        set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(l.write_timeout));
        set_payload_max_length(l.max_body_bytes);
        new_task_queue = [this] { return new ConnectionQueue(*this); };
        set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (!admit(req, res)) return HandlerResponse::Handled;
            begin_body(req);
            return HandlerResponse::Unhandled;
        });
        // Refused before the client is told to send the body.
        set_expect_100_continue_handler(
            [this](const httplib::Request& req, httplib::Response& res) {
                return admit(req, res) ? 100 : res.status;
            });
    }

    const HttpServerLimits& limits() const { return options_.limits; }

    /// cpp-httplib listens with a backlog of 5: a burst of connections (a flood, or just many
    /// clients at once) would wait in SYN retries for seconds before the accept loop even sees
    /// them. Listening again on the bound socket widens it.
    void widen_backlog() {
        const socket_t sock = svr_sock_;
        if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
    }

    void refused(std::string_view reason) const {
        if (options_.on_refused) options_.on_refused(reason);
    }

    /// The connection enters `phase`: reads may take `timeout` and `budget` bytes from now.
    void enter(Connection& c, Phase phase, std::chrono::milliseconds timeout, size_t budget) {
        const auto now = SteadyClock::now();
        c.deadline = now + timeout;
        c.budget = budget;
        std::lock_guard lock(mutex_);
        c.phase = phase;
        c.since = now;
    }
    void set_phase(Connection& c, Phase phase) {
        std::lock_guard lock(mutex_);
        c.phase = phase;
        c.since = SteadyClock::now();
    }

    /// Closes the connection that has waited on its client the longest (idle ones first); false
    /// when every connection is handling a request.
    bool evict_oldest() {
        std::lock_guard lock(mutex_);
        Connection* victim = nullptr;
        auto rank = [](const Connection* c) { return c->phase == Phase::kIdle ? 0 : 1; };
        for (Connection* c : live_) {
            if (c->evicted || c->phase == Phase::kHandling) continue;
            if (victim == nullptr || rank(c) < rank(victim) ||
                (rank(c) == rank(victim) && c->since < victim->since)) {
                victim = c;
            }
        }
        if (victim == nullptr) return false;
        victim->evicted = true;
        // The fd stays open until its worker has unregistered it (under this mutex), so this
        // never reaches another connection's socket.
        ::shutdown(victim->fd, SHUT_RDWR);
        refused("evicted");
        return true;
    }
    /// Wakes every connection (the server stops).
    void close_all() {
        std::lock_guard lock(mutex_);
        for (Connection* c : live_) {
            c->evicted = true;
            ::shutdown(c->fd, SHUT_RDWR);
        }
    }

private:
    bool process_and_close_socket(socket_t sock) override;

    /// The owner's guard and the limits' checks on a request whose headers are in.
    bool admit(const httplib::Request& req, httplib::Response& res);
    bool refuse(httplib::Response& res, int status, const char* reason, const std::string& why) {
        refused(reason);
        res.status = status;
        res.set_header("Connection", "close");
        res.set_content(nlohmann::json{{"error", why}}.dump(), "application/json");
        if (t_connection != nullptr) t_connection->close_after = true;
        return false;
    }
    /// After admit(): the body's deadline and exact size, or straight to handling.
    void begin_body(const httplib::Request& req) {
        Connection* c = t_connection;
        if (c == nullptr) return;
        const size_t length =
            req.has_header("Content-Length") ? req.get_header_value<uint64_t>("Content-Length") : 0;
        // The methods cpp-httplib reads a body for; another method's body is never read, so
        // the connection cannot carry a next request after it.
        const bool read = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                          req.method == "DELETE" || req.method == "PRI";
        if (length > 0 && read) {
            enter(*c, Phase::kBody, options_.limits.body_timeout, length);
        } else {
            if (length > 0) c->close_after = true;
            enter(*c, Phase::kHandling, options_.limits.body_timeout, 0);
        }
    }
    /// Lets the client see a refusal sent while it was still sending a body: stop writing, read
    /// and drop a little of what is in flight, then close (closing with unread data would reset
    /// the connection, and the reset can destroy the answer before the client reads it).
    void linger(Connection& c) {
        ::shutdown(c.fd, SHUT_WR);
        set_phase(c, Phase::kClosing);
        const auto until = SteadyClock::now() + std::chrono::milliseconds(500);
        char sink[4096];
        size_t drained = 0;
        while (drained < 256 * 1024 && poll_fd(c.fd, POLLIN, millis_until(until)) > 0) {
            const ssize_t n = ::recv(c.fd, sink, sizeof sink, 0);
            if (n <= 0) break;
            drained += static_cast<size_t>(n);
        }
    }
    void refuse_busy(int sock) {
        refused("busy");
        static const std::string kBusy = [] {
            const std::string body = R"({"error":"server busy: too many connections"})";
            return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                   "Content-Length: " +
                   std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
                   body;
        }();
        (void)::send(sock, kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
    }

    HttpServerOptions options_;
    std::mutex mutex_;               // live_ and every Connection's phase / since / evicted
    std::vector<Connection*> live_;  // connections being served
};

bool ConnectionStream::is_writable() const {
    return poll_fd(c_.fd, POLLOUT, static_cast<int>(server_.limits().write_timeout.count())) > 0;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
    if (size == 0) return 0;
    if (c_.budget == 0) {
        if (c_.phase == Phase::kHeaders) server_.refused("header_too_large");
        c_.broken = true;
        return -1;
    }
    if (off_ == len_) {
        const int ready = poll_fd(c_.fd, POLLIN, millis_until(c_.deadline));
        if (ready == 0) {
            if (c_.phase == Phase::kHeaders) server_.refused("header_timeout");
            if (c_.phase == Phase::kBody) server_.refused("body_timeout");
            c_.broken = true;
            return -1;
        }
        if (ready < 0) return -1;
        const ssize_t n = ::recv(c_.fd, buf_, sizeof buf_, 0);
        if (n <= 0) return n;
        off_ = 0;
        len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min({size, len_ - off_, c_.budget});
    std::memcpy(ptr, buf_ + off_, n);
    off_ += n;
    c_.budget -= n;
    // The body is in: from here the request is being handled, and is not pushed out.
    if (c_.phase == Phase::kBody && c_.budget == 0) server_.set_phase(c_, Phase::kHandling);
    return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
    size_t done = 0;
    while (done < size) {
        if (poll_fd(c_.fd, POLLOUT, static_cast<int>(server_.limits().write_timeout.count())) <= 0)
            return done > 0 ? static_cast<ssize_t>(done) : -1;
        const ssize_t n = ::send(c_.fd, ptr + done, size - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return done > 0 ? static_cast<ssize_t>(done) : -1;
        }
        done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
}

bool HardenedServer::admit(const httplib::Request& req, httplib::Response& res) {
    const HttpServerLimits& l = options_.limits;
    if (req.target.size() > l.max_uri_bytes) {
        return refuse(res, 414, "uri_too_long",
                      "request target longer than " + std::to_string(l.max_uri_bytes) + " bytes");
    }
    // The owner's guard (a token) before anything about the body: a client that may not ask
    // learns nothing else.
    if (options_.guard && !options_.guard(req, res)) {
        res.set_header("Connection", "close");
        if (t_connection != nullptr) t_connection->close_after = true;
        return false;
    }
    if (req.has_header("Transfer-Encoding")) {
        return refuse(res, 411, "length_required",
                      "Transfer-Encoding is not accepted: send the body with a Content-Length");
    }
    if (req.has_header("Content-Encoding") &&
        req.get_header_value("Content-Encoding") != "identity") {
        return refuse(res, 415, "unsupported_encoding",
                      "Content-Encoding is not accepted: send the body uncompressed");
    }
    const size_t lengths = req.get_header_value_count("Content-Length");
    if (lengths > 0) {
        const std::string text = req.get_header_value("Content-Length");
        bool digits =
            !text.empty() && text.size() <= 19 &&
            std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        for (size_t i = 1; digits && i < lengths; ++i)
            digits = req.get_header_value("Content-Length", i) == text;
        if (!digits) return refuse(res, 400, "bad_request", "Content-Length is not one number");
        if (std::stoull(text) > l.max_body_bytes) {
            return refuse(res, 413, "too_large",
                          "request body of " + text + " bytes: the limit is " +
                              std::to_string(l.max_body_bytes));
        }
    } else if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
        return refuse(res, 411, "length_required", "a request body needs a Content-Length");
    }
    return true;
}

bool HardenedServer::process_and_close_socket(socket_t sock) {
    if (t_refuse_busy) {
        refuse_busy(sock);
        return false;
    }
    Connection c;
    c.fd = sock;
    {
        std::lock_guard lock(mutex_);
        live_.push_back(&c);
    }
    t_connection = &c;
    ConnectionStream stream(*this, c);
    const HttpServerLimits& l = options_.limits;
    // The first request's headers are due header_timeout after the accept; later ones after
    // their first byte (a keep-alive connection may idle in between).
    enter(c, Phase::kHeaders, l.header_timeout, l.max_header_bytes);
    size_t left = std::max<size_t>(1, l.max_requests_per_connection);
    bool ret = true;
    for (bool first = true; svr_sock_ != INVALID_SOCKET && left > 0; first = false) {
        if (!first) {
            enter(c, Phase::kIdle, l.idle_timeout, 0);
            if (!stream.wait_for_request()) break;
            enter(c, Phase::kHeaders, l.header_timeout, l.max_header_bytes);
        }
        bool connection_closed = false;
        ret = process_request(stream, left == 1, connection_closed, nullptr);
        if (!ret || connection_closed || c.close_after || c.broken) break;
        {
            std::lock_guard lock(mutex_);
            if (c.evicted) break;
        }
        --left;
    }
    if (c.close_after) linger(c);
    t_connection = nullptr;
    {
        std::lock_guard lock(mutex_);
        live_.erase(std::find(live_.begin(), live_.end(), &c));
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ret;
}

ConnectionQueue::ConnectionQueue(HardenedServer& server)
    : server_(server), max_(std::max<size_t>(1, server.limits().max_connections)) {}

void ConnectionQueue::enqueue(std::function<void()> fn) {
    std::unique_lock lock(mutex_);
    if (busy_ + jobs_.size() >= max_ && !server_.evict_oldest() && jobs_.size() >= max_) {
        // Full of connections busy handling requests, and as many waiting: refuse this one now,
        // on the accept thread, without reading from it.
        lock.unlock();
        t_refuse_busy = true;
        fn();
        t_refuse_busy = false;
        return;
    }
    jobs_.push_back(std::move(fn));
    if (idle_ < jobs_.size() && threads_.size() < max_) threads_.emplace_back([this] { work(); });
    cv_.notify_one();
}

void ConnectionQueue::work() {
    for (;;) {
        std::function<void()> fn;
        {
            std::unique_lock lock(mutex_);
            ++idle_;
            cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
            --idle_;
            if (jobs_.empty()) return;  // shutting down, nothing left
            fn = std::move(jobs_.front());
            jobs_.pop_front();
            ++busy_;
        }
        fn();  // process_and_close_socket: closes at once once the server is stopping
        std::lock_guard lock(mutex_);
        --busy_;
    }
}

void ConnectionQueue::shutdown() {
    {
        std::lock_guard lock(mutex_);
        shutdown_ = true;
    }
    server_.close_all();
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
}

}  // namespace

std::unique_ptr<httplib::Server> make_http_server(HttpServerOptions options) {
    return std::make_unique<HardenedServer>(std::move(options));
}

Result<int> start_http_server(httplib::Server& server, std::thread& thread, const std::string& host,
                              int port, const std::string& what) {
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    const int bound =
        port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        return make_error(ErrorCode::kIo, what + ": cannot listen on " + host + ":" +
                                              std::to_string(port) + " (in use, or not allowed)");
    }
    if (auto* hardened = dynamic_cast<HardenedServer*>(&server)) hardened->widen_backlog();
    thread = std::thread([&server] { server.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server.is_running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            server.stop();
            thread.join();
            return make_error(ErrorCode::kIo, what + " on " + host + ":" + std::to_string(bound) +
                                                  " did not start");
        }
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return bound;
}

void stop_http_server(httplib::Server& server, std::thread& thread) {
    server.stop();
    if (thread.joinable()) thread.join();
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    const size_t n = std::max(a.size(), b.size());
    volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff = diff | static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

std::string_view bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()) return {};
    for (size_t i = 0; i < kScheme.size(); ++i) {
        const char ch = authorization[i];
        const char lower = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
        if (lower != kScheme[i]) return {};
    }
    std::string_view token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    return token;
}

}  // namespace awet
