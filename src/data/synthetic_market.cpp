#include "awet/data/synthetic_market.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "awet/calendar/calendar.hpp"

namespace awet {
namespace {

constexpr int kFullSessionMinutes = 390;
constexpr double kMinutesPerYear = 252.0 * kFullSessionMinutes;
constexpr double kMeanAbsNormal = 0.7978845608028654;  // E|Z| = sqrt(2/pi)
constexpr double kVolumeNoiseSd = 0.4;
constexpr double kTurbulentVolumeFactor = 1.5;

/// Raw U-shaped volatility multiplier, m minutes after the open and mc minutes before the close.
double vol_shape_raw(int m, int mc) {
    return 0.8 + 1.2 * std::exp(-m / 25.0) + 0.5 * std::exp(-mc / 20.0);
}

/// Raw U-shaped volume multiplier (heavier at the open and at the close).
double volume_shape_raw(int m, int mc) {
    return 1.0 + 3.0 * std::exp(-m / 20.0) + 2.5 * std::exp(-mc / 25.0);
}

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 1469598103934665603ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

int64_t to_cents(double price) {
    int64_t c = static_cast<int64_t>(std::llround(price * 100.0));
    return c < 1 ? 1 : c;
}

Price cents_price(int64_t cents) { return Price::from_raw(cents * (kFixedScale / 100)); }

}  // namespace

SymbolProfile symbol_profile(std::string_view symbol) {
    struct Known {
        std::string_view symbol;
        SymbolProfile profile;
    };
    // Price levels of March 2026 (the primary 1-minute data set); volatilities and betas are
    // typical long-run values; volumes are typical consolidated daily volumes.
    static constexpr Known kKnown[] = {
        {"AAPL", {258.0, 0.28, 1.10, 50e6}}, {"MSFT", {405.0, 0.25, 1.00, 22e6}},
        {"GOOG", {306.0, 0.30, 1.05, 25e6}}, {"GOOGL", {305.0, 0.30, 1.05, 30e6}},
        {"AMZN", {210.0, 0.32, 1.15, 40e6}}, {"NVDA", {184.0, 0.50, 1.70, 180e6}},
        {"META", {649.0, 0.38, 1.25, 12e6}}, {"TSLA", {405.0, 0.60, 1.90, 95e6}},
        {"SPY", {671.0, 0.16, 1.00, 60e6}},  {"QQQ", {580.0, 0.21, 1.20, 40e6}},
    };
    for (const Known& k : kKnown) {
        if (k.symbol == symbol) return k.profile;
    }
    uint64_t h = fnv1a(symbol);
    SymbolProfile p;
    p.start_price = 20.0 + static_cast<double>(h % 48001) / 100.0;
    p.annual_vol = 0.25 + static_cast<double>((h >> 20) % 36) / 100.0;
    p.beta = 0.8 + static_cast<double>((h >> 28) % 61) / 100.0;
    p.daily_volume = 5e6 + static_cast<double>((h >> 36) % 45'000'000);
    return p;
}

SyntheticMarket::SyntheticMarket(SyntheticMarketConfig config)
    : config_(std::move(config)), rng_(config_.seed) {
    market_sigma_min_ = config_.market_annual_vol / std::sqrt(kMinutesPerYear);
    // Regime multipliers scaled so that the stationary mean of the squared multiplier is 1:
    // the configured annual volatilities hold on average over regimes.
    double p_up = config_.p_calm_to_turbulent;
    double p_down = config_.p_turbulent_to_calm;
    double pi_turbulent = (p_up + p_down) > 0 ? p_up / (p_up + p_down) : 0.0;
    double t = config_.turbulent_vol_multiplier;
    calm_mult_ = 1.0 / std::sqrt((1.0 - pi_turbulent) + pi_turbulent * t * t);

    double sum_sq = 0, sum_vol = 0;
    for (int k = 0; k < kFullSessionMinutes; ++k) {
        double v = vol_shape_raw(k, kFullSessionMinutes - 1 - k);
        sum_sq += v * v;
        sum_vol += volume_shape_raw(k, kFullSessionMinutes - 1 - k);
    }
    vol_shape_norm_ = 1.0 / std::sqrt(sum_sq / kFullSessionMinutes);
    volume_shape_norm_ = kFullSessionMinutes / sum_vol;

    for (const std::string& sym : config_.symbols) {
        if (sym.empty() || sym.size() > Symbol::capacity()) continue;  // not a valid ticker
        bool seen = false;
        for (const SymbolState& s : states_) seen = seen || s.symbol == sym;
        if (seen) continue;
        SymbolState s;
        s.symbol = sym;
        s.ticker = Symbol(sym);
        s.profile = symbol_profile(sym);
        s.sigma_min = s.profile.annual_vol / std::sqrt(kMinutesPerYear);
        double systematic = s.profile.beta * market_sigma_min_;
        double idio_sq = s.sigma_min * s.sigma_min - systematic * systematic;
        double floor_sq = 0.25 * 0.25 * s.sigma_min * s.sigma_min;
        s.idio_min = std::sqrt(std::max(idio_sq, floor_sq));
        s.close_cents = to_cents(s.profile.start_price);
        s.log_price = std::log(static_cast<double>(s.close_cents) / 100.0);
        s.base_volume = s.profile.daily_volume / kFullSessionMinutes;
        states_.push_back(std::move(s));
    }
    output_order_.resize(states_.size());
    for (size_t i = 0; i < states_.size(); ++i) output_order_[i] = i;
    std::sort(output_order_.begin(), output_order_.end(),
              [this](size_t a, size_t b) { return states_[a].symbol < states_[b].symbol; });
    for (size_t i : output_order_) sorted_symbols_.push_back(states_[i].symbol);
    date_ = SessionCalendar::trading_day_on_or_after(config_.start_date);
}

double SyntheticMarket::uniform() {
    // 53 random bits, centred in their interval: never 0, never 1.
    return (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
}

double SyntheticMarket::normal() {
    if (spare_normal_) {
        double z = *spare_normal_;
        spare_normal_.reset();
        return z;
    }
    double u = 0, v = 0, s = 0;
    do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_normal_ = v * f;
    return u * f;
}

void SyntheticMarket::open_gap() {
    const double sqrt_session = std::sqrt(static_cast<double>(kFullSessionMinutes));
    const double market_daily = market_sigma_min_ * sqrt_session;
    const double zm = normal();
    for (SymbolState& s : states_) {
        double g = config_.overnight_gap_scale *
                   (s.profile.beta * market_daily * zm + s.idio_min * sqrt_session * normal());
        int64_t prev = s.close_cents;
        int64_t open = to_cents(std::exp(s.log_price + g));
        // Every session opens with a jump: at least one cent, in the direction of the draw.
        if (open == prev) open = g < 0 && prev > 1 ? prev - 1 : prev + 1;
        s.close_cents = open;
        s.log_price = std::log(static_cast<double>(open) / 100.0);
    }
}

bool SyntheticMarket::next_day(std::vector<MarketBar>& out, SyntheticTrace* trace) {
    if (produced_days_ >= config_.days) return false;
    std::optional<Session> session = SessionCalendar::session(date_);
    AWET_CHECK(session.has_value());
    const int n = static_cast<int>((session->close - session->open).to_minutes());
    if (produced_days_ > 0) open_gap();

    const double rho = config_.momentum_persistence;
    const double drift_innovation =
        std::sqrt(std::max(0.0, 1.0 - rho * rho)) * config_.momentum_strength;
    const size_t needed = out.size() + static_cast<size_t>(n) * states_.size();
    if (needed > out.capacity()) out.reserve(std::max(needed, 2 * out.capacity()));  // geometric
    std::vector<MarketBar> minute(states_.size());

    for (int k = 0; k < n; ++k) {
        // Regime step (market-wide Markov chain).
        double u = uniform();
        if (turbulent_) {
            if (u < config_.p_turbulent_to_calm) turbulent_ = false;
        } else if (u < config_.p_calm_to_turbulent) {
            turbulent_ = true;
        }
        const int mc = n - 1 - k;
        const double regime = calm_mult_ * (turbulent_ ? config_.turbulent_vol_multiplier : 1.0);
        const double vol_mult = vol_shape_raw(k, mc) * vol_shape_norm_ * regime;
        const double volume_mult = volume_shape_raw(k, mc) * volume_shape_norm_ *
                                   (turbulent_ ? kTurbulentVolumeFactor : 1.0);
        const Timestamp bar_start = session->open + Duration::minutes(k);
        if (trace != nullptr) {
            trace->minute_start.push_back(bar_start);
            trace->turbulent.push_back(turbulent_ ? 1 : 0);
        }
        const double market_shock = market_sigma_min_ * vol_mult * normal();

        for (size_t i = 0; i < states_.size(); ++i) {
            SymbolState& s = states_[i];
            s.drift = rho * s.drift + drift_innovation * s.sigma_min * normal();
            const double noise = s.profile.beta * market_shock + s.idio_min * vol_mult * normal();
            const double r = s.drift * vol_mult + noise;
            const int64_t open_c = s.close_cents;
            s.log_price += r;
            const int64_t close_c = to_cents(std::exp(s.log_price));
            s.close_cents = close_c;

            // Intrabar extremes: exact Brownian-bridge maximum/minimum between the open and the
            // close in log space, with the bar's volatility.
            const double a = std::log(static_cast<double>(open_c) / 100.0);
            const double b = std::log(static_cast<double>(close_c) / 100.0);
            const double bar_sd = s.sigma_min * vol_mult;
            const double var2 = 2.0 * bar_sd * bar_sd;
            const double d2 = (b - a) * (b - a);
            const double hi = 0.5 * (a + b + std::sqrt(d2 - var2 * std::log(uniform())));
            const double lo = 0.5 * (a + b - std::sqrt(d2 - var2 * std::log(uniform())));
            const int64_t high_c = std::max(to_cents(std::exp(hi)), std::max(open_c, close_c));
            const int64_t low_c = std::min(to_cents(std::exp(lo)), std::min(open_c, close_c));

            const double activity = 0.6 + 0.4 * std::fabs(noise) / (bar_sd * kMeanAbsNormal);
            const double noise_factor =
                std::exp(kVolumeNoiseSd * normal() - 0.5 * kVolumeNoiseSd * kVolumeNoiseSd);
            const double shares = s.base_volume * volume_mult * activity * noise_factor;
            const int64_t volume = std::max<int64_t>(1, std::llround(shares));

            MarketBar& bar = minute[i];
            bar.header = EventHeader{};
            bar.header.symbol = s.ticker;
            bar.header.source = Source::kIngestion;
            bar.header.ts = bar_start + Duration::minutes(1);
            bar.bar_start = bar_start;
            bar.interval = Duration::minutes(1);
            bar.open = cents_price(open_c);
            bar.high = cents_price(high_c);
            bar.low = cents_price(low_c);
            bar.close = cents_price(close_c);
            bar.volume = Quantity::from_units(volume);
        }
        for (size_t i : output_order_) out.push_back(minute[i]);
    }
    ++produced_days_;
    date_ = SessionCalendar::next_trading_day(date_);
    return true;
}

std::vector<MarketBar> generate_synthetic_market(const SyntheticMarketConfig& config,
                                                 SyntheticTrace* trace) {
    SyntheticMarket market(config);
    std::vector<MarketBar> bars;
    while (market.next_day(bars, trace)) {
    }
    return bars;
}

SyntheticSource::SyntheticSource(SyntheticMarketConfig config) : market_(std::move(config)) {}

Result<std::optional<MarketBar>> SyntheticSource::next() {
    while (pos_ >= day_.size()) {
        day_.clear();
        pos_ = 0;
        if (!market_.next_day(day_)) return std::optional<MarketBar>{};
    }
    return std::optional<MarketBar>{day_[pos_++]};
}

}  // namespace awet
