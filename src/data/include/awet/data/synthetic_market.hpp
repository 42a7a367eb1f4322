#pragma once
// Seeded synthetic US-equity market: realistic 1-minute regular-session bars for demos, tests and
// benchmarks when no vendor data is at hand. Model (details and parameters in src/data/README.md):
// correlated log returns (one market factor, per-symbol beta and idiosyncratic noise), a 2-state
// Markov volatility regime, U-shaped intraday volatility and volume, overnight gaps at each
// session open, and a weak persistent drift (AR(1) latent momentum) that a forecaster can learn.
// Same config -> byte-identical bars (on one platform's libm).
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/time.hpp"
#include "awet/data/market_data_source.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// Per-symbol parameters. Known tickers get hand-set values; others are derived from a hash of
/// the ticker (price 20..500, volatility 25%..60%, beta 0.8..1.4).
struct SymbolProfile {
    double start_price = 100;    // dollars, first open
    double annual_vol = 0.30;    // annualised total volatility of log returns
    double beta = 1.0;           // loading on the market factor
    double daily_volume = 20e6;  // average shares per regular session
};
SymbolProfile symbol_profile(std::string_view symbol);

struct SyntheticMarketConfig {
    uint64_t seed = 42;
    std::vector<std::string> symbols = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA"};
    Date start_date{2026, 3, 2};  // first trading day on or after this date
    int days = 5;                 // trading days to generate

    // Model parameters (see README). Per-minute quantities use 252 * 390 minutes a year.
    double market_annual_vol = 0.18;         // market factor volatility
    double momentum_persistence = 0.98;      // rho of the latent drift, per minute
    double momentum_strength = 0.10;         // stationary sd of the drift / per-minute sd
    double turbulent_vol_multiplier = 2.2;   // turbulent / calm volatility
    double p_calm_to_turbulent = 1.0 / 600;  // per minute
    double p_turbulent_to_calm = 1.0 / 90;   // per minute
    double overnight_gap_scale = 0.35;       // sd of the overnight log gap / daily sd
};

/// Optional diagnostics of a generation run, one entry per generated minute.
struct SyntheticTrace {
    std::vector<Timestamp> minute_start;
    std::vector<uint8_t> turbulent;  // 1 while the volatility regime is turbulent
};

/// Generates the market one trading day at a time (bounded memory for long runs).
/// Single-threaded; owned by whoever pulls the bars.
class SyntheticMarket {
public:
    explicit SyntheticMarket(SyntheticMarketConfig config);

    /// Appends the next trading day's bars (ordered by bar_start, then symbol) to `out`;
    /// false once `days` days were produced.
    bool next_day(std::vector<MarketBar>& out, SyntheticTrace* trace = nullptr);
    /// The symbols in output order (sorted; duplicates, empty and over-long tickers dropped).
    const std::vector<std::string>& symbols() const { return sorted_symbols_; }

private:
    struct SymbolState {
        std::string symbol;
        Symbol ticker;
        SymbolProfile profile;
        double sigma_min = 0;  // per-minute total vol
        double idio_min = 0;   // per-minute idiosyncratic vol
        double log_price = 0;  // continuous log price
        int64_t close_cents = 0;
        double drift = 0;        // latent momentum, per-minute log return
        double base_volume = 0;  // shares per minute before shapes
    };

    double uniform();  // in (0, 1)
    double normal();   // standard normal (Marsaglia polar)
    void open_gap();

    SyntheticMarketConfig config_;
    std::mt19937_64 rng_;
    std::optional<double> spare_normal_;
    std::vector<SymbolState> states_;   // config order (draw order)
    std::vector<size_t> output_order_;  // indices into states_, sorted by symbol
    std::vector<std::string> sorted_symbols_;
    Date date_;
    int produced_days_ = 0;
    bool turbulent_ = false;
    double calm_mult_ = 1;
    double market_sigma_min_ = 0;
    double vol_shape_norm_ = 1;     // makes the full-session mean of squared vol shape 1
    double volume_shape_norm_ = 1;  // makes the full-session mean volume shape 1
};

/// All bars of the configured days, ordered by (bar_start, symbol).
std::vector<MarketBar> generate_synthetic_market(const SyntheticMarketConfig& config,
                                                 SyntheticTrace* trace = nullptr);

/// A MarketDataSource over a SyntheticMarket, generating a day at a time. Single-threaded.
class SyntheticSource : public MarketDataSource {
public:
    explicit SyntheticSource(SyntheticMarketConfig config);

    std::string_view name() const override { return "synthetic"; }
    Result<std::optional<MarketBar>> next() override;

private:
    SyntheticMarket market_;
    std::vector<MarketBar> day_;
    size_t pos_ = 0;
};

}  // namespace awet
