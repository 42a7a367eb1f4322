#pragma once
// Every AWET HTTP face (agent /health + /metrics, the simulated venue) is a cpp-httplib server made
// by make_http_server() and run by start_http_server(), so each one gets the same limits: a
// client that trickles its headers, idles on a keep-alive connection, sends a huge or unbounded
// body or opens many connections cannot take the server away from everyone else (issue 11,
// defect 5).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "awet/core/result.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace awet {

/// What one client may take from an AWET HTTP server.
struct HttpServerLimits {
    /// The request line and headers must have arrived this long after the connection was
    /// accepted (its first request) or after the first byte of a later request on it.
    std::chrono::milliseconds header_timeout{2000};
    /// The whole body, from the end of the headers.
    std::chrono::milliseconds body_timeout{5000};
    /// A keep-alive connection idle longer than this between two requests is closed.
    std::chrono::milliseconds idle_timeout{5000};
    /// One write of a response to a client that does not read.
    std::chrono::milliseconds write_timeout{5000};
    size_t max_header_bytes = 16 * 1024;  // request line + headers
    size_t max_body_bytes = 64 * 1024;    // larger: 413 before any of it is read
    size_t max_uri_bytes = 2048;          // longer: 414
    size_t max_requests_per_connection = 100;
    /// Connections served at once, one thread each (threads start on demand). A connection
    /// beyond it closes the oldest one that is idle or still sending its request, so a flood of
    /// slow or idle clients cannot keep a probe of /health out; when every connection is busy
    /// handling a request it waits in a queue of the same length, and beyond that gets 503.
    size_t max_connections = 32;
};

/// Runs on every request once its headers are in, before its body is read (and before routing):
/// false refuses it with the response the guard filled in; the connection is then closed. Runs on
/// the server's threads.
using HttpRequestGuard = std::function<bool(const httplib::Request&, httplib::Response&)>;

struct HttpServerOptions {
    HttpServerLimits limits;
    HttpRequestGuard guard;
    /// Told of every request or connection the limits refused, by reason: "header_timeout",
    /// "body_timeout", "header_too_large", "too_large", "length_required",
    /// "unsupported_encoding", "uri_too_long", "bad_request", "evicted", "busy". For a metric;
    /// runs on the server's threads.
    std::function<void(std::string_view reason)> on_refused;
};

/// A cpp-httplib server with the limits applied. It owns its connection handling (cpp-httplib
/// 0.11's own lets a client hold a worker for as long as it trickles bytes, reads a body of any
/// size to its end before answering 413 and decompresses bodies without a bound), so: do not
/// replace its pre-routing or 100-continue handlers, nor its task queue.
std::unique_ptr<httplib::Server> make_http_server(HttpServerOptions options = {});

/// Binds host:port (0: any free port) with SO_REUSEADDR only — cpp-httplib's default adds
/// SO_REUSEPORT, which would let a second process silently share the port instead of failing —
/// runs the accept loop on `thread` and waits until it runs (a stop() right after could otherwise
/// be lost). Returns the bound port; the error names `what` and the address.
Result<int> start_http_server(httplib::Server& server, std::thread& thread, const std::string& host,
                              int port, const std::string& what);
/// Stops the accept loop, closes every connection and joins the thread (no-op when not running).
void stop_http_server(httplib::Server& server, std::thread& thread);

/// Equality of two secrets in time that depends on their lengths only, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);
/// The credentials of an "Authorization: Bearer <token>" value (scheme case-insensitive); empty
/// when the value is not of that form.
std::string_view bearer_token(std::string_view authorization);

}  // namespace awet
