#pragma once

#include <cstddef>
#include <cstdint>

#include "ingest/v1/facts.pb.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::loadgen {

struct PayloadFactoryOptions {
  // Everything the factory produces is a pure function of this seed and the
  // (session_index, payload_id) pair.
  uint64_t seed = 1;
  // Serialized PayloadContent sizes are spread log-uniformly in this range.
  size_t min_bytes = 10 * 1024;
  size_t max_bytes = 3 * 1024 * 1024;
};

// Builds the synthetic payloads the load generator sends, and knows their
// facts (ingest.v1.PayloadFacts) without parsing them.
//
// Every field is valid JSON of the shapes services/common/facts reads:
// `events` is an array of rrweb events - mostly mouse moves and DOM mutations
// with words, some base64 blobs, scrolls, inputs and clicks (in tight bursts
// in a third of the sessions, some of them across a payload boundary, so
// rage clicks happen there), a Meta with an href from a small set at the
// start of some payloads, DomContentLoaded, Load, Meta and a FullSnapshot at
// payload 1 - and ends with a Custom event whose string pads the payload to
// its exact size. It compresses like real recordings do: well, but not
// trivially. `messages` holds console messages (log, info, warn, warning,
// error, debug), `errors` a few frontend errors, `resources` network entries,
// some with responseStatus >= 400; messages and resources alternate between
// the bare array and the {"messages": [...]} / {"resources": [...]} form.
//
// Time: session s starts at a time derived from (seed, s); payload k covers
// [start + (k-1) * kPayloadSpanMs, start + k * kPayloadSpanMs), its events in
// non-decreasing timestamp order, so a session's payloads follow each other
// and any one of them can be built alone. Some payloads hold an idle pause
// longer than services/common/facts' kActivityGapMs.
//
// Deterministic: the same options and (session_index, payload_id) always give
// the same size, bytes and facts, whichever thread asks and in whatever
// order, so a run can be reproduced from its seed. Immutable after
// construction; safe to share between threads.
class PayloadFactory {
 public:
  // Smallest supported `min_bytes`: room for the small fields plus some events.
  static constexpr size_t kMinSupportedBytes = 1024;

  // Recording time covered by one payload.
  static constexpr int64_t kPayloadSpanMs = 60'000;

  // A payload and its facts.
  struct Payload {
    ingest::v1::PayloadContent content;
    ingest::v1::PayloadFacts facts;
  };

  // Requires kMinSupportedBytes <= min_bytes <= max_bytes (checked by
  // loadgen's flags; aborts otherwise).
  explicit PayloadFactory(const PayloadFactoryOptions& options);

  // The serialized size of payload (session_index, payload_id), log-uniform in
  // [min_bytes, max_bytes].
  size_t SizeFor(int session_index, uint64_t payload_id) const;

  // The payload's content; content.SerializeAsString().size() equals
  // SizeFor(session_index, payload_id) exactly.
  ingest::v1::PayloadContent Make(int session_index, uint64_t payload_id) const;

  // The facts of Make(session_index, payload_id), as services/common/facts'
  // ExtractPayloadFacts reads them (parsed, every count, the first
  // kMaxClicksInFacts clicks, pages), recorded while the content is built.
  // Costs as much as Make.
  ingest::v1::PayloadFacts FactsOf(int session_index, uint64_t payload_id) const;

  // Make and FactsOf at once.
  Payload MakeWithFacts(int session_index, uint64_t payload_id) const;

 private:
  PayloadFactoryOptions options_;
};

}  // namespace ingest::loadgen
