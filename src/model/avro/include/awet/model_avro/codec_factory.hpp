#pragma once
// The composition root's one call to get the bus's codec from configuration.
#include <memory>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/model/event_codec.hpp"

namespace awet {

/// kind "json" -> JsonEventCodec (the other arguments are ignored); kind "avro" -> AvroEventCodec
/// with the schemas of `schema_dir` (empty: default_schema_dir()) and, when `schema_registry_url`
/// is not empty, ids from that Schema Registry (else local catalogue ids). Errors name the bad
/// kind, directory or URL.
Result<std::unique_ptr<EventCodec>> make_event_codec(std::string_view kind,
                                                     std::string_view schema_registry_url = {},
                                                     std::string_view schema_dir = {});

}  // namespace awet
