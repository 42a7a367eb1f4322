#pragma once
// Dense ids for symbols, for engines that keep per-symbol state in a vector and look the symbol of
// every event up.
#include <cstdint>
#include <cstring>
#include <vector>

#include "awet/core/ids.hpp"

namespace awet {

/// Maps each symbol to a dense id (0, 1, ... in first-seen order). Open addressing with linear
/// probing over the symbol's 16 bytes read as two words, at most half full. Why not an
/// unordered_map<Symbol, uint32_t>: its node walk and hash cost ~65 instructions per lookup, this
/// ~15, and the risk engine looks a symbol up twice per bar. Single-threaded; never shrinks.
class SymbolIndex {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    SymbolIndex() : slots_(16) {}

    /// The symbol's id, or kNone.
    uint32_t find(const Symbol& symbol) const {
        const Key k = key_of(symbol);
        const size_t mask = slots_.size() - 1;
        for (size_t i = hash(k) & mask;; i = (i + 1) & mask) {
            const Slot& s = slots_[i];
            if (s.key.w1 == 0) return kNone;  // empty (a used slot's w1 is never 0)
            if (s.key.w0 == k.w0 && s.key.w1 == k.w1) return s.id;
        }
    }

    /// The symbol's id; a new symbol gets the next id (size() before the call).
    uint32_t insert(const Symbol& symbol) {
        const uint32_t found = find(symbol);
        if (found != kNone) return found;
        if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
        const auto id = static_cast<uint32_t>(size_++);
        place(Slot{key_of(symbol), id});
        return id;
    }

    size_t size() const { return size_; }

private:
    struct Key {
        uint64_t w0 = 0;
        uint64_t w1 = 0;  // 0 only in an empty slot
    };
    struct Slot {
        Key key;
        uint32_t id = 0;
    };

    /// The 15 zero-padded bytes and the length + 1 (never 0) in the top byte: equal keys iff
    /// equal symbols.
    static Key key_of(const Symbol& symbol) {
        static_assert(Symbol::capacity() == 15);
        Key k;
        char bytes[16];
        std::memcpy(bytes, symbol.raw_data(), 15);
        bytes[15] = static_cast<char>(symbol.size() + 1);
        std::memcpy(&k.w0, bytes, 8);
        std::memcpy(&k.w1, bytes + 8, 8);
        return k;
    }
    static uint64_t hash(const Key& k) {
        uint64_t h = k.w0 * 0x9E3779B97F4A7C15ULL ^ (k.w1 + 0x632BE59BD9B4E019ULL);
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9ULL;
        return h ^ (h >> 29);
    }
    void place(const Slot& slot) {
        const size_t mask = slots_.size() - 1;
        size_t i = hash(slot.key) & mask;
        while (slots_[i].key.w1 != 0) i = (i + 1) & mask;
        slots_[i] = slot;
    }
    void rehash(size_t capacity) {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(capacity, Slot{});
        for (const Slot& s : old) {
            if (s.key.w1 != 0) place(s);
        }
    }

    std::vector<Slot> slots_;  // capacity a power of two
    size_t size_ = 0;
};

}  // namespace awet
