#pragma once
// Topics exactly as seed §5.2/§6.1, plus a dead-letter topic.
#include <array>
#include <optional>
#include <string_view>

namespace awet {

enum class Topic : uint8_t {
    kMarketRaw,           // "market.raw"
    kMarketEngineered,    // "market.engineered"
    kPredictionsTft,      // "predictions.tft"
    kRiskApproved,        // "risk.approved"
    kRiskRejected,        // "risk.rejected"
    kExecutionCompleted,  // "execution.completed"
    kExecutionBlocked,    // "execution.blocked"
    kDeadLetter,          // "dead.letter"
    kCount
};
inline constexpr size_t kNumTopics = static_cast<size_t>(Topic::kCount);

std::string_view topic_name(Topic t);
std::optional<Topic> topic_from_name(std::string_view name);

}  // namespace awet
