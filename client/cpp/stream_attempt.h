#pragma once

// One attempt of PushPayloadStream on gRPC's callback API: the header, then
// the payload's content in `chunk_bytes` chunk messages, one in memory at a
// time and each written once gRPC took the previous one (its flow control
// paces us to the gateway), then the half-close. A retry is a new attempt
// that starts again from the header with the same bytes (a stream cannot be
// resumed).
//
// No thread waits: the attempt owns itself and deletes itself after `done`.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "client/cpp/encoded_payload.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "ingest/v1/ingest.grpc.pb.h"

namespace ingest::client {

using StreamAttemptDone =
    absl::AnyInvocable<void(const grpc::Status&, const v1::PushPayloadStreamResponse&) &&>;

// Starts the attempt. `done` runs exactly once, on a gRPC thread. `context`
// (prepared: deadline, metadata) must outlive `done`; `sha256` is of the
// payload's content.
void StartStreamAttempt(v1::Ingest::Stub& stub, grpc::ClientContext* context,
                        std::shared_ptr<const EncodedPayload> payload, std::string sha256,
                        int64_t chunk_bytes, StreamAttemptDone done);

}  // namespace ingest::client
