#pragma once

// The memory phase of the gateway benchmark: the gateway's idle RSS (the
// median of a few samples), then one large payload through
// PushPayloadStream with the gateway's RSS sampled throughout. It runs
// first, on a gateway that has not yet served load, so the allocator's
// caches from the throughput phases cannot hide growth.

#include <optional>

#include "absl/status/statusor.h"
#include "bench/gateway/options.h"
#include "client/cpp/session.h"
#include "gateway_bench_results.pb.h"

namespace ingest::bench {

// Streams options.stream_bytes (above the SDK's stream threshold, see
// StreamThresholdBytes) on `session` while sampling options.gateway_pid's
// RSS every options.rss_interval; notes the result. nullopt, with a note,
// when skipped: no --gateway_pid, or --stream_bytes=0.
absl::StatusOr<std::optional<GatewayStreamRecord>> MeasureMemory(const BenchOptions& options,
                                                                 client::Session& session);

}  // namespace ingest::bench
