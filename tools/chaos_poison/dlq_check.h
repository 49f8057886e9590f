#pragma once

// Compares the dead-letter topic with what a PoisonPlan expects. Pure.

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "services/common/kafka/topic_reader.h"
#include "tools/chaos_poison/poison_plan.h"

namespace ingest::chaos {

struct DeadLetterReport {
  int expected = 0;                   // letters the plan expects
  int found = 0;                      // DLQ records of the plan's sessions
  int wrong = 0;                      // at a position, a letter with another reason or other bytes
  int missing = 0;                    // expected letters not (yet) in the DLQ
  int unexpected = 0;                 // letters of the plan's sessions beyond what it expects
  std::vector<std::string> problems;  // the first few, readable

  bool ok() const { return found == expected && wrong == 0 && missing == 0 && unexpected == 0; }
};

// `dlq` is the whole DLQ topic (any sessions); each partition's records in
// offset order, as ReadTopicFromStart returns them.
DeadLetterReport CheckDeadLetters(const PoisonPlan& plan, absl::Span<const TopicRecord> dlq);

}  // namespace ingest::chaos
