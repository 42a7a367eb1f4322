#include "awet/features/feature_engine.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace awet {

namespace {

uint64_t mix(uint64_t k0, uint64_t k1) {
    uint64_t h = k0 * 0x9E3779B97F4A7C15ULL ^ (k1 + 0x632BE59BD9B4E019ULL);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    return h;
}

}  // namespace

FeatureEngine::FeatureEngine(size_t expected_symbols) {
    size_t cap = 16;
    while (cap < expected_symbols * 2) cap *= 2;
    slots_.resize(cap);
    symbols_.reserve(expected_symbols);
    sets_.reserve(expected_symbols);
}

void FeatureEngine::pack(const Symbol& s, uint64_t& k0, uint64_t& k1) {
    std::array<char, 16> bytes{};
    const std::string_view v = s.view();
    std::memcpy(bytes.data(), v.data(), v.size());  // at most 15 bytes
    bytes[15] = static_cast<char>(v.size() + 1);    // never 0: marks the slot key as set
    std::memcpy(&k0, bytes.data(), 8);
    std::memcpy(&k1, bytes.data() + 8, 8);
}

int64_t FeatureEngine::lookup(uint64_t k0, uint64_t k1) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = mix(k0, k1) & mask;; i = (i + 1) & mask) {
        const Slot& s = slots_[i];
        if (!s.used) return -1;
        if (s.k0 == k0 && s.k1 == k1) return s.index;
    }
}

void FeatureEngine::rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    const size_t mask = capacity - 1;
    for (const Slot& s : old) {
        if (!s.used) continue;
        size_t i = mix(s.k0, s.k1) & mask;
        while (slots_[i].used) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

uint32_t FeatureEngine::add(const Symbol& symbol, uint64_t k0, uint64_t k1) {
    if ((symbols_.size() + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    const auto index = static_cast<uint32_t>(symbols_.size());
    symbols_.push_back(symbol);
    sets_.emplace_back();
    const size_t mask = slots_.size() - 1;
    size_t i = mix(k0, k1) & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = Slot{k0, k1, index, true};
    return index;
}

const IndicatorSet* FeatureEngine::find(const Symbol& symbol) const {
    uint64_t k0 = 0, k1 = 0;
    pack(symbol, k0, k1);
    const int64_t i = lookup(k0, k1);
    return i < 0 ? nullptr : &sets_[static_cast<size_t>(i)];
}

void FeatureEngine::reset() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    symbols_.clear();
    sets_.clear();
}

const FeatureVector& FeatureEngine::update(const MarketBar& bar, HeaderFactory& headers,
                                           Timestamp now) {
    const Symbol& symbol = bar.header.symbol;
    uint64_t k0 = 0, k1 = 0;
    pack(symbol, k0, k1);
    int64_t index = lookup(k0, k1);
    if (index < 0) index = add(symbol, k0, k1);

    out_.header =
        headers.derive(bar.header, make_key("feat", symbol, bar.bar_start), bar.header.ts, now);
    out_.bar_start = bar.bar_start;
    out_.close = bar.close;
    out_.volume = bar.volume;
    sets_[static_cast<size_t>(index)].update(bar.close.to_double(), bar.bar_start, out_.values,
                                             out_.valid_mask);
    return out_;
}

Status export_features_csv(const std::string& path, std::span<const FeatureVector> rows) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) {
        return make_error(ErrorCode::kIo, "features CSV '" + path + "': cannot open for writing: " +
                                              std::strerror(errno));
    }
    std::string line = "ts,symbol";
    for (Feature f : kAllFeatures) {
        line += ',';
        line += feature_name(f);
    }
    line += '\n';
    bool ok = std::fwrite(line.data(), 1, line.size(), file.get()) == line.size();
    char num[32];
    for (const FeatureVector& fv : rows) {
        line.clear();
        line += fv.bar_start.iso();
        line += ',';
        line += fv.header.symbol.view();
        for (Feature f : kAllFeatures) {
            line += ',';
            const double v = fv.get(f);
            if (!fv.valid(f) || !std::isfinite(v)) continue;
            const auto r = std::to_chars(num, num + sizeof(num), v);
            line.append(num, r.ptr);
        }
        line += '\n';
        ok = ok && std::fwrite(line.data(), 1, line.size(), file.get()) == line.size();
    }
    if (std::fflush(file.get()) != 0) ok = false;
    if (!ok) return make_error(ErrorCode::kIo, "features CSV '" + path + "': write failed");
    return Status::Ok();
}

}  // namespace awet
