#pragma once

// Decides, without touching the database, what each payload record of a
// PersistBatches call does, given what is stored under its key
// (session_id, payload_id, chunk_index) — a row of session_payloads (a whole
// payload, or a chunk of a completed stream) or of stream_chunks (a chunk of
// a stream not yet complete, `pending`):
//   - new key                         -> staged for insert
//   - same bytes (same SHA-256)       -> ignored: an exact replay
//   - streamed chunk, other bytes, not later in the same partition
//                                     -> ignored: a replay of a record that a
//                                        later attempt superseded
//   - streamed chunk, other bytes, later, pending or earlier in the call
//                                     -> staged to replace: a refused
//                                        stream's resend wins
//   - other bytes otherwise (a whole payload; a chunk of a completed stream)
//                                     -> conflict: the stored copy (or the
//                                        one earlier in the call) is kept;
//                                        the record goes to the DLQ
// Only the winning version of a key is staged, so the bulk write sees each
// key once. Pure and deterministic: unit-testable without PostgreSQL.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "services/common/retention/expire_day.h"
#include "services/worker/store/stored_payload.h"
#include "services/worker/store/task_store.h"

namespace ingest {

struct PayloadKey {
  std::string session_id;
  uint64_t payload_id = 0;
  uint32_t chunk_index = 0;

  bool operator<(const PayloadKey& other) const;
};

PayloadKey PayloadKeyOf(const v1::Task& task);

// One version of a key: its bytes' SHA-256 and the record that wrote it.
struct ChunkVersion {
  std::string sha256;  // 32 bytes
  int32_t partition = -1;
  int64_t offset = -1;
  bool pending = false;  // a stream_chunks row (else session_payloads)
};

// What the database holds for the keys of a call.
using StoredVersions = std::map<PayloadKey, ChunkVersion>;

// A payload record of the call, in (batch, offset) order.
struct PayloadRecord {
  PayloadRecord(int32_t partition, const TaskRecord& record,
                ExpireDay expire_day = ExpireDay::Never())
      : partition(partition), record(&record), stored(record.task), expire_day(expire_day) {}

  int32_t partition = -1;
  const TaskRecord* record = nullptr;
  StoredPayload stored;
  ExpireDay expire_day;  // its session's (session_gate.h)
};

struct StagedPayload {
  size_t record = 0;             // index into the planned records
  bool replaces_stored = false;  // a pending chunk holds the key already (else: insert)
};

struct PayloadConflict {
  size_t record = 0;
  std::string detail;
};

struct PayloadPlan {
  std::vector<StagedPayload> staged;       // one per key, in first-seen order
  std::vector<PayloadConflict> conflicts;  // in record order
  // Staged last chunks of streamed payloads, the latest per payload, in record
  // order: each completes a stream that must now be verified.
  std::vector<size_t> stream_ends;
  int64_t duplicates_ignored = 0;
};

PayloadPlan PlanPayloads(absl::Span<const PayloadRecord> records, const StoredVersions& stored);

}  // namespace ingest
