#include "services/broker_proxy/ingestctl/grpc_broker_proxy_client.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ingest/v1/admin.grpc.pb.h"
#include "services/broker_proxy/ingestctl/server_certificate.h"

namespace ingest::ingestctl {
namespace {

constexpr absl::Duration kCertificateFetchTimeout = absl::Seconds(5);

// The host of HOST:PORT ([V6]:PORT), as the certificate must name it.
std::string HostOf(absl::string_view server) {
  server = server.substr(0, std::min(server.rfind(':'), server.size()));
  absl::ConsumePrefix(&server, "[");
  absl::ConsumeSuffix(&server, "]");
  return std::string(server);
}

std::shared_ptr<grpc::Channel> Channel(const ClientOptions& options) {
  if (!options.tls.has_value()) {
    return grpc::CreateChannel(options.server, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls->root_certs;
  ssl.pem_cert_chain = options.tls->cert_chain;
  ssl.pem_private_key = options.tls->private_key;
  grpc::ChannelArguments args;
  // Its own connection: never one another channel of the process made with
  // other credentials (tests run several).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(options.server, grpc::SslCredentials(ssl), args);
}

class GrpcBrokerProxyClient final : public BrokerProxyClient {
 public:
  explicit GrpcBrokerProxyClient(const ClientOptions& options)
      : stub_(v1::BrokerProxy::NewStub(Channel(options))),
        server_(options.server),
        root_certs_(options.tls.has_value() ? options.tls->root_certs : ""),
        timeout_(options.timeout),
        authorization_(options.token.empty() ? "" : absl::StrCat("Bearer ", options.token)) {}

  absl::StatusOr<v1::EnsureTopicsResponse> EnsureTopics(
      const v1::EnsureTopicsRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::EnsureTopics, request);
  }
  absl::StatusOr<v1::DescribeTopicResponse> DescribeTopic(
      const v1::DescribeTopicRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::DescribeTopic, request);
  }
  absl::StatusOr<v1::GetConsumerLagResponse> GetConsumerLag(
      const v1::GetConsumerLagRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::GetConsumerLag, request);
  }
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::ListDeadLetters, request);
  }
  absl::StatusOr<v1::RedriveSessionResponse> RedriveSession(
      const v1::RedriveSessionRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::RedriveSession, request);
  }
  absl::StatusOr<v1::ReplaySessionResponse> ReplaySession(
      const v1::ReplaySessionRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::ReplaySession, request);
  }
  absl::StatusOr<v1::ResetOffsetsResponse> ResetOffsets(
      const v1::ResetOffsetsRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::ResetOffsets, request);
  }
  absl::StatusOr<v1::GetSessionResponse> GetSession(const v1::GetSessionRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::GetSession, request);
  }
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(
      const v1::ListSessionsRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::ListSessions, request);
  }
  absl::StatusOr<v1::EraseSessionsResponse> EraseSessions(
      const v1::EraseSessionsRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::EraseSessions, request);
  }
  absl::StatusOr<v1::EnforceRetentionResponse> EnforceRetention(
      const v1::EnforceRetentionRequest& request) override {
    return Call(&v1::BrokerProxy::Stub::EnforceRetention, request);
  }

 private:
  // One unary call with the deadline and the token; gRPC and absl share the
  // canonical code numbering.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (v1::BrokerProxy::Stub::*method)(grpc::ClientContext*,
                                                                              const Request&,
                                                                              Response*),
                                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
    Response response;
    const grpc::Status status = (stub_.get()->*method)(&context, request, &response);
    if (!status.ok()) {
      return WithCertificateReason(
          absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message()));
    }
    return response;
  }

  // gRPC says "certificate verify failed" alike for a certificate of another
  // CA, an expired one and one for another host: say which (server_certificate.h).
  absl::Status WithCertificateReason(absl::Status status) const {
    if (root_certs_.empty() || !absl::IsUnavailable(status) ||
        !absl::StrContains(status.message(), "certificate verify failed")) {
      return status;
    }
    const absl::StatusOr<std::string> chain =
        FetchServerCertificateChain(server_, std::min(timeout_, kCertificateFetchTimeout));
    if (!chain.ok()) return status;
    const std::optional<std::string> reason =
        ExplainCertificateRefusal(*chain, root_certs_, HostOf(server_), absl::Now());
    if (!reason.has_value()) return status;
    return absl::UnavailableError(
        absl::StrCat(status.message(), "; server certificate: ", *reason));
  }

  std::unique_ptr<v1::BrokerProxy::Stub> stub_;
  const std::string server_;
  const std::string root_certs_;  // empty: plaintext
  const absl::Duration timeout_;
  const std::string authorization_;
};

}  // namespace

std::unique_ptr<BrokerProxyClient> CreateGrpcBrokerProxyClient(const ClientOptions& options) {
  return std::make_unique<GrpcBrokerProxyClient>(options);
}

}  // namespace ingest::ingestctl
