#pragma once

// The gateway benchmark of issue 3, phase by phase:
//
//   setup    connect to the gateway, create the sessions, create the raw
//            producer (the gateway's producer configuration) and reach Kafka;
//   memory   memory_phase.h;
//   per size raw and gateway maximum throughput (closed loop), `runs` times
//            interleaved (raw, gateway, raw, gateway, ...), then raw and
//            gateway latency at half of min(gateway max, raw max) (open loop)
//            (phases.h).
//
// Prints the `bench gateway: ...` lines on stdout, progress on stderr, and
// appends the records of gateway_bench_results.proto to
// options.results_jsonl.

#include "bench/gateway/options.h"

namespace ingest::bench {

// Runs the benchmark; returns the process exit status: 0 when everything was
// measured (missed targets included: they are reported, not asserted), 1 on
// an error. On an error after setup it ends the process itself (calls may
// still be in flight and reference the phase), after flushing the output.
int RunGatewayBench(const BenchOptions& options);

}  // namespace ingest::bench
