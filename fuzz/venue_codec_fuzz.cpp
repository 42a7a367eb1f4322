// The paper venue's JSON bodies (src/venue/venue_codec.hpp, private to src/venue): the input is
// parsed as SimVenueServer parses a request body and RemoteBroker a response body, then decoded
// as every message of the protocol (order request, order, fill, position, account; arrays and
// the events page element by element). Oracle: what it accepts encodes (to_json) and decodes
// again to the same JSON.
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_support.hpp"
#include "venue_codec.hpp"

using namespace awet;
using nlohmann::json;

namespace {

template <class T, class Decode>
void round_trip(const json& j, Decode decode) {
    Result<T> v = decode(j);
    if (!v.ok()) return;
    const json once = venue::to_json(*v);
    Result<T> again = decode(once);
    AWET_FUZZ_EXPECT(again.ok());
    AWET_FUZZ_EXPECT(venue::to_json(*again) == once);
}

void decode_all(const json& j) {
    round_trip<OrderRequest>(j, venue::order_request_from);
    round_trip<BrokerOrder>(j, venue::broker_order_from);
    round_trip<Fill>(j, venue::fill_from);
    round_trip<BrokerPosition>(j, venue::position_from);
    round_trip<BrokerAccount>(j, venue::account_from);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return 0;
    decode_all(body);
    if (body.is_array()) {
        for (const json& e : body) decode_all(e);
    }
    if (body.is_object() && body.contains("events") && body["events"].is_array()) {
        for (const json& e : body["events"]) {
            if (e.is_object() && e.contains("fill")) decode_all(e["fill"]);
            if (e.is_object() && e.contains("order")) decode_all(e["order"]);
        }
    }
    return 0;
}
