#include "awet/config/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <vector>

#include "awet_test_support.hpp"

namespace awet {
namespace {

/// Sets an environment variable for the scope of a test.
class EnvVar {
public:
    EnvVar(std::string name, const std::string& value) : name_(std::move(name)) {
        ::setenv(name_.c_str(), value.c_str(), 1);
    }
    ~EnvVar() { ::unsetenv(name_.c_str()); }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    std::string name_;
};

Config load_ok(const std::string& yaml) {
    auto c = load_config_from_string(yaml, "test.yaml");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : Config{};
}

std::string load_error(const std::string& yaml, const std::string& origin = "config/x.yaml") {
    auto c = load_config_from_string(yaml, origin);
    EXPECT_FALSE(c.ok()) << yaml;
    return c.ok() ? "" : c.error().message;
}

TEST(Config, DefaultsAreSeedParameters) {
    Config c = load_ok("");
    EXPECT_EQ(c.risk.max_trade_notional_usd, Money::from_units(1000));
    EXPECT_EQ(c.risk.max_qty_per_trade, Quantity::from_units(100));
    EXPECT_EQ(c.risk.max_orders_per_minute, 5);
    EXPECT_EQ(c.risk.max_orders_per_symbol_per_day, 3);
    EXPECT_EQ(c.risk.cooldown_minutes, 15);
    EXPECT_EQ(c.risk.max_total_exposure_usd, Money::from_units(50000));
    EXPECT_EQ(c.risk.max_symbol_exposure_usd, Money::from_units(10000));
    EXPECT_DOUBLE_EQ(c.exits.take_profit_pct, 1.0);
    EXPECT_DOUBLE_EQ(c.exits.stop_loss_pct, 0.5);
    EXPECT_EQ(c.exits.max_holding_minutes, 60);
    EXPECT_TRUE(c.execution.dry_run);
    EXPECT_EQ(c.execution.broker, "sim");
    EXPECT_EQ(c.store.backend, "sqlite");
    EXPECT_EQ(c.data.symbols.size(), 7u);
    EXPECT_TRUE(validate(Config{}).ok());
    auto from_path = load_config("");
    ASSERT_TRUE(from_path.ok());
    EXPECT_EQ(from_path->risk.cooldown_minutes, 15);
}

TEST(Config, KeysTableCoversEveryFieldWithDefaults) {
    const auto& keys = config_keys();
    EXPECT_EQ(keys.size(), 69u);
    std::set<std::string> names;
    for (const auto& k : keys) {
        EXPECT_FALSE(k.description.empty()) << k.key;
        names.insert(k.key);
    }
    EXPECT_EQ(names.size(), keys.size());
    auto default_of = [&](const std::string& key) {
        for (const auto& k : keys) {
            if (k.key == key) return k.default_value;
        }
        return std::string("<missing>");
    };
    EXPECT_EQ(default_of("seed"), "42");
    EXPECT_EQ(default_of("bus.codec"), "json");
    EXPECT_EQ(default_of("data.alpaca_feed"), "iex");
    EXPECT_EQ(default_of("data.alpaca_stream_url"), "wss://stream.data.alpaca.markets");
    EXPECT_EQ(default_of("data.stale_feed_seconds"), "180");
    EXPECT_EQ(default_of("execution.bracket_orders"), "false");
    EXPECT_EQ(default_of("risk.redis_namespace"), "awet");
    EXPECT_EQ(default_of("risk.max_trade_notional_usd"), "1000");
    EXPECT_EQ(default_of("risk.max_qty_per_trade"), "100");
    EXPECT_EQ(default_of("risk.cooldown_minutes"), "15");
    EXPECT_EQ(default_of("risk.cvar_alpha"), "0.1");
    EXPECT_EQ(default_of("exits.take_profit_pct"), "1");
    EXPECT_EQ(default_of("exits.stop_loss_pct"), "0.5");
    EXPECT_EQ(default_of("execution.dry_run"), "true");
    EXPECT_EQ(default_of("execution.fee_per_share_usd"), "0");
    EXPECT_EQ(default_of("data.symbols"), "AAPL,MSFT,GOOG,AMZN,NVDA,META,TSLA");
    EXPECT_EQ(default_of("logging.format"), "auto");
}

TEST(Config, EnvVarNames) {
    EXPECT_EQ(config_env_var("risk.cooldown_minutes"), "AWET_RISK_COOLDOWN_MINUTES");
    EXPECT_EQ(config_env_var("risk.max_trade_notional_usd"), "AWET_RISK_MAX_TRADE_NOTIONAL_USD");
    EXPECT_EQ(config_env_var("seed"), "AWET_SEED");
}

TEST(Config, YamlOverrides) {
    Config c = load_ok(R"(
seed: 7
risk:
  max_trade_notional_usd: 2500.50
  cooldown_minutes: 30
  allow_short: yes
  cvar_alpha: 0.05
exits: {take_profit_pct: 2, max_holding_minutes: 45}
execution:
  dry_run: false
  fee_per_share_usd: 0.005
  slippage_bps: 3
data:
  symbols: [AAPL, MSFT]
logging:
  level: debug
)");
    EXPECT_EQ(c.seed, 7u);
    EXPECT_EQ(c.risk.max_trade_notional_usd, *Money::parse("2500.5"));
    EXPECT_EQ(c.risk.cooldown_minutes, 30);
    EXPECT_TRUE(c.risk.allow_short);
    EXPECT_DOUBLE_EQ(c.risk.cvar_alpha, 0.05);
    EXPECT_DOUBLE_EQ(c.exits.take_profit_pct, 2.0);
    EXPECT_EQ(c.exits.max_holding_minutes, 45);
    EXPECT_FALSE(c.execution.dry_run);
    EXPECT_EQ(c.execution.fee_per_share_usd.raw(), 5000);
    EXPECT_EQ(c.execution.slippage_bps, 3);
    EXPECT_EQ(c.data.symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
    EXPECT_EQ(c.logging.level, "debug");
    // Untouched keys keep their defaults.
    EXPECT_EQ(c.risk.max_orders_per_minute, 5);
}

TEST(Config, MoneyIsParsedExactly) {
    EXPECT_EQ(load_ok("risk: {max_trade_notional_usd: 0.000001}").risk.max_trade_notional_usd.raw(),
              1);
    EXPECT_EQ(load_ok("risk: {max_total_exposure_usd: 12345678.123456}")
                  .risk.max_total_exposure_usd.raw(),
              12'345'678'123'456);
    std::string e = load_error("risk: {max_trade_notional_usd: 1000.0000001}");
    EXPECT_NE(e.find("risk.max_trade_notional_usd"), std::string::npos) << e;
    EXPECT_NE(e.find("1000.0000001"), std::string::npos) << e;
}

TEST(Config, EmptySectionsAndDocumentAreFine) {
    Config c = load_ok("risk:\nexits:\n");
    EXPECT_EQ(c.risk.cooldown_minutes, 15);
}

TEST(Config, EnvOverridesYaml) {
    EnvVar cooldown("AWET_RISK_COOLDOWN_MINUTES", "7");
    EnvVar symbols("AWET_DATA_SYMBOLS", "AAPL, MSFT ,NVDA");
    EnvVar notional("AWET_RISK_MAX_TRADE_NOTIONAL_USD", "250.25");
    EnvVar dry("AWET_EXECUTION_DRY_RUN", "false");
    Config c = load_ok("risk: {cooldown_minutes: 30}\n");
    EXPECT_EQ(c.risk.cooldown_minutes, 7);
    EXPECT_EQ(c.data.symbols, (std::vector<std::string>{"AAPL", "MSFT", "NVDA"}));
    EXPECT_EQ(c.risk.max_trade_notional_usd, *Money::parse("250.25"));
    EXPECT_FALSE(c.execution.dry_run);
}

TEST(Config, BadEnvValueNamesTheVariable) {
    EnvVar cooldown("AWET_RISK_COOLDOWN_MINUTES", "soon");
    std::string e = load_error("");
    EXPECT_NE(e.find("AWET_RISK_COOLDOWN_MINUTES"), std::string::npos) << e;
    EXPECT_NE(e.find("risk.cooldown_minutes"), std::string::npos) << e;
    EXPECT_NE(e.find("soon"), std::string::npos) << e;
}

TEST(Config, EnvOutOfRangeIsAnError) {
    EnvVar rate("AWET_EXECUTION_PARTICIPATION_RATE", "1.5");
    std::string e = load_error("");
    EXPECT_NE(e.find("execution.participation_rate"), std::string::npos) << e;
}

TEST(Config, UnknownKeyNamesKeyAndFile) {
    std::string e = load_error("risk:\n  max_notional: 5\n");
    EXPECT_NE(e.find("unknown config key 'risk.max_notional' in config/x.yaml"), std::string::npos)
        << e;
    EXPECT_NE(e.find("line 2"), std::string::npos) << e;
    e = load_error("riskk: {cooldown_minutes: 1}\n");
    EXPECT_NE(e.find("'riskk'"), std::string::npos) << e;
    e = load_error("cooldown_minutes: 1\n");
    EXPECT_NE(e.find("'cooldown_minutes'"), std::string::npos) << e;
}

TEST(Config, WrongTypeNamesKeyAndValue) {
    std::string e = load_error("risk: {cooldown_minutes: abc}\n");
    EXPECT_NE(
        e.find(
            "config key 'risk.cooldown_minutes' in config/x.yaml: expected an integer, got 'abc'"),
        std::string::npos)
        << e;
    e = load_error("risk: {cooldown_minutes: 1.5}\n");
    EXPECT_NE(e.find("expected an integer"), std::string::npos) << e;
    e = load_error("execution: {dry_run: maybe}\n");
    EXPECT_NE(e.find("execution.dry_run"), std::string::npos) << e;
    e = load_error("data: {symbols: AAPL}\n");
    EXPECT_NE(e.find("data.symbols"), std::string::npos) << e;
    EXPECT_NE(e.find("expected a list"), std::string::npos) << e;
    e = load_error("risk: {cooldown_minutes: [1, 2]}\n");
    EXPECT_NE(e.find("risk.cooldown_minutes"), std::string::npos) << e;
    e = load_error("risk: {cvar_alpha: lots}\n");
    EXPECT_NE(e.find("risk.cvar_alpha"), std::string::npos) << e;
    e = load_error("risk: 5\n");
    EXPECT_NE(e.find("'risk'"), std::string::npos) << e;
}

TEST(Config, OutOfRangeNamesKey) {
    struct Case {
        const char* yaml;
        const char* key;
    };
    for (const Case& c : {
             Case{"risk: {max_trade_notional_usd: -1}", "risk.max_trade_notional_usd"},
             Case{"risk: {max_qty_per_trade: -5}", "risk.max_qty_per_trade"},
             Case{"risk: {cooldown_minutes: -1}", "risk.cooldown_minutes"},
             Case{"risk: {max_orders_per_minute: -2}", "risk.max_orders_per_minute"},
             Case{"risk: {cvar_alpha: 0.7}", "risk.cvar_alpha"},
             Case{"risk: {cvar_alpha: 0}", "risk.cvar_alpha"},
             Case{"risk: {max_cvar_pct: 0}", "risk.max_cvar_pct"},
             Case{"risk: {min_confidence: 1.5}", "risk.min_confidence"},
             Case{"exits: {take_profit_pct: 0}", "exits.take_profit_pct"},
             Case{"exits: {stop_loss_pct: -0.5}", "exits.stop_loss_pct"},
             Case{"exits: {max_holding_minutes: 0}", "exits.max_holding_minutes"},
             Case{"execution: {participation_rate: 1.01}", "execution.participation_rate"},
             Case{"execution: {participation_rate: -0.1}", "execution.participation_rate"},
             Case{"execution: {broker: ibkr}", "execution.broker"},
             Case{"execution: {slippage_bps: -1}", "execution.slippage_bps"},
             Case{"execution: {fee_per_share_usd: -0.01}", "execution.fee_per_share_usd"},
             Case{"store: {backend: mysql}", "store.backend"},
             Case{"store: {postgres_pool_size: 0}", "store.postgres_pool_size"},
             Case{"bus: {backend: rabbitmq}", "bus.backend"},
             Case{"bus: {kafka_brokers: \"\"}", "bus.kafka_brokers"},
             Case{"risk: {state_backend: etcd}", "risk.state_backend"},
             Case{"risk: {redis_namespace: \"\"}", "risk.redis_namespace"},
             Case{"bus: {codec: protobuf}", "bus.codec"},
             Case{"store: {batch_size: 0}", "store.batch_size"},
             Case{"data: {symbols: []}", "data.symbols"},
             Case{"data: {symbols: [AAPL, aapl]}", "data.symbols"},
             Case{"data: {symbols: [AAPL, AAPL]}", "data.symbols"},
             Case{"logging: {level: verbose}", "logging.level"},
             Case{"logging: {format: xml}", "logging.format"},
         }) {
        std::string e = load_error(c.yaml);
        EXPECT_NE(e.find(std::string("'") + c.key + "'"), std::string::npos)
            << c.yaml << " -> " << e;
    }
    EXPECT_TRUE(load_config_from_string("execution: {participation_rate: 1}", "t").ok());
    EXPECT_TRUE(load_config_from_string("risk: {cvar_alpha: 0.5}", "t").ok());
}

// ---- Issue 11 defect 6: every numeric key has a range, named in the error. ----

TEST(Config, HugeDurationsAreOutOfRangeNotSilentlyOverflowed) {
    // 153,722,868 minutes is the first count whose nanoseconds overflow int64.
    std::string e = load_error("risk:\n  cooldown_minutes: 999999999\n");
    EXPECT_NE(e.find("config key 'risk.cooldown_minutes' in config/x.yaml: 999999999 is out of "
                     "range [0, 525600] (line 2)"),
              std::string::npos)
        << e;
    e = load_error("exits: {max_holding_minutes: 153722868}");
    EXPECT_NE(e.find("'exits.max_holding_minutes'"), std::string::npos) << e;
    EXPECT_NE(e.find("153722868 is out of range [1, 525600]"), std::string::npos) << e;
    e = load_error("risk: {no_entry_before_close_minutes: 153722868}");
    EXPECT_NE(e.find("'risk.no_entry_before_close_minutes'"), std::string::npos) << e;
    EXPECT_NE(e.find("out of range [0, 1440]"), std::string::npos) << e;
    e = load_error("exits: {flat_before_close_minutes: 1441}");
    EXPECT_NE(e.find("'exits.flat_before_close_minutes' in config/x.yaml: 1441 is out of "
                     "range [0, 1440]"),
              std::string::npos)
        << e;
    e = load_error("data: {stale_feed_seconds: 9223372037}");  // too big even for an int
    EXPECT_NE(e.find("'data.stale_feed_seconds'"), std::string::npos) << e;
    EXPECT_NE(e.find("9223372037 is out of range [1, 86400]"), std::string::npos) << e;
    // The largest allowed values load.
    Config c = load_ok("risk: {cooldown_minutes: 525600}\nexits: {max_holding_minutes: 525600}");
    EXPECT_EQ(c.risk.cooldown_minutes, 525600);
    EXPECT_EQ(c.exits.max_holding_minutes, 525600);
}

TEST(Config, RangeBoundsAsStated) {
    struct Case {
        const char* yaml;
        const char* error;  // nullptr: loads
    };
    for (const Case& c : {
             Case{"risk: {max_trade_notional_usd: 1000000000}", nullptr},
             Case{"risk: {max_trade_notional_usd: 1000000000.000001}",
                  "'risk.max_trade_notional_usd' in t.yaml: 1000000000.000001 is out of "
                  "range [0, 1000000000]"},
             Case{"risk: {max_trade_notional_usd: 99999999999999999}",
                  "99999999999999999 is out of range [0, 1000000000]"},
             Case{"risk: {max_total_exposure_usd: 1e12}", "expected a decimal amount"},
             Case{"risk: {max_symbol_exposure_usd: 2000000000}", "out of range [0, 1000000000]"},
             Case{"risk: {max_qty_per_trade: 1000000000}", nullptr},
             Case{"risk: {max_qty_per_trade: 1000000001}",
                  "'risk.max_qty_per_trade' in t.yaml: 1000000001 is out of range [0, "
                  "1000000000]"},
             Case{"risk: {max_orders_per_minute: 10000}", nullptr},
             Case{"risk: {max_orders_per_minute: 10001}", "out of range [0, 10000]"},
             Case{"risk: {max_orders_per_symbol_per_day: 100001}", "out of range [0, 100000]"},
             Case{"risk: {cvar_alpha: 0}",
                  "'risk.cvar_alpha' in t.yaml: 0 is out of range (0, 0.5]"},
             Case{"risk: {max_cvar_pct: 1}", nullptr},
             Case{"risk: {max_cvar_pct: 1.5}", "out of range (0, 1]"},
             Case{"risk: {cvar_lookback_bars: 1}", "out of range [2, 100000]"},
             Case{"risk: {cvar_lookback_bars: 100001}", "out of range [2, 100000]"},
             Case{"risk: {min_confidence: -0.1}", "out of range [0, 1]"},
             Case{"exits: {take_profit_pct: 100}", nullptr},
             Case{"exits: {take_profit_pct: 100.5}", "out of range (0, 100]"},
             Case{"exits: {stop_loss_pct: 0}", "out of range (0, 100]"},
             Case{"execution: {slippage_bps: 9999}", nullptr},
             Case{"execution: {slippage_bps: 10000}",
                  "'execution.slippage_bps' in t.yaml: 10000 is out of range [0, 10000)"},
             Case{"execution: {fee_per_share_usd: 1000.01}", "out of range [0, 1000]"},
             Case{"execution: {min_fee_usd: 1000001}", "out of range [0, 1000000]"},
             Case{"prediction: {reload_check_bars: 0}", "out of range [1, 1000000]"},
             Case{"store: {batch_size: 1000001}", "out of range [1, 1000000]"},
             Case{"store: {postgres_pool_size: 1024}", nullptr},
             Case{"store: {postgres_pool_size: 1025}", "out of range [1, 1024]"},
             Case{"data: {stale_feed_seconds: 86400}", nullptr},
             Case{"data: {stale_feed_seconds: 0}", "out of range [1, 86400]"},
         }) {
        auto r = load_config_from_string(c.yaml, "t.yaml");
        if (c.error == nullptr) {
            EXPECT_TRUE(r.ok()) << c.yaml << " -> " << r.error().message;
        } else {
            ASSERT_FALSE(r.ok()) << c.yaml;
            EXPECT_NE(r.error().message.find(c.error), std::string::npos)
                << c.yaml << " -> " << r.error().message;
        }
    }
}

TEST(Config, EveryNumericKeyHasARangeItsDefaultSatisfies) {
    for (const auto& k : config_keys()) {
        if (k.key == "seed") continue;  // any uint64 is a seed
        const bool numeric = !k.default_value.empty() &&
                             k.default_value.find_first_not_of("0123456789.-") == std::string::npos;
        EXPECT_EQ(numeric, !k.range.empty()) << k.key << " = " << k.default_value;
    }
    EXPECT_TRUE(load_config_from_string("", "t").ok());
}

TEST(Config, EnvOverridesGoThroughTheSameRangeChecks) {
    {
        EnvVar cooldown("AWET_RISK_COOLDOWN_MINUTES", "999999999");
        std::string e = load_error("");
        EXPECT_NE(e.find("environment variable AWET_RISK_COOLDOWN_MINUTES (config key "
                         "'risk.cooldown_minutes'): 999999999 is out of range [0, 525600]"),
                  std::string::npos)
            << e;
    }
    {
        EnvVar holding("AWET_EXITS_MAX_HOLDING_MINUTES", "153722868");
        std::string e = load_error("");
        EXPECT_NE(e.find("AWET_EXITS_MAX_HOLDING_MINUTES"), std::string::npos) << e;
        EXPECT_NE(e.find("153722868 is out of range [1, 525600]"), std::string::npos) << e;
    }
    {
        EnvVar huge("AWET_DATA_STALE_FEED_SECONDS", "99999999999999999999");
        std::string e = load_error("");
        EXPECT_NE(e.find("AWET_DATA_STALE_FEED_SECONDS"), std::string::npos) << e;
        EXPECT_NE(e.find("out of range [1, 86400]"), std::string::npos) << e;
    }
    {
        // The largest allowed value passes.
        EnvVar cooldown("AWET_RISK_COOLDOWN_MINUTES", "525600");
        EXPECT_EQ(load_ok("").risk.cooldown_minutes, 525600);
    }
}

TEST(Config, ValidateChecksRangesOfConfigsBuiltInCode) {
    Config c;
    c.risk.cooldown_minutes = 999'999'999;
    c.exits.max_holding_minutes = 153'722'868;
    c.risk.max_trade_notional_usd = Money::from_units(2'000'000'000);
    Status s = validate(c);
    ASSERT_FALSE(s.ok());
    const std::string& m = s.error().message;
    EXPECT_NE(m.find("config key 'risk.cooldown_minutes': 999999999 is out of range [0, 525600]"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("'exits.max_holding_minutes': 153722868 is out of range [1, 525600]"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("'risk.max_trade_notional_usd': 2000000000 is out of range [0, 1000000000]"),
              std::string::npos)
        << m;
    c = Config{};
    c.exits.take_profit_pct = std::nan("");
    EXPECT_FALSE(validate(c).ok());
}

// ---- Issue 11 defect 10: ambiguous configuration. ----

TEST(Config, DuplicateKeyInASectionIsAnError) {
    std::string e = load_error("execution:\n  dry_run: true\n  dry_run: false\n");
    EXPECT_NE(e.find("duplicate config key 'execution.dry_run' in config/x.yaml (line 3; first at "
                     "line 2)"),
              std::string::npos)
        << e;
    e = load_error("execution: {dry_run: false, dry_run: true}\n");
    EXPECT_NE(e.find("duplicate config key 'execution.dry_run'"), std::string::npos) << e;
    e = load_error("seed: 1\nseed: 2\n");
    EXPECT_NE(e.find("duplicate config key 'seed' in config/x.yaml (line 2; first at line 1)"),
              std::string::npos)
        << e;
    // The same value twice is still ambiguous to the reader: an error too.
    e = load_error("risk:\n  cooldown_minutes: 5\n  cooldown_minutes: 5\n");
    EXPECT_NE(e.find("'risk.cooldown_minutes'"), std::string::npos) << e;
}

TEST(Config, RepeatedSectionIsAnError) {
    std::string e = load_error(
        "execution:\n  dry_run: true\nrisk:\n  cooldown_minutes: 5\nexecution:\n"
        "  broker: sim\n");
    EXPECT_NE(e.find("duplicate config key 'execution' in config/x.yaml (line 5; first at line 1)"),
              std::string::npos)
        << e;
    // A dotted key and the nested one set the same field.
    e = load_error("risk.cooldown_minutes: 5\nrisk:\n  cooldown_minutes: 6\n");
    EXPECT_NE(e.find("duplicate config key 'risk.cooldown_minutes' in config/x.yaml (line 3; "
                     "first at line 1)"),
              std::string::npos)
        << e;
    // Different keys of one section, and the same key name in two sections, are fine.
    Config c = load_ok("risk: {cooldown_minutes: 5}\nexits: {max_holding_minutes: 5}\n");
    EXPECT_EQ(c.risk.cooldown_minutes, 5);
}

TEST(Config, DuplicateKeyInAFileNamesThePath) {
    awet::testing::TempDir dir;
    const std::string path = dir.file("dup.yaml");
    {
        std::ofstream out(path);
        out << "execution:\n  dry_run: true\n  broker: sim\n  dry_run: false\n";
    }
    auto r = load_config(path);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("duplicate config key 'execution.dry_run' in " + path +
                                     " (line 4; first at line 2)"),
              std::string::npos)
        << r.error().message;
}

TEST(Config, MistypedEnvVarOfASectionIsAnErrorNamingTheClosestKey) {
    {
        EnvVar typo("AWET_EXECUTION_DRYRUN", "false");
        std::string e = load_error("");
        EXPECT_NE(e.find("environment variable AWET_EXECUTION_DRYRUN is not a config key (did you "
                         "mean AWET_EXECUTION_DRY_RUN?)"),
                  std::string::npos)
            << e;
    }
    struct Case {
        const char* var;
        const char* closest;
    };
    for (const Case& c : {Case{"AWET_RISK_COOLDOWN_MINUTE", "AWET_RISK_COOLDOWN_MINUTES"},
                          Case{"AWET_EXITS_MAX_HOLDING", "AWET_EXITS_MAX_HOLDING_MINUTES"},
                          Case{"AWET_DATA_SYMBOL", "AWET_DATA_SYMBOLS"},
                          Case{"AWET_STORE_BATCHSIZE", "AWET_STORE_BATCH_SIZE"},
                          Case{"AWET_BUS_KAFKA_BROKER", "AWET_BUS_KAFKA_BROKERS"},
                          Case{"AWET_LOGGING_LEVLE", "AWET_LOGGING_LEVEL"},
                          Case{"AWET_PREDICTION_MODELDIR", "AWET_PREDICTION_MODEL_DIR"},
                          Case{"AWET_SEEDS", "AWET_SEED"}}) {
        EnvVar typo(c.var, "1");
        std::string e = load_error("");
        EXPECT_NE(
            e.find(std::string(c.var) + " is not a config key (did you mean " + c.closest + "?)"),
            std::string::npos)
            << c.var << " -> " << e;
    }
}

TEST(Config, OtherUnknownAwetEnvVarsWarnLoudly) {
    EnvVar stray("AWET_SCHEMADIR", "/tmp");
    ::testing::internal::CaptureStderr();
    auto c = load_config_from_string("", "t");
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(c.ok()) << c.error().message;
    EXPECT_NE(err.find("WARNING"), std::string::npos) << err;
    EXPECT_NE(err.find("AWET_SCHEMADIR"), std::string::npos) << err;
    EXPECT_NE(err.find("did you mean AWET_SCHEMA_DIR?"), std::string::npos) << err;
}

TEST(Config, AllowlistedAwetEnvVarsAreQuiet) {
    const auto& allowed = non_config_env_vars();
    for (const char* name :
         {"AWET_SCHEMA_DIR", "AWET_TFT_MODULE", "AWET_PORT_BASE", "AWET_API_TOKEN",
          "AWET_VENUE_TOKEN", "AWET_RUN_DIR", "AWET_BIN", "AWET_REPLAY_EXIT_WHEN_DONE"}) {
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << name;
    }
    std::vector<std::unique_ptr<EnvVar>> vars;
    for (const auto& name : allowed) vars.push_back(std::make_unique<EnvVar>(name, "x"));
    ::testing::internal::CaptureStderr();
    auto c = load_config_from_string("", "t");
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(err, "");
}

TEST(Config, ValidateDirectly) {
    Config c;
    c.risk.cvar_alpha = 0.9;
    c.logging.format = "yaml";
    Status s = validate(c);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("risk.cvar_alpha"), std::string::npos);
    EXPECT_NE(s.error().message.find("logging.format"), std::string::npos);
}

TEST(Config, MissingFileNamesPath) {
    auto c = load_config("/nonexistent/dir/awet.yaml");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, ErrorCode::kIo);
    EXPECT_NE(c.error().message.find("/nonexistent/dir/awet.yaml"), std::string::npos);
}

TEST(Config, YamlSyntaxErrorHasLine) {
    std::string e = load_error("risk:\n  cooldown_minutes: 5\n  bad: [1, 2\n");
    EXPECT_NE(e.find("config/x.yaml"), std::string::npos) << e;
    EXPECT_NE(e.find("line"), std::string::npos) << e;
}

TEST(Config, LoadsFromFile) {
    awet::testing::TempDir dir;
    std::string path = dir.file("awet.yaml");
    {
        std::ofstream out(path);
        out << "risk:\n  max_qty_per_trade: 50\n  nope: 1\n";
    }
    auto bad = load_config(path);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find(path), std::string::npos);
    EXPECT_NE(bad.error().message.find("risk.nope"), std::string::npos);
    {
        std::ofstream out(path);
        out << "risk:\n  max_qty_per_trade: 50\n";
    }
    auto good = load_config(path);
    ASSERT_TRUE(good.ok()) << good.error().message;
    EXPECT_EQ(good->risk.max_qty_per_trade, Quantity::from_units(50));
}

}  // namespace
}  // namespace awet

namespace awet {
namespace {

// Each component owns its section: its keys come from the section of the component that reads
// them, in README order, and its rules name the full key.
TEST(ConfigSections, EveryKeyComesFromTheSectionOfTheComponentThatOwnsIt) {
    const std::vector<const ConfigSection*> sections = {
        &risk_config_section(),       &exit_config_section(),    &execution_config_section(),
        &prediction_config_section(), &store_config_section(),   &bus_config_section(),
        &data_config_section(),       &logging_config_section(), &scheduler_config_section()};
    std::vector<std::string> from_sections = {"seed", "home"};
    for (const ConfigSection* section : sections) {
        EXPECT_FALSE(section->fields.empty()) << section->name;
        for (const ConfigField& f : section->fields) from_sections.push_back(section->key(f));
    }
    std::vector<std::string> composed;
    for (const ConfigKey& k : config_keys()) composed.push_back(k.key);
    EXPECT_EQ(composed, from_sections);
}

TEST(ConfigSections, ASectionStandsAloneOnItsStruct) {
    // The risk engine's own struct and section, without the composed Config.
    RiskConfig risk;
    risk.state_backend = "etcd";
    const ConfigSection& section = risk_config_section();
    ConfigChecker checker(section.name);
    section.check(&risk, checker);
    ASSERT_EQ(checker.problems().size(), 1U);
    EXPECT_EQ(checker.problems()[0],
              "config key 'risk.state_backend': must be one of memory|redis, got 'etcd'");
    const auto it = std::find_if(
        section.fields.begin(), section.fields.end(),
        [](const ConfigField& f) { return std::string_view(f.name) == "cooldown_minutes"; });
    ASSERT_NE(it, section.fields.end());
    EXPECT_EQ(render_config_value(it->kind, it->at(&risk)), "15");
    EXPECT_EQ(render_config_range(it->range), "[0, 525600]");
    // The exit section has no rule across its keys.
    EXPECT_EQ(exit_config_section().check, nullptr);
}

TEST(ConfigSections, ASectionRuleFailsTheLoadWithTheFullKey) {
    auto config = load_config_from_string("store:\n  backend: mysql\n", "test.yaml");
    ASSERT_FALSE(config.ok());
    EXPECT_NE(config.error().message.find(
                  "config key 'store.backend': must be one of sqlite|postgres, got 'mysql'"),
              std::string::npos)
        << config.error().message;
}

}  // namespace
}  // namespace awet
