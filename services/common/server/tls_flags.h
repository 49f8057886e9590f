#pragma once

// The TLS flags every service binary takes (gateway, broker-proxy; the worker
// for its HTTPS health port):
//   --tls_cert_file, --tls_key_file   serve TLS with this chain and key
//   --tls_client_ca_file              mutual TLS: require client certificates of this CA
//   --tls_reload_interval             how often the files are re-read (rotation)
// Both empty: plaintext (local runs). Env fallbacks TLS_CERT_FILE,
// TLS_KEY_FILE, TLS_CLIENT_CA_FILE.

#include <optional>

#include "absl/status/statusor.h"
#include "services/common/server/tls_files.h"

namespace ingest {

// Binds the TLS_* environment variables to the flags (ApplyEnvironment);
// call before absl::ParseCommandLine, so the command line wins.
void ApplyTlsEnvironment();

// The flags' TlsFiles (nullopt: plaintext). INVALID_ARGUMENT for a
// certificate without a key (or the reverse), or a client CA without them.
// Call after absl::ParseCommandLine.
absl::StatusOr<std::optional<TlsFiles>> TlsFilesFromFlags();

}  // namespace ingest
