#include <httplib.h>

#include "awet/service/http_server.hpp"
#include "awet/venue/venue.hpp"
#include "venue_codec.hpp"

namespace awet {
namespace {

using nlohmann::json;

int http_status(ErrorCode code) {
    switch (code) {
        case ErrorCode::kNotFound: return 404;
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kParse: return 400;
        case ErrorCode::kAlreadyExists: return 409;
        default: return 500;
    }
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

SimVenueServer::SimVenueServer(SimBrokerConfig config) : broker_(config) {
    broker_.set_listener(this);
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
                return reply_error(res, {ErrorCode::kInvalidArgument,
                                         "parameter 'after': not a sequence number"});
            }
        }
        std::lock_guard lock(mutex_);
        if (after > log_.size()) {
            return reply_error(res, {ErrorCode::kInvalidArgument,
                                     "parameter 'after': beyond the last event " +
                                         std::to_string(log_.size())});
        }
        uint64_t acked = acked_.load();
        while (after > acked && !acked_.compare_exchange_weak(acked, after)) {
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
}

Status SimVenueServer::start(const std::string& host, int port) {
    if (server_) return make_error(ErrorCode::kInvalidArgument, "the venue is already running");
    server_ = std::make_unique<httplib::Server>();
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
