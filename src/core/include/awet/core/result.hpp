#pragma once
// Errors are values: Result<T> carries either a T or an Error (a code and a message that names the
// file/line/field at fault). Exceptions from libraries are caught at backend boundaries and turned
// into Error; they never cross an event-bus handler.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace awet {

enum class ErrorCode {
    kInvalidArgument,  // bad input: config key, CSV field, CLI argument
    kNotFound,
    kAlreadyExists,  // e.g. a duplicate idempotency key
    kParse,
    kIo,
    kStore,
    kBroker,
    kOutcomeUnknown,  // "did it happen?" — reconcile, never resend blindly
    kSafetyBlocked,
    kInternal,
};

const char* to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;

    std::string to_string() const { return std::string(awet::to_string(code)) + ": " + message; }
};

inline Error make_error(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}  // NOLINT

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

/// Result of an operation with no value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::make_unique<Error>(std::move(error))) {}  // NOLINT
    Status(const Status& o) : error_(o.error_ ? std::make_unique<Error>(*o.error_) : nullptr) {}
    Status(Status&&) noexcept = default;
    Status& operator=(const Status& o) {
        if (this != &o) error_ = o.error_ ? std::make_unique<Error>(*o.error_) : nullptr;
        return *this;
    }
    Status& operator=(Status&&) noexcept = default;

    static Status Ok() { return {}; }
    bool ok() const { return error_ == nullptr; }
    explicit operator bool() const { return ok(); }
    /// The error; for an OK Status a default Error (kInternal, no message), as before.
    const Error& error() const {
        static const Error kNoError;
        return error_ ? *error_ : kNoError;
    }

private:
    // The error lives on the heap so that an OK Status (every bus handler and publish returns
    // one, ~30 per bar) is one null pointer: no string to set up and tear down on the hot path.
    std::unique_ptr<Error> error_;
};

}  // namespace awet

/// Invariant check: broken invariants abort loudly. Never used for bad input.
#define AWET_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "AWET_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                        \
        }                                                                                        \
    } while (0)

/// Propagate an error from a Status/Result-returning expression.
#define AWET_TRY(expr)                                 \
    do {                                               \
        auto awet_try_ = (expr);                       \
        if (!awet_try_.ok()) return awet_try_.error(); \
    } while (0)
