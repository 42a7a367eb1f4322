#pragma once
// `awet reconcile` (`make reconcile`): the store against the broker, read-only (see
// reconcile_command.cpp).
#include <string>

#include "commands.hpp"

namespace awet::cli {

struct ReconcileArgs {
    std::string venue_url = "http://127.0.0.1:8009";  // execution.broker: sim
};
int reconcile(const Common& common, const ReconcileArgs& args);

}  // namespace awet::cli
