#include "services/common/server/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"

namespace ingest {

absl::StatusOr<ListeningGrpcServer> StartGrpcServer(const std::string& address,
                                                    grpc::Service* service,
                                                    const GrpcServerOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ListeningGrpcServer listening;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &listening.port);
  if (options.max_receive_message_bytes >= 0) {
    builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  }
  if (options.memory_quota_bytes > 0) {
    grpc::ResourceQuota quota("grpc-server");
    quota.Resize(static_cast<size_t>(options.memory_quota_bytes));
    builder.SetResourceQuota(quota);
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
