#include "awet/store/store.hpp"

namespace awet {

std::string_view to_string(ModelStatus s) {
    switch (s) {
        case ModelStatus::kCandidate:
            return "candidate";
        case ModelStatus::kGreen:
            return "green";
        case ModelStatus::kDeprecated:
            return "deprecated";
    }
    return "unknown";
}

std::optional<ModelStatus> model_status_from_string(std::string_view s) {
    if (s == "candidate") return ModelStatus::kCandidate;
    if (s == "green") return ModelStatus::kGreen;
    if (s == "deprecated") return ModelStatus::kDeprecated;
    return std::nullopt;
}

}  // namespace awet
