#pragma once
// JSON encoding of events: the audit payload, the dead-letter payload and the wire format of
// backends that have no schema of their own. Encoding is hand-written into a reusable buffer (it is
// on the persisted hot path); decoding uses nlohmann-json and reports the bad field.
#include <string>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/model/events.hpp"

namespace awet {

/// Appends the JSON object of the event (all header fields and all payload fields) to out.
void encode_json(const Event& event, std::string& out);
std::string to_json(const Event& event);
/// Decodes an event from its JSON; the error names the missing or malformed field.
Result<Event> decode_json(std::string_view json);

}  // namespace awet
