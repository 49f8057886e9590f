#pragma once

// DatabaseOffsets: the worker's own record of where each partition resumes
// (PostgreSQL table consumer_offsets, keyed by (topic, partition) — not by
// consumer group: the worker writes it in the same transaction as the rows).
// An interface so the service can be tested without PostgreSQL.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

class DatabaseOffsets {
 public:
  virtual ~DatabaseOffsets() = default;

  // partition -> next offset to process, for every partition of `topic` the
  // worker stored one for. UNAVAILABLE when the database does not answer.
  virtual absl::StatusOr<std::map<int32_t, int64_t>> NextOffsets(const std::string& topic) = 0;

  // Sets the next offset of each (topic, partition) in `offsets`, backwards
  // too (unlike the worker, which only moves forward), in one transaction:
  // all rows or none. UNAVAILABLE when the database does not answer.
  virtual absl::Status SetNextOffsets(const std::string& topic,
                                      const std::map<int32_t, int64_t>& offsets) = 0;
};

// Over libpq: one short connection per call (operator traffic is rare), both
// connecting and the query bounded by `timeout`. Thread-safe.
std::unique_ptr<DatabaseOffsets> CreatePgDatabaseOffsets(std::string dsn, absl::Duration timeout);

}  // namespace ingest
