#pragma once

// The safety rules of an ingest topic (SPEC §4 "Topic safety"): pure
// functions over a topic's settings, no Kafka. broker-proxy applies them to
// the settings an operator asks for (EnsureTopics) and to the settings a
// topic has (EnsureTopics of an existing topic, DescribeTopic).
//
// Rules, each a SafetyFinding when broken:
//   cleanup.policy=delete         compaction keeps only the last record per
//                                 key (session): it silently deletes payloads.
//   min.insync.replicas<replication.factor
//                                 with min ISR equal to RF one broker down
//                                 stops every write (RF 1: min ISR must be 1).
//   min.insync.replicas>=2        min ISR 1 with RF >= 3 lets one replica
//                                 acknowledge alone; refused unless forced.
//   replication.factor>=N         N = policy.min_replication_factor (1
//                                 locally, 3 in production).
//   retention.ms>=floor           records must outlive a long database outage
//                                 (the blog: an ALTER TABLE held a lock for
//                                 30 min); -1 (forever) is fine.
//   max.message.bytes>=floor      the largest record the gateway produces
//                                 must fit: a unary payload (8 MiB by default)
//                                 plus its envelope; see TopicSafetyPolicy.
//
// Thread-safe (pure).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ingest {

// One broken rule, in words an operator can act on.
struct SafetyFinding {
  std::string rule;     // e.g. "cleanup.policy=delete"
  std::string problem;  // what is wrong, with the value found
  std::string fix;      // what to do about it
};

// A topic's settings as requested or as found. Unknown values (a config the
// broker did not report) are left at their "unknown" defaults and not judged.
struct TopicSettings {
  int32_t partitions = 0;
  int32_t replication_factor = 0;
  int32_t min_insync_replicas = 0;   // 0 = unknown
  std::string cleanup_policy;        // "" = unknown
  int64_t retention_ms = 0;          // 0 = unknown; -1 = forever
  int64_t max_message_bytes = 0;     // 0 = unknown
};

// Thresholds of the rules (the broker-proxy's flags).
struct TopicSafetyPolicy {
  // Shortest accepted retention.ms (-1 = forever always passes).
  absl::Duration retention_floor = absl::Hours(24);
  // Smallest accepted max.message.bytes: the gateway's largest record, a
  // unary payload of --max_payload_bytes (8 MiB) plus up to 64 KiB of task
  // envelope (the gateway enforces that margin against --max_record_bytes).
  // Streamed chunks (1 MiB) fit a fortiori.
  int64_t min_max_message_bytes = (int64_t{8} << 20) + (int64_t{64} << 10);
  // Smallest accepted replication factor (1 locally; 3 in production).
  int32_t min_replication_factor = 1;
};

// Every rule `settings` breaks, in the order listed above; empty when safe.
// `force` accepts min.insync.replicas 1 with a replication factor of 3 or
// more (and nothing else).
std::vector<SafetyFinding> CheckTopicSafety(const TopicSettings& settings,
                                            const TopicSafetyPolicy& policy, bool force);

// "rule: problem (fix)" of each finding, joined with "; ".
std::string DescribeFindings(const std::vector<SafetyFinding>& findings);

}  // namespace ingest
