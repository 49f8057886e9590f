#pragma once

// Folds payload facts into a session's summary (ingest.v1.SessionSummary,
// proto/ingest/v1/facts.proto). Folding a session's payloads one at a time,
// in payload-id order, gives the same summary as folding one payload that
// holds all their events in that order: the active time joins the last
// interaction of one payload to the first of the next, and a rage-click
// cluster stays open across payloads. README.md defines every field.
//
// Times use 0 for "none" (the protos have no presence bits): an event or
// interaction at exactly t = 0 ms is folded as if it had no time, so only
// then can folding payload by payload differ from folding them at once.
//
// Pure functions; thread-compatible (a summary is folded by one thread).

#include <cstdint>

#include "absl/types/span.h"
#include "ingest/v1/facts.pb.h"

namespace ingest {

// A rage click: at least `min_clicks` clicks, each within `radius_px`
// (euclidean distance) of the cluster's first click and within `window_ms`
// of it (before or after). A click outside either bound starts a new
// cluster. Each cluster that reaches min_clicks counts once in rage_clicks.
// Clicks are taken in event order; a negative radius or window never joins.
struct RageClickRule {
  int min_clicks = 5;
  int radius_px = 8;
  int64_t window_ms = 5'000;
};

// Folds the facts of payload `payload_id` into `summary`. Payloads must come
// in increasing id order (the caller refolds from scratch otherwise).
void FoldPayloadFacts(uint64_t payload_id, const v1::PayloadFacts& facts,
                      const RageClickRule& rule, v1::SessionSummary* summary);

// The summary of a session's payloads, given in payload-id order: the fold
// of each, from an empty summary. `facts` must not be null.
struct IdentifiedFacts {
  uint64_t payload_id = 0;
  const v1::PayloadFacts* facts = nullptr;
};
v1::SessionSummary SummarizeSession(absl::Span<const IdentifiedFacts> payloads,
                                    const RageClickRule& rule);

}  // namespace ingest
