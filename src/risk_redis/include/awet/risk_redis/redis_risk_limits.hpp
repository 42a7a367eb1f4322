#pragma once
// The shared risk gates kept in Redis, so that several risk agents (threads or processes) never
// together exceed a limit. Keys, TTLs, the Lua script and the failure rules: src/risk/README.md.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "awet/risk/risk_state.hpp"

struct redisContext;  // hiredis, seen by redis_risk_limits.cpp only

namespace awet {

/// Where a Redis server is: parsed from `redis://[user[:password]@]host[:port][/db]`.
struct RedisUrl {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::string user;
    std::string password;
    /// The URL without credentials (for logs and errors).
    std::string redacted() const;
};
Result<RedisUrl> parse_redis_url(std::string_view url);

/// SharedRiskLimits in Redis. One Lua script (EVALSHA; EVAL when the server answers NOSCRIPT)
/// checks and records an entry atomically with event-time arguments; fills and releases are
/// idempotent by order key and cumulative filled quantity. Owned by one RiskEngine and used from
/// its thread only (one connection each); connects lazily and reconnects on the next call after
/// any failure. Any failure is an Error, which the engine turns into a rejection (fail closed);
/// order updates, positions and restores that could not be written are kept in order and
/// written again before the next call.
class RedisRiskLimits final : public SharedRiskLimits {
public:
    /// `ns` namespaces every key (awet:risk:<ns>:...): engines sharing limits share `ns`.
    static Result<std::unique_ptr<RedisRiskLimits>> create(const RiskConfig& config,
                                                           std::string_view url,
                                                           std::string_view ns);
    ~RedisRiskLimits() override;

    Result<ReserveOutcome> check_and_reserve(const EntryRequest& r) override;
    Status on_order_update(const OrderUpdate& u) override;
    Status set_position(const Symbol& symbol, uint32_t symbol_id, Quantity qty,
                        Price last_price) override;
    Status restore_entry(const Symbol& symbol, uint32_t symbol_id, Timestamp at, int64_t day,
                         const IdempotencyKey& key) override;
    bool wants_marks() const override { return true; }
    std::string_view backend() const override { return "redis"; }

    /// Writes waiting for the server (after a failure).
    size_t pending_writes() const { return pending_.size(); }
    const std::string& key_prefix() const { return prefix_; }

private:
    struct Call {
        std::vector<std::string> keys;
        std::vector<std::string> args;
    };
    RedisRiskLimits(const RiskConfig& config, RedisUrl url, std::string ns);
    Status connect();
    void disconnect();
    /// Runs the script; fills `out` with the reply's integers.
    Status eval(const Call& call, std::vector<long long>& out);
    /// Runs `call`, after whatever is pending; a failed write is queued for the next call.
    Status write(Call call);
    Status flush_pending();
    Error failure(std::string_view what) const;

    RiskConfig config_;
    RedisUrl url_;
    std::string prefix_;  // "awet:risk:<ns>:"
    redisContext* ctx_ = nullptr;
    std::string sha_;
    std::vector<Call> pending_;
    std::vector<long long> reply_;  // scratch
};

}  // namespace awet
