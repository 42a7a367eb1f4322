#include "awet/service/http_server.hpp"

#include <httplib.h>

#include <chrono>

namespace awet {

Result<int> start_http_server(httplib::Server& server, std::thread& thread,
                              const std::string& host, int port, const std::string& what) {
    server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    const int bound = port == 0 ? server.bind_to_any_port(host)
                                : (server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        return make_error(ErrorCode::kIo, what + ": cannot listen on " + host + ":" +
                                              std::to_string(port) + " (in use, or not allowed)");
    }
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

}  // namespace awet
