#pragma once

// BrokerProxyCore: what broker-proxy does, without gRPC. Takes and returns
// the admin.proto messages, errors as absl::Status (mapped to gRPC only in
// BrokerProxyService):
//   INVALID_ARGUMENT     bad topic/group names or settings
//   FAILED_PRECONDITION  unsafe settings, requested or found (every finding
//                        listed), or a topic that does not exist
//   NOT_FOUND            a topic, or a session the database never saw
//   UNAVAILABLE          Kafka or PostgreSQL did not answer in time, or
//                        the PostgreSQL-backed RPC runs without --pg_dsn
//   ABORTED              a quarantine changed while it was being redriven
//
// Calls block on Kafka and PostgreSQL (each request bounded by the admin
// timeout): call them off gRPC's callback threads. Thread-safe: the
// collaborators are, and the one cache (the ingest topic's retention) is
// behind a mutex.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ingest/v1/admin.pb.h"
#include "services/broker_proxy/database_offsets.h"
#include "services/broker_proxy/dead_letter_source.h"
#include "services/broker_proxy/quarantine_store.h"
#include "services/broker_proxy/session_database.h"
#include "services/broker_proxy/topic_safety.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/common/kafka/producer.h"

namespace ingest {

struct BrokerProxyCoreOptions {
  // Defaults of a TopicSpec's unset fields (local values; production: RF 3,
  // min ISR 2 from the Kubernetes manifests).
  std::string default_topic = "ingest.tasks";
  std::string default_group = "ingest-workers";
  int32_t partitions = 8;
  int32_t replication_factor = 1;
  int32_t min_insync_replicas = 1;
  int64_t retention_ms = 7 * 24 * 3600 * 1000LL;
  int64_t max_message_bytes = 16 << 20;
  TopicSafetyPolicy policy;
  // How long a topic just created may take to answer (its partitions'
  // leaders are elected after CreateTopics returns): describing it is
  // retried while it is UNAVAILABLE, with backoff, for this long.
  absl::Duration new_topic_settle = absl::Seconds(10);
  // How long one ListDeadLetters may read (--admin_timeout); also how long
  // RedriveSession waits for the worker to catch up.
  absl::Duration admin_timeout = absl::Seconds(10);
  // How often RedriveSession reads the worker's offsets while waiting.
  absl::Duration catch_up_poll = absl::Milliseconds(200);
  // How long one RedriveSession or ReplaySession may take in all (scans of
  // the DLQ or the ingest topic, producing): --redrive_timeout, shortened
  // to the caller's gRPC deadline.
  absl::Duration redrive_timeout = absl::Minutes(5);
  // Bytes a redrive or replay may have handed to the producer and not yet
  // seen delivered: it waits before producing more (bounded memory).
  int64_t max_in_flight_bytes = 64 << 20;
  // How long GetSession reuses the ingest topic's retention.ms (or the
  // failure to read it) before describing the topic again.
  absl::Duration topic_retention_ttl = absl::Minutes(1);
};

// ListDeadLetters' page size: the default, and the most one page may hold.
inline constexpr int32_t kDefaultDeadLetterLimit = 100;
inline constexpr int32_t kMaxDeadLetterLimit = 10000;
// ListSessions' page size: the default, and the most one page may hold.
inline constexpr int32_t kDefaultSessionListLimit = 50;
inline constexpr int32_t kMaxSessionListLimit = 1000;

class BrokerProxyCore {
 public:
  // Collaborators must outlive the core. `database`, `sessions` and
  // `quarantines` are null without --pg_dsn: GetConsumerLag then reports no
  // database offsets; GetSession, ResetOffsets, RedriveSession and
  // ReplaySession are UNAVAILABLE. `dead_letters` (which also reads the
  // ingest topic for ReplaySession) null: ListDeadLetters, RedriveSession
  // and ReplaySession are UNAVAILABLE. `producer` null: only dry runs of
  // RedriveSession and ReplaySession are answered.
  BrokerProxyCore(BrokerProxyCoreOptions options, KafkaAdmin& admin, DatabaseOffsets* database,
                  DeadLetterSource* dead_letters = nullptr, SessionDatabase* sessions = nullptr,
                  QuarantineStore* quarantines = nullptr, Producer* producer = nullptr)
      : options_(std::move(options)),
        admin_(admin),
        database_(database),
        dead_letters_(dead_letters),
        sessions_(sessions),
        quarantines_(quarantines),
        producer_(producer) {}

  absl::StatusOr<v1::EnsureTopicsResponse> EnsureTopics(const v1::EnsureTopicsRequest& request);
  absl::StatusOr<v1::DescribeTopicResponse> DescribeTopic(const v1::DescribeTopicRequest& request);
  absl::StatusOr<v1::GetConsumerLagResponse> GetConsumerLag(
      const v1::GetConsumerLagRequest& request, absl::Time now);

  // The DLQ's letters in the order read (each partition in offset order),
  // from the positions of `page_token` (else every partition's start),
  // filtered by session and reason; at most `limit` letters are held. Stops
  // at `deadline`: what was read is answered with a next_page_token, or
  // UNAVAILABLE if no record could be read at all. INVALID_ARGUMENT for a
  // bad limit, filter or token; NOT_FOUND for a missing topic.
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request, absl::Time deadline);

  // Moves `group`'s position in `topic` to the earliest or latest retained
  // offset, or to the first record at or after a time (past the end: the
  // high watermark), in both stores: the database's consumer_offsets (where
  // the worker resumes from) and Kafka's committed offsets (a mirror).
  // Each change's from_offset is the database's next offset (-1: none).
  // A dry run answers the changes and writes nothing.
  //   INVALID_ARGUMENT     no target, a negative time, a bad name
  //   FAILED_PRECONDITION  the group has members (its state is not Empty
  //                        or Dead): stop the workers first
  //   NOT_FOUND            no such topic
  //   UNAVAILABLE          without a database (--pg_dsn), or a store did
  //                        not answer
  // The database is written first (one transaction), then Kafka: if Kafka
  // then fails, the worker already resumes from the new offsets and only
  // Kafka's mirror is stale; the error says so, and repeating the call is
  // safe. `operator_id` names who asked, for the log line of an applied
  // reset.
  absl::StatusOr<v1::ResetOffsetsResponse> ResetOffsets(const v1::ResetOffsetsRequest& request,
                                                        const std::string& operator_id);

  // What the worker's tables hold of a session, its lifecycle, summary and
  // pages included, its expiry day, and until about when Kafka holds its
  // records (the ingest topic's retention.ms after the last one, described
  // at most once per topic_retention_ttl; unknown when it cannot be read).
  // INVALID_ARGUMENT for a malformed id, NOT_FOUND if no table mentions it,
  // UNAVAILABLE without a database.
  absl::StatusOr<v1::GetSessionResponse> GetSession(const v1::GetSessionRequest& request);

  // One page of the sessions table, newest first, filtered by project,
  // lifecycle and creation time; next_page_token (session_page_token.h)
  // when more rows match. INVALID_ARGUMENT for a bad status, limit, time,
  // project id or page token; UNAVAILABLE without a database.
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const v1::ListSessionsRequest& request);

  // Produces a quarantined session's dead letters back to the ingest topic,
  // to the partition P it was quarantined in, in source-offset order, each
  // with redrive_headers.h's headers (the last one marked), after marking
  // the quarantine with the redrive's id; the worker lifts the quarantine
  // when it stores the last one (the answer's quarantine_lifted is false).
  // Carries the letters of P's records from the quarantine's first offset
  // up to H0, P's high watermark when the call began, once the worker's
  // database offset of P reached H0 (it dead-letters before it commits, so
  // the DLQ then holds every letter below H0). Two scans of the DLQ, one
  // for positions, one to produce: memory holds positions and one record.
  //   INVALID_ARGUMENT     a malformed session id or topic
  //   FAILED_PRECONDITION  the session is not quarantined in the topic; no
  //                        letter of it was found; undecodable letters
  //                        without skip_undecodable (up to 5 listed)
  //   NOT_FOUND            the topic or its DLQ does not exist
  //   UNAVAILABLE          without a database, DLQ reader or producer; the
  //                        worker did not catch up to H0 within the admin
  //                        timeout; a scan did not reach the end by
  //                        `deadline`; a delivery failed (k of n named)
  //   ABORTED              the quarantine changed before it was marked
  // A dry run answers the counts and changes nothing. Running it again is
  // safe: stored rows are keyed, records already stored are no-ops.
  absl::StatusOr<v1::RedriveSessionResponse> RedriveSession(
      const v1::RedriveSessionRequest& request, const std::string& operator_id,
      absl::Time deadline);

  // Produces a session's records again from the ingest topic, each to the
  // partition it was read from, in offset order, with a replay.id header.
  // Reads every partition over the offset or time range (inclusive, 0 =
  // unbounded), only up to the high watermarks when the call began (never
  // its own replays), producing as it reads.
  //   INVALID_ARGUMENT     a malformed id or topic, negative or inverted
  //                        bounds, both an offset and a time range
  //   FAILED_PRECONDITION  the session is quarantined in the topic (redrive
  //                        it instead)
  //   NOT_FOUND            no such topic
  //   UNAVAILABLE          without a database, topic reader or producer;
  //                        the range was not read by `deadline` (how far
  //                        each partition got is named; what was found was
  //                        replayed); a delivery failed
  // A dry run counts and produces nothing.
  absl::StatusOr<v1::ReplaySessionResponse> ReplaySession(const v1::ReplaySessionRequest& request,
                                                          const std::string& operator_id,
                                                          absl::Time deadline);

  const BrokerProxyCoreOptions& options() const { return options_; }

 private:
  // Partitions, configs, watermarks and findings of an existing topic.
  // Without `require_configs`, a broker that cannot describe configs
  // (UNIMPLEMENTED) leaves them empty and unjudged.
  // Every partition's low and high watermark, in partition order;
  // NOT_FOUND naming the topic if it does not exist.
  absl::StatusOr<std::vector<PartitionWatermarks>> Watermarks(const std::string& topic);
  // Describe() of a topic just created, retried while it is UNAVAILABLE
  // (no leaders yet) or NOT_FOUND (metadata not caught up) for
  // options_.new_topic_settle.
  absl::StatusOr<v1::TopicDescription> DescribeNewTopic(const std::string& topic, bool force);
  absl::StatusOr<v1::TopicDescription> Describe(const std::string& topic, bool force,
                                                bool require_configs);
  // The default topic's retention.ms: -1 unlimited, 0 unknown; cached.
  int64_t IngestTopicRetentionMs();

  const BrokerProxyCoreOptions options_;
  KafkaAdmin& admin_;
  DatabaseOffsets* const database_;
  DeadLetterSource* const dead_letters_;
  SessionDatabase* const sessions_;
  QuarantineStore* const quarantines_;
  Producer* const producer_;

  absl::Mutex retention_mutex_;
  // When the ingest topic's retention was last described (nullopt: never).
  std::optional<absl::Time> retention_read_at_ ABSL_GUARDED_BY(retention_mutex_);
  int64_t retention_ms_ ABSL_GUARDED_BY(retention_mutex_) = 0;
};

// ListDeadLetters' page token: where each partition resumes (partition ->
// next offset). The encoding is opaque to clients: web-safe base64 (no
// padding, so it is shell-safe) of "dlq1|<topic>|<p>:<o>,<p>:<o>,...".
// Partitions absent from it resume from their log start.
std::string EncodeDeadLetterPageToken(const std::string& topic,
                                      const std::map<int32_t, int64_t>& next);
// INVALID_ARGUMENT unless `token` came from EncodeDeadLetterPageToken for
// `topic`.
absl::StatusOr<std::map<int32_t, int64_t>> DecodeDeadLetterPageToken(const std::string& token,
                                                                     const std::string& topic);

// A dead letter as the worker wrote it (dead_letter_headers.h): position,
// headers, key and value (payload_id when the value decodes as a Task).
v1::DeadLetter DeadLetterOf(const TopicRecord& record);

// INVALID_ARGUMENT unless `session_id` is 1..200 of [A-Za-z0-9._-] (the
// gateway's "<project>.<random>.<tag>" and tools' ids both are).
absl::Status ValidateSessionIdShape(const std::string& session_id);

// INVALID_ARGUMENT unless `name` is a legal Kafka topic name (1..249 of
// [a-zA-Z0-9._-], not "." or "..").
absl::Status ValidateTopicName(const std::string& name);

// The settings the safety rules judge, from a description's replicas and
// configs.
TopicSettings SettingsOf(const v1::TopicDescription& description);

}  // namespace ingest
