#include "awet/risk_redis/redis_risk_limits.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "awet/core/log.hpp"

namespace awet {
namespace {

// How long one connect or command may take before the gate fails closed.
constexpr int kTimeoutMs = 1000;
// Failed writes kept for the next call; past this the oldest are dropped (and logged).
constexpr size_t kMaxPending = 100'000;
// TTLs (ms): they only collect garbage, every gate compares event times passed in by the engine.
constexpr long long kRateTtlMs = 2 * 60 * 1000;
constexpr long long kDayTtlMs = 2LL * 24 * 3600 * 1000;
constexpr long long kCooldownMarginMs = 60 * 1000;
constexpr long long kOrderTtlMs = 2LL * 24 * 3600 * 1000;
constexpr long long kAggregateTtlMs = 7LL * 24 * 3600 * 1000;
// Rate-window entries older than this are pruned; a lagging engine still sees its own window.
constexpr Duration kRatePruneAge = Duration::minutes(10);
constexpr size_t kCheckFixedArgs = 21;  // ARGV before the marks in 'check'

// One script for every operation (ARGV[1] names it), so one SCRIPT LOAD serves them all. Redis
// runs a script atomically: no other client's command interleaves, which is what keeps N engines
// from approving past a limit together. Lua numbers are doubles: money and quantities (raw
// micro-units) are exact below 2^53, and the product |qty| x price is split so that it is too.
// Timestamps are compared as 20-digit zero-padded strings (ns exceed 2^53).
constexpr const char* kScript = R"lua(
local S = 1000000
local function notional(p, q)
  if q < 0 then q = -q end
  if p == nil or p <= 0 or q == 0 then return 0 end
  local qh = math.floor(q / S)
  local ql = q - qh * S
  local ph = math.floor(p / S)
  local pl = p - ph * S
  return qh * ph * S + qh * pl + ql * ph + math.floor((ql * pl + S / 2) / S)
end
local function str(x) return string.format('%.0f', x) end
local op = ARGV[1]
if op == 'check' then
  -- KEYS: rate day last order reserved reserved_total position price
  local sym, key, now = ARGV[2], ARGV[3], ARGV[4]
  if redis.call('HGET', KEYS[4], 'entry') == '1' then return {0, 1} end
  local mask = 0
  if redis.call('ZLEXCOUNT', KEYS[1], '(' .. ARGV[5] .. '\255', '+') >= tonumber(ARGV[9]) then
    mask = mask + 8
  end
  if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[10]) then mask = mask + 16 end
  local last = redis.call('GET', KEYS[3])
  if last and last > ARGV[6] then mask = mask + 32 end
  local marks = {}
  for i = 22, #ARGV, 2 do marks[ARGV[i]] = tonumber(ARGV[i + 1]) end
  local total = tonumber(redis.call('GET', KEYS[6]) or '0')
  local symval = tonumber(redis.call('HGET', KEYS[5], sym) or '0')
  local pos = redis.call('HGETALL', KEYS[7])
  for i = 1, #pos, 2 do
    local p = marks[pos[i]]
    if p == nil then p = tonumber(redis.call('HGET', KEYS[8], pos[i]) or '0') end
    local v = notional(p, tonumber(pos[i + 1]))
    total = total + v
    if pos[i] == sym then symval = symval + v end
  end
  local n = tonumber(ARGV[7])
  if total + n > tonumber(ARGV[11]) then mask = mask + 64 end
  if symval + n > tonumber(ARGV[12]) then mask = mask + 128 end
  if mask ~= 0 or ARGV[8] ~= '0' then return {mask, 0} end
  redis.call('ZADD', KEYS[1], 0, now .. '|' .. key)
  redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[21])
  redis.call('PEXPIRE', KEYS[1], ARGV[13])
  redis.call('SADD', KEYS[2], key)
  redis.call('PEXPIRE', KEYS[2], ARGV[14])
  if not last or now > last then redis.call('SET', KEYS[3], now, 'PX', ARGV[15]) end
  redis.call('HSET', KEYS[4], 'entry', '1', 'sym', sym, 'qty', ARGV[18], 'ref', ARGV[19],
             'reserved', ARGV[7], 'filled', '0')
  redis.call('PEXPIRE', KEYS[4], ARGV[16])
  redis.call('HINCRBY', KEYS[5], sym, ARGV[7])
  redis.call('INCRBY', KEYS[6], ARGV[7])
  for i = 5, 8 do redis.call('PEXPIRE', KEYS[i], ARGV[17]) end
  return {0, 0}
elseif op == 'update' then
  -- KEYS: order reserved reserved_total position price
  -- ARGV: op sym filled terminal sign qty fill_price order_ttl aggregate_ttl
  local o = redis.call('HMGET', KEYS[1], 'filled', 'reserved', 'ref', 'qty', 'done')
  if o[5] == '1' then return {0} end
  if not o[4] then redis.call('HSET', KEYS[1], 'sym', ARGV[2], 'qty', ARGV[6]) end
  local before = tonumber(o[1] or '0')
  local res = tonumber(o[2] or '0')
  local qty = tonumber(o[4] or ARGV[6])
  local filled = tonumber(ARGV[3])
  local left = res
  if filled > before then
    redis.call('HINCRBY', KEYS[4], ARGV[2], str((filled - before) * tonumber(ARGV[5])))
    if ARGV[7] ~= '0' then redis.call('HSET', KEYS[5], ARGV[2], ARGV[7]) end
    redis.call('HSET', KEYS[1], 'filled', ARGV[3])
    before = filled
    if res > 0 then
      local remaining = qty - filled
      if remaining < 0 then remaining = 0 end
      left = notional(tonumber(o[3]), remaining)
    end
  end
  if ARGV[4] == '1' or before >= qty then left = 0 end
  if left ~= res then
    redis.call('HINCRBY', KEYS[2], ARGV[2], str(left - res))
    redis.call('INCRBY', KEYS[3], str(left - res))
    redis.call('HSET', KEYS[1], 'reserved', str(left))
  end
  if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'done', '1') end
  redis.call('PEXPIRE', KEYS[1], ARGV[8])
  for i = 2, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[9]) end
  return {1}
elseif op == 'position' then
  -- KEYS: position price; ARGV: op sym qty price aggregate_ttl
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  if ARGV[4] ~= '0' then redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  return {1}
elseif op == 'restore' then
  -- KEYS: rate day last; ARGV: op key at rate_ttl day_ttl cooldown_ttl
  redis.call('ZADD', KEYS[1], 0, ARGV[3] .. '|' .. ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  local last = redis.call('GET', KEYS[3])
  if not last or ARGV[3] > last then redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[6]) end
  return {1}
end
return redis.error_reply('unknown op ' .. tostring(op))
)lua";

std::string num(int64_t v) { return std::to_string(v); }

/// 20-digit zero-padded nanoseconds (negative instants clamp to 0): string order == time order.
std::string ts20(Timestamp t) {
    char buf[24];
    const long long ns = std::max<int64_t>(0, t.ns());
    std::snprintf(buf, sizeof(buf), "%020lld", ns);
    return buf;
}

bool parse_int(std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string RedisUrl::redacted() const {
    return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Result<RedisUrl> parse_redis_url(std::string_view url) {
    constexpr std::string_view kScheme = "redis://";
    auto bad = [&](const char* why) {
        // Never echo the URL: it may carry a password.
        return make_error(ErrorCode::kInvalidArgument, std::string("risk.redis_url: ") + why);
    };
    if (url.substr(0, kScheme.size()) != kScheme) return bad("expected redis://host:port[/db]");
    std::string_view rest = url.substr(kScheme.size());
    RedisUrl u;
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const size_t colon = cred.find(':');
        if (colon == std::string_view::npos) {
            u.password = std::string(cred);  // redis://secret@host: a bare password
        } else {
            u.user = std::string(cred.substr(0, colon));
            u.password = std::string(cred.substr(colon + 1));
        }
    }
    std::string_view hostport = rest;
    if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
        hostport = rest.substr(0, slash);
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && (!parse_int(db, u.db) || u.db < 0)) return bad("bad database number");
    }
    if (const size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
        if (!parse_int(hostport.substr(colon + 1), u.port) || u.port <= 0 || u.port > 65535)
            return bad("bad port");
        hostport = hostport.substr(0, colon);
    }
    if (!hostport.empty()) u.host = std::string(hostport);
    return u;
}

Result<std::unique_ptr<RedisRiskLimits>> RedisRiskLimits::create(const RiskConfig& config,
                                                                 std::string_view url,
                                                                 std::string_view ns) {
    auto u = parse_redis_url(url);
    if (!u.ok()) return u.error();
    if (ns.empty() || ns.find_first_of(" :{}\r\n") != std::string_view::npos) {
        return make_error(ErrorCode::kInvalidArgument,
                          "risk limits namespace must be non-empty, without spaces, ':' or braces");
    }
    // Lua compares money as doubles: exact below 2^53 micro-units (about $9 billion).
    constexpr int64_t kExact = int64_t{1} << 53;
    if (config.max_total_exposure_usd.raw() >= kExact / 4 ||
        config.max_symbol_exposure_usd.raw() >= kExact / 4) {
        return make_error(ErrorCode::kInvalidArgument,
                          "risk exposure limits too large for the Redis backend (max ~$2.2e9)");
    }
    return std::unique_ptr<RedisRiskLimits>(
        new RedisRiskLimits(config, std::move(u.value()), std::string(ns)));
}

RedisRiskLimits::RedisRiskLimits(const RiskConfig& config, RedisUrl url, std::string ns)
    : config_(config), url_(std::move(url)), prefix_("awet:risk:" + ns + ":") {}

RedisRiskLimits::~RedisRiskLimits() { disconnect(); }

void RedisRiskLimits::disconnect() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
}

Error RedisRiskLimits::failure(std::string_view what) const {
    return make_error(ErrorCode::kIo, "redis " + url_.redacted() + ": " + std::string(what));
}

Status RedisRiskLimits::connect() {
    if (ctx_ != nullptr && ctx_->err == 0) return Status::Ok();
    disconnect();
    timeval tv{kTimeoutMs / 1000, (kTimeoutMs % 1000) * 1000};
    ctx_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
    if (ctx_ == nullptr || ctx_->err != 0) {
        Error e = failure(ctx_ != nullptr ? std::string("connect: ") + ctx_->errstr
                                          : std::string("connect: out of memory"));
        disconnect();
        return e;
    }
    redisSetTimeout(ctx_, tv);
    auto simple = [&](std::vector<std::string> argv) -> Status {
        std::vector<const char*> a;
        std::vector<size_t> l;
        for (const std::string& s : argv) {
            a.push_back(s.data());
            l.push_back(s.size());
        }
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(ctx_, static_cast<int>(a.size()), a.data(), l.data()));
        if (reply == nullptr) return failure(std::string(argv[0]) + ": " + ctx_->errstr);
        Status st;
        if (reply->type == REDIS_REPLY_ERROR) {
            st = failure(argv[0] + ": " + std::string(reply->str, reply->len));
        } else if (argv[0] == "SCRIPT" && reply->type == REDIS_REPLY_STRING) {
            sha_.assign(reply->str, reply->len);
        }
        freeReplyObject(reply);
        return st;
    };
    Status st;
    if (!url_.password.empty()) {
        st = url_.user.empty() ? simple({"AUTH", url_.password})
                               : simple({"AUTH", url_.user, url_.password});
    }
    if (st.ok() && url_.db != 0) st = simple({"SELECT", std::to_string(url_.db)});
    if (st.ok()) st = simple({"SCRIPT", "LOAD", kScript});
    if (!st.ok()) disconnect();
    return st;
}

Status RedisRiskLimits::eval(const Call& call, std::vector<long long>& out) {
    out.clear();
    if (Status st = connect(); !st.ok()) return st;
    const std::string nkeys = std::to_string(call.keys.size());
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(3 + call.keys.size() + call.args.size());
    lens.reserve(argv.capacity());
    auto push = [&](const std::string& s) {
        argv.push_back(s.data());
        lens.push_back(s.size());
    };
    const std::string evalsha = "EVALSHA";
    const std::string evalcmd = "EVAL";
    const std::string script = kScript;
    push(evalsha);
    push(sha_);
    push(nkeys);
    for (const std::string& k : call.keys) push(k);
    for (const std::string& a : call.args) push(a);
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
        if (reply == nullptr) {
            Error e = failure(std::string("command failed: ") + ctx_->errstr);
            disconnect();  // reconnect on the next call
            return e;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            std::string msg(reply->str, reply->len);
            freeReplyObject(reply);
            if (attempt == 0 && msg.rfind("NOSCRIPT", 0) == 0) {
                // The script cache was flushed (or the server restarted): send the body once.
                argv[0] = evalcmd.data();
                lens[0] = evalcmd.size();
                argv[1] = script.data();
                lens[1] = script.size();
                continue;
            }
            return failure(msg);
        }
        if (reply->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < reply->elements; ++i) {
                const redisReply* e = reply->element[i];
                out.push_back(e->type == REDIS_REPLY_INTEGER ? e->integer : 0);
            }
        } else if (reply->type == REDIS_REPLY_INTEGER) {
            out.push_back(reply->integer);
        }
        freeReplyObject(reply);
        return Status::Ok();
    }
    return failure("NOSCRIPT after EVAL");
}

Status RedisRiskLimits::flush_pending() {
    size_t done = 0;
    Status st;
    for (; done < pending_.size(); ++done) {
        st = eval(pending_[done], reply_);
        if (!st.ok()) break;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
    return st;
}

Status RedisRiskLimits::write(Call call) {
    Status st = flush_pending();
    if (st.ok()) st = eval(call, reply_);
    if (!st.ok()) {
        // Positions and releases must not be lost (a lost fill would undercount exposure): keep
        // the write, in order, for the next call. Each is idempotent, so a write that did reach
        // the server before the failure is harmless to repeat.
        if (pending_.size() >= kMaxPending) {
            logger("risk")->error("redis risk state: {} writes pending, dropping the oldest",
                                  pending_.size());
            pending_.erase(pending_.begin());
        }
        pending_.push_back(std::move(call));
    }
    return st;
}

Result<ReserveOutcome> RedisRiskLimits::check_and_reserve(const EntryRequest& r) {
    // Earlier fills and releases first: the check must see them.
    if (Status st = flush_pending(); !st.ok()) return st.error();
    const std::string sym(r.symbol.view());
    const std::string key(r.key.view());
    Call c;
    c.keys = {prefix_ + "rate",        prefix_ + "day:" + num(r.day) + ":" + sym,
              prefix_ + "last:" + sym, prefix_ + "order:" + key,
              prefix_ + "reserved",    prefix_ + "reserved_total",
              prefix_ + "position",    prefix_ + "price"};
    const long long cooldown_ms = static_cast<long long>(config_.cooldown_minutes) * 60'000;
    c.args = {"check",
              sym,
              key,
              ts20(r.now),
              ts20(r.now - kOrdersRateWindow),
              ts20(r.now - Duration::minutes(config_.cooldown_minutes)),
              num(r.notional.raw()),
              num(r.local_reasons),
              num(config_.max_orders_per_minute),
              num(config_.max_orders_per_symbol_per_day),
              num(config_.max_total_exposure_usd.raw()),
              num(config_.max_symbol_exposure_usd.raw()),
              num(kRateTtlMs),
              num(kDayTtlMs),
              num(std::max<long long>(0, cooldown_ms) + kCooldownMarginMs),
              num(kOrderTtlMs),
              num(kAggregateTtlMs),
              num(r.qty.raw()),
              num(r.ref_price.raw()),
              num(r.side == Side::kBuy ? 1 : -1),
              ts20(r.now - kRatePruneAge)};
    static_assert(kCheckFixedArgs == 21);
    for (const SymbolMark& m : r.marks) {
        c.args.emplace_back(m.symbol.view());
        c.args.push_back(num(m.price.raw()));
    }
    if (Status st = eval(c, reply_); !st.ok()) return st.error();
    if (reply_.size() != 2) return failure("unexpected reply to check");
    return ReserveOutcome{static_cast<uint32_t>(reply_[0]) & kSharedRiskReasons, reply_[1] == 1};
}

Status RedisRiskLimits::on_order_update(const OrderUpdate& u) {
    const std::string sym(u.symbol.view());
    Call c;
    c.keys = {prefix_ + "order:" + std::string(u.key.view()), prefix_ + "reserved",
              prefix_ + "reserved_total", prefix_ + "position", prefix_ + "price"};
    c.args = {"update",
              sym,
              num(u.filled.raw()),
              u.terminal ? "1" : "0",
              u.side == Side::kBuy ? "1" : "-1",
              num(u.qty.raw()),
              num(std::max<int64_t>(0, u.fill_price.raw())),
              num(kOrderTtlMs),
              num(kAggregateTtlMs)};
    return write(std::move(c));
}

Status RedisRiskLimits::set_position(const Symbol& symbol, uint32_t, Quantity qty,
                                     Price last_price) {
    Call c;
    c.keys = {prefix_ + "position", prefix_ + "price"};
    c.args = {"position", std::string(symbol.view()), num(qty.raw()),
              num(std::max<int64_t>(0, last_price.raw())), num(kAggregateTtlMs)};
    return write(std::move(c));
}

Status RedisRiskLimits::restore_entry(const Symbol& symbol, uint32_t, Timestamp at, int64_t day,
                                      const IdempotencyKey& key) {
    const std::string sym(symbol.view());
    // Without the trade's own key, symbol and time identify it: every engine restoring the same
    // trade derives the same member, so it counts once.
    const std::string member =
        key.size() > 0 ? std::string(key.view()) : "restored:" + sym + ":" + num(at.ns());
    const long long cooldown_ms = static_cast<long long>(config_.cooldown_minutes) * 60'000;
    Call c;
    c.keys = {prefix_ + "rate", prefix_ + "day:" + num(day) + ":" + sym, prefix_ + "last:" + sym};
    c.args = {"restore",      member,
              ts20(at),       num(kRateTtlMs),
              num(kDayTtlMs), num(std::max<long long>(0, cooldown_ms) + kCooldownMarginMs)};
    return write(std::move(c));
}

}  // namespace awet
