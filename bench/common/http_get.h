#pragma once

// A blocking HTTP GET for reading a service's /metrics or /readyz during a
// benchmark, done by libcurl (Debian's libcurl4-openssl-dev).
//
// Shared by bench/gateway (the gateway's /metrics) and bench/e2e (its
// workers' /readyz and /metrics).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest::bench {

// INVALID_ARGUMENT unless `url` is http://HOST:PORT[/PATH]. Pure.
absl::Status CheckHttpUrl(absl::string_view url);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET `url`, all of it within `timeout`. INVALID_ARGUMENT for a URL
// CheckHttpUrl refuses, UNAVAILABLE when nothing answers in time. Any status
// code is a response: the caller decides what 200 means.
absl::StatusOr<HttpResponse> HttpGet(const std::string& url, absl::Duration timeout);

}  // namespace ingest::bench
