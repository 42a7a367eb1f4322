#pragma once
// Incremental technical-indicator kernels, O(1) per value, no heap. Conventions follow TA-Lib's
// defaults (see src/features/README.md): SMA/STDDEV over the last N values, EMA seeded with the
// SMA of the first N values, RSI with Wilder smoothing seeded with the simple averages of the
// first N gains/losses. Each kernel is a small value type owned by its IndicatorSet;
// single-threaded.
//
// Numerical hygiene: the running sums of the sliding windows are recomputed exactly from the window
// every time the ring index wraps (every N pushes), so rounding drift cannot accumulate over long
// series; that costs O(N) every N pushes, i.e. O(1) amortised.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace awet {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The last N values pushed, with their exact running sum. Valid once N values were pushed.
template <int N>
class RollingSum {
    static_assert(N > 0);

public:
    void push(double x) {
        const double old = buf_[pos_];
        buf_[pos_] = x;
        sum_ += x - old;
        if (++pos_ == N) {
            pos_ = 0;
            resum();
        }
        if (count_ < N) ++count_;
    }
    bool full() const { return count_ == N; }
    int count() const { return count_; }
    double sum() const { return sum_; }
    double mean() const { return sum_ * (1.0 / N); }
    void reset() { *this = RollingSum(); }

private:
    void resum() {
        double s = 0;
        for (double v : buf_) s += v;
        sum_ = s;
    }
    std::array<double, N> buf_{};
    double sum_ = 0;
    int pos_ = 0;
    int count_ = 0;
};

/// Simple moving average of the last N values (TA-Lib SMA): first value at the N-th push.
template <int N>
class Sma {
public:
    void push(double x) { window_.push(x); }
    bool valid() const { return window_.full(); }
    /// NaN while warming up.
    double value() const { return valid() ? window_.mean() : kNaN; }
    void reset() { window_.reset(); }

private:
    RollingSum<N> window_;
};

/// Exponential moving average (TA-Lib EMA default): the N-th push seeds it with the SMA of the
/// first N values, then ema += k (x - ema) with k = 2 / (N + 1).
template <int N>
class Ema {
    static_assert(N > 0);

public:
    static constexpr double kAlpha = 2.0 / (N + 1);

    void push(double x) {
        if (count_ >= N) {
            value_ += kAlpha * (x - value_);
            return;
        }
        seed_sum_ += x;
        if (++count_ == N) value_ = seed_sum_ / N;
    }
    bool valid() const { return count_ >= N; }
    double value() const { return valid() ? value_ : kNaN; }
    void reset() { *this = Ema(); }

private:
    double value_ = 0;
    double seed_sum_ = 0;
    int count_ = 0;
};

/// Wilder RSI (TA-Lib RSI, no unstable period): the first value comes after N price changes
/// (the (N+1)-th price), from the simple averages of the first N gains and losses; later
/// avg = (avg (N-1) + x) / N. RSI = 100 avg_gain / (avg_gain + avg_loss); 0 when both are 0
/// (a flat series), as TA-Lib returns.
template <int N>
class WilderRsi {
    static_assert(N > 1);

public:
    void push(double price) {
        if (!has_prev_) {
            prev_ = price;
            has_prev_ = true;
            return;
        }
        const double diff = price - prev_;
        prev_ = price;
        const double gain = diff > 0 ? diff : 0.0;
        const double loss = diff < 0 ? -diff : 0.0;
        if (changes_ >= N) {
            // Same operation order as TA-Lib (multiply, add, divide).
            avg_gain_ = (avg_gain_ * (N - 1) + gain) / N;
            avg_loss_ = (avg_loss_ * (N - 1) + loss) / N;
            return;
        }
        avg_gain_ += gain;
        avg_loss_ += loss;
        if (++changes_ == N) {
            avg_gain_ /= N;
            avg_loss_ /= N;
        }
    }
    bool valid() const { return changes_ >= N; }
    double value() const {
        if (!valid()) return kNaN;
        const double total = avg_gain_ + avg_loss_;
        return total != 0.0 ? 100.0 * (avg_gain_ / total) : 0.0;
    }
    double avg_gain() const { return avg_gain_; }
    double avg_loss() const { return avg_loss_; }
    void reset() { *this = WilderRsi(); }

private:
    double prev_ = 0;
    double avg_gain_ = 0;  // sum of gains until N changes were seen, then the average
    double avg_loss_ = 0;
    int changes_ = 0;
    bool has_prev_ = false;
};

/// Population standard deviation of the last N values (TA-Lib STDDEV with nbdev = 1), kept with a
/// sliding Welford update (mean and sum of squared deviations) and re-computed exactly (two-pass)
/// from the window every N pushes.
template <int N>
class RollingStdDev {
    static_assert(N > 0);

public:
    void push(double x) {
        const double old = buf_[pos_];
        buf_[pos_] = x;
        if (count_ < N) {
            // Growing window: plain Welford.
            ++count_;
            const double delta = x - mean_;
            mean_ += delta / count_;
            m2_ += delta * (x - mean_);
        } else {
            // Sliding window of fixed size: replace `old` by `x`.
            const double new_mean = mean_ + (x - old) * (1.0 / N);
            m2_ += (x - old) * ((x - new_mean) + (old - mean_));
            mean_ = new_mean;
        }
        if (++pos_ == N) {
            pos_ = 0;
            recompute();
        }
    }
    bool valid() const { return count_ == N; }
    double mean() const { return mean_; }
    double variance() const { return m2_ > 0 ? m2_ * (1.0 / N) : 0.0; }
    double value() const { return valid() ? std::sqrt(variance()) : kNaN; }
    void reset() { *this = RollingStdDev(); }

private:
    void recompute() {
        double s = 0;
        for (double v : buf_) s += v;
        const double m = s * (1.0 / N);
        double q = 0;
        for (double v : buf_) q += (v - m) * (v - m);
        mean_ = m;
        m2_ = q;
    }
    std::array<double, N> buf_{};
    double mean_ = 0;
    double m2_ = 0;
    int pos_ = 0;
    int count_ = 0;
};

/// The last `Cap` values (Cap a power of two) for lagged lookups: `ago(0)` is the latest.
template <int Cap>
class History {
    static_assert(Cap > 0 && (Cap & (Cap - 1)) == 0, "capacity must be a power of two");

public:
    void push(double x) {
        pos_ = (pos_ + 1) & (Cap - 1);
        buf_[pos_] = x;
        ++count_;
    }
    /// The value pushed `lag` pushes before the latest (lag < Cap); meaningful once count() > lag.
    double ago(int lag) const { return buf_[(pos_ - lag) & (Cap - 1)]; }
    int64_t count() const { return count_; }
    void reset() { *this = History(); }

private:
    std::array<double, Cap> buf_{};
    int pos_ = Cap - 1;
    int64_t count_ = 0;
};

}  // namespace awet
