#include "awet/audit/trace.hpp"

#include <gtest/gtest.h>

namespace awet {
namespace {

AuditRecord record(const char* type, const char* source, const std::string& ts,
                   std::string payload) {
    AuditRecord a;
    a.event_type = type;
    a.source = source;
    a.symbol = "AAPL";
    a.ts = *Timestamp::parse(ts);
    a.payload = std::move(payload);
    return a;
}

TEST(Trace, SummariesNameWhatEachEventSays) {
    EXPECT_EQ(summarize_audit_payload(
                  record("market.raw", "ingestion", "2026-03-12T13:31:00Z",
                         R"({"event_type":"market_bar","open":255.1,"high":255.5,"low":254.9,)"
                         R"("close":255.2,"volume":1200})")),
              "AAPL O=255.1 H=255.5 L=254.9 C=255.2 V=1200");
    EXPECT_EQ(summarize_audit_payload(
                  record("risk.rejected", "risk", "2026-03-12T13:31:00Z",
                         R"({"event_type":"risk_decision","approved":false,"intent":"entry",)"
                         R"("side":"buy","qty":3,"ref_price":255.2,"notional":765.6,"cvar":0.01,)"
                         R"("reasons":["COOLDOWN_ACTIVE","CVAR_EXCEEDS_LIMIT"]})")),
              "REJECTED buy 3 AAPL @ 255.2 notional=765.6 cvar=0.01 "
              "reasons=COOLDOWN_ACTIVE,CVAR_EXCEEDS_LIMIT");
    EXPECT_EQ(summarize_audit_payload(
                  record("execution.blocked", "execution", "2026-03-12T13:31:00Z",
                         R"({"event_type":"execution_report","intent":"entry","status":"blocked",)"
                         R"("side":"buy","qty":3,"broker_order_id":"","fill_qty":0,)"
                         R"("block_reason":"DRY_RUN"})")),
              "entry blocked buy 3 AAPL order= blocked: DRY_RUN");
}

TEST(Trace, AnUnreadablePayloadIsSaidSoNotThrown) {
    EXPECT_EQ(summarize_audit_payload(
                  record("market.raw", "ingestion", "2026-03-12T13:31:00Z", "{not json")),
              "(unreadable payload)");
}

TEST(Trace, LinesAreNumberedWithTheTimeSinceTheFirstEvent) {
    const Uuid id = *Uuid::parse("01234567-89ab-4def-8edc-ba9876543210");
    const std::string out = format_trace(
        id, {record("market.raw", "ingestion", "2026-03-12T13:31:00Z",
                    R"({"event_type":"market_bar"})"),
             record("execution.completed", "execution", "2026-03-12T14:02:05Z",
                    R"({"event_type":"execution_report","intent":"exit","status":"filled",)"
                    R"("side":"sell","qty":3,"broker_order_id":"b1","fill_qty":3,)"
                    R"("fill_price":256,"fees":0,"exit_reason":"take_profit"})")});
    EXPECT_NE(out.find("trace 01234567-89ab-4def-8edc-ba9876543210 (2 events)"), std::string::npos)
        << out;
    EXPECT_NE(out.find("  1  2026-03-12T13:31:00Z"), std::string::npos) << out;
    EXPECT_NE(out.find("+0s"), std::string::npos) << out;
    EXPECT_NE(out.find("+31m05s"), std::string::npos) << out;
    EXPECT_NE(out.find("exit filled sell 3 AAPL order=b1 fill 3 @ 256 fees=0 reason=take_profit"),
              std::string::npos)
        << out;
}

}  // namespace
}  // namespace awet
