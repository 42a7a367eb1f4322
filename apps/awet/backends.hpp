#pragma once
// The composition root's backend choices, the only place that picks one by name: the store
// (store.backend), the shared risk limits (risk.state_backend). Built as awet_backends, linked by
// the awet binary and by the tests of these choices.
#include <memory>
#include <string>
#include <string_view>

#include "awet/config/config.hpp"
#include "awet/core/result.hpp"
#include "awet/risk/risk_state.hpp"
#include "awet/store/store.hpp"

namespace awet {

/// store.backend sqlite (default) or postgres, opened and migrated.
Result<std::unique_ptr<Store>> open_store(const Config& config);
/// Whether the configured store exists: the SQLite file (":memory:" always); a PostgreSQL
/// database is taken to exist (the server says otherwise when it is opened).
bool store_exists(const Config& config);
/// A store of the demo's own (ops::Backends::open_demo_store): on SQLite the file at store.path,
/// removed first when an earlier demo made it (its application_id says so) and refused when it
/// is anything else; on PostgreSQL the configured database, opened and migrated.
Result<std::unique_ptr<Store>> open_demo_store(const Config& config);
/// Where the store lives, for the user: the SQLite file, or the PostgreSQL URL without its
/// credentials.
std::string store_location(const Config& config);

/// The limits backend by name: "memory" (InMemoryRiskLimits) or "redis" (RedisRiskLimits at
/// `redis_url`, keys under awet:risk:<ns>:). The Redis backend connects lazily: an unreachable
/// server is not an error here, it fails the shared gates closed until it answers.
Result<std::unique_ptr<SharedRiskLimits>> make_risk_limits(const RiskConfig& config,
                                                           std::string_view backend,
                                                           std::string_view redis_url,
                                                           std::string_view ns);

}  // namespace awet
