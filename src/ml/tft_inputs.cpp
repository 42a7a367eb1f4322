#include "awet/ml/tft_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "awet/calendar/calendar.hpp"

namespace awet {

TftKnown tft_known_inputs(Timestamp t) {
    const LocalTime lt = SessionCalendar::to_local(t);
    return {static_cast<float>((lt.minute_of_day - 570) / 390.0),
            static_cast<float>((lt.minute_of_day / 60 - 9) / 7.0),
            static_cast<float>(lt.weekday / 4.0)};
}

std::optional<TftObserved> TftInputBuilder::update(const FeatureVector& fv) {
    // Volume z-score against the previous bars, then this bar joins the window.
    const double log_volume = std::log1p(std::max(0.0, fv.volume.to_double()));
    double z = 0;
    if (count_ >= 2) {
        double mean = 0;
        for (int i = 0; i < count_; ++i) mean += log_volume_[i];
        mean /= count_;
        double var = 0;
        for (int i = 0; i < count_; ++i) var += (log_volume_[i] - mean) * (log_volume_[i] - mean);
        const double sd = std::sqrt(var / count_);
        z = std::clamp((log_volume - mean) / (sd + 1e-6), -5.0, 5.0);
    }
    log_volume_[next_] = log_volume;
    next_ = (next_ + 1) % kVolumeWindow;
    count_ = std::min(count_ + 1, kVolumeWindow);

    if (!fv.complete()) return std::nullopt;
    const double close = fv.close.to_double();
    const auto log_ratio = [close](double average) {
        return average > 0 ? std::log(close / average) : std::nan("");
    };
    const std::array<double, kTftObserved> x = {
        std::log1p(fv.get(Feature::kReturns1)),  std::log1p(fv.get(Feature::kReturns5)),
        std::log1p(fv.get(Feature::kReturns15)), fv.get(Feature::kVolatility20),
        fv.get(Feature::kRsi14) / 100.0 - 0.5,   log_ratio(fv.get(Feature::kSma5)),
        log_ratio(fv.get(Feature::kSma20)),      log_ratio(fv.get(Feature::kEma5)),
        log_ratio(fv.get(Feature::kEma20)),      z};
    TftObserved out{};
    for (size_t i = 0; i < kTftObserved; ++i) {
        if (!std::isfinite(x[i]) || !(close > 0)) return std::nullopt;
        out[i] = static_cast<float>(x[i]);
    }
    return out;
}

int TftNormalisation::symbol_index(std::string_view symbol) const {
    auto it = std::lower_bound(symbols.begin(), symbols.end(), symbol);
    if (it == symbols.end() || *it != symbol) return -1;
    return static_cast<int>(it - symbols.begin());
}

TftData build_tft_data(std::span<const FeatureVector> rows) {
    TftData data;
    data.rows_in = static_cast<int64_t>(rows.size());
    // Per symbol, in time order (stable: the first of duplicate bar starts counts).
    std::map<std::string, std::vector<const FeatureVector*>> by_symbol;
    for (const auto& fv : rows) by_symbol[fv.header.symbol.str()].push_back(&fv);
    for (auto& [symbol, list] : by_symbol) {
        std::stable_sort(list.begin(), list.end(),
                         [](const auto* a, const auto* b) { return a->bar_start < b->bar_start; });
        TftSeries series;
        series.symbol = symbol;
        std::vector<double> closes;
        TftInputBuilder builder;
        std::optional<Timestamp> last;
        for (const FeatureVector* fv : list) {
            if (last && fv->bar_start == *last) continue;
            last = fv->bar_start;
            auto observed = builder.update(*fv);
            if (!observed) {
                ++data.rows_warming;
                continue;
            }
            series.ts.push_back(fv->bar_start);
            series.observed.push_back(*observed);
            closes.push_back(fv->close.to_double());
        }
        const size_t n = series.ts.size();
        series.has_target.assign(n, 0);
        series.target.assign(n, {});
        for (size_t i = 0; i < n; ++i) {
            const auto session = SessionCalendar::session_at(series.ts[i]);
            if (!session) continue;
            bool all = true;
            for (size_t h = 0; h < kNumHorizons; ++h) {
                const Timestamp t = series.ts[i] + Duration::minutes(kHorizonsMinutes[h]);
                auto it = std::lower_bound(series.ts.begin() + static_cast<ptrdiff_t>(i),
                                           series.ts.end(), t);
                if (it == series.ts.end() || *it != t || t >= session->close) {
                    all = false;
                    break;
                }
                const size_t j = static_cast<size_t>(it - series.ts.begin());
                series.target[i][h] = static_cast<float>(std::log(closes[j] / closes[i]));
            }
            series.has_target[i] = all ? 1 : 0;
        }
        data.series.push_back(std::move(series));
    }
    return data;
}

std::vector<TftWindow> tft_windows(const TftData& data, int lookback, Timestamp from, Timestamp to,
                                   bool need_target) {
    std::vector<TftWindow> out;
    for (size_t s = 0; s < data.series.size(); ++s) {
        const TftSeries& series = data.series[s];
        for (size_t end = static_cast<size_t>(std::max(0, lookback - 1)); end < series.ts.size();
             ++end) {
            if (series.ts[end] < from || series.ts[end] >= to) continue;
            if (need_target && !series.has_target[end]) continue;
            out.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(end)});
        }
    }
    // Time order across symbols (then symbol): batches of one timestamp stay together.
    std::stable_sort(out.begin(), out.end(), [&data](const TftWindow& a, const TftWindow& b) {
        return data.series[a.series].ts[a.end] < data.series[b.series].ts[b.end];
    });
    return out;
}

TftNormalisation fit_tft_normalisation(const TftData& data, Timestamp from, Timestamp to) {
    TftNormalisation norm;
    for (const auto& series : data.series) {
        std::array<double, kTftObserved> sum{}, sum_sq{};
        std::array<double, kNumHorizons> t_sum{}, t_sum_sq{};
        int64_t n = 0, n_target = 0;
        for (size_t i = 0; i < series.ts.size(); ++i) {
            if (series.ts[i] < from || series.ts[i] >= to) continue;
            ++n;
            for (size_t k = 0; k < kTftObserved; ++k) {
                sum[k] += series.observed[i][k];
                sum_sq[k] += static_cast<double>(series.observed[i][k]) * series.observed[i][k];
            }
            if (!series.has_target[i]) continue;
            ++n_target;
            for (size_t h = 0; h < kNumHorizons; ++h) {
                t_sum[h] += series.target[i][h];
                t_sum_sq[h] += static_cast<double>(series.target[i][h]) * series.target[i][h];
            }
        }
        if (n_target < 2) continue;  // a symbol the training period does not cover
        TftObserved mean{}, sd{};
        for (size_t k = 0; k < kTftObserved; ++k) {
            const double m = sum[k] / static_cast<double>(n);
            const double var = sum_sq[k] / static_cast<double>(n) - m * m;
            mean[k] = static_cast<float>(m);
            sd[k] = var > 1e-18 ? static_cast<float>(std::sqrt(var)) : 1.0F;
        }
        std::array<float, kNumHorizons> scale{};
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const double m = t_sum[h] / static_cast<double>(n_target);
            const double var = t_sum_sq[h] / static_cast<double>(n_target) - m * m;
            scale[h] = var > 1e-18 ? static_cast<float>(std::sqrt(var)) : 1.0F;
        }
        norm.symbols.push_back(series.symbol);
        norm.mean.push_back(mean);
        norm.std.push_back(sd);
        norm.target_scale.push_back(scale);
    }
    return norm;
}

std::vector<Timestamp> tft_session_starts(const TftData& data) {
    std::map<Date, Timestamp> first;
    Timestamp last{};
    bool any = false;
    for (const auto& series : data.series) {
        for (Timestamp t : series.ts) {
            const Date d = SessionCalendar::to_local(t).date;
            auto [it, inserted] = first.emplace(d, t);
            if (!inserted && t < it->second) it->second = t;
            if (!any || t > last) last = t;
            any = true;
        }
    }
    std::vector<Timestamp> out;
    for (const auto& [d, t] : first) out.push_back(t);
    if (any) out.push_back(last + Duration::nanos(1));
    return out;
}

TftCommonSessions tft_common_sessions(const TftData& data) {
    struct Session {
        Timestamp first;
        size_t symbols = 0;
    };
    std::map<Date, Session> sessions;
    Timestamp last{};
    bool any = false;
    for (const auto& series : data.series) {
        std::optional<Date> previous;
        for (Timestamp t : series.ts) {
            const Date d = SessionCalendar::to_local(t).date;
            auto [it, inserted] = sessions.emplace(d, Session{t, 0});
            if (!inserted && t < it->second.first) it->second.first = t;
            if (previous != d) ++it->second.symbols;  // a series is in time order
            previous = d;
            if (!any || t > last) last = t;
            any = true;
        }
    }
    TftCommonSessions out;
    out.all = static_cast<int>(sessions.size());
    out.end = last + Duration::nanos(1);
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
        if (it->second.symbols != data.series.size()) continue;
        out.starts.push_back(it->second.first);
        const auto next = std::next(it);
        out.end = next == sessions.end() ? last + Duration::nanos(1) : next->second.first;
        out.after_last = static_cast<int>(std::distance(next, sessions.end()));
    }
    return out;
}

}  // namespace awet
