#include "services/broker_proxy/topic_safety.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ingest {

std::vector<SafetyFinding> CheckTopicSafety(const TopicSettings& settings,
                                            const TopicSafetyPolicy& policy, bool force) {
  std::vector<SafetyFinding> findings;
  if (!settings.cleanup_policy.empty() && settings.cleanup_policy != "delete") {
    findings.push_back(
        {"cleanup.policy=delete",
         absl::StrCat("cleanup.policy is '", settings.cleanup_policy,
                      "': compaction keeps only the last record of each session and silently "
                      "deletes the others"),
         "set cleanup.policy=delete (kafka-configs --alter --add-config cleanup.policy=delete)"});
  }
  const int32_t rf = settings.replication_factor;
  const int32_t min_isr = settings.min_insync_replicas;
  if (min_isr > 0 && rf > 0) {
    if (rf > 1 && min_isr >= rf) {
      findings.push_back(
          {"min.insync.replicas<replication.factor",
           absl::StrCat("min.insync.replicas is ", min_isr, " with replication factor ", rf,
                        ": one broker down stops every write"),
           absl::StrCat("set min.insync.replicas to ", rf - 1, " (at most replication factor - 1)")});
    } else if (rf == 1 && min_isr > 1) {
      findings.push_back({"min.insync.replicas<replication.factor",
                          absl::StrCat("min.insync.replicas is ", min_isr,
                                       " with replication factor 1: no write can ever succeed"),
                          "set min.insync.replicas=1, or use a replication factor of 3"});
    } else if (rf >= 3 && min_isr == 1 && !force) {
      findings.push_back(
          {"min.insync.replicas>=2",
           absl::StrCat("min.insync.replicas is 1 with replication factor ", rf,
                        ": a single replica may acknowledge alone and take the data with it"),
           "set min.insync.replicas=2, or pass force to accept it"});
    }
  }
  if (rf > 0 && rf < policy.min_replication_factor) {
    findings.push_back(
        {absl::StrCat("replication.factor>=", policy.min_replication_factor),
         absl::StrCat("replication factor is ", rf, ", below the required ",
                      policy.min_replication_factor),
         absl::StrCat("recreate the topic with replication factor ",
                      policy.min_replication_factor, " (replication cannot be raised here)")});
  }
  const int64_t floor_ms = absl::ToInt64Milliseconds(policy.retention_floor);
  if (settings.retention_ms != 0 && settings.retention_ms != -1 &&
      settings.retention_ms < floor_ms) {
    findings.push_back(
        {absl::StrCat("retention.ms>=", floor_ms),
         absl::StrCat("retention.ms is ", settings.retention_ms,
                      ": records would be deleted before a long database outage is over"),
         absl::StrCat("set retention.ms to at least ", floor_ms, " (",
                      absl::FormatDuration(policy.retention_floor), "), or -1 for forever")});
  }
  if (settings.max_message_bytes != 0 &&
      settings.max_message_bytes < policy.min_max_message_bytes) {
    findings.push_back(
        {absl::StrCat("max.message.bytes>=", policy.min_max_message_bytes),
         absl::StrCat("max.message.bytes is ", settings.max_message_bytes,
                      ": the gateway's largest records (a unary payload plus its envelope) "
                      "would be refused"),
         absl::StrCat("set max.message.bytes to at least ", policy.min_max_message_bytes,
                      " (16777216 matches the gateway's --max_record_bytes)")});
  }
  return findings;
}

std::string DescribeFindings(const std::vector<SafetyFinding>& findings) {
  return absl::StrJoin(findings, "; ", [](std::string* out, const SafetyFinding& finding) {
    absl::StrAppend(out, finding.rule, ": ", finding.problem, " (", finding.fix, ")");
  });
}

}  // namespace ingest
