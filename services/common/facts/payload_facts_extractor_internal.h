#pragma once

// Internal to services/common/facts: the two readers behind
// ExtractPayloadFacts, each alone, for its tests and facts_extract_bench.
// Nothing else should call these.

#include <optional>

#include "ingest/v1/facts.pb.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::facts_internal {

// ExtractPayloadFacts with simdjson's On-Demand walker alone (the fallback of
// ExtractPayloadFacts): it validates every value as it reads, so it reads
// every valid input, numbers beyond 64 bits included. ExtractPayloadFacts
// must equal it on every input.
v1::PayloadFacts ExtractPayloadFactsOnDemand(const v1::PayloadContent& content);

// ExtractPayloadFacts with the DOM parser alone (its fast path): none when
// the DOM parser refuses an input (malformed, a number beyond 64 bits or a
// double, nesting at simdjson's depth limit), where ExtractPayloadFacts falls
// back to the walker for that input.
std::optional<v1::PayloadFacts> ExtractPayloadFactsDomOnly(const v1::PayloadContent& content);

}  // namespace ingest::facts_internal
