#pragma once
// Starting and stopping a cpp-httplib server on its own thread, the same way for every AWET HTTP
// face (agent /health + /metrics, the simulated venue).
#include <string>
#include <thread>

#include "awet/core/result.hpp"

namespace httplib {
class Server;
}

namespace awet {

/// Binds host:port (0: any free port) with SO_REUSEADDR only — cpp-httplib's default adds
/// SO_REUSEPORT, which would let a second process silently share the port instead of failing —
/// runs the accept loop on `thread` and waits until it runs (a stop() right after could otherwise
/// be lost). Returns the bound port; the error names `what` and the address.
Result<int> start_http_server(httplib::Server& server, std::thread& thread,
                              const std::string& host, int port, const std::string& what);
/// Stops the accept loop and joins the thread (no-op when not running).
void stop_http_server(httplib::Server& server, std::thread& thread);

}  // namespace awet
