#pragma once

#include <cstddef>
#include <cstdint>

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

// Builds the synthetic payloads the load generator sends.
//
// A payload's `events` is rrweb-like JSON text: repeated structure (keys,
// event shapes) mixed with pseudo-random numbers, words and base64 blobs, so
// it compresses like real recordings do - well, but not trivially. `messages`
// and `resources` are small JSON snippets.
//
// Deterministic: the same options and (session_index, payload_id) always give
// the same size and bytes, whichever thread asks and in whatever order, so a
// run can be reproduced from its seed. Immutable after construction; safe to
// share between threads.
class PayloadFactory {
 public:
  // Smallest supported `min_bytes`: room for the small fields plus some events.
  static constexpr size_t kMinSupportedBytes = 1024;

  // Requires kMinSupportedBytes <= min_bytes <= max_bytes (checked by
  // LoadgenOptions validation; aborts otherwise).
  explicit PayloadFactory(const PayloadFactoryOptions& options);

  // The serialized size of payload (session_index, payload_id), log-uniform in
  // [min_bytes, max_bytes].
  size_t SizeFor(int session_index, uint64_t payload_id) const;

  // The payload's content; content.SerializeAsString().size() equals
  // SizeFor(session_index, payload_id) exactly.
  ingest::v1::PayloadContent Make(int session_index, uint64_t payload_id) const;

 private:
  PayloadFactoryOptions options_;
};

}  // namespace ingest::loadgen
