#include "services/common/health/health_server.h"

#include <civetweb.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/logging/log.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

void Respond(mg_connection* connection, int status, const std::string& body,
             const char* allow = nullptr) {
  mg_response_header_start(connection, status);
  mg_response_header_add(connection, "Content-Type", "text/plain; charset=utf-8", -1);
  const std::string length = std::to_string(body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  if (allow != nullptr) mg_response_header_add(connection, "Allow", allow, -1);
  mg_response_header_send(connection);
  mg_write(connection, body.data(), body.size());
}

// CivetWeb request handler for every path; returns the status it sent.
int Route(mg_connection* connection, void* data) {
  const HealthChecks& checks = *static_cast<const HealthChecks*>(data);
  const mg_request_info* request = mg_get_request_info(connection);
  const char* path = request->local_uri != nullptr ? request->local_uri : "";
  const HealthCheck* check = std::strcmp(path, "/livez") == 0    ? &checks.liveness
                             : std::strcmp(path, "/readyz") == 0 ? &checks.readiness
                                                                 : nullptr;
  if (check == nullptr) {
    Respond(connection, 404, "not found\n");
    return 404;
  }
  if (std::strcmp(request->request_method, "GET") != 0) {
    Respond(connection, 405, "method not allowed\n", "GET");
    return 405;
  }
  const HealthReport report = (*check)();
  if (report.ok) {
    Respond(connection, 200, "ok\n");
    return 200;
  }
  Respond(connection, 503, absl::StrCat(report.reason.empty() ? "unhealthy" : report.reason, "\n"));
  return 503;
}

int LogCivetWeb(const mg_connection* /*connection*/, const char* message) {
  log::Warn("health.http_error", {{"error", message}});
  return 1;  // logged: CivetWeb writes nothing itself
}

}  // namespace

std::optional<TlsFiles> ProbeTls(const std::optional<TlsFiles>& service_tls) {
  if (!service_tls.has_value()) return std::nullopt;
  TlsFiles probe = *service_tls;
  probe.client_ca_file.clear();
  return probe;
}

absl::StatusOr<std::unique_ptr<HealthServer>> HealthServer::Start(const std::string& address,
                                                                  HealthChecks checks,
                                                                  HealthServerOptions options) {
  if (!checks.liveness || !checks.readiness) {
    return absl::InvalidArgumentError("health server needs both a liveness and a readiness check");
  }
  auto server = std::unique_ptr<HealthServer>(new HealthServer(std::move(checks)));
  if (options.tls.has_value()) {
    if (!options.tls->client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "the health port asks no client certificate (Kubernetes probes have none): "
          "give it no client CA");
    }
    auto certificate = ServingCertificate::Load(*options.tls);
    if (!certificate.ok()) {
      return absl::Status(certificate.status().code(),
                          absl::StrCat("cannot serve health probes over HTTPS on ", address, ": ",
                                       certificate.status().message()));
    }
    server->certificate_ = *std::move(certificate);
  }
  // With TLS, CivetWeb serves the relay only.
  const std::string listen = server->certificate_ == nullptr ? address : "127.0.0.1:0";
  const std::string timeout_ms = std::to_string(absl::ToInt64Milliseconds(options.read_timeout));
  const std::string threads = std::to_string(options.threads);
  const char* configuration[] = {
      "listening_ports",  listen.c_str(),      "num_threads", threads.c_str(), "request_timeout_ms",
      timeout_ms.c_str(), "enable_keep_alive", "no",          nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = &LogCivetWeb;
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.configuration_options = configuration;
  char error_text[256] = "";
  unsigned error_code = 0;
  mg_error_data error{};
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);
  server->context_ = mg_start2(&init, &error);
  if (server->context_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot serve health probes on ", listen, ": ",
                                               error_text,
                                               " (is the port in use? pass another address)"));
  }
  // The checks live as long as the server: CivetWeb reads them per request.
  mg_set_request_handler(server->context_, "/", &Route,
                         const_cast<HealthChecks*>(&server->checks_));
  std::vector<mg_server_port> ports(4);
  const int count = mg_get_server_ports(server->context_, static_cast<int>(ports.size()),
                                        ports.data());
  server->port_ = count > 0 ? ports[0].port : 0;
  if (server->certificate_ != nullptr) {
    ASSIGN_OR_RETURN(server->relay_, TlsRelay::Start(address, server->port_, *server->certificate_,
                                                     {.connections = options.threads,
                                                      .timeout = options.read_timeout}));
    server->port_ = server->relay_->port();
  }
  return server;
}

HealthServer::~HealthServer() {
  relay_.reset();  // no new HTTPS requests for CivetWeb to drop
  if (context_ != nullptr) mg_stop(context_);
}

}  // namespace ingest
