#pragma once

// Why a server's TLS certificate was refused, for the error ingestctl
// prints: gRPC says only "certificate verify failed" whether the
// certificate is of another CA, expired or for another host. After such a
// failure, FetchServerCertificateChain makes one more handshake that only
// reads the certificate chain the server presents (it never completes, so
// no call and no token is sent), and ExplainCertificateRefusal checks that
// chain against the CA bundle with OpenSSL, saying which rule it breaks.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest::ingestctl {

// The certificate chain (PEM, leaf first) the server at `server`
// (HOST:PORT) presents in a TLS handshake, within `timeout`. UNAVAILABLE
// when none was seen (nothing listens, or it does not speak TLS).
absl::StatusOr<std::string> FetchServerCertificateChain(const std::string& server,
                                                        absl::Duration timeout);

// Why `chain_pem` (leaf first) is not accepted for `host` (a name or an IP
// address) against the CA bundle `ca_pem` at `now`, in words with the
// detail that matters ("certificate has expired (not after
// 2024-05-01T12:00:00Z)", "unable to get local issuer certificate (issuer
// CN=other-ca)", "hostname mismatch (...)"); std::nullopt when it is
// accepted or cannot be read.
std::optional<std::string> ExplainCertificateRefusal(const std::string& chain_pem,
                                                     const std::string& ca_pem,
                                                     const std::string& host, absl::Time now);

}  // namespace ingest::ingestctl
