#include "awet/model/topics.hpp"

namespace awet {
namespace {

constexpr std::array<std::string_view, kNumTopics> kTopicNames = {
    "market.raw",    "market.engineered",   "predictions.tft",   "risk.approved",
    "risk.rejected", "execution.completed", "execution.blocked", "dead.letter"};

}  // namespace

std::string_view topic_name(Topic t) {
    auto i = static_cast<size_t>(t);
    return i < kNumTopics ? kTopicNames[i] : std::string_view("unknown");
}

std::optional<Topic> topic_from_name(std::string_view name) {
    for (size_t i = 0; i < kNumTopics; ++i) {
        if (kTopicNames[i] == name) return static_cast<Topic>(i);
    }
    return std::nullopt;
}

}  // namespace awet
