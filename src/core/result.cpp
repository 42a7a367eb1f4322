#include "awet/core/result.hpp"

namespace awet {

const char* to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return "invalid_argument";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kAlreadyExists:
            return "already_exists";
        case ErrorCode::kParse:
            return "parse";
        case ErrorCode::kIo:
            return "io";
        case ErrorCode::kStore:
            return "store";
        case ErrorCode::kBroker:
            return "broker";
        case ErrorCode::kOutcomeUnknown:
            return "outcome_unknown";
        case ErrorCode::kSafetyBlocked:
            return "safety_blocked";
        case ErrorCode::kInternal:
            return "internal";
    }
    return "unknown";
}

}  // namespace awet
