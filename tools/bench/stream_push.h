#pragma once

// One PushPayloadStream call: the header, then the content in chunk messages
// generated as they are written (one chunk in memory at a time), gRPC flow
// control pacing the client to what the gateway takes.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
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
  int channel = 0;  // which of the client's connections carries the call
};

// Streams `content` and waits for the answer. `bytes_sent` (optional) is
// updated as chunks are handed to gRPC, for a progress line. An answer that
// reports other bytes than `content` (its total_bytes, or a SHA-256 other
// than options.sha256 when that is set) is DATA_LOSS.
absl::StatusOr<v1::PushPayloadStreamResponse> PushStream(GatewayClient& client,
                                                         const StreamContent& content,
                                                         const StreamPushOptions& options,
                                                         std::atomic<int64_t>* bytes_sent);

// How an asynchronous stream ended: the gateway's answer or why not, and its
// `retry-after-ms` hint when it sent one (with RESOURCE_EXHAUSTED).
struct StreamOutcome {
  absl::StatusOr<v1::PushPayloadStreamResponse> response;
  std::optional<absl::Duration> retry_after;
};

using StreamDone = absl::AnyInvocable<void(StreamOutcome) &&>;

// Starts the same call and returns at once; `done` runs exactly once, on a
// gRPC thread, when the call has ended (at once, on the caller's thread, for
// a chunk_bytes below 1). `client`, `content` and `bytes_sent`
// must outlive the call; `options` is copied.
void StartPushStream(GatewayClient& client, const StreamContent& content,
                     const StreamPushOptions& options, std::atomic<int64_t>* bytes_sent,
                     StreamDone done);

}  // namespace ingest::bench
