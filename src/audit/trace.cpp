#include "awet/audit/trace.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace awet {
namespace {

using nlohmann::json;

std::string num(const json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return "-";
    const auto& v = j[key];
    if (v.is_number_float()) return fmt::format("{:.6g}", v.get<double>());
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

std::string str(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return "";
    return j[key].get<std::string>();
}

std::string elapsed(int64_t ns) {
    const int64_t s = ns / 1'000'000'000;
    if (s < 60) return fmt::format("+{}s", s);
    if (s < 3600) return fmt::format("+{}m{:02}s", s / 60, s % 60);
    return fmt::format("+{}h{:02}m", s / 3600, (s / 60) % 60);
}

}  // namespace

std::string summarize_audit_payload(const AuditRecord& record) {
    json j = json::parse(record.payload, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return "(unreadable payload)";
    const std::string type = str(j, "event_type");
    if (type == "market_bar") {
        return fmt::format("{} O={} H={} L={} C={} V={}", record.symbol, num(j, "open"),
                           num(j, "high"), num(j, "low"), num(j, "close"), num(j, "volume"));
    }
    if (type == "features") {
        std::string out = record.symbol;
        if (j.contains("features") && j["features"].is_object()) {
            for (const char* f :
                 {"rsi_14", "sma_5", "sma_20", "ema_20", "returns_15", "volatility_20"}) {
                out += fmt::format(" {}={}", f, num(j["features"], f));
            }
        }
        return out;
    }
    if (type == "prediction") {
        std::string out = fmt::format("{} {} conf={} signal={}", record.symbol, str(j, "direction"),
                                      num(j, "confidence"), str(j, "signal"));
        if (j.contains("horizons") && j["horizons"].is_array()) {
            for (const auto& h : j["horizons"]) {
                out += fmt::format(" {}m[{}, {}, {}]", num(h, "minutes"), num(h, "q10"),
                                   num(h, "q50"), num(h, "q90"));
            }
        }
        return out + " model=" + str(j, "model_id");
    }
    if (type == "risk_decision") {
        std::string head =
            str(j, "intent") == "exit"
                ? fmt::format("EXIT {} ", str(j, "exit_reason"))
                : std::string(j.value("approved", false) ? "APPROVED " : "REJECTED ");
        std::string out = head + fmt::format("{} {} {} @ {} notional={} cvar={}", str(j, "side"),
                                             num(j, "qty"), record.symbol, num(j, "ref_price"),
                                             num(j, "notional"), num(j, "cvar"));
        if (j.contains("reasons") && j["reasons"].is_array() && !j["reasons"].empty()) {
            std::string reasons;
            for (const auto& r : j["reasons"])
                reasons += (reasons.empty() ? "" : ",") + r.get<std::string>();
            out += " reasons=" + reasons;
        }
        return out;
    }
    if (type == "execution_report") {
        std::string out =
            fmt::format("{} {} {} {} {} order={}", str(j, "intent"), str(j, "status"),
                        str(j, "side"), num(j, "qty"), record.symbol, str(j, "broker_order_id"));
        const std::string fill_qty = num(j, "fill_qty");
        if (fill_qty != "0" && fill_qty != "-") {
            out += fmt::format(" fill {} @ {} fees={}", fill_qty, num(j, "fill_price"),
                               num(j, "fees"));
        }
        if (str(j, "intent") == "exit") out += " reason=" + str(j, "exit_reason");
        if (!str(j, "block_reason").empty()) out += " blocked: " + str(j, "block_reason");
        return out;
    }
    if (type == "dead_letter") {
        return fmt::format("from {}: {}", str(j, "original_topic"), str(j, "error"));
    }
    return record.payload;
}

std::string format_trace(const Uuid& correlation_id, const std::vector<AuditRecord>& records) {
    std::string out = fmt::format("trace {} ({} events)\n", correlation_id.str(), records.size());
    out += fmt::format("{:>3}  {:<24} {:>9}  {:<11} {:<20} {}\n", "#", "EVENT TIME (UTC)",
                       "ELAPSED", "SOURCE", "TOPIC", "DETAILS");
    const int64_t t0 = records.empty() ? 0 : records.front().ts.ns();
    int i = 0;
    for (const auto& r : records) {
        out += fmt::format("{:>3}  {:<24} {:>9}  {:<11} {:<20} {}\n", ++i, r.ts.iso(),
                           elapsed(r.ts.ns() - t0), r.source, r.event_type,
                           summarize_audit_payload(r));
    }
    return out;
}

}  // namespace awet
