#include "awet/core/ids.hpp"

namespace awet {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr bool is_dash_position(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

void Uuid::write(char* out) const {
    size_t nibble = 0;  // 0..31 over hi then lo
    for (size_t i = 0; i < 36; ++i) {
        if (is_dash_position(i)) {
            out[i] = '-';
            continue;
        }
        uint64_t word = nibble < 16 ? hi : lo;
        unsigned shift = static_cast<unsigned>(60 - 4 * (nibble % 16));
        out[i] = kHex[(word >> shift) & 0xF];
        ++nibble;
    }
}

std::string Uuid::str() const {
    std::string s(36, '\0');
    write(s.data());
    return s;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
    if (text.size() != 36) return std::nullopt;
    Uuid u;
    size_t nibble = 0;
    for (size_t i = 0; i < 36; ++i) {
        if (is_dash_position(i)) {
            if (text[i] != '-') return std::nullopt;
            continue;
        }
        int v = hex_value(text[i]);
        if (v < 0) return std::nullopt;
        uint64_t& word = nibble < 16 ? u.hi : u.lo;
        word = (word << 4) | static_cast<uint64_t>(v);
        ++nibble;
    }
    return u;
}

Uuid IdGenerator::next() {
    auto splitmix = [this]() {
        state_ += 0x9E3779B97F4A7C15ULL;
        uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    Uuid u;
    u.hi = splitmix();
    u.lo = splitmix();
    u.hi = (u.hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
    u.lo = (u.lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    return u;
}

Uuid IdGenerator::next(Timestamp at) {
    Uuid u = next();
    const int64_t ms = at.ns() > 0 ? at.ns() / 1'000'000 : 0;
    const uint64_t unix_ms = static_cast<uint64_t>(ms) & 0xFFFFFFFFFFFFULL;  // 48 bits
    u.hi = (unix_ms << 16) | 0x7000ULL | (u.hi & 0x0FFFULL);  // version 7, 12 random bits
    return u;
}

}  // namespace awet
