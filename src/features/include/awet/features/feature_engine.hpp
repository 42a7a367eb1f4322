#pragma once
// Feature engineering (seed §6.3 step 2): market.raw bars -> market.engineered FeatureVectors, one
// IndicatorSet per symbol. Also the CSV export behind `awet features --out FILE`.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"
#include "awet/features/indicator_set.hpp"
#include "awet/model/events.hpp"
#include "awet/model/header_factory.hpp"

namespace awet {

/// Turns each bar into the FeatureVector of its symbol. Symbols are registered on first sight
/// (that allocates once per symbol); afterwards an update does a flat open-addressing lookup on the
/// 16 bytes of the symbol and no heap allocation. Owned by the FeatureAgent; single-threaded.
class FeatureEngine {
public:
    explicit FeatureEngine(size_t expected_symbols = 16);

    /// Feeds one bar of its symbol and returns the market.engineered event, valid until the next
    /// call: header derived from the bar's (key "feat:<symbol>:<bar_start ns>", ts = bar.header.ts,
    /// ts_init = now), bar_start, close, volume, the 12 feature values and their valid bits.
    const FeatureVector& update(const MarketBar& bar, HeaderFactory& headers, Timestamp now);

    /// Symbols seen so far.
    size_t num_symbols() const { return symbols_.size(); }
    /// The indicator state of a symbol, or nullptr if it was never seen.
    const IndicatorSet* find(const Symbol& symbol) const;
    /// Forgets every symbol.
    void reset();

private:
    struct Slot {
        uint64_t k0 = 0, k1 = 0;  // packed symbol bytes; k1 also holds the length (never 0 if used)
        uint32_t index = 0;
        bool used = false;
    };
    static void pack(const Symbol& s, uint64_t& k0, uint64_t& k1);
    int64_t lookup(uint64_t k0, uint64_t k1) const;  // -1 if absent
    uint32_t add(const Symbol& s, uint64_t k0, uint64_t k1);
    void rehash(size_t capacity);

    std::vector<Slot> slots_;  // power-of-two capacity, load <= 1/2
    std::vector<Symbol> symbols_;
    std::vector<IndicatorSet> sets_;
    FeatureVector out_;
};

/// Writes `ts,symbol,rsi_14,...,day_of_week` (columns named by feature_name(), in Feature order),
/// one line per vector: ts = bar start in ISO-8601 UTC, values with shortest round-trip digits, a
/// feature still warming up (or NaN) as an empty field. Overwrites the file.
Status export_features_csv(const std::string& path, std::span<const FeatureVector> rows);

}  // namespace awet
