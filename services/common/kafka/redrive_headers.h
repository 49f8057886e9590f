#pragma once

// Header names of records broker-proxy's RedriveSession produces back to the
// ingest topic (a quarantined session's dead letters, in their original
// order, to the partition the session was quarantined in). The worker reads
// them to release the session; see services/worker/partition_loop.h.
// Key and value are the dead letter's, byte for byte.

namespace ingest::redrive_headers {

// The redrive's id, also written to quarantined_sessions.redrive_id: the
// worker processes a quarantined session's record only if the two match.
inline constexpr char kRedriveId[] = "redrive.id";
// "1" on the redrive's last record: storing it lifts the quarantine.
inline constexpr char kLast[] = "redrive.last";
// Decimal offset in the ingest partition: the redrive carries every dead
// letter of the session whose source offset is below it. A record of the
// session at or past it that followed the quarantine to the DLQ is not
// carried, so the worker keeps the quarantine.
inline constexpr char kScannedThrough[] = "redrive.scanned_through";
// Where the record was in the DLQ: "<partition>:<offset>".
inline constexpr char kFromDeadLetter[] = "redrive.from";

// ReplaySession's records carry this instead: the replay's id.
inline constexpr char kReplayId[] = "replay.id";

}  // namespace ingest::redrive_headers
