#pragma once

// The SDK's options and result types: ClientOptions (one per Client),
// PushOptions (one per payload), PushResult, and the per-attempt observer.
// Plain values; validated once by ValidateClientOptions() (Client::Create
// calls it).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/cpp/retry_policy.h"
#include "grpcpp/security/credentials.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::client {

class Clock;

// One attempt of one call, as the observer sees it.
struct AttemptInfo {
  absl::string_view rpc;     // "PushPayload", "PushPayloadStream", "InitializeSession", ...
  int attempt = 1;           // 1-based, per call
  absl::string_view target;  // the HOST:PORT it went to
  absl::Status status;       // what it ended with
  absl::Duration latency;    // from its start to its end
  // The wait before the next attempt, or nullopt when the call is over
  // (success, final status, or the policy gave up).
  std::optional<absl::Duration> next_wait;
  uint64_t payload_id = 0;  // 0 for calls other than payloads
  // The session the call belongs to; empty for InitializeSession and the
  // client's own PushBackendErrors / PushMetrics. Lets one client's observer
  // tell its sessions apart.
  absl::string_view session_id;
};

// Called on a gRPC or timer thread after every attempt of every call; must
// be thread-safe and quick (it runs before the next attempt is scheduled).
using AttemptObserver = std::function<void(const AttemptInfo&)>;

struct ClientOptions {
  // Gateway addresses (HOST:PORT, or any gRPC target). The first call goes to
  // the first; an UNAVAILABLE attempt moves the next attempt (and later calls)
  // to the next target, wrapping around.
  std::vector<std::string> targets;
  // Sent on every call as `authorization: Bearer <api_key>`.
  std::string api_key;
  // HTTP/2 connections per target; calls are spread over them round-robin.
  int channels_per_target = 2;
  // Deadline of one attempt of a unary call, and of one attempt of a stream.
  absl::Duration call_deadline = absl::Seconds(30);
  absl::Duration stream_deadline = absl::Minutes(5);
  // Null: `tls` if it names a CA, else insecure (plaintext). Or any gRPC
  // credentials (grpc::SslCredentials(...)).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // TLS from PEM files, read once by Client::Create (FAILED_PRECONDITION
  // naming a file it cannot read): the CA bundle the gateway's certificate
  // must chain to and, for mutual TLS, this client's certificate and key.
  struct TlsFiles {
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
  } tls;
  // gRPC's own reconnect backoff of a channel whose target refused it; kept
  // short so a restarted gateway is found by the next retry, whose pacing is
  // the RetryPolicy's job.
  absl::Duration max_reconnect_backoff = absl::Seconds(1);
  // How long one connection attempt may take: TCP, TLS and the gateway's
  // first HTTP/2 SETTINGS (gRPC's default, 20 s). Must cover a few round
  // trips to the gateway on a busy network; at least 100 ms (gRPC's floor).
  // Independent of the reconnect backoff. A target that silently drops
  // packets holds an attempt this long (or to its deadline, if sooner)
  // before UNAVAILABLE moves it to the next target; a refused connection
  // fails at once whatever this is.
  absl::Duration connect_timeout = absl::Seconds(20);
  RetryPolicyOptions retry;
  // Payloads whose serialized content is above this go through
  // PushPayloadStream (the gateway's unary limit is 8 MiB of content).
  int64_t stream_threshold_bytes = int64_t{4} << 20;
  // Bytes per chunk message of a stream.
  int64_t stream_chunk_bytes = int64_t{1} << 20;
  // Bound on PushAsync: serialized payload bytes and calls in flight (queued
  // for a retry included). A full budget blocks PushAsync, or fails it with
  // RESOURCE_EXHAUSTED if PushOptions::fail_fast_when_full. A payload larger
  // than the whole byte budget is admitted alone.
  int64_t async_budget_bytes = int64_t{64} << 20;
  int max_async_calls = 256;
  // Optional: called for every attempt.
  AttemptObserver observer;
  // Optional, for tests: the clock that times calls and waits between
  // attempts (not owned; must outlive the Client). Null: the system clock.
  Clock* clock = nullptr;
};

// INVALID_ARGUMENT naming the option and what to change.
absl::Status ValidateClientOptions(const ClientOptions& options);

// gRPC TLS credentials from `tls`'s files; FAILED_PRECONDITION naming a file
// that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const ClientOptions::TlsFiles& tls);

struct PushOptions {
  // How the caller encoded the content's fields; the SDK never re-encodes.
  v1::ContentEncoding content_encoding = v1::CONTENT_ENCODING_IDENTITY;
  bool is_beacon = false;
  bool has_session_unloaded = false;
  // PushAsync only: when the async budget is full, fail at once with
  // RESOURCE_EXHAUSTED (through the callback) instead of blocking.
  bool fail_fast_when_full = false;
};

// A payload Kafka holds (acks=all).
struct PushResult {
  uint64_t payload_id = 0;
  int32_t partition = 0;
  int64_t offset = 0;       // of the record; of the first chunk record if streamed
  int64_t last_offset = 0;  // == offset unless streamed
  bool streamed = false;
  // Kafka records holding the payload: 1, or a stream's chunk records.
  uint32_t chunk_count = 1;
  int attempts = 0;
  int64_t content_bytes = 0;  // serialized PayloadContent
};

}  // namespace ingest::client
