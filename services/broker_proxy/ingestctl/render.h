#pragma once

// What ingestctl prints for each BrokerProxy response: pure functions from a
// response to text (tables by default, one line of JSON with --json). No I/O,
// so every output is tested without a server.

#include <string>

#include "google/protobuf/message.h"
#include "ingest/v1/admin.pb.h"

namespace ingest::ingestctl {

namespace v1 = ::ingest::v1;

// One line of JSON (ending in '\n') with admin.proto's field names and every
// field, defaults included. int64 fields are strings, as proto3 JSON says.
std::string RenderJson(const google::protobuf::Message& message);

// `topics ensure`: one line per topic, created or already safe.
std::string RenderEnsureTopics(const v1::EnsureTopicsResponse& response);

// `topics describe`: a summary line, the partition table, the configuration
// and the UNSAFE section (findings with their fix).
std::string RenderTopic(const v1::TopicDescription& topic);

// `lag`: PARTITION HIGH_WATERMARK DB_OFFSET KAFKA_COMMITTED LAG OLDEST_AGE
// OWNER, a TOTAL line, then the group's state.
std::string RenderConsumerLag(const v1::GetConsumerLagResponse& response);

// `dlq list`: one line per letter, then how to get the next page.
std::string RenderDeadLetters(const v1::ListDeadLettersResponse& response);

// `dlq redrive`, `replay`: what was (or would be, for a dry run) done.
std::string RenderRedrive(const v1::RedriveSessionRequest& request,
                          const v1::RedriveSessionResponse& response);
std::string RenderReplay(const v1::ReplaySessionRequest& request,
                         const v1::ReplaySessionResponse& response);

// `offsets reset`: FROM and TO per partition, then applied or dry run.
std::string RenderResetOffsets(const v1::ResetOffsetsResponse& response);

// `sessions show`: one field per line: what the database holds, how long
// it is kept and how long Kafka holds its records, then the lifecycle and
// the summary (a legacy session says it has none), the pages visited one
// per line.
std::string RenderSession(const v1::GetSessionResponse& response);

// `sessions delete`: one line per session (rows, bytes), the rows per
// table, then what was (or, dry, would be) erased: its erasure id and that
// records arriving later are dropped.
std::string RenderErasure(const v1::EraseSessionsRequest& request,
                          const v1::EraseSessionsResponse& response);

// `retention enforce`: the partitions dropped (or to drop) with their
// sizes, the sessions and rows deleted in batches (per table), the
// partitions created ahead, the run's id.
std::string RenderRetention(const v1::EnforceRetentionResponse& response);

// `sessions list`: one line per session, then the count and, when
// `response` has a next page, the command that lists it (`request`'s
// filters and the token).
std::string RenderSessionList(const v1::ListSessionsRequest& request,
                              const v1::ListSessionsResponse& response);

}  // namespace ingest::ingestctl
