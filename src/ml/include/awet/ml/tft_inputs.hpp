#pragma once
// The inputs of the Temporal Fusion Transformer (seed §7.1), torch-free so that the data side
// (windows, normalisation, evaluation) builds and tests without libtorch:
//   static   symbol                                   (an embedding inside the model)
//   known    minute_of_day, hour_of_day, day_of_week  (of any instant, past or future)
//   observed log returns 1/5/15, volatility_20, RSI, SMA/EMA distances, volume z-score
// TftInputBuilder turns one symbol's stream of FeatureVectors into observed rows; the same builder
// serves training (build_tft_data) and live inference (the TFT forecaster): parity by design.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "awet/core/time.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// Version of the input definitions below; model files record it and refuse any other.
inline constexpr int kTftInputsVersion = 1;

inline constexpr size_t kTftObserved = 10;
inline constexpr std::array<std::string_view, kTftObserved> kTftObservedNames = {
    "log_return_1", "log_return_5", "log_return_15", "volatility_20", "rsi_14",
    "close_sma_5",  "close_sma_20", "close_ema_5",   "close_ema_20",  "volume_z_20"};
inline constexpr size_t kTftKnown = 3;
inline constexpr std::array<std::string_view, kTftKnown> kTftKnownNames = {
    "minute_of_day", "hour_of_day", "day_of_week"};

using TftObserved = std::array<float, kTftObserved>;
using TftKnown = std::array<float, kTftKnown>;

/// Known inputs of an instant, New York local time, each scaled to about [0, 1]:
/// (minute_of_day - 570) / 390, (hour - 9) / 7, weekday / 4 (Monday 0 .. Friday 1).
TftKnown tft_known_inputs(Timestamp t);

/// Rolling state of one symbol. update() must see every bar of that symbol, in order.
class TftInputBuilder {
public:
    static constexpr int kVolumeWindow = 20;
    /// The observed inputs after this bar (raw, not normalised): log1p of the simple returns,
    /// volatility_20, rsi/100 - 0.5, ln(close / average) for the four averages, and the z-score of
    /// ln(1 + volume) against the previous kVolumeWindow bars (0 until there are 2 of them; clipped
    /// to +-5). nullopt while a feature is warming up or a value is not finite.
    std::optional<TftObserved> update(const FeatureVector& fv);

private:
    std::array<double, kVolumeWindow> log_volume_{};
    int count_ = 0;
    int next_ = 0;
};

/// One symbol's rows, in bar order, as the TFT sees them.
struct TftSeries {
    std::string symbol;
    std::vector<Timestamp> ts;                            // bar starts
    std::vector<TftObserved> observed;                    // raw observed inputs (valid rows only)
    std::vector<uint8_t> has_target;                      // all horizons' targets exist
    std::vector<std::array<float, kNumHorizons>> target;  // ln(close[t+h] / close[t])
};

/// A training/inference window: series index and the position of its last encoder row; the
/// encoder covers positions [end - lookback + 1, end], the decoder the horizons after ts[end].
struct TftWindow {
    uint32_t series = 0;
    uint32_t end = 0;
};

/// Per-symbol normalisation fitted on the training period only (stored with the model).
struct TftNormalisation {
    std::vector<std::string> symbols;    // index = embedding id
    std::vector<TftObserved> mean, std;  // per symbol, per observed input
    /// Per symbol, per horizon: std of the training targets. Recorded for reference; the model
    /// scales each window by its own volatility (src/ml/tft/tft_data.hpp, window_scale()).
    std::vector<std::array<float, kNumHorizons>> target_scale;
    int symbol_index(std::string_view symbol) const;  // -1 if unknown
};

struct TftData {
    std::vector<TftSeries> series;  // sorted by symbol
    int64_t rows_in = 0;            // feature rows read
    int64_t rows_warming = 0;       // dropped: inputs not yet available
};

/// Rows of any symbols in time order per symbol (the features_tft table or compute_features).
/// A row is kept when its observed inputs exist; its target flag is set when the same symbol has
/// a bar exactly h minutes later in the same session for every horizon (no overnight targets).
TftData build_tft_data(std::span<const FeatureVector> rows);

/// Every window of `data` with `lookback` consecutive rows ending at a row with targets, whose
/// last bar start lies in [from, to). Consecutive rows may span a night or a gap in the data: the
/// known inputs tell the model where each row sits in the session.
std::vector<TftWindow> tft_windows(const TftData& data, int lookback, Timestamp from, Timestamp to,
                                   bool need_target = true);

/// Mean/std of each observed input and the std of each horizon's target, per symbol, over rows
/// with bar start in [from, to). Constant or missing inputs get std 1.
TftNormalisation fit_tft_normalisation(const TftData& data, Timestamp from, Timestamp to);

/// Session (New York local date) boundaries of the data: the bar start of the first bar of each
/// session, ascending, plus one past the end of the last.
std::vector<Timestamp> tft_session_starts(const TftData& data);

/// The sessions every symbol of the data has bars in: where a time split may put its validation
/// and test sessions so that each split holds every symbol (a symbol with sessions the others
/// lack would otherwise be alone in them).
struct TftCommonSessions {
    std::vector<Timestamp> starts;  // first bar start of each common session, ascending
    Timestamp end;                  // where the last common session ends (the next session's
                                    // first bar start, or one past the data's last bar)
    int all = 0;                    // sessions of any symbol
    int after_last = 0;             // sessions after the last common one
};
TftCommonSessions tft_common_sessions(const TftData& data);

}  // namespace awet
