#pragma once
// Identifiers: 128-bit UUIDs (stored as two words, formatted only when written out), and short
// fixed-capacity strings for symbols and keys so that events stay flat and copyable without heap.
#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/core/time.hpp"

namespace awet {

struct Uuid {
    uint64_t hi = 0;
    uint64_t lo = 0;

    bool is_nil() const { return hi == 0 && lo == 0; }
    /// Canonical 36-char lowercase form.
    std::string str() const;
    /// Writes the 36 characters to out (no terminator).
    void write(char* out) const;
    static std::optional<Uuid> parse(std::string_view text);
    auto operator<=>(const Uuid&) const = default;
};

/// Generates RFC 4122 version-4-shaped UUIDs from a seeded splitmix64 stream, so a replay with the
/// same seed produces the same ids. Not for secrets. One per process/agent graph; single-threaded.
class IdGenerator {
public:
    explicit IdGenerator(uint64_t seed) : state_(seed ^ 0x9E3779B97F4A7C15ULL) {}
    Uuid next();
    /// RFC 9562 version 7: the first 48 bits are `at` in Unix milliseconds, the rest from the
    /// seeded stream. Ids of events ordered in time sort (and index) in time order, which keeps
    /// the store's id indexes append-mostly.
    Uuid next(Timestamp at);

private:
    uint64_t state_;
};

/// Inline string of at most N bytes. Construction truncates (for trusted literals); input from
/// outside goes through assign(), which refuses what does not fit.
template <size_t N>
class FixedString {
public:
    constexpr FixedString() = default;
    FixedString(std::string_view s) { assign_truncating(s); }         // NOLINT: implicit by design
    FixedString(const char* s) : FixedString(std::string_view(s)) {}  // NOLINT

    /// false (and unchanged) if s is longer than N.
    bool assign(std::string_view s) {
        if (s.size() > N) return false;
        std::memcpy(data_.data(), s.data(), s.size());
        std::memset(data_.data() + s.size(), 0, N - s.size());  // unused bytes stay zero
        len_ = static_cast<uint8_t>(s.size());
        return true;
    }
    /// The first min(len, N) bytes of `block`, which holds at least N bytes and only zeros past
    /// `len`: one fixed-size copy instead of a copy and a clear of run-time lengths (hot-path keys
    /// built in a zeroed stack buffer, see make_key).
    static FixedString from_zero_padded(const char* block, size_t len) {
        FixedString s;
        std::memcpy(s.data_.data(), block, N);
        s.len_ = static_cast<uint8_t>(len < N ? len : N);
        return s;
    }
    std::string_view view() const { return {data_.data(), len_}; }
    std::string str() const { return std::string(view()); }
    size_t size() const { return len_; }
    bool empty() const { return len_ == 0; }
    static constexpr size_t capacity() { return N; }

    /// Unused bytes are always zero, so short strings compare as fixed-size blocks (no call).
    bool operator==(const FixedString& o) const {
        if constexpr (N <= 31) {
            return len_ == o.len_ && std::memcmp(data_.data(), o.data_.data(), N) == 0;
        } else {
            return view() == o.view();
        }
    }
    /// All N bytes, zero past size() (for hashing).
    const char* raw_data() const { return data_.data(); }
    auto operator<=>(const FixedString& o) const {
        if constexpr (N == 15) {
            // Symbols (ordered map keys, e.g. the portfolio's books): the 15 zero-padded bytes
            // then the length byte, read as two big-endian words, order exactly as the views do
            // (a shorter prefix has zeros where the longer one has a byte, or ties on length)
            // without a memcmp call.
            static_assert(sizeof(FixedString) == 16 && std::endian::native == std::endian::little);
            uint64_t a[2], b[2];
            std::memcpy(a, data_.data(), 15);
            std::memcpy(b, o.data_.data(), 15);
            reinterpret_cast<char*>(a)[15] = static_cast<char>(len_);
            reinterpret_cast<char*>(b)[15] = static_cast<char>(o.len_);
            const uint64_t a0 = __builtin_bswap64(a[0]), b0 = __builtin_bswap64(b[0]);
            if (a0 != b0) return a0 <=> b0;
            return __builtin_bswap64(a[1]) <=> __builtin_bswap64(b[1]);
        } else {
            return view() <=> o.view();
        }
    }
    bool operator==(std::string_view o) const { return view() == o; }
    // Exact match for literals (otherwise `s == "AAPL"` is ambiguous between the two above).
    bool operator==(const char* o) const { return view() == std::string_view(o); }

private:
    void assign_truncating(std::string_view s) {
        size_t n = s.size() < N ? s.size() : N;
        std::memcpy(data_.data(), s.data(), n);
        std::memset(data_.data() + n, 0, N - n);
        len_ = static_cast<uint8_t>(n);
    }
    std::array<char, N> data_{};
    uint8_t len_ = 0;
};

/// An identifier of one kind (`Tag`): ids of different kinds never mix (a model id is not a broker
/// order id, a key is not a block reason), and text becomes an id only if it fits — too long is
/// an error, never a cut. A literal is checked when it is compiled; text from anywhere else goes
/// through parse() or make(). FixedString<N> stays the type of free text that may be cut
/// (a block reason, a dead letter's topic).
template <size_t N, class Tag>
class Id : public FixedString<N> {
public:
    constexpr Id() = default;
    /// A literal id; one longer than N does not compile.
    template <size_t M>
    Id(const char (&literal)[M])  // NOLINT: implicit for literals by design
        : FixedString<N>(std::string_view(literal, M - 1)) {
        static_assert(M - 1 <= N, "id literal longer than its capacity");
    }
    /// Text the program built and knows to fit (a key from its parts, a registry id it wrote).
    /// Longer text is a bug: the process stops naming the id and the text, rather than carry a
    /// cut id. Text from outside (files, brokers, requests) goes through parse() or make().
    explicit Id(std::string_view text) {
        if (!this->assign(text)) too_long(text);
    }
    /// `text` as an id; nullopt when it is longer than N.
    static std::optional<Id> parse(std::string_view text) {
        Id id;
        if (!id.assign(text)) return std::nullopt;
        return id;
    }
    /// parse(), or an error naming `what` ("model id", ...) and the limit.
    static Result<Id> make(std::string_view text, std::string_view what) {
        if (auto id = parse(text)) return *id;
        return make_error(ErrorCode::kInvalidArgument, std::string(what) + " '" +
                                                           std::string(text) + "' is longer than " +
                                                           std::to_string(N) + " characters");
    }
    /// See FixedString::from_zero_padded (hot-path keys built in a zeroed buffer).
    static Id from_zero_padded(const char* block, size_t len) {
        Id id;
        static_cast<FixedString<N>&>(id) = FixedString<N>::from_zero_padded(block, len);
        return id;
    }
    bool operator==(const Id& o) const { return FixedString<N>::operator==(o); }
    [[noreturn]] static void too_long(std::string_view text) {
        std::fprintf(stderr, "awet: bug: an id of at most %zu characters built from '%.*s' (%zu)\n",
                     N, static_cast<int>(text.size()), text.data(), text.size());
        std::abort();
    }
    auto operator<=>(const Id& o) const { return FixedString<N>::operator<=>(o); }
    bool operator==(std::string_view o) const { return this->view() == o; }
    bool operator==(const char* o) const { return this->view() == std::string_view(o); }
};

struct SymbolTag {};
struct IdempotencyKeyTag {};
struct ModelIdTag {};
struct BrokerOrderIdTag {};

/// Ticker symbol, e.g. "AAPL", "BRK.B".
using Symbol = Id<15, SymbolTag>;
/// Deduplication key of an event or an order (also the broker-side client order id).
using IdempotencyKey = Id<63, IdempotencyKeyTag>;
/// Model identifier in models_registry.
using ModelId = Id<47, ModelIdTag>;
/// The broker's own id of an order.
using BrokerOrderId = Id<47, BrokerOrderIdTag>;

}  // namespace awet

template <size_t N>
struct std::hash<awet::FixedString<N>> {
    size_t operator()(const awet::FixedString<N>& s) const noexcept {
        if constexpr (N <= 16) {  // symbols: two words, one multiply (unused bytes are zero)
            uint64_t w[2] = {0, 0};
            std::memcpy(w, s.raw_data(), N);
            const uint64_t h =
                (w[0] * 0x9E3779B97F4A7C15ULL) ^ ((w[1] + s.size()) * 0xC2B2AE3D27D4EB4FULL);
            return static_cast<size_t>(h ^ (h >> 29));
        } else {
            return std::hash<std::string_view>{}(s.view());
        }
    }
};
template <size_t N, class Tag>
struct std::hash<awet::Id<N, Tag>> {
    size_t operator()(const awet::Id<N, Tag>& id) const noexcept {
        return std::hash<awet::FixedString<N>>{}(id);
    }
};
template <>
struct std::hash<awet::Uuid> {
    size_t operator()(const awet::Uuid& u) const noexcept {
        return u.hi ^ (u.lo * 0x9E3779B97F4A7C15ULL);
    }
};
