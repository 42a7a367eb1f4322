#include "awet/ml/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "awet/calendar/calendar.hpp"

namespace awet {

Dataset build_dataset(std::span<const FeatureVector> rows) {
    // Row indices per symbol, ordered by bar start (std::map: deterministic symbol order).
    std::map<std::string, std::vector<size_t>, std::less<>> by_symbol;
    for (size_t i = 0; i < rows.size(); ++i) by_symbol[rows[i].header.symbol.str()].push_back(i);

    struct Row {
        Timestamp ts;
        Symbol symbol;
        InputVector x;
        TargetVector y;
    };
    std::vector<Row> out;
    for (auto& [name, idx] : by_symbol) {
        std::stable_sort(idx.begin(), idx.end(),
                         [&](size_t a, size_t b) { return rows[a].bar_start < rows[b].bar_start; });
        // First occurrence of each bar start counts.
        idx.erase(
            std::unique(idx.begin(), idx.end(),
                        [&](size_t a, size_t b) { return rows[a].bar_start == rows[b].bar_start; }),
            idx.end());
        auto close_at = [&](Timestamp t) -> double {
            const auto it = std::lower_bound(idx.begin(), idx.end(), t, [&](size_t i, Timestamp v) {
                return rows[i].bar_start < v;
            });
            if (it == idx.end() || rows[*it].bar_start != t) return 0.0;
            return rows[*it].close.to_double();
        };
        for (size_t i : idx) {
            const FeatureVector& fv = rows[i];
            const auto x = transform_inputs(fv);
            if (!x) continue;
            const double c0 = fv.close.to_double();
            const auto session = SessionCalendar::session_at(fv.bar_start);
            if (!session) continue;
            TargetVector y{};
            bool ok = true;
            for (size_t h = 0; h < kNumHorizons && ok; ++h) {
                const Timestamp t = fv.bar_start + Duration::minutes(kHorizonsMinutes[h]);
                if (t >= session->close) {
                    ok = false;
                    break;
                }
                const double c1 = close_at(t);
                if (!(c1 > 0)) {
                    ok = false;
                    break;
                }
                y[h] = std::log(c1 / c0);
                ok = std::isfinite(y[h]);
            }
            if (ok) out.push_back(Row{fv.bar_start, fv.header.symbol, *x, y});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
        if (a.ts != b.ts) return a.ts < b.ts;
        return a.symbol < b.symbol;
    });

    Dataset data;
    data.x.reserve(out.size());
    data.y.reserve(out.size());
    data.ts.reserve(out.size());
    data.symbol.reserve(out.size());
    for (const Row& r : out) {
        data.x.push_back(r.x);
        data.y.push_back(r.y);
        data.ts.push_back(r.ts);
        data.symbol.push_back(r.symbol);
    }
    return data;
}

DatasetSplit split_by_time(const Dataset& data, double validation_fraction) {
    DatasetSplit split;
    std::vector<Timestamp> distinct = data.ts;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.empty()) return split;
    const double f = std::clamp(validation_fraction, 0.0, 1.0);
    auto n_train =
        static_cast<size_t>(std::floor((1.0 - f) * static_cast<double>(distinct.size())));
    n_train = std::min(n_train, distinct.size());
    if (n_train == distinct.size()) {
        // No validation period.
        split.split_at = distinct.back() + Duration::minutes(1);
    } else {
        split.split_at = distinct[n_train];
    }
    const Duration purge = Duration::minutes(kHorizonsMinutes[kNumHorizons - 1]);
    for (size_t i = 0; i < data.size(); ++i) {
        if (data.ts[i] >= split.split_at) {
            split.validation.push_back(i);
        } else if (data.ts[i] + purge < split.split_at) {
            split.train.push_back(i);
        }
    }
    return split;
}

}  // namespace awet
