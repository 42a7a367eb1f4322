#pragma once
// `awet agent NAME` and `awet dev-kafka`: the agent runtime (src/runtime) with the backends this
// composition root chose.
#include "awet/runtime/agent_process.hpp"
#include "commands.hpp"

namespace awet::cli {

int agent(const Common& common, const runtime::AgentOptions& options);
int dev_kafka(const runtime::DevKafkaOptions& options);

}  // namespace awet::cli
