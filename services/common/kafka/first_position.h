#pragma once

// Where a record first entered the ingest topic.
//
// broker-proxy produces records again: a quarantined session's dead letters
// back to the ingest topic (RedriveSession), a session's records re-read from
// it (ReplaySession). A copy lands at a new offset, so rows the worker keys
// by Kafka position (feedback, backend errors, metrics) and identify /
// property updates it orders by position use the record's first position
// instead: however often a record is produced again, it writes once, and an
// older update never overwrites a newer one.
//
// The gateway's records carry no headers: their first position is where they
// are. Every copy carries its original's first position in two headers,
// which broker-proxy writes on each copy and the worker on each dead letter.

#include <cstdint>

#include "services/common/kafka/record_headers.h"

namespace ingest {

namespace first_position_headers {
inline constexpr char kPartition[] = "first.partition";  // decimal
inline constexpr char kOffset[] = "first.offset";        // decimal
}  // namespace first_position_headers

struct FirstPosition {
  int32_t partition = -1;
  int64_t offset = -1;

  bool known() const { return partition >= 0 && offset >= 0; }
  // This position, or `here` when it is unknown.
  FirstPosition Or(FirstPosition here) const { return known() ? *this : here; }
  friend bool operator==(const FirstPosition& a, const FirstPosition& b) {
    return a.partition == b.partition && a.offset == b.offset;
  }
};

// The first position `headers` name; `here` (the record's own position) when
// they name none, or only half of one, or one that does not parse.
FirstPosition FirstPositionOf(const RecordHeaders& headers, FirstPosition here);

// Appends the two headers that name `position`.
void AppendFirstPosition(FirstPosition position, RecordHeaders& headers);

}  // namespace ingest
