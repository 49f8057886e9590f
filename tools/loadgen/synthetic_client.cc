#include "tools/loadgen/synthetic_client.h"

#include "absl/strings/str_cat.h"

namespace ingest::loadgen {

ingest::v1::InitializeSessionRequest SyntheticInitializeRequest(absl::string_view client,
                                                                absl::string_view environment,
                                                                const std::string& project_id,
                                                                uint64_t seed, int session_index) {
  ingest::v1::InitializeSessionRequest request;
  request.set_project_id(project_id);
  request.set_client_version(absl::StrCat(client, "/1"));
  request.set_firstload_version(absl::StrCat(client, "/1"));
  request.set_client_config(absl::StrCat(R"({"source":")", client, R"("})"));
  request.set_environment(std::string(environment));
  request.set_app_version("1.0.0");
  request.set_service_name(std::string(client));
  request.set_fingerprint(absl::StrCat(environment, "-fp-", session_index));
  request.set_client_id(absl::StrCat(environment, "-", seed, "-", session_index));
  return request;
}

}  // namespace ingest::loadgen
