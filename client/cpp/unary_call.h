#pragma once

// CallUnary: a blocking unary call with the retry contract, for the RPCs
// other than payloads (InitializeSession, IdentifySession, ...). The request
// is serialized once; the caller's thread waits on a notification while the
// attempts run on gRPC's callback API.
//
// Thread-safe; any number of callers at once.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/cpp/client_core.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/common/status/status_macros.h"

namespace ingest::client {

// The answer's bytes, or the call's error (retried_call.h). `session_id`:
// the session the call belongs to, for the observer; empty for none.
absl::StatusOr<grpc::ByteBuffer> CallUnaryBytes(ClientCore& core, absl::string_view rpc,
                                                const google::protobuf::Message& request,
                                                std::string subject, std::string session_id = "");

// Parses `bytes` into `response`; INTERNAL if they are not one.
absl::Status ParseAnswer(absl::string_view rpc, grpc::ByteBuffer& bytes,
                         google::protobuf::Message& response);

template <typename Response>
absl::StatusOr<Response> CallUnary(ClientCore& core, absl::string_view rpc,
                                   const google::protobuf::Message& request, std::string subject,
                                   std::string session_id = "") {
  ASSIGN_OR_RETURN(grpc::ByteBuffer bytes,
                   CallUnaryBytes(core, rpc, request, std::move(subject), std::move(session_id)));
  Response response;
  RETURN_IF_ERROR(ParseAnswer(rpc, bytes, response));
  return response;
}

}  // namespace ingest::client
