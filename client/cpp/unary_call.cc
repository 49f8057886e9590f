#include "client/cpp/unary_call.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "client/cpp/retried_call.h"
#include "grpcpp/support/slice.h"

namespace ingest::client {

absl::StatusOr<grpc::ByteBuffer> CallUnaryBytes(ClientCore& core, absl::string_view rpc,
                                                const google::protobuf::Message& request,
                                                std::string subject, std::string session_id) {
  CallSpec spec;
  spec.rpc = std::string(rpc);
  spec.session_id = std::move(session_id);
  grpc::Slice slice(request.SerializeAsString());
  spec.request = grpc::ByteBuffer(&slice, 1);
  spec.subject = std::move(subject);
  absl::Notification finished;
  CallOutcome result;
  StartRetriedCall(core, std::move(spec), [&](CallOutcome outcome) {
    result = std::move(outcome);
    finished.Notify();
  });
  finished.WaitForNotification();
  if (!result.status.ok()) return result.status;
  return std::move(result.response);
}

absl::Status ParseAnswer(absl::string_view rpc, grpc::ByteBuffer& bytes,
                         google::protobuf::Message& response) {
  std::vector<grpc::Slice> slices;
  std::string flat;
  if (bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    if (response.ParseFromString(flat)) return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(
      rpc, ": the answer is not a ", response.GetTypeName(),
      "; is the target an ingest gateway of this API version?"));
}

}  // namespace ingest::client
