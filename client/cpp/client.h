#pragma once

// Client: the C++ SDK's entry point to the gateway's ingest.v1.Ingest API
// (client/cpp/README.md). It owns the channels to one or more gateway
// targets, the retry policy of proto/ingest/v1/RETRY.md, a timer thread for
// the waits between attempts, and the budget that bounds asynchronous
// pushes. Sessions come from it.
//
// Threading: every method is thread-safe. Calls run on gRPC's callback API
// (no thread per call); a blocking method waits on its caller's thread,
// PushAsync's callback runs on a gRPC or timer thread.
//
// Destruction cancels the calls in flight, cuts retry waits short, and
// returns once every callback has run (their status: CANCELLED, the payload
// still the caller's). Do not destroy the Client from one of its callbacks.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/cpp/options.h"
#include "client/cpp/session.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::client {

// The async budget's use so far (for tests and metrics).
struct AsyncStats {
  int64_t bytes_in_flight = 0;
  int calls_in_flight = 0;
  int64_t peak_bytes = 0;
  int peak_calls = 0;
};

class Client {
 public:
  // INVALID_ARGUMENT for invalid options (ValidateClientOptions). Channels
  // connect on the first call, so an unreachable target is no error here.
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);

  virtual ~Client() = default;

  // InitializeSession, retried per the contract.
  virtual absl::StatusOr<std::unique_ptr<Session>> StartSession(
      const v1::InitializeSessionRequest& request = {}) = 0;

  // A session the gateway issued earlier, whose next payload gets
  // `next_payload_id` (>= 1). No call is made.
  virtual std::unique_ptr<Session> ResumeSession(std::string session_id,
                                                 uint64_t next_payload_id) = 0;

  // Session-less (or mixed) errors and metrics; the records produced.
  virtual absl::StatusOr<uint32_t> PushBackendErrors(
      const v1::PushBackendErrorsRequest& request) = 0;
  virtual absl::StatusOr<uint32_t> PushMetrics(const v1::PushMetricsRequest& request) = 0;

  virtual AsyncStats async_stats() const = 0;
};

}  // namespace ingest::client
