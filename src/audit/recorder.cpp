#include "awet/audit/recorder.hpp"

#include "awet/model/codec.hpp"

namespace awet {

void Recorder::attach(EventBus& bus) {
    for (size_t t = 0; t < kNumTopics; ++t) {
        const auto topic = static_cast<Topic>(t);
        bus.subscribe(topic, "audit",
                      [this, topic](const Delivery& d) { return record(topic, d.event); });
    }
}

Status Recorder::record(Topic topic, const Event& event) {
    Status table_status;
    if (const auto* bar = std::get_if<MarketBar>(&event)) {
        auto r = store_.put_bar(*bar);
        if (!r.ok()) table_status = r.error();
    } else if (const auto* fv = std::get_if<FeatureVector>(&event)) {
        table_status = store_.put_features(*fv);
    } else if (const auto* p = std::get_if<Prediction>(&event)) {
        table_status = store_.put_prediction(*p);
    } else if (const auto* d = std::get_if<RiskDecision>(&event)) {
        table_status = store_.put_risk_decision(*d);
    }
    // ExecutionReport: the trades row is owned by the execution engine (insert-once before the
    // broker call); DeadLetter: audit only.
    if (!table_status.ok()) return table_status;

    payload_.clear();
    encode_json(event, payload_);
    AWET_TRY(store_.put_audit(header_of(event), topic_name(topic), payload_));
    ++recorded_;
    return Status::Ok();
}

}  // namespace awet
