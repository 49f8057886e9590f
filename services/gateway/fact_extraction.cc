#include "services/gateway/fact_extraction.h"

#include <utility>

#include "absl/time/clock.h"
#include "services/common/facts/payload_facts_extractor.h"

namespace ingest {
namespace {

bool IsIdentity(v1::ContentEncoding encoding) {
  return encoding == v1::CONTENT_ENCODING_IDENTITY ||
         encoding == v1::CONTENT_ENCODING_UNSPECIFIED;
}

v1::PayloadFacts Unparsed(absl::string_view reason, int64_t bytes, GatewayMetrics& metrics) {
  metrics.FactsExtracted(bytes, absl::ZeroDuration(), reason);
  return UnparsedPayloadFacts(reason);
}

v1::PayloadFacts Timed(const v1::PayloadContent& content, int64_t bytes,
                       GatewayMetrics& metrics) {
  const absl::Time start = absl::Now();
  v1::PayloadFacts facts = ExtractPayloadFacts(content);
  metrics.FactsExtracted(bytes, absl::Now() - start,
                         facts.parsed() ? absl::string_view() : facts.unparsed_reason());
  return facts;
}

}  // namespace

v1::PayloadFacts ExtractFacts(const v1::PushPayloadRequest& request, GatewayMetrics& metrics) {
  const int64_t bytes = static_cast<int64_t>(request.content().ByteSizeLong());
  if (!IsIdentity(request.content_encoding())) {
    return Unparsed(kUnparsedClientCompressed, bytes, metrics);
  }
  return Timed(request.content(), bytes, metrics);
}

StreamFactsCollector::StreamFactsCollector(const v1::PayloadStreamHeader& header,
                                           int64_t max_bytes)
    : total_bytes_(static_cast<int64_t>(header.total_bytes())) {
  if (!IsIdentity(header.content_encoding())) {
    unparsed_reason_ = std::string(kUnparsedClientCompressed);
  } else if (total_bytes_ > max_bytes) {
    unparsed_reason_ = std::string(kUnparsedTooLarge);
  } else {
    content_.reserve(static_cast<size_t>(total_bytes_));
  }
}

void StreamFactsCollector::Append(absl::string_view chunk) {
  if (unparsed_reason_.empty()) content_.append(chunk.data(), chunk.size());
}

v1::PayloadFacts StreamFactsCollector::Finish(GatewayMetrics& metrics) {
  if (!unparsed_reason_.empty()) return Unparsed(unparsed_reason_, total_bytes_, metrics);
  v1::PayloadContent content;
  if (!content.ParseFromString(content_)) {
    return Unparsed(kUnparsedUnexpectedShape, total_bytes_, metrics);
  }
  std::string().swap(content_);
  return Timed(content, total_bytes_, metrics);
}

}  // namespace ingest
