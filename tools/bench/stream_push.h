#pragma once

// One PushPayloadStream call: the header, then the content in chunk messages
// generated as they are written (one chunk in memory at a time), gRPC flow
// control pacing the client to what the gateway takes.

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest/v1/ingest.pb.h"
#include "tools/bench/gateway_client.h"
#include "tools/bench/stream_content.h"

namespace ingest::bench {

struct StreamPushOptions {
  std::string session_id;
  uint64_t payload_id = 1;
  int64_t chunk_bytes = 1 << 20;  // bytes per chunk message
  std::string sha256;             // of the whole content; empty = not sent
  absl::Duration timeout = absl::Minutes(5);
};

// Streams `content` and waits for the answer. `bytes_sent` (optional) is
// updated as chunks are handed to gRPC, for a progress line.
absl::StatusOr<v1::PushPayloadStreamResponse> PushStream(GatewayClient& client,
                                                         const StreamContent& content,
                                                         const StreamPushOptions& options,
                                                         std::atomic<int64_t>* bytes_sent);

}  // namespace ingest::bench
