#pragma once

// Rejections: what the gateway does when it refuses a call before producing
// (unknown API key, invalid argument, forged or foreign session id, project
// rate limit, in-flight byte budget): counts it in
// ingest_gateway_rejected_total{reason} and logs a `gateway.rejected` warn
// line with the RPC, reason, peer address, project (empty before the API key
// is known), status code and the error the client was sent. The log is
// rate-limited per reason (LogRateLimiter; by default 5 lines a second); the
// first line after a quiet spell carries `suppressed`, the lines left out.
//
// Never logs a secret: the API key and the session secret are not among
// its inputs, and the error is the one the client itself receives.
//
// Thread-safe.

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "services/common/logging/log_rate_limiter.h"
#include "services/gateway/gateway_metrics.h"

namespace ingest {

class Rejections {
 public:
  explicit Rejections(GatewayMetrics& metrics, LogRateLimiterOptions log_options = {},
                      std::function<absl::Time()> clock = [] { return absl::Now(); })
      : metrics_(metrics), limiter_(log_options, std::move(clock)) {}

  // reason: unauthenticated, permission_denied, invalid_argument, rate_limit,
  // inflight_bytes.
  void Record(absl::string_view reason, absl::string_view rpc, absl::string_view peer,
              absl::string_view project, const absl::Status& status);

  // The reason for a failed validation: permission_denied or invalid_argument.
  static absl::string_view ReasonOf(const absl::Status& status);
  // The reason of a failed authentication: "key_disabled" for a key the
  // keys file marks disabled, "unauthenticated" otherwise.
  static absl::string_view ReasonOfAuthentication(const absl::Status& status);

 private:
  GatewayMetrics& metrics_;
  LogRateLimiter limiter_;
};

}  // namespace ingest
