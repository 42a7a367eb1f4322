// BarStream: the market-data v2 protocol over the shared reconnecting WebSocket client
// (ws_client.hpp), and the pure parser of its messages. See bar_stream.hpp.
#include "awet/alpaca/bar_stream.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "awet/marketdata/bar_parsers.hpp"
#include "url_internal.hpp"
#include "ws_client.hpp"

namespace awet::alpaca {

using json = nlohmann::json;

namespace {

constexpr std::string_view kStreamHost = "stream.data.alpaca.markets";

Error blocked(std::string_view url, const std::string& why) {
    return make_error(ErrorCode::kSafetyBlocked,
                      "alpaca market data: stream URL '" + std::string(url) + "' refused (" + why +
                          "): AWET only connects to " + std::string(kMarketDataStreamBase) +
                          " or a loopback test server");
}

Result<std::string> checked_feed(std::string_view feed) {
    const std::string f = detail::ascii_lower(feed);
    if (f != "iex" && f != "sip") {
        return make_error(
            ErrorCode::kInvalidArgument,
            "alpaca market data: feed '" + std::string(feed) + "' is not one of iex, sip");
    }
    return f;
}

/// The guarded target: ws(s)://host[:port]/v2/<feed>.
Result<detail::WsTarget> bar_target(std::string_view base_url, std::string_view feed) {
    const detail::UrlParts u = detail::split_url(base_url);
    if (u.error == "no scheme") return blocked(base_url, u.error);
    if (u.scheme != "ws" && u.scheme != "wss") return blocked(base_url, "scheme is not ws(s)");
    if (!u.error.empty()) return blocked(base_url, u.error);
    if (!detail::is_loopback_host(u.host)) {
        if (u.host != kStreamHost) {
            return blocked(base_url,
                           "host '" + u.host + "' is not Alpaca's market-data stream host");
        }
        if (u.scheme != "wss") return blocked(base_url, "the market-data host needs wss");
        if (!u.port.empty() && u.port != "443") return blocked(base_url, "unexpected port");
    }
    if (!u.path.empty() && u.path != "/") {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca market data: stream URL '" + std::string(base_url) +
                              "' has a path; give the host only (the feed picks /v2/<feed>)");
    }
    auto f = checked_feed(feed);
    if (!f.ok()) return f.error();
    return detail::make_target(u, "/v2/" + *f);
}

/// The "T" of an object, "" when it has none.
std::string type_of(const json& o) {
    if (!o.is_object()) return "";
    auto t = o.find("T");
    return t != o.end() && t->is_string() ? t->get<std::string>() : "";
}

/// A stream message as a list of objects (a lone object is a list of one); nullopt if not JSON.
std::optional<json> as_list(std::string_view message) {
    json doc = json::parse(message.begin(), message.end(), nullptr, false);
    if (doc.is_discarded()) return std::nullopt;
    if (doc.is_object()) return json::array({std::move(doc)});
    return doc;
}

int64_t error_code(const json& o) {
    auto c = o.find("code");
    return c != o.end() && c->is_number_integer() ? c->get<int64_t>() : 0;
}

std::string error_text(const json& o) {
    auto m = o.find("msg");
    return "error " + std::to_string(error_code(o)) + " '" +
           (m != o.end() && m->is_string() ? m->get<std::string>() : std::string()) + "'";
}

class BarsProtocol final : public detail::WsProtocol {
public:
    BarsProtocol(std::string key, std::string secret, std::string feed,
                 std::vector<std::string> symbols)
        : key_(std::move(key)),
          secret_(std::move(secret)),
          feed_(std::move(feed)),
          symbols_(std::move(symbols)) {}

    std::string auth_message() const override {
        return json{{"action", "auth"}, {"key", key_}, {"secret", secret_}}.dump();
    }
    detail::WsReply on_auth_reply(const std::string& msg) const override {
        const auto list = as_list(msg);
        if (!list || !list->is_array()) return {detail::WsVerdict::kSkip, ""};
        for (const json& o : *list) {
            const std::string type = type_of(o);
            if (type == "success" && o.value("msg", "") == "authenticated")
                return {detail::WsVerdict::kAuthorized, ""};
            if (type == "error") return refusal(o, true);
        }
        return {detail::WsVerdict::kSkip, ""};  // "connected", or anything before the answer
    }
    std::vector<std::string> subscribe_messages() const override {
        return {json{{"action", "subscribe"}, {"bars", symbols_}}.dump()};
    }
    const char* subscribe_phase() const override { return "subscribe"; }
    detail::WsReply on_message(const std::string& msg) const override {
        const auto list = as_list(msg);
        if (!list || !list->is_array()) return {detail::WsVerdict::kQueue, ""};  // parser says why
        bool data = false;
        for (const json& o : *list) {
            const std::string type = type_of(o);
            if (type == "error") {
                detail::WsReply r = refusal(o, false);
                if (r.verdict == detail::WsVerdict::kFatal) return r;
                return {detail::WsVerdict::kSkip, r.why};
            }
            if (type != "success" && type != "subscription") data = true;
        }
        return {data ? detail::WsVerdict::kQueue : detail::WsVerdict::kSkip, ""};
    }
    const char* user_agent() const override { return "awet-bar-stream"; }

private:
    /// What an {"T":"error"} means: fatal for the refusals that a reconnect cannot cure.
    detail::WsReply refusal(const json& o, bool authenticating) const {
        const std::string what = error_text(o);
        switch (error_code(o)) {
            case 402:
                return {detail::WsVerdict::kFatal,
                        "authentication refused (" + what +
                            "); check ALPACA_API_KEY / ALPACA_API_SECRET; not reconnecting"};
            case 406:
                return {detail::WsVerdict::kFatal,
                        "connection limit exceeded (" + what +
                            "): another client is connected with these keys and Alpaca allows "
                            "one market-data connection; not reconnecting"};
            case 409:
                return {detail::WsVerdict::kFatal, "insufficient subscription (" + what +
                                                       ") for feed '" + feed_ +
                                                       "': use feed iex or a plan that includes " +
                                                       feed_ + "; not reconnecting"};
            case 405:
                return {detail::WsVerdict::kFatal, "symbol limit exceeded (" + what +
                                                       "); subscribe fewer symbols; "
                                                       "not reconnecting"};
            case 410:
                return {detail::WsVerdict::kFatal, "invalid subscribe action for feed '" + feed_ +
                                                       "' (" + what + "); not reconnecting"};
            default:
                return {authenticating ? detail::WsVerdict::kRetry : detail::WsVerdict::kSkip,
                        "server " + what + (authenticating ? " while authenticating" : "")};
        }
    }

    std::string key_, secret_, feed_;
    std::vector<std::string> symbols_;
};

/// Types Alpaca's market-data stream documents; anything else gets a note.
bool known_type(const std::string& t) {
    static const std::set<std::string> kKnown = {"t", "q", "d", "s",       "u",
                                                 "l", "c", "x", "success", "subscription"};
    return kKnown.contains(t);
}

}  // namespace

BarStreamOptions bar_stream_options(const AlpacaOptions& rest, std::vector<std::string> symbols,
                                    std::string feed) {
    BarStreamOptions o;
    o.key_id = rest.key_id;
    o.secret_key = rest.secret_key;
    o.connect_timeout_ms = rest.timeout_ms;
    o.auth_timeout_ms = rest.timeout_ms;
    o.symbols = std::move(symbols);
    o.feed = std::move(feed);
    return o;
}

Result<std::string> bar_stream_url(std::string_view base_url, std::string_view feed) {
    auto target = bar_target(base_url, feed);
    if (!target.ok()) return target.error();
    return target->url;
}

Result<StreamBars> parse_stream_bars(std::string_view message, const BarLimits& limits) {
    const auto list = as_list(message);
    if (!list) {
        return make_error(ErrorCode::kParse, "alpaca stream message: malformed JSON: " +
                                                 detail::excerpt(std::string(message)));
    }
    if (!list->is_array()) {
        return make_error(ErrorCode::kParse, "alpaca stream message: not an array of objects: " +
                                                 detail::excerpt(std::string(message)));
    }
    StreamBars out;
    for (size_t i = 0; i < list->size(); ++i) {
        const json& o = (*list)[i];
        const std::string path = std::string(1, '[').append(std::to_string(i)).append("]");
        const std::string type = type_of(o);
        if (type.empty()) {
            ++out.skipped["unknown"];
            out.notes.push_back(path + ": no string \"T\": " + detail::excerpt(o.dump()));
            continue;
        }
        if (type != "b") {
            ++out.skipped[type];
            if (type == "error") {
                out.notes.push_back(path + ": server " + error_text(o));
            } else if (!known_type(type)) {
                out.notes.push_back(path + ": unknown message type '" + type + "'");
            }
            continue;
        }
        auto s = o.find("S");
        if (s == o.end() || !s->is_string()) {
            ++out.malformed;
            out.notes.push_back(std::string("alpaca stream message: ")
                                    .append(path)
                                    .append(".S: missing or not a string"));
            continue;
        }
        auto bar = marketdata::parse_alpaca_bar(
            o.dump(), s->get<std::string>(), Duration::minutes(1), "stream message", path, limits);
        if (!bar.ok()) {
            ++out.malformed;
            out.notes.push_back(bar.error().message);
            continue;
        }
        out.bars.push_back(*bar);
    }
    return out;
}

Result<std::unique_ptr<BarStream>> BarStream::create(BarStreamOptions options) {
    auto target = bar_target(options.base_url, options.feed);
    if (!target.ok()) return target.error();
    if (options.symbols.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca market data: no symbols to subscribe to");
    }
    for (const std::string& s : options.symbols) {
        if (s.empty() || s.size() > 15) {
            return make_error(
                ErrorCode::kInvalidArgument,
                "alpaca market data: symbol '" + s + "' is empty or longer than 15 bytes");
        }
    }
    auto feed = checked_feed(options.feed);
    if (!feed.ok()) return feed.error();
    auto protocol =
        std::make_unique<BarsProtocol>(options.key_id, options.secret_key, *feed, options.symbols);
    auto client =
        detail::WsClient::create(std::move(*target), std::move(options), std::move(protocol));
    if (!client.ok()) return client.error();
    return std::unique_ptr<BarStream>(new BarStream(std::move(*client)));
}

}  // namespace awet::alpaca
