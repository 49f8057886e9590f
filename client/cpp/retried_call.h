#pragma once

// RetriedCall: one logical call to the gateway, attempted until it
// succeeds, fails with a final status, or the RetryPolicy gives up
// (proto/ingest/v1/RETRY.md). Every attempt sends the same request bytes:
// unary requests are serialized once into `CallSpec::request`, payloads are
// EncodedPayloads (unary, or streamed above the threshold, or streamed after
// a transport refused the unary message as too large).
//
// Attempts run on gRPC's callback API and waits between them on the
// client's Clock, so no thread is held by a call in flight. UNAVAILABLE
// moves the next attempt to the next target. Every attempt is reported to
// the observer.
//
// Errors for the caller keep the last attempt's code and the gateway's
// message and add what happened and what to do, e.g. "UNAVAILABLE: ...
// [PushPayload gave up after 12 attempts over 5m0s (max_elapsed 5m); the
// payload (session S, id 7) is still yours to retry]".

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/cpp/client_core.h"
#include "client/cpp/encoded_payload.h"
#include "grpcpp/support/byte_buffer.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::client {

struct CallSpec {
  std::string rpc;  // "InitializeSession": the method of ingest.v1.Ingest
  // Unary calls other than payloads: the serialized request.
  grpc::ByteBuffer request;
  // Payload calls: the payload, sent with PushPayload or PushPayloadStream.
  std::shared_ptr<const EncodedPayload> payload;
  bool stream = false;  // start with PushPayloadStream (payloads)
  // For error messages: what the caller still owns, e.g. "the payload
  // (session S, id 7)". Empty: "the request".
  std::string subject;
  std::string session_id;  // for the observer (AttemptInfo::session_id)
};

struct CallOutcome {
  absl::Status status;  // OK, or the error for the caller
  grpc::ByteBuffer response;                       // a unary call's answer
  v1::PushPayloadStreamResponse stream_response;  // a streamed payload's answer
  bool streamed = false;
  int attempts = 0;
};

using CallDone = absl::AnyInvocable<void(CallOutcome) &&>;

// Starts the call; `done` runs exactly once, on a gRPC or clock thread (or
// on this thread if the client is shutting down). `core` must outlive it
// (ClientCore::Shutdown waits for it).
void StartRetriedCall(ClientCore& core, CallSpec spec, CallDone done);

// "/ingest.v1.Ingest/<rpc>".
std::string IngestMethod(absl::string_view rpc);

}  // namespace ingest::client
