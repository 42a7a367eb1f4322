#include "awet/model/header_factory.hpp"

#include <cstring>

namespace awet {

namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace

IdempotencyKey make_key(std::string_view kind, const Symbol& symbol, Timestamp ts) {
    // Hot path (several keys per bar): one stack buffer, two digits per division.
    char buf[IdempotencyKey::capacity() + 32];
    size_t n = 0;
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
    char digits[24];
    char* const end = digits + sizeof(digits);
    char* p = end;
    const int64_t ns = ts.ns();
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
    append(p, static_cast<size_t>(end - p));
    return IdempotencyKey(std::string_view(buf, n));
}

}  // namespace awet
