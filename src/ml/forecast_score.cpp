#include "awet/ml/forecast_score.hpp"

#include <map>
#include <utility>

#include "awet/ml/dataset.hpp"
#include "awet/ml/quantile_regression.hpp"

namespace awet {

ForecastScore score_forecaster(Forecaster& model, std::span<const FeatureVector> rows,
                               Timestamp from, Timestamp to) {
    const Dataset data = build_dataset(rows);
    std::map<std::pair<int64_t, std::string>, size_t> target_of;
    for (size_t i = 0; i < data.size(); ++i) {
        if (data.ts[i] >= from && data.ts[i] < to) {
            target_of.emplace(std::pair{data.ts[i].ns(), data.symbol[i].str()}, i);
        }
    }
    ForecastScore score;
    for (const FeatureVector& row : rows) {
        const auto q = model.forecast(row);
        if (row.bar_start < from || row.bar_start >= to || !q) continue;
        auto it = target_of.find({row.bar_start.ns(), row.header.symbol.str()});
        if (it == target_of.end()) continue;
        const TargetVector& y = data.y[it->second];
        for (size_t h = 0; h < kNumHorizons; ++h) {
            const QuantileForecast& f = (*q)[h];
            score.pinball[h] += (pinball_loss(y[h], f.q10, 0.1) + pinball_loss(y[h], f.q50, 0.5) +
                                 pinball_loss(y[h], f.q90, 0.9)) /
                                3;
            score.coverage[h] += (y[h] >= f.q10 && y[h] <= f.q90) ? 1 : 0;
        }
        ++score.rows;
    }
    if (score.rows > 0) {
        for (size_t h = 0; h < kNumHorizons; ++h) {
            score.pinball[h] /= static_cast<double>(score.rows);
            score.coverage[h] /= static_cast<double>(score.rows);
        }
    }
    return score;
}

}  // namespace awet
