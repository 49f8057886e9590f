#pragma once

// Tests' HTTPS client for the health probes, by libcurl: each call is a new
// connection (so a new handshake) that verifies the server's certificate
// against a CA bundle and 127.0.0.1 (the test certificates' IP SAN).

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

struct HttpsResponse {
  int status = 0;
  std::string body;
  // The issuer of the certificate the server presented, as OpenSSL prints
  // it (e.g. "CN = session-ingest local ca").
  std::string issuer;
};

// GET https://127.0.0.1:`port``path` trusting only `ca_file`. UNAVAILABLE
// with curl's reason when no response came (the certificate refused, the
// connection dropped, the timeout).
absl::StatusOr<HttpsResponse> HttpsGet(int port, const std::string& path,
                                       const std::string& ca_file,
                                       absl::Duration timeout = absl::Seconds(10));

}  // namespace ingest
