#include "services/common/server/tls_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "services/common/flags/common_flags.h"

ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain to serve TLS with (a mounted Secret, e.g. cert-manager's "
          "tls.crt); with --tls_key_file. Empty: plaintext. Re-read every "
          "--tls_reload_interval. Env: TLS_CERT_FILE.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of --tls_cert_file. Env: TLS_KEY_FILE.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "Mutual TLS: PEM CA bundle that client certificates must chain to; clients without "
          "one are refused. Empty: no client certificate asked. Env: TLS_CLIENT_CA_FILE.");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Minutes(1),
          "How often the TLS files are re-read: a rotated certificate is served to new "
          "connections within this long (and a second), without a restart; a key that does not "
          "match its certificate is refused, the pair in force serving until both files agree "
          "(whole seconds, at least 1s).");

namespace ingest {

void ApplyTlsEnvironment() {
  ApplyEnvironment({{&FLAGS_tls_cert_file, "TLS_CERT_FILE"},
                    {&FLAGS_tls_key_file, "TLS_KEY_FILE"},
                    {&FLAGS_tls_client_ca_file, "TLS_CLIENT_CA_FILE"}});
}

absl::StatusOr<std::optional<TlsFiles>> TlsFilesFromFlags() {
  TlsFiles tls{.cert_file = absl::GetFlag(FLAGS_tls_cert_file),
               .key_file = absl::GetFlag(FLAGS_tls_key_file),
               .client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file),
               .reload_interval = absl::GetFlag(FLAGS_tls_reload_interval)};
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  if (tls.cert_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca_file needs TLS: set --tls_cert_file and --tls_key_file too");
    }
    return std::nullopt;
  }
  if (tls.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls_reload_interval must be at least 1s");
  }
  return tls;
}

}  // namespace ingest
