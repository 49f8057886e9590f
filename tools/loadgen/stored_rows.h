#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ingest::loadgen {

// A (session_id, payload_id) pair.
struct PayloadKey {
  std::string session_id;
  uint64_t payload_id = 0;

  friend bool operator==(const PayloadKey&, const PayloadKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const PayloadKey& key) {
    return H::combine(std::move(h), key.session_id, key.payload_id);
  }
};

// One payload as stored in session_payloads: its rows (one per chunk; a unary
// payload is the single chunk 0) aggregated by (session_id, payload_id).
struct StoredPayload {
  std::string session_id;
  uint64_t payload_id = 0;
  // Rows with chunk_index 0: 1 when the payload was stored once.
  int64_t head_rows = 0;
  // All rows of the payload (its chunks).
  int64_t rows = 0;
  // Smallest persisted_seq among its rows: when it was first stored.
  int64_t first_seq = 0;
  // Total bytes and lower-case hex SHA-256 of the rows' data concatenated in
  // chunk_index order (for a unary payload: sha256(data)).
  int64_t size_bytes = 0;
  std::string sha256_hex;
};

// A row of the sessions table, reduced to what the verifier checks.
struct StoredSession {
  std::string session_id;
  // Payloads the worker counted for the session.
  int64_t payload_count = 0;
  // sessions.status: "live" or "completed"; empty when NULL.
  std::string status;
  // sessions.summary, a serialized ingest.v1.SessionSummary; nullopt when
  // NULL (not folded).
  std::optional<std::string> summary;
};

// The lifecycle of a session, as polled while waiting for completion.
struct SessionStatus {
  std::string session_id;
  std::string status;  // as StoredSession::status

  friend bool operator==(const SessionStatus&, const SessionStatus&) = default;
};

inline constexpr char kSessionCompleted[] = "completed";

// What PostgreSQL holds for a set of sessions.
struct StoredRows {
  std::vector<StoredPayload> payloads;
  std::vector<StoredSession> sessions;
};

}  // namespace ingest::loadgen
