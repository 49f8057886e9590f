#pragma once

// Reads a payload's facts (ingest.v1.PayloadFacts, proto/ingest/v1/facts.proto)
// from its raw content: the rrweb events, console messages, frontend errors
// and network resources an SDK sent. README.md in this directory defines
// every fact and the shapes accepted.
//
// Never fails: content that is not what we expect (not JSON, another shape)
// yields facts with parsed = false and a reason, and the payload is still
// stored untouched. All of each input is validated, also the parts no fact
// needs: a payload malformed anywhere gives no partial facts.
//
// Each input is read with simdjson's DOM parser (validates all of it, builds
// a tape; the facts are read off the tape); an input the DOM parser refuses
// (malformed, a number beyond 64 bits or a double, nesting at its depth
// limit) is read again by a walker over simdjson On-Demand that validates
// every value, and gives the verdict. Both read the same facts
// (payload_facts_extractor_internal.h exposes each alone for tests).
//
// Thread-safe: each thread reuses its own simdjson parsers (thread_local),
// which keep the capacity of the largest input they read up to 4 MiB (the
// DOM parser about 3 bytes resident per input byte). The walker recurses per
// JSON nesting level (at most 1024 levels are read): about 0.25 MiB of stack
// at the deepest, in an optimized build.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "ingest/v1/facts.pb.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest {

// Two consecutive interaction events add the time between them to the
// active time when it is at most this; a longer pause is idle time.
inline constexpr int64_t kActivityGapMs = 10'000;

// The active time between two consecutive interactions (in event order):
// later_ms - earlier_ms when that is in [0, kActivityGapMs], else 0. Shared
// by the extractor (inside a payload) and the fold (across payloads).
int64_t ActiveTimeBetween(int64_t earlier_ms, int64_t later_ms);

// At most this many clicks of a payload are carried in its facts (the first
// ones with a timestamp; the rage-click rule sees only those); click_count
// counts all of them.
inline constexpr int kMaxClicksInFacts = 1'000;

// Reasons of unparsed facts.
inline constexpr absl::string_view kUnparsedNotJson = "not_json";
inline constexpr absl::string_view kUnparsedUnexpectedShape = "unexpected_shape";
inline constexpr absl::string_view kUnparsedClientCompressed = "client_compressed";
inline constexpr absl::string_view kUnparsedTooLarge = "too_large";
inline constexpr absl::string_view kUnparsedNotExtracted = "not_extracted";

// The facts of identity-encoded content. The inputs are read in the order
// events, messages, errors, resources; the first one that cannot be read
// gives the unparsed reason (not_json or unexpected_shape).
v1::PayloadFacts ExtractPayloadFacts(const v1::PayloadContent& content);

// Facts that say the content was not read, and why (one of the reasons above).
v1::PayloadFacts UnparsedPayloadFacts(absl::string_view reason);

}  // namespace ingest
