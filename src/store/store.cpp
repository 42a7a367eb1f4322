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

Result<BarPut> BarStore::put_bar_checked(const MarketBar& bar) {
    auto written = put_bar(bar);
    if (!written.ok()) return written.error();
    if (*written) return BarPut{};
    BarQuery q;
    q.symbols = {bar.header.symbol.str()};
    q.from = bar.bar_start;
    q.to = bar.bar_start + Duration::nanos(1);
    q.interval = bar.interval;
    auto stored = load_bars(q);
    if (!stored.ok()) return stored.error();
    if (stored->empty()) {
        return make_error(ErrorCode::kStore, "put_bar_checked: " + bar.header.symbol.str() + " " +
                                                 bar.bar_start.iso() +
                                                 " was not written and is not stored");
    }
    const MarketBar& s = stored->front();
    const bool same = s.open == bar.open && s.high == bar.high && s.low == bar.low &&
                      s.close == bar.close && s.volume == bar.volume;
    return BarPut{same ? BarPutOutcome::kIdentical : BarPutOutcome::kConflict, s};
}

std::optional<ModelStatus> model_status_from_string(std::string_view s) {
    if (s == "candidate") return ModelStatus::kCandidate;
    if (s == "green") return ModelStatus::kGreen;
    if (s == "deprecated") return ModelStatus::kDeprecated;
    return std::nullopt;
}

}  // namespace awet
