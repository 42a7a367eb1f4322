#pragma once
// Raw loopback sockets for the HTTP hardening tests (tests/service, tests/venue): clients that
// trickle a request's headers and never finish them, a request written by hand and read back
// with a deadline, and the process' resident memory.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace awet::testing {

inline int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline bool send_all(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

/// Reads one response (headers and a Content-Length body) until it is in, EOF, or `timeout`;
/// returns what arrived.
inline std::string read_response(int fd, std::chrono::milliseconds timeout) {
    std::string in;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos) {
            size_t body = 0;
            const size_t at = in.find("Content-Length: ");
            if (at != std::string::npos && at < end) body = std::stoul(in.substr(at + 16));
            if (in.size() >= end + 4 + body) return in;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return in;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return in;
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return in;
        in.append(buf, static_cast<size_t>(n));
    }
}

/// A line of /proc/self/status in KiB ("VmRSS", "VmHWM").
inline long status_kib(const std::string& key) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
    }
    return -1;
}

/// Resident memory now (KiB), and the peak since then resets to it (writing 5 to clear_refs).
inline long resident_kib_resetting_peak() {
    std::ofstream("/proc/self/clear_refs") << "5";
    return status_kib("VmRSS");
}
/// The highest resident memory (KiB) since the last reset: a buffer that was filled and freed
/// again still shows.
inline long peak_resident_kib() { return status_kib("VmHWM"); }

/// `n` connections that each send `request_line` and then one byte of a header line every
/// `every`, never ending it: the slow-header ("slowloris") client. Records when the server
/// closed each one.
class SlowClients {
public:
    SlowClients(int port, int n, std::chrono::milliseconds every = std::chrono::milliseconds(100),
                std::string request_line = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        : start_(std::chrono::steady_clock::now()), every_(every) {
        for (int i = 0; i < n; ++i) {
            const int fd = connect_loopback(port);
            if (fd < 0) continue;
            send_all(fd, request_line);
            fds_.push_back(fd);
            closed_at_.push_back(-1);
        }
        thread_ = std::thread([this] { run(); });
    }
    ~SlowClients() {
        stop_ = true;
        thread_.join();
        for (int fd : fds_) {
            if (fd >= 0) ::close(fd);
        }
    }
    size_t connected() const { return closed_at_.size(); }
    /// Waits up to `timeout` until the server has closed every connection; then seconds from
    /// the start to each close (-1: still open).
    std::vector<double> wait_closed(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline && open() > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        std::lock_guard lock(mutex_);
        return closed_at_;
    }
    size_t open() {
        std::lock_guard lock(mutex_);
        size_t n = 0;
        for (double t : closed_at_) n += t < 0 ? 1 : 0;
        return n;
    }

private:
    void run() {
        while (!stop_) {
            for (size_t i = 0; i < fds_.size(); ++i) {
                {
                    std::lock_guard lock(mutex_);
                    if (closed_at_[i] >= 0) continue;
                }
                bool closed = false;
                pollfd p{fds_[i], POLLIN, 0};
                if (::poll(&p, 1, 0) > 0) {
                    char buf[4096];  // an answer (400, 503) or the end of the connection
                    const ssize_t n = ::recv(fds_[i], buf, sizeof buf, MSG_DONTWAIT);
                    closed = n <= 0;
                }
                if (!closed) closed = ::send(fds_[i], "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0;
                if (closed) {
                    std::lock_guard lock(mutex_);
                    closed_at_[i] =
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
                            .count();
                }
            }
            std::this_thread::sleep_for(every_);
        }
    }

    const std::chrono::steady_clock::time_point start_;
    const std::chrono::milliseconds every_;
    std::vector<int> fds_;
    std::mutex mutex_;
    std::vector<double> closed_at_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace awet::testing
