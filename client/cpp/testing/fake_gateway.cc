#include "client/cpp/testing/fake_gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/common/crypto/sha256.h"

namespace ingest::client::testing {
namespace {

std::string Authorization(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace

Reply Pushback(int64_t milliseconds) {
  const std::string value = absl::StrCat(milliseconds);
  return Reply{grpc::StatusCode::RESOURCE_EXHAUSTED, "over the project's rate",
               {{"retry-after-ms", value}, {"grpc-retry-pushback-ms", value}}};
}

std::unique_ptr<FakeGateway> FakeGateway::Start(
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  std::unique_ptr<FakeGateway> gateway(new FakeGateway());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0",
                           credentials != nullptr ? credentials : grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(gateway.get());
  builder.SetMaxReceiveMessageSize(-1);
  gateway->server_ = builder.BuildAndStart();
  if (gateway->server_ == nullptr || port == 0) return nullptr;
  gateway->address_ = absl::StrCat("127.0.0.1:", port);
  return gateway;
}

FakeGateway::~FakeGateway() {
  Hold(false);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

void FakeGateway::Script(const std::string& rpc, std::vector<Reply> replies) {
  absl::MutexLock lock(&mu_);
  for (Reply& reply : replies) scripts_[rpc].push_back(std::move(reply));
}

std::vector<RecordedCall> FakeGateway::calls(const std::string& rpc) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedCall> out;
  for (const RecordedCall& call : calls_) {
    if (call.rpc == rpc) out.push_back(call);
  }
  return out;
}

std::vector<RecordedCall> FakeGateway::all_calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

void FakeGateway::Hold(bool hold) {
  absl::MutexLock lock(&mu_);
  hold_ = hold;
}

int FakeGateway::held_calls() const {
  absl::MutexLock lock(&mu_);
  return held_;
}

void FakeGateway::WaitWhileHeld() {
  absl::MutexLock lock(&mu_);
  ++held_;
  mu_.Await(absl::Condition(+[](bool* hold) { return !*hold; }, &hold_));
  --held_;
}

grpc::Status FakeGateway::Answer(grpc::ServerContext* context, RecordedCall call) {
  call.authorization = Authorization(*context);
  absl::MutexLock lock(&mu_);
  const std::string rpc = call.rpc;
  calls_.push_back(std::move(call));
  auto& script = scripts_[rpc];
  if (script.empty()) return grpc::Status::OK;
  Reply reply = std::move(script.front());
  script.pop_front();
  for (const auto& [key, value] : reply.trailers) context->AddTrailingMetadata(key, value);
  return grpc::Status(reply.code, reply.message);
}

grpc::Status FakeGateway::InitializeSession(grpc::ServerContext* context,
                                            const v1::InitializeSessionRequest* request,
                                            v1::InitializeSessionResponse* response) {
  grpc::Status status = Answer(context, {.rpc = "InitializeSession",
                                         .request_bytes = request->SerializeAsString()});
  absl::MutexLock lock(&mu_);
  response->set_session_id(absl::StrCat("fake-session-", ++next_session_));
  return status;
}

grpc::Status FakeGateway::PushPayload(grpc::ServerContext* context,
                                      const v1::PushPayloadRequest* request,
                                      v1::PushPayloadResponse* response) {
  WaitWhileHeld();
  grpc::Status status = Answer(context, {.rpc = "PushPayload",
                                         .request_bytes = request->SerializeAsString(),
                                         .session_id = request->session_id(),
                                         .payload_id = request->payload_id(),
                                         .content = request->content().SerializeAsString()});
  absl::MutexLock lock(&mu_);
  response->set_payload_id(request->payload_id());
  response->set_partition(1);
  response->set_offset(next_offset_++);
  return status;
}

grpc::Status FakeGateway::PushPayloadStream(
    grpc::ServerContext* context, grpc::ServerReader<v1::PushPayloadStreamRequest>* reader,
    v1::PushPayloadStreamResponse* response) {
  RecordedCall call{.rpc = "PushPayloadStream"};
  v1::PushPayloadStreamRequest message;
  bool first = true;
  while (reader->Read(&message)) {
    if (first) {
      call.request_bytes = message.SerializeAsString();
      call.session_id = message.header().session_id();
      call.payload_id = message.header().payload_id();
      call.sha256 = message.header().sha256();
      first = false;
    } else {
      call.content += message.chunk();
      ++call.chunk_messages;
    }
  }
  call.half_closed = true;
  WaitWhileHeld();
  const uint64_t payload_id = call.payload_id;
  const std::string content = call.content;
  grpc::Status status = Answer(context, std::move(call));
  absl::MutexLock lock(&mu_);
  response->set_payload_id(payload_id);
  response->set_total_bytes(content.size());
  response->set_sha256(Sha256(content));
  response->set_chunk_count(2);  // two records: first_offset and last_offset below
  response->set_partition(2);
  response->set_first_offset(next_offset_++);
  response->set_last_offset(next_offset_++);
  return status;
}

grpc::Status FakeGateway::IdentifySession(grpc::ServerContext* context,
                                          const v1::IdentifySessionRequest* request,
                                          v1::IdentifySessionResponse* response) {
  response->mutable_position()->set_offset(11);
  return Answer(context, {.rpc = "IdentifySession",
                          .request_bytes = request->SerializeAsString(),
                          .session_id = request->session_id()});
}

grpc::Status FakeGateway::AddSessionProperties(grpc::ServerContext* context,
                                               const v1::AddSessionPropertiesRequest* request,
                                               v1::AddSessionPropertiesResponse* response) {
  response->mutable_position()->set_offset(12);
  return Answer(context, {.rpc = "AddSessionProperties",
                          .request_bytes = request->SerializeAsString(),
                          .session_id = request->session_id()});
}

grpc::Status FakeGateway::AddSessionFeedback(grpc::ServerContext* context,
                                             const v1::AddSessionFeedbackRequest* request,
                                             v1::AddSessionFeedbackResponse* response) {
  response->mutable_position()->set_offset(13);
  return Answer(context, {.rpc = "AddSessionFeedback",
                          .request_bytes = request->SerializeAsString(),
                          .session_id = request->session_id()});
}

grpc::Status FakeGateway::PushBackendErrors(grpc::ServerContext* context,
                                            const v1::PushBackendErrorsRequest* request,
                                            v1::PushBackendErrorsResponse* response) {
  response->set_records(static_cast<uint32_t>(request->errors_size()));
  return Answer(context,
                {.rpc = "PushBackendErrors", .request_bytes = request->SerializeAsString()});
}

grpc::Status FakeGateway::PushMetrics(grpc::ServerContext* context,
                                      const v1::PushMetricsRequest* request,
                                      v1::PushMetricsResponse* response) {
  response->set_records(static_cast<uint32_t>(request->metrics_size()));
  return Answer(context, {.rpc = "PushMetrics", .request_bytes = request->SerializeAsString()});
}

std::string UnusedLoopbackAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
}

}  // namespace ingest::client::testing
