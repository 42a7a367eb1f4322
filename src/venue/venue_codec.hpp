#pragma once
// JSON of the venue protocol (see awet/venue/venue.hpp). Private to src/venue.
#include <nlohmann/json.hpp>

#include "awet/core/result.hpp"
#include "awet/execution/broker.hpp"

namespace awet::venue {

nlohmann::json to_json(const OrderRequest& r);
nlohmann::json to_json(const BrokerOrder& o);
nlohmann::json to_json(const Fill& f);
nlohmann::json to_json(const BrokerPosition& p);
nlohmann::json to_json(const BrokerAccount& a);

/// Each names the missing or malformed field.
Result<OrderRequest> order_request_from(const nlohmann::json& j);
Result<BrokerOrder> broker_order_from(const nlohmann::json& j);
Result<Fill> fill_from(const nlohmann::json& j);
Result<BrokerPosition> position_from(const nlohmann::json& j);
Result<BrokerAccount> account_from(const nlohmann::json& j);

}  // namespace awet::venue
