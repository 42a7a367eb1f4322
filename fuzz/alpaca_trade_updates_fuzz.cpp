// Alpaca `trade_updates` stream messages (src/alpaca/trade_updates.hpp): TradeUpdateParser::parse,
// what StreamSync applies to the execution engine. The input is one or more messages separated by
// 0x1E (so that a sequence exercises the fill deduplication); each is also parsed a second time.
// Oracles: a fill is produced once per execution id (the second parse is never a fill), a fill
// names the order it belongs to, and fills_seen() counts the fills produced.
#include <string>

#include "awet/alpaca/trade_updates.hpp"
#include "fuzz_support.hpp"

using namespace awet;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view rest = fuzz::as_text(data, size);
    alpaca::TradeUpdateParser parser;
    size_t fills = 0;
    for (int n = 0; n < 64; ++n) {
        const size_t sep = rest.find('\x1e');
        const std::string_view message = rest.substr(0, sep);
        auto first = parser.parse(message);
        if (first.ok() && first->kind == alpaca::TradeUpdate::Kind::kFill) {
            ++fills;
            AWET_FUZZ_EXPECT(first->fill.has_value());
            AWET_FUZZ_EXPECT(first->fill->client_order_id == first->order.client_order_id);
            auto second = parser.parse(message);
            AWET_FUZZ_EXPECT(second.ok() && second->kind != alpaca::TradeUpdate::Kind::kFill);
        }
        if (sep == std::string_view::npos) break;
        rest = rest.substr(sep + 1);
    }
    AWET_FUZZ_EXPECT(parser.fills_seen() == fills);
    return 0;
}
