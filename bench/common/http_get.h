#pragma once

// A blocking HTTP/1.0 GET on the loopback, for reading a service's /metrics
// or /readyz during a benchmark: status line and body until the server
// closes, nothing more (no redirects, no chunked encoding, no TLS, IPv4
// addresses only).
//
// Shared by bench/gateway (the gateway's /metrics) and bench/e2e (its
// workers' /readyz and /metrics).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest::bench {

// "http://127.0.0.1:9464/metrics" as the parts HttpGet takes.
struct HttpUrl {
  std::string host_port;  // "127.0.0.1:9464"
  std::string path;       // "/metrics"; "/" when the URL has none
};

// INVALID_ARGUMENT unless `url` is http://IPV4:PORT[/PATH]. Pure.
absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET `path` from `host_port` ("127.0.0.1:PORT"); connecting, sending and
// each read wait at most `timeout`. UNAVAILABLE when nothing answers in time,
// INVALID_ARGUMENT for an address that is not IPV4:PORT. Any status code is
// a response: the caller decides what 200 means.
absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& path,
                                     absl::Duration timeout);

}  // namespace ingest::bench
