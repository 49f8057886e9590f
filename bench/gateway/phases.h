#pragma once

// One measured phase of one side: a load driver (load_driver.h) over the
// side's sink with a progress line on stderr, then a note of what it
// measured. Errors carry the phase's title.

#include <string>

#include "absl/status/statusor.h"
#include "bench/common/load_driver.h"
#include "bench/common/message_sink.h"
#include "bench/gateway/gateway_facts_probe.h"
#include "bench/gateway/gateway_report.h"
#include "bench/gateway/options.h"

namespace ingest::bench {

// Maximum throughput: a closed loop over every lane of `sink` for
// options.warmup + options.window. The CPU time of this process, the gateway
// and the broker (options' pids) is read as the window opens and closes;
// with `facts` (the gateway side), the gateway's fact extraction counters
// too, each right after the CPU readings, so a slow read shortens nothing
// measured. A failed facts read leaves the run's facts not measured.
absl::StatusOr<ThroughputRun> MeasureThroughput(MessageSink& sink, const std::string& title,
                                                const BenchOptions& options,
                                                const GatewayFactsProbe* facts);

// Latency: an open loop at `rate` messages/s over every lane of `sink`, for
// options.latency_warmup + options.latency_window.
absl::StatusOr<LatencyStats> MeasureLatency(MessageSink& sink, double rate,
                                            const std::string& title, const BenchOptions& options);

}  // namespace ingest::bench
