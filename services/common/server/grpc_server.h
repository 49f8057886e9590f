#pragma once

// What every gRPC service binary of the project sets up the same way: a
// server on one address with gRPC health and server reflection (both
// served without credentials), and reading a call's metadata.

#include <grpcpp/server.h>
#include <grpcpp/server_context.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/server/tls_files.h"

namespace ingest {

// What one connection may hold, so a slow, stuck or abusive client cannot
// keep resources (gRPC enforces each; 0 leaves gRPC's default).
struct ConnectionLimits {
  // Calls open at once on one HTTP/2 connection; more wait for a slot
  // (SETTINGS_MAX_CONCURRENT_STREAMS).
  int max_concurrent_streams = 0;
  // Total bytes of a call's metadata (headers); a call over it is refused
  // by gRPC before any handler runs.
  int max_metadata_bytes = 0;
  // A connection without a call for this long is closed (GOAWAY).
  absl::Duration max_connection_idle = absl::ZeroDuration();
  // The server pings an idle connection this often and closes it when no
  // answer comes within the timeout: dead peers do not hold sockets.
  absl::Duration keepalive_time = absl::ZeroDuration();
  absl::Duration keepalive_timeout = absl::ZeroDuration();
  // Keepalive enforcement: a client pinging more often than this (without
  // data) gets strikes, and after two the connection is closed with
  // GOAWAY ENHANCE_YOUR_CALM.
  absl::Duration min_client_ping_interval = absl::ZeroDuration();
};

struct GrpcServerOptions {
  // Largest request message accepted; -1: gRPC's default (4 MiB).
  int max_receive_message_bytes = -1;
  // Memory gRPC may use for the server's transports and calls, the messages
  // it buffers included; past it, gRPC resets the largest users instead of
  // growing. 0: unbounded. (gRPC buffers a whole message before checking its
  // size, so this is what bounds one huge message.)
  int64_t memory_quota_bytes = 0;
  // The health status right after start: SERVING, or NOT_SERVING for a
  // service that reports ready later.
  bool serving = true;
  ConnectionLimits connection;
  // Plaintext when unset (local runs; in a cluster behind a mesh). The
  // files are checked every reload_interval and a changed set that passes
  // (the key is the certificate's, every file whole) is handed to gRPC,
  // which serves it to new connections within a second more; a set that
  // does not pass is logged and the one in force keeps serving
  // (staged_tls_files.h: gRPC 1.51 would take a key without its
  // certificate and fail every handshake).
  std::optional<TlsFiles> tls;
  // Told of every change of the TLS files after start: OK when handed to
  // gRPC, the refusal otherwise (e.g. to count in a metric). On a watcher's
  // thread.
  std::function<void(const absl::Status&)> on_tls_reload;
};

struct ListeningGrpcServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the bound port (an address ending in :0 picks one)
};

// Starts serving `service` on `address` (HOST:PORT; TLS if options.tls), plus
// health and reflection. UNAVAILABLE naming the address when it cannot
// listen; FAILED_PRECONDITION naming the file when a TLS file cannot be read,
// INVALID_ARGUMENT naming the files when the key is not the certificate's
// or a file is not whole PEM. The TLS files stay watched as long as the
// returned grpc::Server lives.
absl::StatusOr<ListeningGrpcServer> StartGrpcServer(const std::string& address,
                                                    grpc::Service* service,
                                                    const GrpcServerOptions& options = {});

// The value of metadata `key` of a call; "" when absent.
std::string MetadataValue(const grpc::CallbackServerContext& context, const char* key);

}  // namespace ingest
