#pragma once

// Session: one recording session of the gateway, from Client::StartSession
// (a new session) or Client::ResumeSession (an existing id, e.g. after the
// process restarted).
//
// Payloads get ids 1, 2, 3, ... in the order Push/PushAsync are called
// (thread-safe; no gaps: an id is taken only once the push is admitted).
// Each payload is serialized once and every attempt sends those bytes with
// the same id; payloads above ClientOptions::stream_threshold_bytes go
// through PushPayloadStream. On error the payload is not stored (a final
// status) or its fate is unknown (the policy gave up): either way the caller
// still owns it and the status says so; PushWithId resends it under its id.
//
// Thread-safety: every method may be called from any thread at once. A
// Session keeps what it needs of its Client alive; after the Client is
// destroyed its calls fail with CANCELLED.

#include <cstdint>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "client/cpp/options.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::client {

// Runs exactly once per PushAsync, on a gRPC or timer thread (or on the
// caller's thread when the push fails before it is sent: fail-fast refusal,
// client shut down). Must not block for long, and must not destroy the
// Client or its last Session.
using PushCallback = absl::AnyInvocable<void(absl::StatusOr<PushResult>) &&>;

class Session {
 public:
  virtual ~Session() = default;

  virtual const std::string& id() const = 0;
  // The id the next Push will get.
  virtual uint64_t next_payload_id() const = 0;

  // Pushes the next payload and waits until Kafka holds it (or the call
  // failed for good).
  virtual absl::StatusOr<PushResult> Push(v1::PayloadContent content,
                                          const PushOptions& options = {}) = 0;

  // Pushes the next payload without waiting: `done` gets the result. Blocks
  // while the client's async budget is full, or (options.fail_fast_when_full)
  // calls `done` at once with RESOURCE_EXHAUSTED, taking no id.
  virtual void PushAsync(v1::PayloadContent content, const PushOptions& options,
                         PushCallback done) = 0;

  // Resends a payload under an id it already had (after an error returned
  // by Push): it must be the same content, encoded the same way.
  virtual absl::StatusOr<PushResult> PushWithId(uint64_t payload_id, v1::PayloadContent content,
                                                const PushOptions& options = {}) = 0;

  // The session's other calls; the session id is filled in. Properties and
  // identity overwrite; feedback, errors and metrics are at least once.
  virtual absl::StatusOr<v1::RecordPosition> Identify(v1::IdentifySessionRequest request) = 0;
  virtual absl::StatusOr<v1::RecordPosition> AddProperties(
      v1::AddSessionPropertiesRequest request) = 0;
  virtual absl::StatusOr<v1::RecordPosition> AddFeedback(
      v1::AddSessionFeedbackRequest request) = 0;
  // Items without a session id get this session's; records produced.
  virtual absl::StatusOr<uint32_t> PushBackendErrors(v1::PushBackendErrorsRequest request) = 0;
  virtual absl::StatusOr<uint32_t> PushMetrics(v1::PushMetricsRequest request) = 0;
};

}  // namespace ingest::client
