// TradeUpdatesStream: the trade_updates protocol over the shared reconnecting WebSocket client
// (ws_client.hpp). See trade_stream.hpp.
#include "awet/alpaca/trade_stream.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "url_internal.hpp"
#include "ws_client.hpp"

namespace awet::alpaca {

using json = nlohmann::json;

namespace {

// ws(s):// given as the base: map to http(s) for the guard.
std::string to_http(std::string_view base) {
    const std::string l = detail::ascii_lower(base.substr(0, 6));
    if (l.rfind("wss://", 0) == 0) return "https://" + std::string(base.substr(6));
    if (l.rfind("ws://", 0) == 0) return "http://" + std::string(base.substr(5));
    return std::string(base);
}

// The path of a ws(s) base ("/stream") is dropped before the guard sees it.
std::string strip_stream_path(std::string base) {
    const std::string l = detail::ascii_lower(base);
    if (l.rfind("ws", 0) == 0) {
        const size_t sep = base.find("://");
        const size_t slash = sep == std::string::npos ? std::string::npos : base.find('/', sep + 3);
        if (slash != std::string::npos && base.substr(slash) == "/stream") base.resize(slash);
    }
    return base;
}

/// The guarded target for a base URL: kSafetyBlocked as check_paper_url.
Result<detail::WsTarget> trade_target(std::string_view base_url) {
    const std::string http = to_http(strip_stream_path(std::string(base_url)));
    if (Status s = check_paper_url(http); !s.ok()) return s.error();
    return detail::make_target(detail::split_url(http), "/stream");
}

/// {"stream":"authorization","data":{"status":...}}: the status word, or nullopt for another
/// message.
std::optional<std::string> authorization_status(const json& j) {
    if (!j.is_object() || j.value("stream", "") != "authorization" || !j.contains("data") ||
        !j["data"].is_object()) {
        return std::nullopt;
    }
    const json& d = j["data"];
    return d.contains("status") && d["status"].is_string() ? d["status"].get<std::string>() : "";
}

class TradeUpdatesProtocol final : public detail::WsProtocol {
public:
    TradeUpdatesProtocol(std::string key, std::string secret)
        : key_(std::move(key)), secret_(std::move(secret)) {}

    std::string auth_message() const override {
        return json{{"action", "authenticate"},
                    {"data", {{"key_id", key_}, {"secret_key", secret_}}}}
            .dump();
    }
    detail::WsReply on_auth_reply(const std::string& msg) const override {
        const json j = json::parse(msg, nullptr, false);
        if (auto status = authorization_status(j)) {
            if (*status == "authorized") return {detail::WsVerdict::kAuthorized, ""};
            return {detail::WsVerdict::kFatal,
                    "authentication refused ('" + detail::excerpt(status->empty() ? msg : *status) +
                        "'); check ALPACA_API_KEY / ALPACA_API_SECRET; not reconnecting"};
        }
        if (j.is_object() && j.value("stream", "") == "trade_updates")
            return {detail::WsVerdict::kQueue, ""};
        return {detail::WsVerdict::kSkip, ""};
    }
    std::vector<std::string> subscribe_messages() const override {
        return {json{{"action", "listen"}, {"data", {{"streams", json::array({"trade_updates"})}}}}
                    .dump()};
    }
    const char* subscribe_phase() const override { return "listen"; }
    detail::WsReply on_message(const std::string& msg) const override {
        const json j = json::parse(msg, nullptr, false);
        if (j.is_object()) {
            if (j.value("stream", "") == "listening") return {detail::WsVerdict::kSkip, ""};
            if (auto status = authorization_status(j)) {
                if (*status != "authorized") {
                    return {detail::WsVerdict::kFatal, "authorization revoked ('" +
                                                           detail::excerpt(*status) +
                                                           "'); not reconnecting"};
                }
                return {detail::WsVerdict::kSkip, ""};
            }
        }
        return {detail::WsVerdict::kQueue, ""};
    }
    const char* user_agent() const override { return "awet-trade-stream"; }

private:
    std::string key_, secret_;
};

}  // namespace

TradeStreamOptions trade_stream_options(const AlpacaOptions& rest) {
    TradeStreamOptions o;
    o.base_url = rest.base_url;
    o.key_id = rest.key_id;
    o.secret_key = rest.secret_key;
    o.connect_timeout_ms = rest.timeout_ms;
    o.auth_timeout_ms = rest.timeout_ms;
    return o;
}

Result<std::string> trade_stream_url(std::string_view base_url) {
    auto target = trade_target(base_url);
    if (!target.ok()) return target.error();
    return target->url;
}

int64_t trade_stream_backoff_ms(const TradeStreamOptions& o, int attempt, double r) {
    return stream_backoff_ms(o, attempt, r);
}

Result<std::unique_ptr<TradeUpdatesStream>> TradeUpdatesStream::create(TradeStreamOptions options) {
    auto target = trade_target(options.base_url);
    if (!target.ok()) return target.error();
    auto protocol = std::make_unique<TradeUpdatesProtocol>(options.key_id, options.secret_key);
    auto client =
        detail::WsClient::create(std::move(*target), std::move(options), std::move(protocol));
    if (!client.ok()) return client.error();
    return std::unique_ptr<TradeUpdatesStream>(new TradeUpdatesStream(std::move(*client)));
}

}  // namespace awet::alpaca
