#include "services/gateway/gateway_metrics.h"

#include <string>

#include "absl/status/status.h"
#include "services/common/metrics/buckets.h"

namespace ingest {

namespace {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets =
      new prometheus::Histogram::BucketBoundaries(ExponentialBuckets(0.0005, 2, 17));
  return *buckets;
}

}  // namespace

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("ingest_gateway_requests_total")
                    .Help("Finished RPCs by method and gRPC status code.")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("ingest_gateway_request_duration_seconds")
                   .Help("RPC latency from arrival to answer, by method.")
                   .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("ingest_gateway_in_flight_requests")
                     .Help("RPCs received and not yet answered.")
                     .Register(registry)
                     .Add({})),
      in_flight_streams_(prometheus::BuildGauge()
                             .Name("ingest_gateway_in_flight_streams")
                             .Help("PushPayloadStream calls received and not yet answered.")
                             .Register(registry)
                             .Add({})),
      payload_bytes_(prometheus::BuildHistogram()
                         .Name("ingest_gateway_payload_bytes")
                         .Help("Size of received payload content.")
                         .Register(registry)
                         .Add({}, ExponentialBuckets(1024, 4, 11))),
      produce_latency_(prometheus::BuildHistogram()
                           .Name("ingest_gateway_produce_duration_seconds")
                           .Help("From handing a record to Kafka to its acknowledgement.")
                           .Register(registry)),
      rejected_(prometheus::BuildCounter()
                    .Name("ingest_gateway_rejected_total")
                    .Help("Calls refused before producing, by reason.")
                    .Register(registry)),
      in_flight_bytes_(prometheus::BuildGauge()
                           .Name("ingest_gateway_in_flight_bytes")
                           .Help("Bytes handed to Kafka and not yet acknowledged.")
                           .Register(registry)
                           .Add({})),
      kafka_reachable_(prometheus::BuildGauge()
                           .Name("ingest_gateway_kafka_reachable")
                           .Help("1 while the last metadata request to Kafka succeeded.")
                           .Register(registry)
                           .Add({})),
      fact_extraction_(prometheus::BuildHistogram()
                           .Name("ingest_gateway_fact_extraction_seconds")
                           .Help("Time to read a payload's facts from its raw content (rate of "
                                 "_sum over ingest_gateway_fact_extraction_bytes_total = "
                                 "seconds per byte).")
                           .Register(registry)
                           .Add({}, LatencyBuckets())),
      fact_extraction_bytes_(prometheus::BuildCounter()
                                 .Name("ingest_gateway_fact_extraction_bytes_total")
                                 .Help("Raw content bytes whose facts were read (parsed or not).")
                                 .Register(registry)
                                 .Add({})),
      payloads_unparsed_(prometheus::BuildCounter()
                             .Name("ingest_gateway_payloads_unparsed_total")
                             .Help("Payloads accepted and stored untouched whose facts could not "
                                   "be read, by reason (not_json, unexpected_shape, "
                                   "client_compressed, too_large).")
                             .Register(registry)),
      kafka_(registry, "ingest_gateway") {
  auto& secret_reloads = prometheus::BuildCounter()
                             .Name("ingest_gateway_secret_reloads_total")
                             .Help(
                                 "Changes of the API keys file, by result: applied, or "
                                 "refused (the keys in force kept; see the log).")
                             .Register(registry);
  secrets_applied_ = &secret_reloads.Add({{"result", "applied"}});
  secrets_refused_ = &secret_reloads.Add({{"result", "refused"}});
  for (size_t rpc = 0; rpc < std::size(kRpcs); ++rpc) {
    for (int code = 0; code < kCodes; ++code) {
      requests_by_rpc_code_[rpc][code] = &requests_.Add(
          {{"rpc", kRpcs[rpc]},
           {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
    }
    latency_by_rpc_[rpc] = &latency_.Add({{"rpc", kRpcs[rpc]}}, LatencyBuckets());
  }
  produce_acked_ = &produce_latency_.Add({{"result", "acked"}}, LatencyBuckets());
  produce_failed_ = &produce_latency_.Add({{"result", "failed"}}, LatencyBuckets());
}

namespace {
constexpr absl::string_view kStreamRpc = "PushPayloadStream";
}  // namespace

void GatewayMetrics::RequestStarted(absl::string_view rpc) {
  in_flight_.Increment();
  if (rpc == kStreamRpc) in_flight_streams_.Increment();
}

void GatewayMetrics::RequestFinished(absl::string_view rpc, absl::StatusCode code,
                                     absl::Duration latency) {
  in_flight_.Decrement();
  if (rpc == kStreamRpc) in_flight_streams_.Decrement();
  const int code_index = static_cast<int>(code);
  for (size_t i = 0; i < std::size(kRpcs); ++i) {
    if (rpc != kRpcs[i]) continue;
    if (code_index >= 0 && code_index < kCodes) requests_by_rpc_code_[i][code_index]->Increment();
    latency_by_rpc_[i]->Observe(absl::ToDoubleSeconds(latency));
    return;
  }
  // Not a known RPC: slower labelled path.
  requests_.Add({{"rpc", std::string(rpc)}, {"code", absl::StatusCodeToString(code)}}).Increment();
}

void GatewayMetrics::PayloadReceived(int64_t bytes) {
  payload_bytes_.Observe(static_cast<double>(bytes));
}

void GatewayMetrics::FactsExtracted(int64_t bytes, absl::Duration took,
                                    absl::string_view unparsed_reason) {
  fact_extraction_.Observe(absl::ToDoubleSeconds(took));
  fact_extraction_bytes_.Increment(static_cast<double>(bytes));
  if (!unparsed_reason.empty()) {
    payloads_unparsed_.Add({{"reason", std::string(unparsed_reason)}}).Increment();
  }
}

void GatewayMetrics::Produced(bool ok, absl::Duration latency) {
  (ok ? produce_acked_ : produce_failed_)->Observe(absl::ToDoubleSeconds(latency));
}

void GatewayMetrics::Rejected(absl::string_view reason) {
  rejected_.Add({{"reason", std::string(reason)}}).Increment();
}

void GatewayMetrics::SetInFlightBytes(int64_t bytes) {
  in_flight_bytes_.Set(static_cast<double>(bytes));
}

void GatewayMetrics::SetKafkaReachable(bool reachable) { kafka_reachable_.Set(reachable ? 1 : 0); }

void GatewayMetrics::SecretsReloaded(bool applied) {
  (applied ? secrets_applied_ : secrets_refused_)->Increment();
}

}  // namespace ingest
