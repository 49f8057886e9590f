#pragma once

// Where the gateway reads a payload's facts (services/common/facts): from
// the raw content it holds anyway, before compressing it, so the worker
// never parses payloads. Facts are never taken from the client. Content
// that cannot be read is still accepted and stored untouched; its facts say
// why (unparsed), and it is counted.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "ingest/v1/facts.pb.h"
#include "ingest/v1/ingest.pb.h"
#include "services/gateway/gateway_metrics.h"

namespace ingest {

// The facts of a unary payload (timed and counted in `metrics`).
v1::PayloadFacts ExtractFacts(const v1::PushPayloadRequest& request, GatewayMetrics& metrics);

// The facts of a streamed payload, read from its content as the chunks
// pass. The content is kept only when it is identity-encoded and at most
// `max_bytes` long (memory is bounded by that per stream); otherwise the
// facts say client_compressed or too_large and nothing is kept.
class StreamFactsCollector {
 public:
  StreamFactsCollector(const v1::PayloadStreamHeader& header, int64_t max_bytes);

  void Append(absl::string_view chunk);
  // Once every chunk was appended; the collector is spent.
  v1::PayloadFacts Finish(GatewayMetrics& metrics);

 private:
  std::string unparsed_reason_;  // empty: the content is being kept
  std::string content_;          // the serialized PayloadContent so far
  int64_t total_bytes_ = 0;
};

}  // namespace ingest
