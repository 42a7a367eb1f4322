#include <httplib.h>

#include <chrono>
#include <cstdlib>

#include "awet/core/log.hpp"
#include "awet/service/http_server.hpp"
#include "awet/venue/venue.hpp"
#include "venue_codec.hpp"

namespace awet {
namespace {

using nlohmann::json;

int http_status(ErrorCode code) {
    switch (code) {
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kParse:
            return 400;
        case ErrorCode::kAlreadyExists:
            return 409;
        case ErrorCode::kBroker:
            return 403;  // refused by the broker (buying power): not retried
        default:
            return 500;
    }
}

Status field_error(const std::string& field, const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "field '" + field + "': " + why);
}

/// The bounds of SimBroker::submit, checked field by field so a client learns which one is wrong.
Status validate(const OrderRequest& r) {
    if (r.client_order_id.empty()) return field_error("client_order_id", "empty");
    if (r.symbol.empty()) return field_error("symbol", "empty");
    if (r.qty <= Quantity{}) return field_error("qty", "must be a positive number of shares");
    if (r.qty.raw() % kFixedScale != 0) return field_error("qty", "whole shares only");
    if (r.qty > kMaxOrderQty) {
        return field_error("qty", "above the limit of " + kMaxOrderQty.to_string() + " shares");
    }
    if (r.bracket) {
        for (const auto& [name, price] :
             {std::pair<const char*, Price>{"bracket.take_profit_limit",
                                            r.bracket->take_profit_limit},
              std::pair<const char*, Price>{"bracket.stop_loss_stop", r.bracket->stop_loss_stop}}) {
            if (price <= Price{}) return field_error(name, "must be positive");
            if (price > kMaxOrderPrice) {
                return field_error(name, "above the limit of " + kMaxOrderPrice.to_string());
            }
            if (notional(price, r.qty) > kMaxOrderNotional) {
                return field_error("qty", "notional at " + std::string(name) +
                                              " above the limit of " +
                                              kMaxOrderNotional.to_string());
            }
        }
    }
    return Status::Ok();
}

/// Printable ASCII only, at most 200 characters: a path as it may appear in a log line.
std::string loggable(const std::string& text) {
    std::string out;
    for (char ch : text.substr(0, 200)) out += ch >= 0x20 && ch < 0x7f ? ch : '?';
    return text.size() > 200 ? out + "..." : out;
}

void reply_error(httplib::Response& res, const Error& e, int status = 0) {
    res.status = status != 0 ? status : http_status(e.code);
    res.set_content(json{{"error", e.message}, {"code", static_cast<int>(e.code)}}.dump(),
                    "application/json");
}

void reply(httplib::Response& res, const json& body) {
    res.status = 200;
    res.set_content(body.dump(), "application/json");
}

}  // namespace

Result<std::string> venue_token_from_env() {
    const char* token = std::getenv(kVenueTokenEnv);
    if (token == nullptr || *token == '\0') {
        return make_error(ErrorCode::kInvalidArgument,
                          std::string(kVenueTokenEnv) +
                              " is not set: the simulated venue and the execution agent share a "
                              "token; export " +
                              kVenueTokenEnv +
                              "=$(head -c 32 /dev/urandom | base64) in both (scripts/awet_start.sh "
                              "makes one)");
    }
    return std::string(token);
}

SimVenueServer::SimVenueServer(SimBrokerConfig config, SimVenueServerOptions options)
    : broker_(config), options_(std::move(options)) {
    broker_.set_listener(this);
}

bool SimVenueServer::authorized(const httplib::Request& req, httplib::Response& res) {
    const std::string header = req.get_header_value("Authorization");
    const std::string_view presented = bearer_token(header);
    if (!presented.empty() && constant_time_equal(presented, options_.token)) return true;
    unauthorized_.fetch_add(1);
    if (options_.metrics) options_.metrics->count_http_refused("venue", "unauthorized");
    const char* why = header.empty() ? "no bearer token" : "wrong bearer token";
    // At most 10 lines a second: a flood of refusals must not become a flood of logs.
    const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    if (last_refusal_log_s_.exchange(second) != second) refusal_logs_in_window_.store(0);
    if (refusal_logs_in_window_.fetch_add(1) < 10) {
        logger("venue")->warn("refused {} {} from {}:{}: {} (401)", req.method, loggable(req.path),
                              req.remote_addr, req.remote_port, why);
    }
    res.set_header("WWW-Authenticate", "Bearer");
    reply_error(
        res,
        {ErrorCode::kInvalidArgument,
         std::string("unauthorized: ") + why + " (Authorization: Bearer <" + kVenueTokenEnv + ">)"},
        401);
    return false;
}

SimVenueServer::~SimVenueServer() { stop(); }

void SimVenueServer::on_fill(const Fill& fill) {
    VenueEvent e;
    e.seq = log_.size() + 1;
    e.is_fill = true;
    e.fill = fill;
    log_.push_back(std::move(e));
}

void SimVenueServer::on_order_update(const BrokerOrder& order) {
    // Fills carry their own progress; only the end states without a fill are events of their own.
    if (order.status != OrderStatus::kCanceled && order.status != OrderStatus::kRejected) return;
    VenueEvent e;
    e.seq = log_.size() + 1;
    e.order = order;
    log_.push_back(std::move(e));
}

void SimVenueServer::on_bar(const MarketBar& bar) {
    std::lock_guard lock(mutex_);
    broker_.on_bar(bar);
}

Status SimVenueServer::restore(std::span<const TradeRow> trades) {
    std::lock_guard lock(mutex_);
    return broker_.restore(trades);
}

uint64_t SimVenueServer::last_seq() const {
    std::lock_guard lock(mutex_);
    return log_.size();
}

size_t SimVenueServer::order_count() const {
    std::lock_guard lock(mutex_);
    return broker_.order_count();
}

Result<BrokerAccount> SimVenueServer::account() {
    std::lock_guard lock(mutex_);
    return broker_.account();
}

Result<std::vector<BrokerPosition>> SimVenueServer::positions() {
    std::lock_guard lock(mutex_);
    return broker_.positions();
}

void SimVenueServer::routes() {
    server_->Post("/v1/orders", [this](const httplib::Request& req, httplib::Response& res) {
        json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded()) {
            return reply_error(res, {ErrorCode::kParse, "order request: body is not JSON"});
        }
        auto request = venue::order_request_from(body);
        if (!request.ok()) return reply_error(res, request.error());
        if (Status valid = validate(*request); !valid.ok()) return reply_error(res, valid.error());
        std::lock_guard lock(mutex_);
        auto order = broker_.submit(*request);
        if (!order.ok()) return reply_error(res, order.error());
        reply(res, venue::to_json(*order));
    });
    server_->Get("/v1/orders/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        auto order = broker_.get_order(req.matches[1].str());
        if (!order.ok()) return reply_error(res, order.error());
        reply(res, venue::to_json(*order));
    });
    server_->Delete("/v1/orders/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        Status st = broker_.cancel(req.matches[1].str());
        if (!st.ok()) {
            return reply_error(res, st.error(),
                               st.error().code == ErrorCode::kInvalidArgument ? 409 : 0);
        }
        reply(res, json{{"canceled", req.matches[1].str()}});
    });
    server_->Get("/v1/orders", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        auto orders = broker_.open_orders();
        if (!orders.ok()) return reply_error(res, orders.error());
        json out = json::array();
        for (const auto& o : *orders) out.push_back(venue::to_json(o));
        reply(res, out);
    });
    server_->Get("/v1/positions", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        auto positions = broker_.positions();
        if (!positions.ok()) return reply_error(res, positions.error());
        json out = json::array();
        for (const auto& p : *positions) out.push_back(venue::to_json(p));
        reply(res, out);
    });
    server_->Get("/v1/account", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        auto account = broker_.account();
        if (!account.ok()) return reply_error(res, account.error());
        reply(res, venue::to_json(*account));
    });
    server_->Get("/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
        uint64_t after = 0;
        if (req.has_param("after")) {
            try {
                after = std::stoull(req.get_param_value("after"));
            } catch (const std::exception&) {
                return reply_error(
                    res, {ErrorCode::kInvalidArgument, "parameter 'after': not a sequence number"});
            }
        }
        std::lock_guard lock(mutex_);
        if (after > log_.size()) {
            return reply_error(
                res, {ErrorCode::kInvalidArgument,
                      "parameter 'after': beyond the last event " + std::to_string(log_.size())});
        }
        json events = json::array();
        for (size_t i = after; i < log_.size(); ++i) {
            const VenueEvent& e = log_[i];
            json j = {{"seq", e.seq}};
            if (e.is_fill)
                j["fill"] = venue::to_json(e.fill);
            else
                j["order"] = venue::to_json(e.order);
            events.push_back(std::move(j));
        }
        reply(res, json{{"events", std::move(events)}, {"last", log_.size()}});
    });
    // Only the execution agent's explicit acknowledgement tells the driver it has caught up.
    server_->Post("/v1/events/ack", [this](const httplib::Request& req, httplib::Response& res) {
        const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
        if (!body.is_object() || !body.contains("cursor") || !body["cursor"].is_number_unsigned()) {
            return reply_error(res, {ErrorCode::kInvalidArgument,
                                     "field 'cursor': missing or not a sequence number"});
        }
        const uint64_t cursor = body["cursor"].get<uint64_t>();
        std::lock_guard lock(mutex_);
        if (cursor > log_.size()) {
            return reply_error(
                res, {ErrorCode::kInvalidArgument,
                      "field 'cursor': beyond the last event " + std::to_string(log_.size())});
        }
        uint64_t acked = acked_.load();
        while (cursor > acked && !acked_.compare_exchange_weak(acked, cursor)) {
        }
        reply(res, json{{"acked", acked_.load()}});
    });
}

Status SimVenueServer::start(const std::string& host, int port) {
    if (server_) return make_error(ErrorCode::kInvalidArgument, "the venue is already running");
    if (options_.token.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          std::string("the simulated venue needs a shared token: export ") +
                              kVenueTokenEnv + "=$(head -c 32 /dev/urandom | base64)");
    }
    if (options_.token.size() < kMinVenueTokenLength) {
        return make_error(ErrorCode::kInvalidArgument,
                          std::string(kVenueTokenEnv) + " is too short (at least " +
                              std::to_string(kMinVenueTokenLength) + " characters): export " +
                              kVenueTokenEnv + "=$(head -c 32 /dev/urandom | base64)");
    }
    HttpServerOptions options;
    options.limits.max_body_bytes = 64 * 1024;  // an order is a few hundred bytes
    options.guard = [this](const httplib::Request& req, httplib::Response& res) {
        return authorized(req, res);
    };
    options.on_refused = [metrics = options_.metrics](std::string_view reason) {
        if (metrics) metrics->count_http_refused("venue", reason);
    };
    server_ = make_http_server(std::move(options));
    routes();
    auto bound = start_http_server(*server_, thread_, host, port, "simulated venue");
    if (!bound.ok()) {
        server_.reset();
        return bound.error();
    }
    port_ = *bound;
    return Status::Ok();
}

void SimVenueServer::stop() {
    if (!server_) return;
    stop_http_server(*server_, thread_);
    server_.reset();
}

}  // namespace awet
