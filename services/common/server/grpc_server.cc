#include "services/common/server/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "services/common/server/staged_tls_files.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// gRPC re-reads the staged files this often (whole seconds). They change
// only when a checked set was staged, and reading them costs little.
constexpr unsigned int kStagedFilesRefreshSeconds = 1;

// Keeps the staged TLS files, and their watchers, exactly as long as the
// grpc::Server: a server owns its interceptor factories and destroys them
// after it has shut down, and callers keep only the grpc::Server. It
// intercepts nothing (a factory returning null adds no interceptor).
class StagedTlsFilesOwner final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit StagedTlsFilesOwner(std::unique_ptr<StagedTlsFiles> files) : files_(std::move(files)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* /*info*/) override {
    return nullptr;
  }

 private:
  std::unique_ptr<StagedTlsFiles> files_;
};

std::shared_ptr<grpc::ServerCredentials> TlsCredentials(const TlsFiles& staged) {
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      staged.key_file, staged.cert_file, staged.client_ca_file, kStagedFilesRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions tls_options(provider);
  tls_options.watch_identity_key_cert_pairs();
  if (staged.client_ca_file.empty()) {
    tls_options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    tls_options.watch_root_certs();
    tls_options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(tls_options);
}

}  // namespace

absl::StatusOr<ListeningGrpcServer> StartGrpcServer(const std::string& address,
                                                    grpc::Service* service,
                                                    const GrpcServerOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ListeningGrpcServer listening;
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (options.tls.has_value()) {
    ASSIGN_OR_RETURN(std::unique_ptr<StagedTlsFiles> staged,
                     StagedTlsFiles::Start(*options.tls, options.on_tls_reload));
    credentials = TlsCredentials(staged->staged());
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> owners;
    owners.push_back(std::make_unique<StagedTlsFilesOwner>(std::move(staged)));
    builder.experimental().SetInterceptorCreators(std::move(owners));
  }
  builder.AddListeningPort(address, credentials, &listening.port);
  if (options.max_receive_message_bytes >= 0) {
    builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  }
  if (options.memory_quota_bytes > 0) {
    grpc::ResourceQuota quota("grpc-server");
    quota.Resize(static_cast<size_t>(options.memory_quota_bytes));
    builder.SetResourceQuota(quota);
  }
  const ConnectionLimits& limits = options.connection;
  const auto milliseconds = [](absl::Duration duration) {
    return static_cast<int>(absl::ToInt64Milliseconds(duration));
  };
  if (limits.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams);
  }
  if (limits.max_metadata_bytes > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, limits.max_metadata_bytes);
  }
  if (limits.max_connection_idle > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                               milliseconds(limits.max_connection_idle));
  }
  if (limits.keepalive_time > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, milliseconds(limits.keepalive_time));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                               milliseconds(limits.keepalive_timeout));
  }
  if (limits.min_client_ping_interval > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                               milliseconds(limits.min_client_ping_interval));
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  }
  builder.RegisterService(service);
  listening.server = builder.BuildAndStart();
  if (listening.server == nullptr || listening.port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address,
                                               " (is the port in use? pass another address)"));
  }
  listening.server->GetHealthCheckService()->SetServingStatus(options.serving);
  return listening;
}

std::string MetadataValue(const grpc::CallbackServerContext& context, const char* key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace ingest
