#pragma once
// `awet agent ingestion --live alpaca`: live minute bars from Alpaca's market-data stream into
// market.raw (see src/runtime/live_ingestion.cpp).
#include <functional>
#include <string>
#include <vector>

#include "awet/config/config.hpp"
#include "awet/core/clock.hpp"
#include "awet/core/result.hpp"
#include "awet/pipeline/agents.hpp"
#include "awet/service/http_endpoint.hpp"
#include "awet/service/metrics.hpp"

namespace awet::runtime {

struct LiveIngestionContext {
    IngestionAgent& ingestion;
    SimClock& clock;  // the process's event-time clock: moved to each bar's end
    AgentMetrics& metrics;
    std::function<void(DependencyHealth)> set_state;  // /health's agent state
    std::function<Status()> flush;                    // the bus, after publishing
};

/// Starts the Alpaca bar stream for `symbols` (empty: config data.symbols) with the keys from
/// ALPACA_API_KEY / ALPACA_API_SECRET, the feed data.alpaca_feed, the host
/// data.alpaca_stream_url, and returns the loop's tick: drain the stream, parse, feed the
/// data-quality monitor, publish each new bar (IngestionAgent::ingest), update the metrics and
/// /health. Errors: missing keys, a refused host, a bad feed or symbol.
Result<std::function<Status()>> start_live_ingestion(const Config& config,
                                                     const std::string& vendor,
                                                     std::vector<std::string> symbols,
                                                     LiveIngestionContext context);

}  // namespace awet::runtime
