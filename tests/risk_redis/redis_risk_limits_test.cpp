// The shared risk gates in Redis against a throwaway redis-server: same decisions as in memory,
// limits that hold across concurrent engines (threads and processes), idempotency, fills and
// releases seen by other engines, fail closed while Redis is down, namespaces and TTLs.
#include "awet/risk_redis/redis_risk_limits.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "awet/risk/risk_engine.hpp"
#include "redis_server.hpp"
#include "risk_fixtures.hpp"

namespace awet {
namespace {

using namespace risk_test;

/// A BUY prediction whose decision key is entry:<symbol>:<bar_start>.
Prediction pred(const std::string& symbol, Price close, Timestamp bar_start) {
    static std::atomic<uint64_t> n{0};
    const uint64_t id = ++n;
    Prediction p;
    p.header.event_id = Uuid{0xA0, id};
    p.header.correlation_id = Uuid{0xC0, id};
    p.header.symbol = Symbol(symbol);
    p.header.ts = bar_start + Duration::minutes(1);
    p.header.source = Source::kPrediction;
    p.bar_start = bar_start;
    p.close = close;
    for (auto& h : p.horizons) h = {-0.001, 0.0005, 0.002};
    p.direction = Direction::kUp;
    p.confidence = 0.6;
    p.signal = Signal::kBuy;
    return p;
}

std::string unique_ns(const char* what) {
    static std::atomic<int> n{0};
    return std::string(what) + std::to_string(::getpid()) + "x" + std::to_string(++n);
}

class RedisRiskLimitsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!server_.ok()) GTEST_SKIP() << server_.error();
    }
    std::unique_ptr<SharedRiskLimits> limits(const RiskConfig& c, const std::string& ns) {
        auto r = RedisRiskLimits::create(c, server_.url(), ns);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
        return std::move(r.value());
    }
    testing::RedisServer server_;
};

// ---------------------------------------------------------------------------------------------
// (a) One engine: the Redis backend decides exactly as the in-process one.

TEST_F(RedisRiskLimitsTest, SameDecisionsAsInMemory) {
    RiskConfig c;
    c.max_orders_per_minute = 3;
    c.max_orders_per_symbol_per_day = 6;
    c.cooldown_minutes = 2;
    c.max_total_exposure_usd = M("6000");
    c.max_symbol_exposure_usd = M("1500");
    RiskEngine mem(c, 5);
    RiskEngine red(c, 5, limits(c, unique_ns("parity")));
    const std::vector<std::string> syms = {"AAPL", "MSFT", "GOOG", "NVDA",
                                           "TSLA", "AMZN", "META", "AMD"};
    std::mt19937_64 rng(2024);
    std::vector<RiskDecision> open;  // approved, not yet terminal
    int approved = 0, rejected = 0;
    uint32_t reasons_seen = 0;
    Timestamp t = kT0;
    Timestamp day_end = kT0 + Duration::hours(5);
    for (int step = 0; step < 2000; ++step) {
        // At least a second apart: one key per decision (a repeated key is a re-run, which
        // the Redis backend answers idempotently and the in-process one does not track).
        t = t + Duration::seconds(static_cast<int64_t>(1 + rng() % 12));
        const std::string& s = syms[rng() % syms.size()];
        const Price px = Price::from_raw(static_cast<int64_t>(90'000'000 + rng() % 20'000'000));
        switch (rng() % 4) {
            case 0: {
                const MarketBar b = bar(s, t - Duration::minutes(1), px);
                mem.on_bar(b);
                red.on_bar(b);
                break;
            }
            case 1:
            case 2: {
                const Quantity qty = Q(static_cast<int64_t>(1 + rng() % 10));
                Prediction p = pred(s, px, t - Duration::minutes(1));
                auto a = mem.evaluate_with_qty(p, qty, t);
                auto b = red.evaluate_with_qty(p, qty, t);
                ASSERT_TRUE(a.has_value() && b.has_value());
                ASSERT_EQ(risk_reasons_to_string(a->reasons), risk_reasons_to_string(b->reasons))
                    << "step " << step << " " << s << " at " << t.iso();
                ASSERT_EQ(a->header.event_id, b->header.event_id);
                reasons_seen |= a->reasons;
                if (a->approved) {
                    ++approved;
                    open.push_back(*a);
                } else {
                    ++rejected;
                }
                break;
            }
            default: {
                if (open.empty()) break;
                const size_t i = rng() % open.size();
                RiskDecision& d = open[i];
                const uint64_t what = rng() % 4;
                ExecutionReport r;
                if (what == 0) {
                    r = report(d, OrderStatus::kPartiallyFilled, Q(d.qty.raw() / 2'000'000), px);
                } else if (what == 1) {
                    r = report(d, OrderStatus::kFilled, d.qty, px);
                } else if (what == 2) {
                    r = report(d, OrderStatus::kCanceled, Quantity{}, Price{});
                } else {
                    // An exit of a filled entry: position back to flat.
                    RiskDecision x = d;
                    x.header.idempotency_key = IdempotencyKey("exit:" + s + std::to_string(step));
                    x.side = Side::kSell;
                    mem.on_execution(report(d, OrderStatus::kFilled, d.qty, px));
                    red.on_execution(report(d, OrderStatus::kFilled, d.qty, px));
                    r = report(x, OrderStatus::kFilled, d.qty, px);
                }
                mem.on_execution(r);
                red.on_execution(r);
                if (what != 0) open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
        }
        ASSERT_EQ(mem.total_exposure(), red.total_exposure());
        if (t > day_end) {  // on to the next day, an hour before its session ends
            t = t + Duration::hours(18);
            day_end = day_end + Duration::days(1);
        }
    }
    // Not vacuous: both outcomes and every shared gate happened.
    EXPECT_GT(approved, 20);
    EXPECT_GT(rejected, 20);
    for (RiskReason r : {RiskReason::kOrdersPerMinuteExceeded, RiskReason::kCooldownActive,
                         RiskReason::kTotalExposureExceeded, RiskReason::kSymbolExposureExceeded,
                         RiskReason::kOrdersPerSymbolDayExceeded}) {
        EXPECT_NE(reasons_seen & bit(r), 0U) << to_string(r);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Several engines at once never approve past a limit, and do reach it.

struct Scenario {
    const char* name;
    RiskConfig config;
    bool one_symbol;  // every attempt on AAPL (else a symbol per attempt)
    int expected;     // approvals in total
};

RiskConfig loose() {
    RiskConfig c;
    c.max_orders_per_minute = 100000;
    c.max_orders_per_symbol_per_day = 100000;
    c.cooldown_minutes = 0;
    c.max_total_exposure_usd = Money::from_units(100'000'000);
    c.max_symbol_exposure_usd = Money::from_units(100'000'000);
    return c;
}

std::vector<Scenario> scenarios() {
    std::vector<Scenario> v;
    RiskConfig rate = loose();
    rate.max_orders_per_minute = 5;
    v.push_back({"orders_per_minute", rate, false, 5});
    RiskConfig day = loose();
    day.max_orders_per_symbol_per_day = 3;
    v.push_back({"orders_per_symbol_per_day", day, true, 3});
    RiskConfig cool = loose();
    cool.cooldown_minutes = 15;
    v.push_back({"cooldown", cool, true, 1});
    RiskConfig total = loose();
    total.max_total_exposure_usd = Money::from_units(10'000);
    v.push_back({"total_exposure", total, false, 10});
    RiskConfig sym = loose();
    sym.max_symbol_exposure_usd = Money::from_units(3'000);
    v.push_back({"symbol_exposure", sym, true, 3});
    return v;
}

/// Engine `worker` of a race: `attempts` entries of 10 x $100 within one minute of kT0 (each its
/// own key); returns how many it got approved.
int race(RiskEngine& e, int worker, int attempts, bool one_symbol) {
    int approved = 0;
    for (int i = 0; i < attempts; ++i) {
        char sym[16];
        if (one_symbol) {
            std::snprintf(sym, sizeof(sym), "AAPL");
        } else {
            std::snprintf(sym, sizeof(sym), "S%d_%d", worker, i);
        }
        // Distinct bar starts give distinct keys; all inside the same minute and cooldown.
        const Timestamp bs = kT0 - Duration::minutes(1) + Duration::millis(worker * 1000 + i);
        const Timestamp now = kT0 + Duration::millis(worker * 1000 + i);
        auto d = e.evaluate_with_qty(pred(sym, P("100"), bs), Q(10), now);
        if (d && d->approved) ++approved;
    }
    return approved;
}

TEST_F(RedisRiskLimitsTest, ConcurrentEnginesNeverExceedLimits) {
    constexpr int kEngines = 6;
    constexpr int kAttempts = 12;
    for (const Scenario& s : scenarios()) {
        const std::string ns = unique_ns(s.name);
        std::vector<std::unique_ptr<RiskEngine>> engines;
        for (int i = 0; i < kEngines; ++i) {
            engines.push_back(std::make_unique<RiskEngine>(s.config, 100 + static_cast<uint64_t>(i),
                                                           limits(s.config, ns)));
        }
        std::atomic<int> total{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (int i = 0; i < kEngines; ++i) {
            threads.emplace_back([&, i] {
                while (!go.load()) std::this_thread::yield();
                total += race(*engines[static_cast<size_t>(i)], i, kAttempts, s.one_symbol);
            });
        }
        go = true;
        for (auto& t : threads) t.join();
        EXPECT_EQ(total.load(), s.expected) << s.name;
    }
}

TEST_F(RedisRiskLimitsTest, ConcurrentProcessesNeverExceedLimits) {
    constexpr int kProcesses = 4;
    constexpr int kAttempts = 10;
    for (const Scenario& s : scenarios()) {
        const std::string ns = unique_ns(s.name);
        std::vector<pid_t> children;
        for (int i = 0; i < kProcesses; ++i) {
            const pid_t pid = ::fork();
            ASSERT_GE(pid, 0);
            if (pid == 0) {
                // The child: its own engine and connection; reports its approvals as exit code.
                auto l = RedisRiskLimits::create(s.config, server_.url(), ns);
                if (!l.ok()) ::_exit(255);
                RiskEngine e(s.config, 200 + static_cast<uint64_t>(i), std::move(l.value()));
                ::_exit(race(e, i, kAttempts, s.one_symbol));
            }
            children.push_back(pid);
        }
        int total = 0;
        for (pid_t pid : children) {
            int status = 0;
            ASSERT_EQ(::waitpid(pid, &status, 0), pid);
            ASSERT_TRUE(WIFEXITED(status));
            ASSERT_NE(WEXITSTATUS(status), 255) << "child could not create its limits";
            total += WEXITSTATUS(status);
        }
        EXPECT_EQ(total, s.expected) << s.name;
    }
}

// ---------------------------------------------------------------------------------------------
// (c) A decision re-run with the same key reserves once.

TEST_F(RedisRiskLimitsTest, SameKeyReservesOnce) {
    RiskConfig c = loose();
    const std::string ns = unique_ns("idem");
    RiskEngine a(c, 1, limits(c, ns));
    RiskEngine b(c, 1, limits(c, ns));
    const Prediction p = pred("AAPL", P("100"), kT0 - Duration::minutes(1));
    auto d1 = a.evaluate_with_qty(p, Q(10), kT0);
    auto d2 = a.evaluate_with_qty(p, Q(10), kT0);  // redelivered to the same engine
    auto d3 = b.evaluate_with_qty(p, Q(10), kT0);  // ... or re-run by another one
    ASSERT_TRUE(d1 && d2 && d3);
    EXPECT_TRUE(d1->approved);
    EXPECT_TRUE(d2->approved);
    EXPECT_TRUE(d3->approved);
    EXPECT_EQ(d1->header.idempotency_key, d3->header.idempotency_key);
    EXPECT_EQ(a.open_reservations(), 1U);
    EXPECT_EQ(a.symbol_view(Symbol("AAPL"))->reserved, M("1000"));
    const std::string prefix = "awet:risk:" + ns + ":";
    EXPECT_EQ(server_.cli("GET " + prefix + "reserved_total").out, "1000000000\n");
    EXPECT_EQ(server_
                  .cli("SCARD " + prefix +
                       "day:" + std::to_string(days_from_civil(Date{2026, 3, 12})) + ":AAPL")
                  .out,
              "1\n");
    EXPECT_EQ(server_.cli("ZCARD " + prefix + "rate").out, "1\n");
}

// ---------------------------------------------------------------------------------------------
// (d) Fills convert reservations into positions and cancels release them, for every engine.

TEST_F(RedisRiskLimitsTest, FillsAndCancelsAreSeenByOtherEngines) {
    RiskConfig c = loose();
    c.max_symbol_exposure_usd = M("2000");
    const std::string ns = unique_ns("fills");
    RiskEngine a(c, 1, limits(c, ns));
    RiskEngine b(c, 2, limits(c, ns));
    auto d1 = a.evaluate_with_qty(pred("AAPL", P("100"), kT0 - Duration::minutes(2)), Q(10), kT0);
    auto d2 = a.evaluate_with_qty(pred("AAPL", P("100"), kT0 - Duration::minutes(1)), Q(10), kT0);
    ASSERT_TRUE(d1->approved && d2->approved);
    const Timestamp t1 = kT0 + Duration::seconds(1);
    const Prediction pb = pred("AAPL", P("100"), kT0);
    // $2000 reserved by A: B's $1000 would exceed the symbol's $2000.
    EXPECT_EQ(b.evaluate_with_qty(pb, Q(10), t1)->reasons,
              bit(RiskReason::kSymbolExposureExceeded));
    // A's first order fills: the reservation becomes a position, the exposure stays.
    a.on_execution(report(*d1, OrderStatus::kPartiallyFilled, Q(4), P("100")));
    a.on_execution(report(*d1, OrderStatus::kFilled, Q(10), P("100")));
    EXPECT_EQ(
        b.evaluate_with_qty(pred("AAPL", P("100"), kT0 + Duration::seconds(1)), Q(10), t1)->reasons,
        bit(RiskReason::kSymbolExposureExceeded));
    // A's second order is canceled: $1000 released, B gets its entry.
    a.on_execution(report(*d2, OrderStatus::kCanceled, Quantity{}, Price{}));
    auto ok = b.evaluate_with_qty(pred("AAPL", P("100"), kT0 + Duration::seconds(2)), Q(10), t1);
    EXPECT_TRUE(ok->approved) << risk_reasons_to_string(ok->reasons);
    // The same reports delivered to B as well change nothing (counted once).
    b.on_execution(report(*d1, OrderStatus::kFilled, Q(10), P("100")));
    b.on_execution(report(*d2, OrderStatus::kCanceled, Quantity{}, Price{}));
    const std::string prefix = "awet:risk:" + ns + ":";
    EXPECT_EQ(server_.cli("HGET " + prefix + "position AAPL").out, "10000000\n");
    EXPECT_EQ(server_.cli("GET " + prefix + "reserved_total").out, "1000000000\n");  // B's
    // An exit seen by A only flattens the position for B too.
    RiskDecision x = *d1;
    x.header.idempotency_key = IdempotencyKey("exit:AAPL:1");
    x.side = Side::kSell;
    a.on_execution(report(x, OrderStatus::kFilled, Q(10), P("100")));
    EXPECT_EQ(server_.cli("HGET " + prefix + "position AAPL").out, "0\n");
    auto again = b.evaluate_with_qty(pred("AAPL", P("100"), kT0 + Duration::seconds(3)), Q(10), t1);
    EXPECT_TRUE(again->approved) << risk_reasons_to_string(again->reasons);
}

// ---------------------------------------------------------------------------------------------
// (e) Redis down: entries are rejected (fail closed); recovery once it is back.

TEST_F(RedisRiskLimitsTest, FailsClosedWhileRedisIsDownAndRecovers) {
    RiskConfig c = loose();
    auto l = limits(c, unique_ns("down"));
    auto* redis = dynamic_cast<RedisRiskLimits*>(l.get());
    ASSERT_NE(redis, nullptr);
    RiskEngine e(c, 1, std::move(l));
    auto d0 = e.evaluate_with_qty(pred("AAPL", P("100"), kT0 - Duration::minutes(1)), Q(1), kT0);
    ASSERT_TRUE(d0->approved);

    server_.stop();
    auto d1 = e.evaluate_with_qty(pred("MSFT", P("100"), kT0), Q(1), kT0);
    ASSERT_TRUE(d1.has_value());
    EXPECT_FALSE(d1->approved);
    EXPECT_EQ(d1->reasons, kSharedRiskReasons);  // the unknown state counts as every limit hit
    // A fill while down is kept and written once the server answers again.
    e.on_execution(report(*d0, OrderStatus::kFilled, Q(1), P("100")));
    EXPECT_EQ(redis->pending_writes(), 1U);
    auto direct = redis->check_and_reserve(EntryRequest{});
    ASSERT_FALSE(direct.ok());
    EXPECT_NE(direct.error().message.find(server_.url()), std::string::npos)
        << direct.error().message;

    ASSERT_TRUE(server_.restart()) << server_.error();
    auto d2 = e.evaluate_with_qty(pred("MSFT", P("100"), kT0 + Duration::minutes(1)), Q(1),
                                  kT0 + Duration::minutes(1));
    EXPECT_TRUE(d2->approved) << risk_reasons_to_string(d2->reasons);
    EXPECT_EQ(redis->pending_writes(), 0U);
    EXPECT_EQ(server_.cli("HGET " + redis->key_prefix() + "position AAPL").out, "1000000\n");
}

TEST(RedisRiskLimitsUrl, ParsesAndRedacts) {
    auto u = parse_redis_url("redis://user:s3cret@cache.local:6380/2");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->host, "cache.local");
    EXPECT_EQ(u->port, 6380);
    EXPECT_EQ(u->db, 2);
    EXPECT_EQ(u->user, "user");
    EXPECT_EQ(u->password, "s3cret");
    EXPECT_EQ(u->redacted(), "redis://cache.local:6380/2");
    EXPECT_EQ(parse_redis_url("redis://127.0.0.1")->port, 6379);
    EXPECT_FALSE(parse_redis_url("http://x:1").ok());
    EXPECT_FALSE(parse_redis_url("redis://x:notaport").ok());
}

// ---------------------------------------------------------------------------------------------
// (f) Namespaces do not interfere; every key carries a TTL.

TEST_F(RedisRiskLimitsTest, NamespacesAreIndependentAndKeysExpire) {
    RiskConfig c = loose();
    c.max_orders_per_minute = 2;
    c.cooldown_minutes = 15;
    const std::string ns1 = unique_ns("one"), ns2 = unique_ns("two");
    RiskEngine a(c, 1, limits(c, ns1));
    RiskEngine b(c, 1, limits(c, ns2));
    for (RiskEngine* e : {&a, &b}) {
        EXPECT_TRUE(e->evaluate_with_qty(pred("AAPL", P("100"), kT0), Q(1), kT0)->approved);
        EXPECT_TRUE(e->evaluate_with_qty(pred("MSFT", P("100"), kT0), Q(1), kT0)->approved);
    }
    EXPECT_EQ(a.evaluate_with_qty(pred("GOOG", P("100"), kT0), Q(1), kT0)->reasons,
              bit(RiskReason::kOrdersPerMinuteExceeded));
    a.on_execution(report(*b.evaluate_with_qty(pred("NVDA", P("100"), kT0 - Duration::minutes(3)),
                                               Q(1), kT0 - Duration::minutes(3)),
                          OrderStatus::kFilled, Q(1), P("100")));

    const std::string prefix = "awet:risk:" + ns1 + ":";
    auto keys = server_.cli("--scan --pattern '" + prefix + "*'").out;
    int n = 0;
    for (size_t pos = 0; (pos = keys.find('\n')) != std::string::npos; keys.erase(0, pos + 1)) {
        const std::string key = keys.substr(0, pos);
        const long long ttl = std::stoll(server_.cli("PTTL '" + key + "'").out);
        EXPECT_GT(ttl, 0) << key;
        long long max = 7LL * 24 * 3600 * 1000;
        if (key == prefix + "rate") max = 2 * 60 * 1000;
        if (key.rfind(prefix + "last:", 0) == 0) max = 16 * 60 * 1000;
        if (key.rfind(prefix + "day:", 0) == 0 || key.rfind(prefix + "order:", 0) == 0)
            max = 2LL * 24 * 3600 * 1000;
        EXPECT_LE(ttl, max) << key;
        ++n;
    }
    EXPECT_GE(n, 8);  // rate, 2 day sets, 2 cooldowns, orders, reservations, positions, prices
}

}  // namespace
}  // namespace awet
