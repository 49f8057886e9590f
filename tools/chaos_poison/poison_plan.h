#pragma once

// What `./dev chaos poison` injects straight into the ingest topic, and what
// must come of it. Pure: no Kafka, no clock.
//
// A malformed session: payloads 1 and 2 (valid), a record that is not a Task
// at all, then payloads 3 and 4 (valid). The worker must persist 1 and 2,
// dead-letter the malformed record (invalid_record), quarantine the session
// and send 3 and 4 after it (quarantined_session), in offset order and byte
// for byte, so a redrive can replay the session whole.
//
// A conflicting session: payload 1, payload 1 again with other bytes, then
// payload 2. The worker keeps the first payload 1, dead-letters the second
// alone (conflicting_duplicate) and stores payload 2: the session is flagged
// (sessions.conflicting_duplicates), not quarantined.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ingest::chaos {

struct PoisonRecord {
  std::string key;    // the session id, as the gateway keys records
  std::string value;  // EncodeTask() of a Task, or bytes that are none
};

struct ExpectedLetter {
  std::string reason;  // the dlq.reason header
  std::string value;   // byte for byte what was produced
};

struct PoisonPlan {
  // In produce order; one session's records are in its own order.
  std::vector<PoisonRecord> records;
  // Per session: the dead letters it must produce, in order.
  std::map<std::string, std::vector<ExpectedLetter>> letters;
  // Per session: the payload ids PostgreSQL must hold, ascending.
  std::map<std::string, std::vector<uint64_t>> stored_payload_ids;
  // Sessions that must be in quarantined_sessions.
  std::vector<std::string> quarantined;

  int expected_letter_count() const;
};

struct PoisonPlanOptions {
  std::string project_id = "demo-project";
  std::string run_tag;  // makes this run's session ids unique
  int malformed_sessions = 4;
  int conflicting_sessions = 2;
  absl::Time received_at;
};

PoisonPlan MakePoisonPlan(const PoisonPlanOptions& options);

}  // namespace ingest::chaos
