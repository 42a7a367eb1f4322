#include "awet/model/header_factory.hpp"

#include <cstring>

namespace awet {

namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/// The decimal digits of `ns` (with a leading '-' if negative), right-aligned to the end of `out`
/// (at least 20 bytes); returns the number written.
size_t format_ns(int64_t ns, char* out_end) {
    char* p = out_end;
    uint64_t mag = ns < 0 ? uint64_t{0} - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
    while (mag >= 100) {
        const size_t pair = static_cast<size_t>(mag % 100) * 2;
        mag /= 100;
        p -= 2;
        p[0] = kDigitPairs[pair];
        p[1] = kDigitPairs[pair + 1];
    }
    if (mag >= 10) {
        p -= 2;
        p[0] = kDigitPairs[mag * 2];
        p[1] = kDigitPairs[mag * 2 + 1];
    } else {
        *--p = static_cast<char>('0' + mag);
    }
    if (ns < 0) *--p = '-';
    return static_cast<size_t>(out_end - p);
}

/// The digits of the last timestamp formatted on this thread. Every key of a bar uses its
/// bar_start, and all symbols of a minute share it, so nearly every call hits: formatting 19
/// digits is a chain of ~10 dependent divisions, the single costliest step of make_key. A pure
/// memo of format_ns (same input, same bytes), so it cannot change any key.
struct NsDigitsCache {
    int64_t ns = 0;
    uint8_t len = 1;
    char digits[24] = {'0'};
};

/// Copies n <= 16 bytes without a copy of run-time length: GCC expands those (bounded, small)
/// into `rep movs`, whose start-up cost is several times that of these few fixed-size moves.
/// Two overlapping fixed-size copies cover every length of a range.
void copy_short(char* dst, const char* src, size_t n) {
    if (n >= 8) {
        std::memcpy(dst, src, 8);
        std::memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        std::memcpy(dst, src, 4);
        std::memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n >= 2) {
        std::memcpy(dst, src, 2);
        std::memcpy(dst + n - 2, src + n - 2, 2);
    } else if (n == 1) {
        dst[0] = src[0];  // (a byte loop here is turned back into a memcpy call)
    }
}

}  // namespace

IdempotencyKey make_key(std::string_view kind, const Symbol& symbol, Timestamp ts) {
    // Hot path (~4 keys per bar): one stack buffer, cached timestamp digits, fixed-size copies.
    thread_local NsDigitsCache cache;
    if (ts.ns() != cache.ns) {
        char digits[sizeof(cache.digits)];
        const size_t len = format_ns(ts.ns(), digits + sizeof(digits));
        std::memset(cache.digits, 0, sizeof(cache.digits));  // zeros past the digits (see below)
        std::memcpy(cache.digits, digits + sizeof(digits) - len, len);
        cache.len = static_cast<uint8_t>(len);
        cache.ns = ts.ns();
    }
    static_assert(Symbol::capacity() <= 16);
    // Zeroed, so that every byte past the key is zero and the key is taken as one fixed-size
    // block (FixedString::from_zero_padded) rather than a copy and a clear of run-time lengths.
    char buf[IdempotencyKey::capacity() + 33] = {};
    size_t n = 0;
    if (kind.size() <= 16) {
        // At most 16 + 1 + 15 + 1 + 24 = 57 bytes written: the whole digits block is copied
        // (fixed size; zeros past its `len` digits), only its first `len` bytes count.
        copy_short(buf, kind.data(), kind.size());
        n = kind.size();
        buf[n++] = ':';
        copy_short(buf + n, symbol.view().data(), symbol.size());
        n += symbol.size();
        buf[n++] = ':';
        std::memcpy(buf + n, cache.digits, sizeof(cache.digits));
        n += cache.len;
    } else {  // long kinds (none on the hot path): the key is cut at the buffer's end
        auto append = [&](const char* data, size_t len) {
            const size_t room = sizeof(buf) - n;
            if (len > room) len = room;
            std::memcpy(buf + n, data, len);
            n += len;
        };
        append(kind.data(), kind.size());
        append(":", 1);
        append(symbol.view().data(), symbol.size());
        append(":", 1);
        append(cache.digits, cache.len);
    }
    return IdempotencyKey::from_zero_padded(buf, n);
}

}  // namespace awet
