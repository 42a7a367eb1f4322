#include <algorithm>
#include <cmath>

#include "awet/alpaca/alpaca_broker.hpp"

namespace awet::alpaca {

TokenBucket::TokenBucket(int per_minute, int capacity)
    : per_ms_(std::max(1, per_minute) / 60'000.0),
      capacity_(std::max(1, capacity)),
      tokens_(std::max(1, capacity)) {}

int64_t TokenBucket::reserve(int64_t now_ms) {
    if (last_ms_ >= 0 && now_ms > last_ms_) {
        tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_ms - last_ms_) * per_ms_);
    }
    if (now_ms > last_ms_) last_ms_ = now_ms;
    tokens_ -= 1.0;  // may go negative: a debt later callers wait behind
    if (tokens_ >= 0.0) return 0;
    return static_cast<int64_t>(std::ceil(-tokens_ / per_ms_));
}

}  // namespace awet::alpaca
