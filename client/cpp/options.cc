#include "client/cpp/options.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/credentials.h"
#include "services/common/status/status_macros.h"

namespace ingest::client {

absl::Status ValidateClientOptions(const ClientOptions& options) {
  if (options.targets.empty()) {
    return absl::InvalidArgumentError("ClientOptions.targets is empty: give the gateway's HOST:PORT");
  }
  for (const std::string& target : options.targets) {
    if (target.empty()) return absl::InvalidArgumentError("ClientOptions.targets has an empty entry");
  }
  if (options.api_key.empty()) {
    return absl::InvalidArgumentError(
        "ClientOptions.api_key is empty: every call needs the project's API key");
  }
  if (options.channels_per_target < 1) {
    return absl::InvalidArgumentError("ClientOptions.channels_per_target must be at least 1");
  }
  if (options.call_deadline <= absl::ZeroDuration() ||
      options.stream_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "ClientOptions.call_deadline and stream_deadline must be positive");
  }
  if (options.max_reconnect_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ClientOptions.max_reconnect_backoff must be positive");
  }
  if (options.connect_timeout < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ClientOptions.connect_timeout is ", absl::FormatDuration(options.connect_timeout),
        ": give at least 100 ms, enough for a TCP and TLS handshake with the gateway (the "
        "default, 20 s, suits any network)"));
  }
  if (options.stream_threshold_bytes < 0) {
    return absl::InvalidArgumentError(
        "ClientOptions.stream_threshold_bytes must be 0 (stream everything) or more");
  }
  if (options.stream_chunk_bytes < 1) {
    return absl::InvalidArgumentError("ClientOptions.stream_chunk_bytes must be positive");
  }
  if (options.async_budget_bytes < 1 || options.max_async_calls < 1) {
    return absl::InvalidArgumentError(
        "ClientOptions.async_budget_bytes and max_async_calls must be positive: the async "
        "budget bounds memory, it cannot be switched off");
  }
  if (absl::Status retry = RetryPolicy::Validate(options.retry); !retry.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("ClientOptions.retry: ", retry.message()));
  }
  const ClientOptions::TlsFiles& tls = options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "ClientOptions.tls: a client certificate and its key go together");
  }
  if (!tls.cert_file.empty() && tls.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "ClientOptions.tls: a client certificate needs TLS: give the gateway's CA (ca_file)");
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  if (!file.good() && !file.eof()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read the TLS ", what, " ", path));
  }
  if (text.str().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the TLS ", what, " ", path, " (missing or empty)"));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const ClientOptions::TlsFiles& tls) {
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(tls.ca_file, "CA bundle"));
  if (!tls.cert_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem(tls.cert_file, "client certificate"));
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem(tls.key_file, "client key"));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace ingest::client
