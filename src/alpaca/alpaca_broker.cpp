#include "awet/alpaca/alpaca_broker.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "awet/core/log.hpp"
#include "awet/model/bracket.hpp"
#include "codec_internal.hpp"
#include "url_internal.hpp"

namespace awet::alpaca {

namespace {

using nlohmann::json;

enum class Method { kGet, kPost, kDelete };

const char* method_name(Method m) {
    switch (m) {
        case Method::kGet:
            return "GET";
        case Method::kPost:
            return "POST";
        case Method::kDelete:
            return "DELETE";
    }
    return "?";
}

/// Errors where the request certainly never left this process (no connection was made).
bool never_sent(httplib::Error e) {
    return e == httplib::Error::Connection || e == httplib::Error::BindIPAddress ||
           e == httplib::Error::ConnectionTimeout || e == httplib::Error::SSLConnection ||
           e == httplib::Error::SSLLoadingCerts || e == httplib::Error::SSLServerVerification;
}

std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

/// Alpaca's error body is {"code": 40010001, "message": "..."}; otherwise the whole body. Never
/// cut here: keys are redacted from the finished message first (Impl::redact), then it is cut, so
/// no fragment of a key survives at the cut.
std::string error_message(const std::string& body) {
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) {
        return j["message"].get<std::string>();
    }
    return body;
}

/// Longest error text kept (after redaction).
constexpr size_t kMaxErrorText = 600;

bool is_duplicate_client_id(int status, const std::string& message) {
    if (status != 422 && status != 409) return false;
    const std::string m = detail::ascii_lower(message);
    return m.find("client_order_id") != std::string::npos &&
           (m.find("unique") != std::string::npos || m.find("duplicate") != std::string::npos);
}

std::optional<int64_t> parse_int(const std::string& s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

struct AlpacaBroker::Impl {
    struct Reply {
        int status = 0;
        std::string body;
        httplib::Headers headers;
    };

    AlpacaOptions options;
    std::unique_ptr<httplib::Client> client;
    WallClock wall_clock;
    std::mutex mutex;  // the client, the bucket, the counter
    TokenBucket bucket;
    uint64_t sent = 0;

    explicit Impl(AlpacaOptions o)
        : options(std::move(o)), bucket(options.requests_per_minute, options.burst) {}

    /// Removes the keys from any text that may reach an error or a log (a server could echo
    /// request headers back), then cuts it to kMaxErrorText: redact, then cut.
    std::string redact(std::string s) const {
        for (const std::string* secret : {&options.key_id, &options.secret_key}) {
            if (secret->empty()) continue;
            for (size_t at = s.find(*secret); at != std::string::npos; at = s.find(*secret, at)) {
                s.replace(at, secret->size(), "***");
                at += 3;
            }
        }
        if (s.size() > kMaxErrorText) {
            s.resize(kMaxErrorText);
            s += "...";
        }
        return s;
    }

    int64_t now_ms() const {
        if (options.monotonic_ms) return options.monotonic_ms();
        return monotonic_ns() / 1'000'000;
    }
    void sleep(int64_t ms) const {
        if (ms <= 0) return;
        if (options.sleep_ms) {
            options.sleep_ms(ms);
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        }
    }

    /// How long a 429 asks us to wait: Retry-After (seconds), else X-RateLimit-Reset (epoch
    /// seconds), else exponential from default_backoff_ms; capped at max_backoff_ms.
    int64_t backoff_ms(const Reply& r, int attempt) const {
        int64_t wait = -1;
        auto header = [&](const char* name) -> std::string {
            auto it = r.headers.find(name);
            return it == r.headers.end() ? std::string{} : it->second;
        };
        if (auto s = parse_int(header("Retry-After"))) {
            wait = *s * 1000;
        } else if (auto reset = parse_int(header("X-RateLimit-Reset"))) {
            const Clock& c = options.clock != nullptr ? *options.clock : wall_clock;
            wait = std::max<int64_t>(0, (*reset * 1'000'000'000 - c.now().ns()) / 1'000'000);
        }
        if (wait < 0) wait = options.default_backoff_ms << std::min(attempt, 16);
        return std::clamp<int64_t>(wait, 0, options.max_backoff_ms);
    }

    /// One logical request: token bucket, then send, retrying only on 429. `may_land`: a
    /// transport failure after connecting is kOutcomeUnknown rather than kIo.
    Result<Reply> send(Method method, const std::string& path, const std::string& body,
                       bool may_land) {
        std::lock_guard lock(mutex);
        const std::string what = std::string("alpaca ") + method_name(method) + " " + path;
        for (int attempt = 0;; ++attempt) {
            sleep(bucket.reserve(now_ms()));
            ++sent;
            httplib::Result res = method == Method::kGet ? client->Get(path.c_str())
                                  : method == Method::kPost
                                      ? client->Post(path.c_str(), body, "application/json")
                                      : client->Delete(path.c_str());
            if (!res) {
                const bool unknown = may_land && !never_sent(res.error());
                return make_error(unknown ? ErrorCode::kOutcomeUnknown : ErrorCode::kIo,
                                  redact(what + ": " + httplib::to_string(res.error()) +
                                         (unknown ? " (the request may have been accepted)" : "")));
            }
            Reply reply{res->status, res->body, res->headers};
            if (reply.status == 429 && attempt < options.max_429_retries) {
                const int64_t wait = backoff_ms(reply, attempt);
                logger("alpaca")->warn("{}: HTTP 429, retry {} in {} ms", what, attempt + 1, wait);
                sleep(wait);
                continue;
            }
            return reply;
        }
    }

    /// A non-2xx reply as an error: 404 kNotFound, otherwise kBroker with Alpaca's message.
    Error http_error(Method method, const std::string& path, const Reply& r) const {
        const ErrorCode code = r.status == 404 ? ErrorCode::kNotFound : ErrorCode::kBroker;
        return make_error(
            code, redact(std::string("alpaca ") + method_name(method) + " " + path + ": HTTP " +
                         std::to_string(r.status) + ": " + error_message(r.body)));
    }

    /// GET/DELETE returning the body on 2xx.
    Result<std::string> fetch(Method method, const std::string& path) {
        auto r = send(method, path, {}, false);
        if (!r.ok()) return r.error();
        if (r->status < 200 || r->status >= 300) return http_error(method, path, *r);
        return std::move(r->body);
    }

    Error in(const std::string& path, const Error& e) const {
        return make_error(e.code, redact("alpaca " + path + ": " + e.message));
    }
};

Result<AlpacaOptions> options_from_env(AlpacaOptions base) {
    const char* key = std::getenv("ALPACA_API_KEY");
    const char* secret = std::getenv("ALPACA_API_SECRET");
    if (key == nullptr || *key == '\0') {
        return make_error(ErrorCode::kInvalidArgument, "alpaca: ALPACA_API_KEY is not set");
    }
    if (secret == nullptr || *secret == '\0') {
        return make_error(ErrorCode::kInvalidArgument, "alpaca: ALPACA_API_SECRET is not set");
    }
    base.key_id = key;
    base.secret_key = secret;
    return base;
}

Result<std::unique_ptr<AlpacaBroker>> AlpacaBroker::create(AlpacaOptions options) {
    if (Status guard = check_paper_url(options.base_url); !guard.ok()) return guard.error();
    if (options.key_id.empty() || options.secret_key.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca: API key id and secret are required (ALPACA_API_KEY, "
                          "ALPACA_API_SECRET)");
    }
    auto impl = std::make_unique<Impl>(std::move(options));
    std::string url = impl->options.base_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    impl->client = std::make_unique<httplib::Client>(url);
    if (!impl->client->is_valid()) {
        return make_error(ErrorCode::kInvalidArgument, "alpaca: cannot use base URL '" + url + "'");
    }
    const auto ms = std::chrono::milliseconds(impl->options.timeout_ms);
    impl->client->set_connection_timeout(ms);
    impl->client->set_read_timeout(ms);
    impl->client->set_write_timeout(ms);
    impl->client->set_keep_alive(true);
    impl->client->set_default_headers({{"APCA-API-KEY-ID", impl->options.key_id},
                                       {"APCA-API-SECRET-KEY", impl->options.secret_key},
                                       {"Accept", "application/json"}});
    return std::unique_ptr<AlpacaBroker>(new AlpacaBroker(std::move(impl)));
}

AlpacaBroker::AlpacaBroker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AlpacaBroker::~AlpacaBroker() = default;

uint64_t AlpacaBroker::requests_sent() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->sent;
}

Result<BrokerOrder> AlpacaBroker::submit(const OrderRequest& request) {
    const std::string_view cid = request.client_order_id.view();
    if (cid.empty())
        return make_error(ErrorCode::kInvalidArgument, "alpaca submit: empty client_order_id");
    if (cid.size() > kMaxClientOrderIdLen) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca submit: client_order_id longer than 128 chars");
    }
    if (request.symbol.empty())
        return make_error(ErrorCode::kInvalidArgument, "alpaca submit: empty symbol");
    if (request.qty <= Quantity{}) {
        return make_error(ErrorCode::kInvalidArgument,
                          "alpaca submit " + std::string(cid) + ": qty must be positive");
    }
    json body = {{"symbol", request.symbol.str()},
                 {"qty", request.qty.to_string()},
                 {"side", request.side == Side::kBuy ? "buy" : "sell"},
                 {"type", "market"},
                 {"time_in_force", "day"},
                 {"client_order_id", std::string(cid)}};
    if (request.bracket) {
        if (!bracket_leg_key(request.client_order_id, BracketLeg::kTakeProfit)) {
            return make_error(ErrorCode::kInvalidArgument,
                              "alpaca submit " + std::string(cid) +
                                  ": client_order_id too long to name bracket legs");
        }
        // A market entry with an OCO pair of exits (Alpaca's bracket order class).
        body["order_class"] = "bracket";
        body["take_profit"] = {{"limit_price", request.bracket->take_profit_limit.to_string()}};
        body["stop_loss"] = {{"stop_price", request.bracket->stop_loss_stop.to_string()}};
    }
    const std::string path = "/v2/orders";
    auto r = impl_->send(Method::kPost, path, body.dump(), /*may_land=*/true);
    if (!r.ok()) {
        logger("alpaca")->warn("order {}: {}", cid, r.error().message);
        return r.error();
    }
    const std::string what = "alpaca POST /v2/orders " + std::string(cid);
    if (r->status >= 200 && r->status < 300) {
        auto order = parse_order(r->body);
        if (!order.ok()) {
            // Accepted, but unreadable: the order exists; its state is unknown here.
            return make_error(
                ErrorCode::kOutcomeUnknown,
                impl_->redact(what + ": accepted, answer unreadable: " + order.error().message));
        }
        return order;
    }
    if (r->status >= 500) {
        logger("alpaca")->warn("{}: HTTP {}, outcome unknown", what, r->status);
        return make_error(ErrorCode::kOutcomeUnknown,
                          impl_->redact(what + ": HTTP " + std::to_string(r->status) + ": " +
                                        error_message(r->body) +
                                        " (the order may exist; settle by client order id)"));
    }
    const std::string message = error_message(r->body);
    if (is_duplicate_client_id(r->status, message)) {
        // Our key already names an order there (an earlier attempt landed): that order is the
        // answer, never a second one.
        auto existing = get_order(cid);
        if (existing.ok()) return existing;
        return make_error(
            ErrorCode::kOutcomeUnknown,
            impl_->redact(what + ": duplicate client_order_id, but the lookup failed: " +
                          existing.error().message));
    }
    if (r->status == 429) {
        return make_error(
            ErrorCode::kBroker,
            impl_->redact(what + ": HTTP 429 rate limited (not accepted), retries exhausted"));
    }
    return make_error(ErrorCode::kBroker,
                      impl_->redact(what + ": HTTP " + std::to_string(r->status) + ": " + message));
}

Result<BrokerOrder> AlpacaBroker::get_order(std::string_view client_order_id) {
    if (const std::optional<BracketLegRef> leg = parse_bracket_leg_key(client_order_id)) {
        // A leg: Alpaca names it itself; it is found through its parent (nested, when the
        // lookup by client id did not list the legs).
        auto parent = get_order(leg->parent.view());
        if (!parent.ok()) return parent.error();
        if (parent->legs.empty()) {
            parent = get_order_by_id(parent->broker_order_id, /*nested=*/true);
            if (!parent.ok()) return parent.error();
        }
        for (const BrokerOrder& l : parent->legs) {
            if (l.client_order_id == client_order_id) return l;
        }
        return make_error(ErrorCode::kNotFound, "alpaca: order " + leg->parent.str() + " has no " +
                                                    std::string(bracket_leg_suffix(leg->leg)) +
                                                    " leg");
    }
    const std::string path =
        "/v2/orders:by_client_order_id?client_order_id=" + url_encode(client_order_id);
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto order = parse_order(*body);
    if (!order.ok()) return impl_->in(path, order.error());
    return order;
}

Result<BrokerOrder> AlpacaBroker::get_order_by_id(std::string_view broker_order_id, bool nested) {
    const std::string path =
        "/v2/orders/" + url_encode(broker_order_id) + (nested ? "?nested=true" : "");
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto order = parse_order(*body);
    if (!order.ok()) return impl_->in(path, order.error());
    return order;
}

Status AlpacaBroker::cancel(std::string_view client_order_id) {
    auto order = get_order(client_order_id);
    if (!order.ok()) return order.error();
    return cancel_by_id(order->broker_order_id);
}

Status AlpacaBroker::cancel_by_id(std::string_view broker_order_id) {
    auto body = impl_->fetch(Method::kDelete, "/v2/orders/" + url_encode(broker_order_id));
    if (!body.ok()) return body.error();
    return Status::Ok();
}

Result<std::vector<BrokerOrder>> AlpacaBroker::open_orders() {
    const std::string path = "/v2/orders?status=open&limit=500&direction=asc";
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto orders = parse_orders(*body);
    if (!orders.ok()) return impl_->in(path, orders.error());
    return orders;
}

Result<std::vector<BrokerPosition>> AlpacaBroker::positions() {
    const std::string path = "/v2/positions";
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto out = parse_positions(*body);
    if (!out.ok()) return impl_->in(path, out.error());
    return out;
}

Result<BrokerAccount> AlpacaBroker::account() {
    const std::string path = "/v2/account";
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto out = parse_account(*body);
    if (!out.ok()) return impl_->in(path, out.error());
    return out;
}

Result<MarketClock> AlpacaBroker::clock() {
    const std::string path = "/v2/clock";
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto out = parse_clock(*body);
    if (!out.ok()) return impl_->in(path, out.error());
    return out;
}

Result<std::vector<CalendarDay>> AlpacaBroker::calendar(std::string_view from,
                                                        std::string_view to) {
    const std::string path = "/v2/calendar?start=" + url_encode(from) + "&end=" + url_encode(to);
    auto body = impl_->fetch(Method::kGet, path);
    if (!body.ok()) return body.error();
    auto out = parse_calendar(*body);
    if (!out.ok()) return impl_->in(path, out.error());
    return out;
}

}  // namespace awet::alpaca
