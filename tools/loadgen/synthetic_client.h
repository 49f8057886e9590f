#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::loadgen {

// The InitializeSession request a synthetic SDK client sends for session
// `session_index`: `client` names the tool (client version, config and
// service name), `environment` is the session's environment and prefixes its
// fingerprint and client id. Used by loadgen and chaos_load.
ingest::v1::InitializeSessionRequest SyntheticInitializeRequest(absl::string_view client,
                                                                absl::string_view environment,
                                                                const std::string& project_id,
                                                                uint64_t seed, int session_index);

}  // namespace ingest::loadgen
