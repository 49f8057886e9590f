#include "bench/gateway/gateway_facts_probe.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/common/metrics_text.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {

absl::StatusOr<FactCounters> ParseFactCounters(absl::string_view exposition) {
  const std::optional<double> seconds = SumOfMetric(exposition, kFactSecondsMetric);
  const std::optional<double> bytes = SumOfMetric(exposition, kFactBytesMetric);
  for (const auto& [value, name] :
       {std::pair{&seconds, kFactSecondsMetric}, std::pair{&bytes, kFactBytesMetric}}) {
    if (!value->has_value()) {
      return absl::NotFoundError(absl::StrCat("no ", name, " in the gateway's metrics"));
    }
  }
  return FactCounters{.seconds = *seconds, .bytes = *bytes};
}

std::optional<double> FactsSecondsPerGib(const FactCounters& facts) {
  if (!(facts.bytes > 0)) return std::nullopt;
  return facts.seconds / (facts.bytes / double{1 << 30});
}

std::optional<FactCounters> FactExtractionBetween(const FactCounters& before,
                                                  const FactCounters& after) {
  if (after.seconds < before.seconds || after.bytes < before.bytes) return std::nullopt;
  return FactCounters{.seconds = after.seconds - before.seconds,
                      .bytes = after.bytes - before.bytes};
}

absl::StatusOr<FactCounters> GatewayFactsProbe::Read() const {
  ASSIGN_OR_RETURN(HttpResponse response, HttpGet(url_, timeout_));
  if (response.status != 200) {
    return absl::FailedPreconditionError(absl::StrCat("HTTP ", response.status, " from ", url_));
  }
  return ParseFactCounters(response.body);
}

}  // namespace ingest::bench
