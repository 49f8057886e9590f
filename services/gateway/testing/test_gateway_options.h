#pragma once

// Options for an in-process gateway in tests: one project with one API key
// and a session secret, their files written under TEST_TMPDIR; Kafka is a
// placeholder (pass a RecordingProducer to GatewayServer::Start).

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/gateway/gateway_server.h"

namespace ingest {

// Writes `text` to TEST_TMPDIR/`name` (or /tmp) and returns the path.
inline std::string WriteTempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

inline GatewayOptions TestGatewayOptions(const std::string& project, const std::string& api_key,
                                         const std::string& session_secret) {
  GatewayOptions options;
  options.producer.bootstrap_servers = "unused:9092";  // the recording producer replaces it
  options.api_keys_file = WriteTempFile("keys", absl::StrCat(project, " ", api_key, "\n"));
  options.session_secret_file = WriteTempFile("secret", absl::StrCat(session_secret, "\n"));
  options.shutdown_grace = absl::Seconds(5);
  return options;
}

}  // namespace ingest
