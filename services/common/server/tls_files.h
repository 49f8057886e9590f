#pragma once

// TlsFiles: where a server's TLS certificate, key and (for mutual TLS)
// client CA live, and how often they are re-read. Shared by the gRPC servers
// (grpc_server.h) and the HTTPS health probes (services/common/health);
// filled from the --tls_* flags (tls_flags.h).

#include <string>

#include "absl/time/time.h"

namespace ingest {

// A certificate chain and its key, and for mutual TLS the CA bundle client
// certificates must chain to. The files are re-read every `reload_interval`,
// so a rotated Secret or a cert-manager renewal takes effect for new
// connections without a restart; connections made before keep their
// handshake. A key that does not match its certificate (one file written
// before the other) or a file cut short is refused, and the pair in force
// is kept until both agree: by the health probes' ServingCertificate, and
// for the gRPC servers by StagedTlsFiles (gRPC 1.51 itself would take the
// mismatched pair and fail every handshake).
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  // Empty: no client certificate asked. Otherwise required and verified.
  std::string client_ca_file;
  absl::Duration reload_interval = absl::Minutes(1);  // zero: read once
};

}  // namespace ingest
