#include "awet/alpaca/trade_updates.hpp"

#include <algorithm>
#include <array>

#include "awet/core/log.hpp"
#include "codec_internal.hpp"

namespace awet::alpaca {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 16> kOrderEvents = {"new",
                                                           "accepted",
                                                           "pending_new",
                                                           "pending_cancel",
                                                           "pending_replace",
                                                           "canceled",
                                                           "expired",
                                                           "rejected",
                                                           "replaced",
                                                           "done_for_day",
                                                           "calculated",
                                                           "suspended",
                                                           "held",
                                                           "restated",
                                                           "order_replace_rejected",
                                                           "order_cancel_rejected"};

TradeUpdate skipped(std::string event, std::string note) {
    logger("alpaca")->warn("trade_updates: skipped {}: {}", event.empty() ? "message" : event,
                           note);
    TradeUpdate u;
    u.kind = TradeUpdate::Kind::kSkipped;
    u.event = std::move(event);
    u.note = std::move(note);
    return u;
}

}  // namespace

Result<TradeUpdate> TradeUpdateParser::parse(std::string_view message) {
    json j = json::parse(message, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return make_error(ErrorCode::kParse, "trade_updates: message is not a JSON object");
    }
    if (j.contains("action")) {
        TradeUpdate u;  // our own outbound request (authenticate / listen), replayed: nothing to do
        u.note = "client request '" + detail::string_field(j, "action") + "'";
        return u;
    }
    const json* data = &j;
    if (j.contains("stream")) {
        const std::string stream = detail::string_field(j, "stream");
        if (stream != "trade_updates") {
            TradeUpdate u;  // authorization / listening acknowledgements: nothing to do
            u.note = "control message '" + stream + "'";
            return u;
        }
        if (!j.contains("data") || !j["data"].is_object()) return skipped("", "no data object");
        data = &j["data"];
    }
    const std::string event = detail::string_field(*data, "event");
    if (event.empty()) return skipped("", "no event field");
    const bool is_fill = event == "fill" || event == "partial_fill";
    const bool is_order_event =
        std::find(kOrderEvents.begin(), kOrderEvents.end(), event) != kOrderEvents.end();
    if (!is_fill && !is_order_event) return skipped(event, "unknown event type");
    if (!data->contains("order")) return skipped(event, "no order object");
    auto order = detail::order_from((*data)["order"]);
    if (!order.ok()) return skipped(event, "order not representable: " + order.error().message);

    TradeUpdate u;
    u.event = event;
    u.order = std::move(*order);
    if (!is_fill) {
        u.kind = TradeUpdate::Kind::kOrderUpdate;
        return u;
    }
    const std::string execution_id = detail::string_field(*data, "execution_id");
    if (execution_id.empty()) return skipped(event, "fill without execution_id");
    if (seen_executions_.contains(execution_id)) {
        TradeUpdate dup;
        dup.event = event;
        dup.note = "duplicate execution " + execution_id;
        return dup;
    }
    auto qty = detail::decimal_field<Quantity>(*data, "qty", true);
    auto price = detail::decimal_field<Price>(*data, "price", true);
    auto ts = detail::time_field(*data, "timestamp");
    if (!qty.ok()) return skipped(event, qty.error().message);
    if (!price.ok()) return skipped(event, price.error().message);
    if (!ts.ok()) return skipped(event, ts.error().message);
    Fill f;
    f.fill_id = execution_id;
    f.client_order_id = u.order.client_order_id;
    f.broker_order_id = u.order.broker_order_id;
    f.symbol = u.order.symbol;
    f.side = u.order.side;
    f.qty = *qty;
    f.price = *price;
    f.ts = *ts;
    f.order_done = event == "fill";
    f.cum_qty = u.order.filled_qty;
    seen_executions_.insert(execution_id);
    u.kind = TradeUpdate::Kind::kFill;
    u.fill = std::move(f);
    return u;
}

}  // namespace awet::alpaca
