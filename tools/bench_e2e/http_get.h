#pragma once

// A blocking HTTP/1.0 GET on the loopback: a worker's /readyz and /metrics.
// Enough HTTP for those two (status line, body until the server closes).

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest::bench_e2e {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET `path` from `host_port` ("127.0.0.1:PORT"); the whole exchange takes
// at most about `timeout`. UNAVAILABLE when nothing answers.
absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& path,
                                     absl::Duration timeout);

// A loopback TCP port nothing listens on right now (bound and released: a
// race with other processes is possible, if unlikely).
absl::StatusOr<int> FreeLoopbackPort();

}  // namespace ingest::bench_e2e
