#pragma once
// Every operation by name, with whether it changes state and whether it is for a person at the
// machine only, and one call that takes and returns the JSON forms: the entry point of the faces
// that speak JSON (REST API, LLM tools, MCP, scheduler). The CLI calls the typed functions.
//
// No operation submits, changes or cancels an order: orders come only from the risk ->
// execution path. Creating the approval file is local_only: a face that crosses a network
// never offers it (revoking, the kill switch, is allowed everywhere).
#include <span>
#include <string_view>

#include "awet/ops/json.hpp"

namespace awet::ops {

struct OperationInfo {
    std::string_view name;  // "positions", "models.promote", ...
    bool mutating = false;  // writes to the store, the registry, the approval file or models
    bool local_only = false;
    std::string_view summary;
};

/// Every operation, in a stable order.
std::span<const OperationInfo> catalog();
/// nullptr for an unknown name.
const OperationInfo* find_operation(std::string_view name);

/// Runs operation `name` on its JSON request and returns its JSON result. Unknown names and bad
/// requests are kInvalidArgument / kNotFound errors naming what is wrong.
Result<Json> call(Context& ctx, std::string_view name, const Json& request);

}  // namespace awet::ops
