#include "tools/loadgen/grpc_ingest_client.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "ingest/v1/ingest.grpc.pb.h"

namespace ingest::loadgen {
namespace {

// gRPC and absl share the canonical code numbering.
absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

class GrpcIngestClient final : public IngestClient {
 public:
  GrpcIngestClient(std::shared_ptr<grpc::Channel> channel,
                   absl::Duration call_timeout, std::string api_key)
      : stub_(ingest::v1::Ingest::NewStub(std::move(channel))),
        call_timeout_(call_timeout),
        authorization_(absl::StrCat("Bearer ", api_key)) {}

  absl::StatusOr<std::string> InitializeSession(
      const ingest::v1::InitializeSessionRequest& request) override {
    grpc::ClientContext context;
    SetDeadline(context);
    ingest::v1::InitializeSessionResponse response;
    const absl::Status status =
        ToAbslStatus(stub_->InitializeSession(&context, request, &response));
    if (!status.ok()) return status;
    if (response.session_id().empty()) {
      return absl::InternalError(
          "gateway answered InitializeSession with an empty session_id");
    }
    return response.session_id();
  }

  absl::Status PushPayload(
      const ingest::v1::PushPayloadRequest& request) override {
    grpc::ClientContext context;
    SetDeadline(context);
    ingest::v1::PushPayloadResponse response;
    return ToAbslStatus(stub_->PushPayload(&context, request, &response));
  }

  absl::Status PushPayloadStream(const ingest::v1::PayloadStreamHeader& header,
                                 absl::string_view content) override {
    grpc::ClientContext context;
    SetDeadline(context);
    ingest::v1::PushPayloadStreamResponse response;
    std::unique_ptr<grpc::ClientWriter<ingest::v1::PushPayloadStreamRequest>>
        writer = stub_->PushPayloadStream(&context, &response);
    ingest::v1::PushPayloadStreamRequest message;
    *message.mutable_header() = header;
    // A failed Write means the call is over; Finish() says why.
    bool open = writer->Write(message);
    for (size_t offset = 0; open && offset < content.size();
         offset += kStreamMessageBytes) {
      const absl::string_view chunk = content.substr(
          offset, std::min(kStreamMessageBytes, content.size() - offset));
      message.set_chunk(chunk.data(), chunk.size());
      open = writer->Write(message);
    }
    if (open) writer->WritesDone();
    return ToAbslStatus(writer->Finish());
  }

 private:
  // Deadline and credentials of every call.
  void SetDeadline(grpc::ClientContext& context) const {
    context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout_));
    context.AddMetadata("authorization", authorization_);
  }

  const std::unique_ptr<ingest::v1::Ingest::Stub> stub_;
  const absl::Duration call_timeout_;
  const std::string authorization_;
};

}  // namespace

std::unique_ptr<IngestClient> CreateGrpcIngestClient(
    std::shared_ptr<grpc::Channel> channel, absl::Duration call_timeout,
    std::string api_key) {
  return std::make_unique<GrpcIngestClient>(std::move(channel), call_timeout,
                                            std::move(api_key));
}

std::shared_ptr<grpc::Channel> CreateGatewayChannel(
    const std::string& address) {
  grpc::ChannelArguments arguments;
  // Payloads go up to a few MB; never let the client be the one refusing.
  arguments.SetMaxSendMessageSize(-1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

absl::Status WaitForConnected(grpc::Channel& channel, absl::Duration timeout) {
  if (channel.WaitForConnected(absl::ToChronoTime(absl::Now() + timeout))) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(
      absl::StrCat("no connection within ", absl::FormatDuration(timeout)));
}

}  // namespace ingest::loadgen
