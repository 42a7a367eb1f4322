#pragma once
// WsClient: the reconnecting WebSocket client under TradeUpdatesStream and BarStream. Private to
// src/alpaca (Boost.Beast stays out of every header).
//
// One background thread runs a private io_context: connect (TLS with SNI and host-name
// verification for wss://), WebSocket handshake, send the protocol's auth message, read until the
// protocol calls a reply authorized / refused (fatal) / failed (reconnect) or auth_timeout_ms
// passes, send the protocol's subscribe/listen messages, then read and queue what the protocol
// wants queued. Any transport error or close: reconnect with jittered exponential back-off (reset
// after a connection that got authorized), up to max_reconnects. Every error text is scrubbed of
// both keys. What differs between Alpaca's streams is a small WsProtocol object.
#include <memory>
#include <string>
#include <vector>

#include "awet/alpaca/stream_common.hpp"
#include "awet/core/result.hpp"
#include "url_internal.hpp"

namespace awet::alpaca::detail {

/// Where to connect.
struct WsTarget {
    bool tls = false;
    std::string host;  // without brackets for IPv6
    std::string port;
    std::string host_header;  // host[:port], the port left out when it is the scheme's default
    std::string path;         // "/stream", "/v2/iex"
    std::string url;          // ws(s)://host_header + path (no keys)
};
/// The target for accepted URL parts: https/wss mean TLS; `path` replaces the URL's.
WsTarget make_target(const UrlParts& parts, std::string path);

enum class WsVerdict {
    kSkip,        // a control message: not queued (during auth: keep waiting)
    kQueue,       // hand to the caller through drain()
    kAuthorized,  // during auth: authenticated, go on to subscribe
    kFatal,       // refused for good: stop, never reconnect; `why` says so
    kRetry,       // drop this connection and reconnect; `why` says why
};
struct WsReply {
    WsVerdict verdict = WsVerdict::kSkip;
    std::string why;  // for kFatal/kRetry; for kSkip/kQueue a non-empty why is kept as last_error
};

class WsProtocol {
public:
    virtual ~WsProtocol() = default;
    /// The authentication message (it carries the keys).
    virtual std::string auth_message() const = 0;
    /// A message received while authenticating.
    virtual WsReply on_auth_reply(const std::string& message) const = 0;
    /// Sent once authorized, in order (listen / subscribe); the phase name for errors.
    virtual std::vector<std::string> subscribe_messages() const = 0;
    virtual const char* subscribe_phase() const = 0;
    /// A message received once subscribed.
    virtual WsReply on_message(const std::string& message) const = 0;
    virtual const char* user_agent() const = 0;
};

/// Up to 200 bytes of a message, for error texts (the client scrubs keys from every error).
std::string excerpt(const std::string& message);

class WsClient {
public:
    /// kInvalidArgument when a key is missing or the back-off settings are not positive; kIo when
    /// TLS cannot be set up. The URL must have passed the caller's guard.
    static Result<std::unique_ptr<WsClient>> create(WsTarget target, StreamConnectOptions options,
                                                    std::unique_ptr<WsProtocol> protocol);
    ~WsClient();  // stop()
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    Status start();
    void stop();
    std::vector<std::string> drain();
    StreamStatus status() const;
    const std::string& url() const;

private:
    struct Impl;
    explicit WsClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace awet::alpaca::detail
