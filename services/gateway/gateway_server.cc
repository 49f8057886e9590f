#include "services/gateway/gateway_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/registry.h"
#include "services/common/logging/log.h"
#include "services/common/metrics/metrics_server.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/ingest_service.h"
#include "services/gateway/task_publisher.h"

namespace ingest {

struct GatewayServer::Parts {
  GatewayOptions options;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<GatewayMetrics> metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  std::unique_ptr<Producer> producer;
  std::unique_ptr<TaskPublisher> publisher;
  std::unique_ptr<IngestService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool shut_down = false;
};

namespace {

std::string HostName() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? name : "gateway";
}

absl::Status WaitForKafka(Producer& producer, const GatewayOptions& options) {
  const absl::Time deadline = absl::Now() + options.startup_timeout;
  for (int attempt = 1;; ++attempt) {
    absl::Status status = producer.CheckReachable(options.topic, absl::Seconds(5));
    if (status.ok()) return status;
    if (absl::Now() >= deadline) {
      return absl::Status(status.code(),
                          absl::StrCat("Kafka not reachable after ",
                                       absl::FormatDuration(options.startup_timeout), ": ",
                                       status.message(), " (check --kafka_bootstrap and that ",
                                       options.topic, " exists)"));
    }
    log::Warn("gateway.kafka_wait_retry", {{"attempt", attempt}, {"error", status.ToString()}});
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace

absl::Status ValidateGatewayOptions(const GatewayOptions& options) {
  if (options.producer.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("--kafka_bootstrap is required (e.g. 127.0.0.1:9092)");
  }
  if (options.limits.max_payload_bytes + (64 << 10) > options.max_receive_message_bytes) {
    return absl::InvalidArgumentError(
        "--max_payload_bytes must be at least 64 KiB below --max_receive_message_bytes");
  }
  if (options.limits.max_payload_bytes + (64 << 10) > options.producer.max_record_bytes) {
    return absl::InvalidArgumentError(
        "--max_payload_bytes must be at least 64 KiB below --max_record_bytes");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(const GatewayOptions& options) {
  if (absl::Status status = ValidateGatewayOptions(options); !status.ok()) return status;
  auto server = std::unique_ptr<GatewayServer>(new GatewayServer());
  Parts& parts = *(server->parts_ = std::make_unique<Parts>());
  parts.options = options;
  if (parts.options.gateway_id.empty()) parts.options.gateway_id = HostName();

  parts.metrics = std::make_unique<GatewayMetrics>(*parts.registry);
  auto metrics_server = MetricsServer::Start(options.metrics_address, parts.registry);
  if (!metrics_server.ok()) return metrics_server.status();
  parts.metrics_server = std::move(metrics_server).value();

  ProducerOptions producer_options = options.producer;
  producer_options.client_id = parts.options.gateway_id;
  auto producer = CreateRdKafkaProducer(producer_options);
  if (!producer.ok()) return producer.status();
  parts.producer = std::move(producer).value();
  if (absl::Status status = WaitForKafka(*parts.producer, options); !status.ok()) return status;

  parts.publisher = std::make_unique<TaskPublisher>(*parts.producer, options.topic, *parts.metrics);
  parts.service = std::make_unique<IngestService>(*parts.publisher, *parts.metrics,
                                                  parts.options.gateway_id, options.limits);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_address, grpc::InsecureServerCredentials(), &parts.port);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.RegisterService(parts.service.get());
  parts.server = builder.BuildAndStart();
  if (parts.server == nullptr || parts.port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.grpc_address,
                                               " (is the port in use? pass another address)"));
  }
  parts.server->GetHealthCheckService()->SetServingStatus(true);
  log::Info("gateway.started", {{"port", parts.port},
                                {"metrics_port", parts.metrics_server->port()},
                                {"topic", options.topic},
                                {"gateway_id", parts.options.gateway_id}});
  return server;
}

GatewayServer::~GatewayServer() { Shutdown(); }

void GatewayServer::Shutdown() {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  if (parts_->server != nullptr) {
    parts_->server->GetHealthCheckService()->SetServingStatus(false);
    // Stops accepting; in-flight calls finish as Kafka acknowledges them, and
    // whatever is left at the deadline is cancelled.
    parts_->server->Shutdown(absl::ToChronoTime(absl::Now() + parts_->options.shutdown_grace));
  }
  if (parts_->producer != nullptr) {
    absl::Status flushed = parts_->producer->Flush(absl::Seconds(5));
    if (!flushed.ok()) log::Warn("gateway.flush_incomplete", {{"error", flushed.ToString()}});
  }
  log::Info("gateway.stopped");
}

int GatewayServer::port() const { return parts_->port; }
int GatewayServer::metrics_port() const { return parts_->metrics_server->port(); }

}  // namespace ingest
