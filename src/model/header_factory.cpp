#include "awet/model/header_factory.hpp"

#include <cstring>

namespace awet {

IdempotencyKey make_key(std::string_view kind, const Symbol& symbol, Timestamp ts) {
    char buf[IdempotencyKey::capacity() + 32];
    size_t n = 0;
    auto append = [&](std::string_view s) {
        size_t room = sizeof(buf) - n;
        size_t len = s.size() < room ? s.size() : room;
        std::memcpy(buf + n, s.data(), len);
        n += len;
    };
    append(kind);
    append(":");
    append(symbol.view());
    append(":");
    // Decimal nanoseconds, written backwards into a small buffer.
    char digits[24];
    char* end = digits + sizeof(digits);
    char* p = end;
    int64_t ns = ts.ns();
    uint64_t mag = ns < 0 ? uint64_t{0} - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
    do {
        *--p = static_cast<char>('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    if (ns < 0) *--p = '-';
    append(std::string_view(p, static_cast<size_t>(end - p)));
    return IdempotencyKey(std::string_view(buf, n));
}

}  // namespace awet
