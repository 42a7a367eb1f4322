#include <httplib.h>

#include <cstdlib>

#include "awet/core/secrets.hpp"
#include "awet/venue/venue.hpp"
#include "venue_codec.hpp"

namespace awet {
namespace {

using nlohmann::json;

}  // namespace

struct RemoteBroker::Impl {
    RemoteBrokerOptions options;
    std::unique_ptr<httplib::Client> client;

    /// One request; the error names the method, the path and the status or transport error.
    /// `sent_may_have_landed`: a transport failure is kOutcomeUnknown rather than kIo.
    Result<json> call(const std::string& method, const std::string& path,
                      const std::string& body = {}, bool sent_may_have_landed = false) {
        const httplib::Headers headers = {{"Authorization", "Bearer " + options.token}};
        httplib::Result res = method == "GET" ? client->Get(path, headers)
                              : method == "POST"
                                  ? client->Post(path, headers, body, "application/json")
                                  : client->Delete(path, headers);
        const std::string what = "venue " + method + " " + options.url + path;
        if (!res) {
            return make_error(sent_may_have_landed ? ErrorCode::kOutcomeUnknown : ErrorCode::kIo,
                              what + ": " + httplib::to_string(res.error()));
        }
        json j = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
        if (res->status >= 500 && sent_may_have_landed) {
            return make_error(ErrorCode::kOutcomeUnknown,
                              what + ": HTTP " + std::to_string(res->status));
        }
        if (res->status != 200) {
            ErrorCode code = ErrorCode::kBroker;
            if (res->status == 404) code = ErrorCode::kNotFound;
            if (res->status == 400) code = ErrorCode::kInvalidArgument;
            std::string message = j.is_object() && j.contains("error") && j["error"].is_string()
                                      ? j["error"].get<std::string>()
                                      : res->body;
            // The venue (or a proxy) may echo our headers: the token never goes further.
            std::string text = redacted_excerpt(message, {options.token}, 200);
            if (res->status == 401) {
                text += std::string("; is ") + kVenueTokenEnv +
                        " the same for the venue and this process?";
            }
            return make_error(code, what + ": HTTP " + std::to_string(res->status) + ": " + text);
        }
        if (j.is_discarded()) return make_error(ErrorCode::kParse, what + ": body is not JSON");
        return j;
    }
};

RemoteBroker::RemoteBroker(RemoteBrokerOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    if (impl_->options.token.empty()) {
        const char* env = std::getenv(kVenueTokenEnv);
        if (env != nullptr) impl_->options.token = env;
    }
    impl_->client = std::make_unique<httplib::Client>(impl_->options.url);
    const auto ms = std::chrono::milliseconds(impl_->options.timeout_ms);
    impl_->client->set_connection_timeout(ms);
    impl_->client->set_read_timeout(ms);
    impl_->client->set_write_timeout(ms);
    impl_->client->set_keep_alive(true);
}

RemoteBroker::~RemoteBroker() = default;

Result<BrokerOrder> RemoteBroker::submit(const OrderRequest& request) {
    auto j = impl_->call("POST", "/v1/orders", venue::to_json(request).dump(),
                         /*sent_may_have_landed=*/true);
    if (!j.ok()) return j.error();
    auto order = venue::broker_order_from(*j);
    if (!order.ok()) {
        // Accepted, but the answer is unreadable: the order exists; its state is unknown here.
        return make_error(ErrorCode::kOutcomeUnknown,
                          "venue order answer: " + order.error().message);
    }
    return order;
}

Status RemoteBroker::cancel(std::string_view client_order_id) {
    auto j = impl_->call("DELETE", "/v1/orders/" + std::string(client_order_id));
    if (!j.ok()) return j.error();
    return Status::Ok();
}

Result<BrokerOrder> RemoteBroker::get_order(std::string_view client_order_id) {
    auto j = impl_->call("GET", "/v1/orders/" + std::string(client_order_id));
    if (!j.ok()) return j.error();
    return venue::broker_order_from(*j);
}

Result<std::vector<BrokerOrder>> RemoteBroker::open_orders() {
    auto j = impl_->call("GET", "/v1/orders?status=open");
    if (!j.ok()) return j.error();
    std::vector<BrokerOrder> out;
    for (const auto& o : *j) {
        auto order = venue::broker_order_from(o);
        if (!order.ok()) return order.error();
        out.push_back(*order);
    }
    return out;
}

Result<std::vector<BrokerPosition>> RemoteBroker::positions() {
    auto j = impl_->call("GET", "/v1/positions");
    if (!j.ok()) return j.error();
    std::vector<BrokerPosition> out;
    for (const auto& p : *j) {
        auto position = venue::position_from(p);
        if (!position.ok()) return position.error();
        out.push_back(*position);
    }
    return out;
}

Result<BrokerAccount> RemoteBroker::account() {
    auto j = impl_->call("GET", "/v1/account");
    if (!j.ok()) return j.error();
    return venue::account_from(*j);
}

Result<size_t> RemoteBroker::poll_events() {
    auto j = impl_->call("GET", "/v1/events?after=" + std::to_string(cursor_));
    if (!j.ok()) return j.error();
    if (!j->contains("events") || !(*j)["events"].is_array()) {
        return make_error(ErrorCode::kParse, "venue events: missing field 'events'");
    }
    size_t n = 0;
    for (const auto& e : (*j)["events"]) {
        const uint64_t seq = e.value("seq", uint64_t{0});
        if (seq <= cursor_) continue;
        if (e.contains("fill")) {
            auto fill = venue::fill_from(e["fill"]);
            if (!fill.ok()) {
                return make_error(ErrorCode::kParse, "venue event " + std::to_string(seq) + ": " +
                                                         fill.error().message);
            }
            if (listener_ != nullptr) listener_->on_fill(*fill);
        } else if (e.contains("order")) {
            auto order = venue::broker_order_from(e["order"]);
            if (!order.ok()) {
                return make_error(ErrorCode::kParse, "venue event " + std::to_string(seq) + ": " +
                                                         order.error().message);
            }
            if (listener_ != nullptr) listener_->on_order_update(*order);
        }
        cursor_ = seq;
        ++n;
    }
    return n;
}

Status RemoteBroker::ack() {
    auto j = impl_->call("POST", "/v1/events/ack", json{{"cursor", cursor_}}.dump());
    if (!j.ok()) return j.error();
    return Status::Ok();
}

}  // namespace awet
