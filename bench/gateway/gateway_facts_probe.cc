#include "bench/gateway/gateway_facts_probe.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"
#include "bench/common/http_get.h"
#include "bench/common/metrics_text.h"

namespace ingest::bench {

absl::StatusOr<FactCounters> ParseFactCounters(absl::string_view exposition) {
  const std::optional<double> seconds = SumOfMetric(exposition, kFactSecondsMetric);
  const std::optional<double> bytes = SumOfMetric(exposition, kFactBytesMetric);
  for (const auto& [value, name] : {std::pair{&seconds, kFactSecondsMetric},
                                    std::pair{&bytes, kFactBytesMetric}}) {
    if (!value->has_value()) {
      return absl::NotFoundError(absl::StrCat("no ", name, " in the gateway's metrics"));
    }
  }
  return FactCounters{.seconds = *seconds, .bytes = *bytes};
}

FactExtraction FactExtractionBetween(const FactCounters& before, const FactCounters& after) {
  if (after.seconds < before.seconds || after.bytes < before.bytes) return {};
  return {.measured = true,
          .seconds = after.seconds - before.seconds,
          .bytes = after.bytes - before.bytes};
}

absl::StatusOr<GatewayFactsProbe> GatewayFactsProbe::Create(absl::string_view metrics_url,
                                                            absl::Duration timeout) {
  ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(metrics_url));
  return GatewayFactsProbe(std::string(metrics_url), std::move(url.host_port), std::move(url.path),
                           timeout);
}

absl::StatusOr<FactCounters> GatewayFactsProbe::Read() const {
  ASSIGN_OR_RETURN(HttpResponse response, HttpGet(host_port_, path_, timeout_));
  if (response.status != 200) {
    return absl::FailedPreconditionError(absl::StrCat("HTTP ", response.status, " from ", url_));
  }
  return ParseFactCounters(response.body);
}

}  // namespace ingest::bench
