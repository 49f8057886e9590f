#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tools/loadgen/stored_rows.h"

namespace ingest::loadgen {

// Reads what the pipeline stored for a set of sessions. The seam between the
// verification loop and PostgreSQL: tests use a fake. Not thread-safe; used
// from the verifying thread only.
class RowReader {
 public:
  virtual ~RowReader() = default;

  // The (session_id, payload_id) pairs that have at least one row, among the
  // given sessions. Cheap: meant to be polled.
  virtual absl::StatusOr<std::vector<PayloadKey>> ReadPresentKeys(
      absl::Span<const std::string> session_ids) = 0;

  // Every stored payload and the session rows of the given sessions, read
  // from one consistent snapshot. Hashes the stored bytes (in the database).
  virtual absl::StatusOr<StoredRows> ReadRows(absl::Span<const std::string> session_ids) = 0;

  // The status of those of the given sessions that have a row. Cheap: meant
  // to be polled. Not pure so that readers written before the lifecycle
  // (chaos's fake) need not change: they answer UNIMPLEMENTED.
  virtual absl::StatusOr<std::vector<SessionStatus>> ReadSessionStatuses(
      absl::Span<const std::string> session_ids) {
    return absl::UnimplementedError("this reader does not read session statuses");
  }
};

}  // namespace ingest::loadgen
