// The JSON forms of the orchestration layer's results (json.hpp): job_runs rows, the
// simulation, the morning check and the watchdog.
#include "awet/ops/json.hpp"
#include "json_fields.hpp"

namespace awet::ops {

namespace {

Json row(const JobRunRecord& r) {
    Json details = Json::parse(r.details_json, nullptr, /*allow_exceptions=*/false);
    return {{"job", r.job},
            {"slot", r.slot.iso()},
            {"trigger", r.trigger},
            {"status", r.status},
            {"started_at", time_or_null(r.started_at)},
            {"finished_at", time_or_null(r.finished_at)},
            {"summary", r.summary},
            {"details", details.is_discarded() ? Json(r.details_json) : details},
            {"correlation_id", r.correlation_id.str()}};
}

Json rows(const std::vector<JobRunRecord>& runs) {
    Json out = Json::array();
    for (const auto& r : runs) out.push_back(row(r));
    return out;
}

Json items(const std::vector<CheckItem>& items) {
    Json out = Json::array();
    for (const auto& c : items) {
        out.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    }
    return out;
}

}  // namespace

Json to_json(const JobsListResult& r) { return {{"runs", rows(r.runs)}}; }

Json to_json(const NightTrainingResult& r) {
    auto score = [](const ForecastScore& s) {
        Json h = Json::array();
        for (size_t i = 0; i < kNumHorizons; ++i) {
            h.push_back({{"minutes", kHorizonsMinutes[i]},
                         {"pinball", s.pinball[i]},
                         {"coverage", s.coverage[i]}});
        }
        return Json{{"rows", s.rows}, {"horizons", h}};
    };
    return {{"candidate", r.candidate},
            {"green", r.green.empty() ? Json(nullptr) : Json(r.green)},
            {"held_out_from", r.held_out_from.to_string()},
            {"held_out_to", r.held_out_to.to_string()},
            {"candidate_score", score(r.candidate_score)},
            {"green_score", r.green_score ? score(*r.green_score) : Json(nullptr)},
            {"green_in_sample", r.green_in_sample},
            {"verdict", r.verdict},
            {"promoted", r.promoted},
            {"summary", r.summary}};
}

Json to_json(const SimulateResult& r) {
    return {{"from", r.from.to_string()},
            {"to", r.to.to_string()},
            {"bars_traded", r.bars_traded},
            {"runs", rows(r.runs)}};
}

Json to_json(const MorningCheckResult& r) {
    return {{"session", r.session.to_string()},
            {"go", r.go},
            {"checks", items(r.checks)},
            {"revoked", r.revoked}};
}

Json to_json(const WatchdogResult& r) {
    return {{"session", r.session.to_string()},
            {"session_pnl", r.session_pnl.to_string()},
            {"limit", r.limit.to_string()},
            {"findings", items(r.findings)},
            {"tripped", r.tripped}};
}

template <>
Result<JobsListRequest> request_from_json(const Json& j) {
    Fields f(j);
    JobsListRequest r;
    f.get("job", r.job);
    f.get("limit", r.limit);
    return f.done(r);
}
template <>
Result<MorningCheckRequest> request_from_json(const Json& j) {
    Fields f(j);
    MorningCheckRequest r;
    f.required_date("session", r.session);
    f.get("check_agents", r.check_agents);
    f.get("agents", r.agents);
    return f.done(r);
}
template <>
Result<NightTrainingRequest> request_from_json(const Json& j) {
    Fields f(j);
    NightTrainingRequest r;
    f.required_date("session", r.session);
    return f.done(r);
}
template <>
Result<WatchdogRequest> request_from_json(const Json& j) {
    Fields f(j);
    WatchdogRequest r;
    f.required_time("at", r.at);
    return f.done(r);
}
template <>
Result<SimulateRequest> request_from_json(const Json& j) {
    Fields f(j);
    SimulateRequest r;
    f.required_date("from", r.from);
    f.get("days", r.days);
    f.get("trade", r.trade);
    return f.done(r);
}

}  // namespace awet::ops
