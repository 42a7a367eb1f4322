#pragma once
// `awet trace <correlation_id>`: the full chain market bar -> features -> prediction -> risk
// decision -> order -> fill -> exit of one correlation id, in order, with timings.
#include <string>
#include <vector>

#include "awet/store/store.hpp"

namespace awet {

/// One line per audit record: sequence, event time, elapsed since the first event of the chain,
/// source, topic, and a one-line summary of the payload.
std::string format_trace(const Uuid& correlation_id, const std::vector<AuditRecord>& records);

/// The summary column for one record ("AAPL O=255.10 H=... C=... V=...", "buy 3 @ 255.10 ...").
std::string summarize_audit_payload(const AuditRecord& record);

}  // namespace awet
