#pragma once

// A minimal HTTP/1.1 GET for tests that read a service's /metrics or probes.

#include <string>

namespace ingest {

// `GET path` on 127.0.0.1:port; the whole response, or "" on failure.
std::string HttpGet(int port, const std::string& path);

// Whether `response` has status 200.
bool IsOk(const std::string& response);

}  // namespace ingest
