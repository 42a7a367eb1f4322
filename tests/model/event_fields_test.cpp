// The field lists of model/event_fields.hpp against what other consumers read: the Avro schema
// files in schemas/avro (kept as files for other consumers, so checked here) and the JSON keys.
// A field added to an event and not to its schema fails one of these.
#include "awet/model/event_fields.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "awet/model/codec.hpp"

namespace awet {
namespace {

using json = nlohmann::json;

/// The names a field list visits, in order.
struct Names {
    std::vector<std::string>* out;
    template <class T>
    void operator()(std::string_view name, const T&) {
        out->emplace_back(name);
    }
};

template <class E>
std::vector<std::string> body_names() {
    std::vector<std::string> out;
    const E e{};
    visit_fields(e, Names{&out});
    return out;
}

std::vector<std::string> header_names() {
    std::vector<std::string> out;
    const EventHeader h{};
    visit_header(h, Names{&out});
    return out;
}

json load_schema(const std::string& file) {
    std::ifstream in(std::string(AWET_SCHEMA_DIR) + "/" + file);
    EXPECT_TRUE(in.good()) << file;
    return json::parse(in);
}

std::set<std::string> field_names(const json& record) {
    std::set<std::string> out;
    for (const json& f : record.at("fields")) out.insert(f.at("name").get<std::string>());
    return out;
}

const json& field_type(const json& record, std::string_view name) {
    for (const json& f : record.at("fields")) {
        if (f.at("name") == name) return f.at("type");
    }
    throw std::runtime_error("no field " + std::string(name));
}

template <class E>
void expect_schema_matches(const std::string& file) {
    SCOPED_TRACE(file);
    const json schema = load_schema(file);
    std::vector<std::string> body = body_names<E>();
    std::set<std::string> expected(body.begin(), body.end());
    expected.insert("header");
    EXPECT_EQ(field_names(schema), expected) << "record fields of " << file;
    const std::vector<std::string> h = header_names();
    EXPECT_EQ(field_names(field_type(schema, "header")), std::set<std::string>(h.begin(), h.end()))
        << "EventHeader fields of " << file;
}

TEST(EventFields, EveryAvroSchemaHasExactlyTheEventsFields) {
    expect_schema_matches<MarketBar>("market_bar.avsc");
    expect_schema_matches<FeatureVector>("feature_vector.avsc");
    expect_schema_matches<Prediction>("prediction.avsc");
    expect_schema_matches<RiskDecision>("risk_decision.avsc");
    expect_schema_matches<ExecutionReport>("execution_report.avsc");
    expect_schema_matches<DeadLetter>("dead_letter.avsc");
}

TEST(EventFields, NestedAvroRecordsHaveEveryFeatureAndQuantile) {
    const json features = field_type(load_schema("feature_vector.avsc"), "features");
    std::set<std::string> names;
    for (Feature f : kAllFeatures) names.emplace(feature_name(f));
    EXPECT_EQ(field_names(features), names);

    const json horizon = field_type(load_schema("prediction.avsc"), "horizons").at("items");
    std::vector<std::string> q;
    const QuantileForecast qf{};
    visit_fields(qf, Names{&q});
    std::set<std::string> expected(q.begin(), q.end());
    expected.insert("minutes");
    EXPECT_EQ(field_names(horizon), expected);
}

TEST(EventFields, AvroEnumsHaveTheSymbolsOfTheCppEnums) {
    const json report = load_schema("execution_report.avsc");
    const auto symbols = [](const json& type) {
        std::vector<std::string> out;
        for (const json& s : type.at("symbols")) out.push_back(s.get<std::string>());
        return out;
    };
    const auto names = [](const auto& values) {
        std::vector<std::string> out;
        for (auto v : values) out.emplace_back(to_string(v));
        return out;
    };
    EXPECT_EQ(symbols(field_type(report, "status")), names(enum_values<OrderStatus>()));
    EXPECT_EQ(symbols(field_type(report, "side")), names(enum_values<Side>()));
    EXPECT_EQ(symbols(field_type(report, "intent")), names(enum_values<OrderIntent>()));
    EXPECT_EQ(symbols(field_type(report, "exit_reason")), names(enum_values<ExitReason>()));
    EXPECT_EQ(symbols(field_type(field_type(report, "header"), "source")),
              names(enum_values<Source>()));
}

/// The top-level keys of an encoded event, in order.
std::vector<std::string> json_keys(const Event& e) {
    std::vector<std::string> out;
    const auto doc = nlohmann::ordered_json::parse(to_json(e));
    for (auto it = doc.begin(); it != doc.end(); ++it) out.push_back(it.key());
    return out;
}

template <class E>
void expect_json_keys() {
    std::vector<std::string> expected = {"event_type"};
    for (auto& n : header_names()) expected.push_back(n);
    for (auto& n : body_names<E>()) expected.push_back(n);
    EXPECT_EQ(json_keys(Event(E{})), expected);
}

TEST(EventFields, JsonCarriesTheHeaderThenTheBodyInListOrder) {
    expect_json_keys<MarketBar>();
    expect_json_keys<FeatureVector>();
    expect_json_keys<Prediction>();
    expect_json_keys<RiskDecision>();
    expect_json_keys<ExecutionReport>();
    expect_json_keys<DeadLetter>();
}

TEST(EventFields, EnumNamesAreUniqueAndFoundByName) {
    const auto check = [](const auto& values) {
        std::set<std::string_view> seen;
        for (auto v : values) {
            EXPECT_TRUE(seen.insert(to_string(v)).second) << to_string(v);
            EXPECT_EQ(enum_from_name<std::decay_t<decltype(v)>>(to_string(v)), v);
        }
    };
    check(enum_values<Source>());
    check(enum_values<Direction>());
    check(enum_values<Signal>());
    check(enum_values<Side>());
    check(enum_values<OrderIntent>());
    check(enum_values<ExitReason>());
    check(enum_values<OrderStatus>());
    EXPECT_FALSE(enum_from_name<Side>("hold"));
}

TEST(EventFields, DeadLetterErrorKeepsWhatFitsWithoutSplittingUtf8) {
    DeadLetter d;
    d.set_error("disk full");
    EXPECT_EQ(d.error_text(), "disk full");
    std::string long_text(198, 'x');
    long_text += "\xc3\xa9";  // 'é' across the 199-byte limit
    d.set_error(long_text);
    EXPECT_EQ(d.error_text(), std::string(198, 'x'));
    d.set_error({});
    EXPECT_EQ(d.error_text(), "");
}

}  // namespace
}  // namespace awet
