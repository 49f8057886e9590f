#include "services/broker_proxy/ingestctl/tls_hint.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ingest::ingestctl {

// gRPC 1.51 with OpenSSL 3 says, of a connection that failed:
//   "... Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL
//   routines::certificate verify failed" when the server's certificate does
//   not chain to the CA bundle, has expired or does not name the host (the
//   client adds which: "; server certificate: certificate has expired (...)",
//   "unable to get local issuer certificate (...)", "IP address mismatch",
//   ..., in OpenSSL's words);
//   "... wrong version number" when the server answered in plaintext;
//   "... Socket closed" when the server hung up: after the client's side of
//   a TLS 1.3 handshake when it wants a client certificate (the server's
//   "certificate required" alert is not passed on), or on a plaintext
//   client's first bytes when it serves TLS.
std::optional<std::string> TlsHint(const GlobalOptions& global, absl::string_view message) {
  const std::string& server = global.server;
  const bool tls = !global.ca_file.empty();
  if (!tls) {
    if (!absl::StrContains(message, "Socket closed")) return std::nullopt;
    return absl::StrCat("broker-proxy at ", server,
                        " closed the connection: if it serves TLS, pass --ca_file (and "
                        "--cert_file, --key_file if it asks for a client certificate); is it "
                        "running there?");
  }
  if (absl::StrContains(message, "certificate has expired")) {
    return absl::StrCat("broker-proxy at ", server,
                        " serves an expired certificate: renew the certificate it serves (its "
                        "--tls_cert_file; broker-proxy re-reads it without a restart).");
  }
  if (absl::StrContains(message, "not yet valid")) {
    return absl::StrCat("broker-proxy at ", server,
                        " serves a certificate that is not valid yet: check the clocks of both "
                        "machines.");
  }
  if (absl::StrContains(message, "issuer certificate") ||
      absl::StrContains(message, "self-signed certificate")) {
    return absl::StrCat("broker-proxy at ", server,
                        " serves a certificate that is not signed by a CA in --ca_file=",
                        global.ca_file, ": pass the CA bundle that signed it.");
  }
  if (absl::StrContains(message, "address mismatch") ||
      absl::StrContains(message, "hostname mismatch")) {
    return absl::StrCat("broker-proxy's certificate is not for the host of --server=", server,
                        ": give --server a name or address its certificate lists.");
  }
  if (absl::StrContains(message, "certificate verify failed")) {
    return absl::StrCat("broker-proxy at ", server,
                        " refused the TLS handshake: its certificate does not chain to "
                        "--ca_file=",
                        global.ca_file,
                        ", has expired or does not name that host; check --ca_file, and the "
                        "certificate broker-proxy serves (--tls_cert_file).");
  }
  if (absl::StrContains(message, "wrong version number")) {
    return absl::StrCat("broker-proxy at ", server,
                        " does not speak TLS: drop --ca_file (and INGESTCTL_CA_FILE), or start "
                        "broker-proxy with --tls_cert_file and --tls_key_file.");
  }
  if (absl::StrContains(message, "Socket closed")) {
    if (global.cert_file.empty()) {
      return absl::StrCat("broker-proxy at ", server,
                          " refused the TLS handshake: it asks for a client certificate; pass "
                          "--cert_file and --key_file (env INGESTCTL_CERT_FILE, "
                          "INGESTCTL_KEY_FILE).");
    }
    return absl::StrCat("broker-proxy at ", server,
                        " refused the TLS handshake: check that --cert_file=", global.cert_file,
                        " is signed by the CA broker-proxy trusts (its --tls_client_ca_file) "
                        "and has not expired.");
  }
  if (absl::StrContains(message, "andshake")) {
    return absl::StrCat("the TLS handshake with broker-proxy at ", server,
                        " failed; check --ca_file, --cert_file and --key_file.");
  }
  return std::nullopt;
}

}  // namespace ingest::ingestctl
