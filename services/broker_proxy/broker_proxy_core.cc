#include "services/broker_proxy/broker_proxy_core.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/broker_proxy/session_page_token.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "services/common/logging/log.h"
#include "services/common/retry/backoff.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

int64_t ConfigInt(const v1::TopicDescription& description, const char* name) {
  auto it = description.configs().find(name);
  int64_t value = 0;
  if (it == description.configs().end() || !absl::SimpleAtoi(it->second, &value)) return 0;
  return value;
}

void AddFindings(const std::vector<SafetyFinding>& findings, v1::TopicDescription* description) {
  for (const SafetyFinding& finding : findings) {
    v1::SafetyFinding* out = description->add_unsafe();
    out->set_rule(finding.rule);
    out->set_problem(finding.problem);
    out->set_fix(finding.fix);
  }
}

std::string FindingsText(const v1::TopicDescription& description) {
  return absl::StrJoin(description.unsafe(), "; ",
                       [](std::string* out, const v1::SafetyFinding& finding) {
                         absl::StrAppend(out, finding.rule(), ": ", finding.problem(), " (fix: ",
                                         finding.fix(), ")");
                       });
}

constexpr char kPageTokenVersion[] = "dlq1";
constexpr size_t kMaxSessionIdShape = 200;
constexpr size_t kMaxProjectIdLength = 200;

}  // namespace

std::string EncodeDeadLetterPageToken(const std::string& topic,
                                      const std::map<int32_t, int64_t>& next) {
  std::vector<std::string> positions;
  for (const auto& [partition, offset] : next) {
    if (offset >= 0) positions.push_back(absl::StrCat(partition, ":", offset));
  }
  return absl::WebSafeBase64Escape(
      absl::StrCat(kPageTokenVersion, "|", topic, "|", absl::StrJoin(positions, ",")));
}

absl::StatusOr<std::map<int32_t, int64_t>> DecodeDeadLetterPageToken(const std::string& token,
                                                                     const std::string& topic) {
  const auto bad = [](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token is not one this server issued (", why,
        "): pass next_page_token of a previous ListDeadLetters answer unchanged"));
  };
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return bad("not base64");
  std::vector<std::string> parts = absl::StrSplit(plain, '|');
  if (parts.size() != 3 || parts[0] != kPageTokenVersion) return bad("unknown format");
  if (parts[1] != topic) {
    return absl::InvalidArgumentError(absl::StrCat("page_token is for topic ", parts[1],
                                                   ", not ", topic));
  }
  std::map<int32_t, int64_t> next;
  if (parts[2].empty()) return next;
  for (absl::string_view position : absl::StrSplit(parts[2], ',')) {
    std::pair<std::string, std::string> pair = absl::StrSplit(position, absl::MaxSplits(':', 1));
    int32_t partition = 0;
    int64_t offset = 0;
    if (!absl::SimpleAtoi(pair.first, &partition) || !absl::SimpleAtoi(pair.second, &offset) ||
        partition < 0 || offset < 0 || !next.emplace(partition, offset).second) {
      return bad("bad position");
    }
  }
  return next;
}

v1::DeadLetter DeadLetterOf(const TopicRecord& record) {
  v1::DeadLetter letter;
  letter.set_dlq_partition(record.partition);
  letter.set_dlq_offset(record.offset);
  if (const std::string* session = FindHeader(record.headers, dlq_headers::kSessionId)) {
    letter.set_session_id(*session);
  } else {
    // The header is absent when the worker could not tell; the key is the
    // source record's, the session id for session records.
    letter.set_session_id(SessionIdOfKey(record.key));
  }
  if (const std::string* reason = FindHeader(record.headers, dlq_headers::kReason)) {
    letter.set_reason(*reason);
  }
  if (const std::string* detail = FindHeader(record.headers, dlq_headers::kDetail)) {
    letter.set_detail(*detail);
  }
  letter.set_origin_partition(NumericHeader<int32_t>(record, dlq_headers::kSourcePartition, -1));
  letter.set_origin_offset(NumericHeader<int64_t>(record, dlq_headers::kSourceOffset, -1));
  letter.set_dead_lettered_at_unix_ms(
      NumericHeader<int64_t>(record, dlq_headers::kDeadLetteredAtMs, 0));
  absl::StatusOr<v1::Task> task = DecodeTask(record.value);
  if (task.ok()) letter.set_payload_id(task->payload_id());
  letter.set_value_bytes(static_cast<int64_t>(record.value.size()));
  return letter;
}

absl::Status ValidateSessionIdShape(const std::string& session_id) {
  if (session_id.empty() || session_id.size() > kMaxSessionIdShape) {
    return absl::InvalidArgumentError(
        absl::StrCat("session id must be 1 to ", kMaxSessionIdShape, " characters"));
  }
  for (char c : session_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError(
          "session id is malformed: only letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTopicName(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic name '", name, "' is not valid: 1 to 249 characters, not '.' or '..'"));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          "topic name '", name, "' is not valid: only letters, digits, '.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

TopicSettings SettingsOf(const v1::TopicDescription& description) {
  TopicSettings settings;
  settings.partitions = description.partitions_size();
  settings.replication_factor = description.replication_factor();
  settings.min_insync_replicas =
      static_cast<int32_t>(ConfigInt(description, "min.insync.replicas"));
  auto policy = description.configs().find("cleanup.policy");
  if (policy != description.configs().end()) settings.cleanup_policy = policy->second;
  settings.retention_ms = ConfigInt(description, "retention.ms");
  settings.max_message_bytes = ConfigInt(description, "max.message.bytes");
  return settings;
}

absl::StatusOr<v1::TopicDescription> BrokerProxyCore::DescribeNewTopic(const std::string& topic,
                                                                      bool force) {
  const absl::Time deadline = absl::Now() + options_.new_topic_settle;
  for (int attempt = 1;; ++attempt) {
    const absl::Duration backoff =
        CappedExponentialBackoff(absl::Milliseconds(100), absl::Seconds(1), attempt);
    absl::StatusOr<v1::TopicDescription> description =
        Describe(topic, force, /*require_configs=*/true);
    // Right after CreateTopics a broker may answer without the topic
    // (NOT_FOUND: its metadata has not caught up) or without leaders.
    const bool settling = description.status().code() == absl::StatusCode::kUnavailable ||
                          description.status().code() == absl::StatusCode::kNotFound;
    if (description.ok() || !settling || absl::Now() + backoff > deadline) {
      return description;
    }
    log::Info("broker_proxy.new_topic_not_ready",
              {{"topic", topic},
               {"attempt", absl::StrCat(attempt)},
               {"retry_in", absl::FormatDuration(backoff)},
               {"error", std::string(description.status().message())}});
    absl::SleepFor(backoff);
  }
}

absl::StatusOr<v1::TopicDescription> BrokerProxyCore::Describe(const std::string& topic,
                                                              bool force, bool require_configs) {
  ASSIGN_OR_RETURN(std::vector<PartitionReplicas> partitions, admin_.DescribePartitions(topic));
  absl::StatusOr<std::map<std::string, std::string>> configs = admin_.DescribeTopicConfigs(topic);
  std::string configs_error;
  if (!configs.ok() && !require_configs && configs.status().code() != absl::StatusCode::kNotFound) {
    // DescribeTopic still answers (librdkafka's mock has no DescribeConfigs),
    // but says the settings could not be checked.
    configs_error = std::string(configs.status().message());
    configs = std::map<std::string, std::string>();
  }
  if (!configs.ok()) return configs.status();
  std::vector<int32_t> ids;
  for (const PartitionReplicas& p : partitions) ids.push_back(p.partition);
  ASSIGN_OR_RETURN(std::vector<PartitionWatermarks> marks, admin_.QueryWatermarks(topic, ids));

  v1::TopicDescription description;
  description.set_name(topic);
  int32_t replication = 0;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const PartitionReplicas& p = partitions[i];
    v1::PartitionDescription* out = description.add_partitions();
    out->set_partition(p.partition);
    out->set_leader(p.leader);
    for (int32_t id : p.replicas) out->add_replicas(id);
    for (int32_t id : p.in_sync) out->add_isr(id);
    if (i < marks.size()) {
      out->set_low_watermark(marks[i].low);
      out->set_high_watermark(marks[i].high);
    }
    // librdkafka 2.0 has no DescribeLogDirs: sizes are unknown.
    out->set_size_bytes(-1);
    replication = std::max(replication, static_cast<int32_t>(p.replicas.size()));
    if (p.in_sync.size() < p.replicas.size()) {
      description.set_under_replicated_partitions(description.under_replicated_partitions() + 1);
    }
  }
  description.set_replication_factor(replication);
  description.set_size_bytes(-1);
  description.mutable_configs()->insert(configs->begin(), configs->end());
  AddFindings(CheckTopicSafety(SettingsOf(description), options_.policy, force), &description);
  if (!configs_error.empty()) {
    v1::SafetyFinding* unknown = description.add_unsafe();
    unknown->set_rule("configs readable");
    unknown->set_problem(absl::StrCat("the topic's configuration could not be read, so it was "
                                      "not checked: ", configs_error));
    unknown->set_fix("check that the brokers answer DescribeConfigs (and the ACLs allow it)");
  }
  return description;
}

absl::StatusOr<v1::EnsureTopicsResponse> BrokerProxyCore::EnsureTopics(
    const v1::EnsureTopicsRequest& request) {
  const v1::TopicSpec& spec = request.topic();
  const std::string name = spec.name().empty() ? options_.default_topic : spec.name();
  RETURN_IF_ERROR(ValidateTopicName(name));
  if (absl::EndsWith(name, ".dlq")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' looks like a dead-letter topic: name the ingest topic, its DLQ is "
                   "<name>.dlq"));
  }
  const std::string dlq = name + ".dlq";
  RETURN_IF_ERROR(ValidateTopicName(dlq));

  TopicSettings wanted;
  wanted.partitions = spec.partitions() != 0 ? spec.partitions() : options_.partitions;
  wanted.replication_factor =
      spec.replication_factor() != 0 ? spec.replication_factor() : options_.replication_factor;
  wanted.min_insync_replicas =
      spec.min_insync_replicas() != 0 ? spec.min_insync_replicas() : options_.min_insync_replicas;
  wanted.cleanup_policy = "delete";
  wanted.retention_ms = spec.retention_ms() != 0 ? spec.retention_ms() : options_.retention_ms;
  wanted.max_message_bytes =
      spec.max_message_bytes() != 0 ? spec.max_message_bytes() : options_.max_message_bytes;
  if (wanted.partitions < 1 || wanted.replication_factor < 1 || wanted.min_insync_replicas < 1 ||
      wanted.max_message_bytes < 1 || (wanted.retention_ms < 1 && wanted.retention_ms != -1)) {
    return absl::InvalidArgumentError(
        "partitions, replication_factor, min_insync_replicas and max_message_bytes must be "
        "positive (0 = the service's default), retention_ms positive or -1 (forever)");
  }
  std::vector<SafetyFinding> refused = CheckTopicSafety(wanted, options_.policy, request.force());
  if (!refused.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("refusing to create ", name, " and ", dlq,
                                                      ": ", DescribeFindings(refused)));
  }

  // Existing topics are checked first: nothing is created unless both are
  // (or will be) safe, and nothing existing is ever altered.
  v1::EnsureTopicsResponse response;
  std::vector<std::string> problems;
  std::vector<std::string> to_create;
  for (const std::string& topic : {name, dlq}) {
    absl::StatusOr<v1::TopicDescription> existing = Describe(topic, request.force(), /*require_configs=*/true);
    v1::TopicOutcome* outcome = response.add_topics();
    outcome->set_name(topic);
    if (existing.status().code() == absl::StatusCode::kNotFound) {
      to_create.push_back(topic);
      continue;
    }
    if (existing.status().code() == absl::StatusCode::kUnimplemented) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot check ", topic, " (", existing.status().message(),
          "); nothing was created: EnsureTopics needs a cluster that describes configs"));
    }
    if (!existing.ok()) return existing.status();
    if (existing->unsafe_size() > 0) {
      problems.push_back(absl::StrCat(topic, " exists with unsafe settings: ",
                                      FindingsText(*existing)));
    }
    outcome->set_action(v1::TopicOutcome::ALREADY_SAFE);
    *outcome->mutable_description() = *std::move(existing);
  }
  if (!problems.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        absl::StrJoin(problems, "; "),
        ". Nothing was changed; fix the topic (or delete and re-run EnsureTopics)."));
  }
  for (v1::TopicOutcome& outcome : *response.mutable_topics()) {
    if (std::find(to_create.begin(), to_create.end(), outcome.name()) == to_create.end()) continue;
    TopicSpec create{.name = outcome.name(),
                     .partitions = wanted.partitions,
                     .replication_factor = wanted.replication_factor,
                     .configs = {{"cleanup.policy", "delete"},
                                 {"min.insync.replicas", absl::StrCat(wanted.min_insync_replicas)},
                                 {"retention.ms", absl::StrCat(wanted.retention_ms)},
                                 {"max.message.bytes", absl::StrCat(wanted.max_message_bytes)}}};
    absl::Status created = admin_.CreateTopic(create);
    const bool raced = created.code() == absl::StatusCode::kAlreadyExists;
    if (!created.ok() && !raced) return created;
    absl::StatusOr<v1::TopicDescription> description = DescribeNewTopic(outcome.name(), request.force());
    if (!description.ok()) {
      return WithContext(description.status(),
                         absl::StrCat(outcome.name(), raced ? " appeared meanwhile" : " created",
                                      ", but describing it failed"));
    }
    if (raced && description->unsafe_size() > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(outcome.name(), " was created meanwhile with unsafe settings: ",
                       FindingsText(*description), ". Nothing was changed."));
    }
    outcome.set_action(raced ? v1::TopicOutcome::ALREADY_SAFE : v1::TopicOutcome::CREATED);
    *outcome.mutable_description() = *std::move(description);
  }
  return response;
}

absl::StatusOr<v1::DescribeTopicResponse> BrokerProxyCore::DescribeTopic(
    const v1::DescribeTopicRequest& request) {
  const std::string name = request.name().empty() ? options_.default_topic : request.name();
  RETURN_IF_ERROR(ValidateTopicName(name));
  absl::StatusOr<v1::TopicDescription> description = Describe(name, /*force=*/false, /*require_configs=*/false);
  if (description.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(
        absl::StrCat("topic ", name, " does not exist: create it with EnsureTopics"));
  }
  if (!description.ok()) return description.status();
  v1::DescribeTopicResponse response;
  *response.mutable_topic() = *std::move(description);
  return response;
}

absl::StatusOr<std::vector<PartitionWatermarks>> BrokerProxyCore::Watermarks(
    const std::string& topic) {
  absl::StatusOr<std::vector<PartitionReplicas>> partitions = admin_.DescribePartitions(topic);
  if (partitions.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
  }
  if (!partitions.ok()) return partitions.status();
  std::vector<int32_t> ids;
  for (const PartitionReplicas& p : *partitions) ids.push_back(p.partition);
  return admin_.QueryWatermarks(topic, ids);
}

absl::StatusOr<v1::GetConsumerLagResponse> BrokerProxyCore::GetConsumerLag(
    const v1::GetConsumerLagRequest& request, absl::Time now) {
  const std::string topic = request.topic().empty() ? options_.default_topic : request.topic();
  const std::string group = request.group().empty() ? options_.default_group : request.group();
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (group.size() > 255 || absl::StrContains(group, '\0')) {
    return absl::InvalidArgumentError("group must be at most 255 characters");
  }
  ASSIGN_OR_RETURN(std::vector<PartitionWatermarks> marks, Watermarks(topic));
  std::vector<int32_t> ids;
  for (const PartitionWatermarks& m : marks) ids.push_back(m.partition);
  ASSIGN_OR_RETURN(auto committed, admin_.CommittedOffsets(group, topic, ids));
  absl::StatusOr<GroupDescription> described = admin_.DescribeGroup(group);
  if (!described.ok()) {
    // Lag stands without owners (librdkafka's mock has no DescribeGroups).
    described = GroupDescription{
        .group = group, .state = absl::StrCat("Unknown (", described.status().message(), ")")};
  }
  std::map<int32_t, int64_t> stored;
  if (database_ != nullptr) {
    ASSIGN_OR_RETURN(auto read, database_->NextOffsets(topic));
    stored = std::move(read);
  }

  v1::GetConsumerLagResponse response;
  response.set_group(group);
  response.set_topic(topic);
  response.set_group_state(described->state);
  response.set_members(static_cast<int32_t>(described->members.size()));
  std::map<int32_t, const GroupMember*> owners;
  for (const GroupMember& member : described->members) {
    for (const auto& [assigned_topic, partition] : member.assignment) {
      if (assigned_topic == topic) owners[partition] = &member;
    }
  }
  std::map<int32_t, int64_t> waiting;  // partition -> resume offset, where lag > 0
  for (const PartitionWatermarks& m : marks) {
    v1::PartitionLag* lag = response.add_partitions();
    lag->set_partition(m.partition);
    lag->set_high_watermark(m.high);
    auto kafka = committed.find(m.partition);
    lag->set_kafka_committed_offset(kafka != committed.end() ? kafka->second : -1);
    auto db = stored.find(m.partition);
    lag->set_database_next_offset(db != stored.end() ? db->second : -1);
    // The worker resumes from the database's offset, or from the beginning
    // of the retained log when it stored none; Kafka's commit is only a
    // mirror. Without a database (no --pg_dsn) Kafka's commit stands in.
    int64_t resume = m.low;
    if (db != stored.end()) {
      resume = db->second;
    } else if (database_ == nullptr && lag->kafka_committed_offset() >= 0) {
      resume = lag->kafka_committed_offset();
    }
    lag->set_lag(std::max<int64_t>(0, m.high - resume));
    response.set_total_lag(response.total_lag() + lag->lag());
    if (lag->lag() > 0) waiting[m.partition] = std::max(resume, m.low);
    auto owner = owners.find(m.partition);
    if (owner != owners.end()) {
      lag->set_owner_member(owner->second->member_id);
      lag->set_owner_instance(owner->second->instance_id);
      lag->set_owner_host(owner->second->host);
    }
  }
  // The age of the oldest waiting record: the timestamp of the record at the
  // resume offset. Best effort: a record that does not arrive in time leaves 0.
  absl::StatusOr<std::map<int32_t, absl::Time>> stamps = admin_.RecordTimestamps(topic, waiting);
  if (stamps.ok()) {
    for (v1::PartitionLag& lag : *response.mutable_partitions()) {
      auto it = stamps->find(lag.partition());
      if (it != stamps->end()) {
        lag.set_oldest_unprocessed_age_seconds(
            std::max(0.0, absl::ToDoubleSeconds(now - it->second)));
      }
    }
  }
  return response;
}

absl::StatusOr<v1::ResetOffsetsResponse> BrokerProxyCore::ResetOffsets(
    const v1::ResetOffsetsRequest& request, const std::string& operator_id) {
  const std::string topic = request.topic().empty() ? options_.default_topic : request.topic();
  const std::string group = request.group().empty() ? options_.default_group : request.group();
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (group.size() > 255 || absl::StrContains(group, '\0')) {
    return absl::InvalidArgumentError("group must be at most 255 characters");
  }
  std::string target;
  switch (request.to_case()) {
    case v1::ResetOffsetsRequest::kEarliest:
      target = "earliest";
      break;
    case v1::ResetOffsetsRequest::kLatest:
      target = "latest";
      break;
    case v1::ResetOffsetsRequest::kUnixMs:
      if (request.unix_ms() < 0) {
        return absl::InvalidArgumentError("unix_ms must be a time since 1970 (>= 0)");
      }
      target = absl::FormatTime(absl::RFC3339_full, absl::FromUnixMillis(request.unix_ms()),
                                absl::UTCTimeZone());
      break;
    case v1::ResetOffsetsRequest::TO_NOT_SET:
      return absl::InvalidArgumentError("set where to reset to: earliest, latest or unix_ms");
  }
  if (database_ == nullptr) {
    return absl::UnavailableError(
        "ResetOffsets needs the worker's database (start broker-proxy with --pg_dsn): the worker "
        "resumes from it, so Kafka's offsets alone would change nothing");
  }
  // Only a group nobody consumes in may move: a member would keep (and
  // commit) its own positions.
  absl::StatusOr<GroupDescription> described = admin_.DescribeGroup(group);
  if (described.status().code() == absl::StatusCode::kUnimplemented) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot confirm that group ", group, " is stopped (", described.status().message(),
        "); offsets are reset only on a cluster that describes groups"));
  }
  if (!described.ok()) return described.status();
  if (!described->members.empty() || (described->state != "Empty" && described->state != "Dead")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "stop the workers first: ", described->members.size(), " members in group ", group,
        " (state ", described->state, "; it must be Empty or Dead)"));
  }
  ASSIGN_OR_RETURN(std::vector<PartitionWatermarks> marks, Watermarks(topic));
  std::vector<int32_t> ids;
  for (const PartitionWatermarks& m : marks) ids.push_back(m.partition);
  std::map<int32_t, int64_t> at_time;
  if (request.to_case() == v1::ResetOffsetsRequest::kUnixMs) {
    ASSIGN_OR_RETURN(auto found,
                     admin_.OffsetsForTime(topic, ids, absl::FromUnixMillis(request.unix_ms())));
    at_time = std::move(found);
  }
  ASSIGN_OR_RETURN(auto stored, database_->NextOffsets(topic));

  v1::ResetOffsetsResponse response;
  std::map<int32_t, int64_t> targets;
  for (const PartitionWatermarks& m : marks) {
    int64_t to = m.high;
    if (request.to_case() == v1::ResetOffsetsRequest::kEarliest) {
      to = m.low;
    } else if (request.to_case() == v1::ResetOffsetsRequest::kUnixMs) {
      auto it = at_time.find(m.partition);
      // No record that recent: the end of the log.
      if (it != at_time.end() && it->second >= 0) to = std::clamp(it->second, m.low, m.high);
    }
    auto db = stored.find(m.partition);
    v1::OffsetChange* change = response.add_changes();
    change->set_partition(m.partition);
    change->set_from_offset(db != stored.end() ? db->second : -1);
    change->set_to_offset(to);
    targets[m.partition] = to;
  }
  if (request.dry_run()) {
    response.set_applied(false);
    return response;
  }
  if (absl::Status written = database_->SetNextOffsets(topic, targets); !written.ok()) {
    return WithContext(written, "nothing was reset (the database refused first)");
  }
  if (absl::Status altered = admin_.AlterCommittedOffsets(group, topic, targets);
      !altered.ok()) {
    log::Warn("broker_proxy.offsets_reset_partial",
              {{"operator", operator_id}, {"group", group}, {"topic", topic}, {"to", target},
               {"error", std::string(altered.message())}});
    return absl::Status(
        altered.code(),
        absl::StrCat("the database's offsets were reset (the worker resumes from them), but "
                     "Kafka's committed offsets of group ", group,
                     " were not; run the reset again: ", altered.message()));
  }
  response.set_applied(true);
  // A worker that joined after the check above may have loaded the old
  // offsets before they were written, and would carry on from them.
  absl::StatusOr<GroupDescription> after = admin_.DescribeGroup(group);
  if (after.ok() && !after->members.empty()) {
    log::Warn("broker_proxy.offsets_reset_raced",
              {{"operator", operator_id}, {"group", group}, {"topic", topic},
               {"members", static_cast<int64_t>(after->members.size())}});
    return absl::AbortedError(absl::StrCat(
        "the offsets were reset, but ", after->members.size(), " members joined group ", group,
        " meanwhile and may resume from the old offsets: stop the workers and run the reset "
        "again"));
  }
  log::Info("broker_proxy.offsets_reset",
            {{"operator", operator_id},
             {"group", group},
             {"topic", topic},
             {"to", target},
             {"changes", absl::StrJoin(response.changes(), ",",
                                       [](std::string* out, const v1::OffsetChange& c) {
                                         absl::StrAppend(out, c.partition(), ":", c.from_offset(),
                                                         "->", c.to_offset());
                                       })}});
  return response;
}

absl::StatusOr<v1::ListDeadLettersResponse> BrokerProxyCore::ListDeadLetters(
    const v1::ListDeadLettersRequest& request, absl::Time deadline) {
  const std::string topic =
      request.topic().empty() ? options_.default_topic + ".dlq" : request.topic();
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (request.limit() < 0 || request.limit() > kMaxDeadLetterLimit) {
    return absl::InvalidArgumentError(absl::StrCat("limit must be 1 to ", kMaxDeadLetterLimit,
                                                   " (0 = ", kDefaultDeadLetterLimit, ")"));
  }
  const size_t limit = request.limit() == 0 ? kDefaultDeadLetterLimit : request.limit();
  if (!request.session_id().empty()) {
    if (absl::Status status = ValidateSessionIdShape(request.session_id()); !status.ok()) {
      return status;
    }
  }
  if (request.reason().size() > 200) return absl::InvalidArgumentError("reason is too long");
  std::map<int32_t, int64_t> from;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(auto decoded, DecodeDeadLetterPageToken(request.page_token(), topic));
    from = std::move(decoded);
  }
  if (dead_letters_ == nullptr) {
    return absl::UnavailableError("broker-proxy has no dead-letter reader");
  }

  v1::ListDeadLettersResponse response;
  absl::StatusOr<TopicScanEnd> end =
      dead_letters_->Scan(topic, from, deadline, [&](const TopicRecord& record) {
        v1::DeadLetter letter = DeadLetterOf(record);
        if ((request.session_id().empty() || letter.session_id() == request.session_id()) &&
            (request.reason().empty() || letter.reason() == request.reason())) {
          *response.add_letters() = std::move(letter);
        }
        return static_cast<size_t>(response.letters_size()) < limit;
      });
  if (end.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
  }
  if (!end.ok()) return end.status();
  if (!end->at_end && !end->stopped && end->visited == 0) {
    return absl::UnavailableError(absl::StrCat(
        "no record of ", topic, " could be read before the deadline: are its leaders up?"));
  }
  if (!end->at_end) response.set_next_page_token(EncodeDeadLetterPageToken(topic, end->next));
  return response;
}

absl::StatusOr<v1::GetSessionResponse> BrokerProxyCore::GetSession(
    const v1::GetSessionRequest& request) {
  if (absl::Status status = ValidateSessionIdShape(request.session_id()); !status.ok()) {
    return status;
  }
  if (sessions_ == nullptr) {
    return absl::UnavailableError(
        "broker-proxy was started without --pg_dsn: it cannot read the worker's sessions");
  }
  absl::StatusOr<std::optional<SessionFacts>> facts = sessions_->ReadSession(request.session_id());
  if (!facts.ok()) return facts.status();
  if (!facts->has_value()) {
    if (quarantines_ != nullptr) {
      ASSIGN_OR_RETURN(std::optional<SessionErasure> erasure,
                       quarantines_->ReadErasure(request.session_id()));
      if (erasure.has_value()) {
        return absl::NotFoundError(absl::StrCat(
            ErasedSessionText(request.session_id(), *erasure),
            ": nothing of it is stored, and records of it that arrive are dropped; Kafka holds "
            "its records until the topics' retention removes them"));
      }
    }
    return absl::NotFoundError(absl::StrCat(
        "the database has never seen session ", request.session_id(),
        " (no payloads, no session row, no quarantine): check the id, or whether its records "
        "are still waiting in Kafka (ingestctl lag) or in the DLQ (ingestctl dlq list)"));
  }
  const SessionFacts& f = **facts;
  v1::GetSessionResponse response;
  response.set_session_id(request.session_id());
  response.set_project_id(f.project_id);
  response.set_status(f.quarantined ? "quarantined" : f.has_rows ? "active" : "unknown");
  response.set_payloads(f.payloads);
  response.set_highest_payload_id(f.highest_payload_id);
  for (const auto& [first, last] : f.gaps) {
    v1::PayloadGap* gap = response.add_gaps();
    gap->set_from_payload_id(first);
    gap->set_to_payload_id(last);
  }
  response.set_stored_bytes(f.stored_bytes);
  if (f.quarantined) {
    response.set_quarantine_reason(f.quarantine_reason);
    response.set_quarantined_at_unix_ms(absl::ToUnixMillis(f.quarantined_at));
    response.set_redrive_id(f.redrive_id);
  }
  if (f.first_received) response.set_first_received_unix_ms(absl::ToUnixMillis(*f.first_received));
  if (f.last_received) response.set_last_received_unix_ms(absl::ToUnixMillis(*f.last_received));
  response.set_lifecycle(f.lifecycle);
  if (f.completed_at) response.set_completed_at_unix_ms(absl::ToUnixMillis(*f.completed_at));
  response.set_reopened_count(f.reopened_count);
  if (f.last_activity) response.set_last_activity_unix_ms(absl::ToUnixMillis(*f.last_activity));
  // Always present (empty for a legacy session), so `.summary.clicks` reads
  // the same for every session.
  *response.mutable_summary() = f.summary;
  response.mutable_pages()->Assign(f.pages.begin(), f.pages.end());
  response.set_pages_truncated(f.pages_truncated);
  if (f.expire_day == "infinity") {
    response.set_expires_by_age(true);
  } else {
    response.set_expire_day(f.expire_day);
  }
  const int64_t retention_ms = IngestTopicRetentionMs();
  response.set_kafka_retention_ms(retention_ms);
  if (retention_ms > 0 && f.last_received) {
    response.set_kafka_records_until_unix_ms(absl::ToUnixMillis(*f.last_received) + retention_ms);
  }
  return response;
}

int64_t BrokerProxyCore::IngestTopicRetentionMs() {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&retention_mutex_);
    if (retention_read_at_.has_value() &&
        now - *retention_read_at_ < options_.topic_retention_ttl) {
      return retention_ms_;
    }
  }
  // A failure is kept as long as a value: a Kafka that cannot describe
  // configs (--admin_api=basic, ACLs) is not asked on every call.
  int64_t retention_ms = 0;
  absl::StatusOr<std::map<std::string, std::string>> configs =
      admin_.DescribeTopicConfigs(options_.default_topic);
  if (configs.ok()) {
    auto it = configs->find("retention.ms");
    int64_t value = 0;
    if (it != configs->end() && absl::SimpleAtoi(it->second, &value) &&
        (value > 0 || value == -1)) {
      retention_ms = value;
    }
  } else {
    log::Warn("broker_proxy.topic_retention_unknown",
              {{"topic", options_.default_topic}, {"error", configs.status().ToString()}});
  }
  absl::MutexLock lock(&retention_mutex_);
  retention_read_at_ = now;
  retention_ms_ = retention_ms;
  return retention_ms;
}

absl::StatusOr<v1::ListSessionsResponse> BrokerProxyCore::ListSessions(
    const v1::ListSessionsRequest& request) {
  SessionListQuery query;
  if (request.project_id().size() > kMaxProjectIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("project_id is longer than ", kMaxProjectIdLength, " characters"));
  }
  query.project_id = request.project_id();
  if (!request.status().empty() && request.status() != "live" &&
      request.status() != "completed") {
    return absl::InvalidArgumentError(absl::StrCat(
        "status must be live, completed or empty (any), not '", request.status(), "'"));
  }
  query.lifecycle = request.status();
  if (request.since_unix_ms() < 0) {
    return absl::InvalidArgumentError("since_unix_ms must not be negative (0 = any time)");
  }
  if (request.since_unix_ms() > 0) {
    query.created_since = absl::FromUnixMillis(request.since_unix_ms());
  }
  if (request.limit() < 0 || request.limit() > kMaxSessionListLimit) {
    return absl::InvalidArgumentError(absl::StrCat("limit must be 1 to ", kMaxSessionListLimit,
                                                   " (0 = ", kDefaultSessionListLimit, ")"));
  }
  const int limit = request.limit() == 0 ? kDefaultSessionListLimit : request.limit();
  if (!request.page_token().empty()) {
    absl::StatusOr<SessionCursor> after = DecodeSessionPageToken(request.page_token());
    if (!after.ok()) return after.status();
    query.after = *std::move(after);
  }
  if (sessions_ == nullptr) {
    return absl::UnavailableError(
        "broker-proxy was started without --pg_dsn: it cannot read the worker's sessions");
  }
  // One row more than the page says whether another page follows.
  query.limit = limit + 1;
  ASSIGN_OR_RETURN(std::vector<SessionListEntry> entries, sessions_->ListSessions(query));

  v1::ListSessionsResponse response;
  const size_t shown = std::min(entries.size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < shown; ++i) {
    const SessionListEntry& entry = entries[i];
    v1::SessionListItem* item = response.add_sessions();
    item->set_session_id(entry.session_id);
    item->set_project_id(entry.project_id);
    item->set_lifecycle(entry.lifecycle);
    item->set_created_unix_ms(absl::ToUnixMillis(entry.created_at));
    if (entry.last_activity) {
      item->set_last_activity_unix_ms(absl::ToUnixMillis(*entry.last_activity));
    }
    if (entry.completed_at) item->set_completed_unix_ms(absl::ToUnixMillis(*entry.completed_at));
    item->set_payloads(entry.payloads);
    item->set_length_ms(entry.length_ms);
    item->set_active_ms(entry.active_ms);
    item->set_clicks(entry.clicks);
    item->set_rage_clicks(entry.rage_clicks);
    item->set_errors(entry.errors);
    item->set_landing_page(entry.landing_page);
    item->set_exit_page(entry.exit_page);
    item->set_pages_visited(entry.pages_visited);
  }
  if (entries.size() > shown) {
    response.set_next_page_token(EncodeSessionPageToken(entries[shown - 1].cursor()));
  }
  return response;
}

}  // namespace ingest
