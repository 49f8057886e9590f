#pragma once

// Takes a filled day's files out of the operating system's page cache, so
// its enforcement is timed as a day that expires is found: written days or
// weeks ago, not just now. A file's cached pages are freed when it is
// truncated or unlinked, at a cost per page: a day dropped right after it
// was filled pays for gigabytes of cache, one that expired in production
// does not.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/common/pg/connection.h"

namespace ingest::bench_retention {

struct Evicted {
  int files = 0;
  int64_t bytes = 0;  // the files' sizes
};

// fdatasync and posix_fadvise(POSIX_FADV_DONTNEED) on every segment file of `day`'s
// partitions (each table, its TOAST table and their indexes), found by
// pg_relation_filepath under data_directory. Needs a superuser connection
// (SHOW data_directory) and a process that may open the files (root, or
// the postgres user). Each file is fdatasync'ed first (DONTNEED keeps dirty
// pages): call it after a CHECKPOINT, so PostgreSQL's buffers are written.
absl::StatusOr<Evicted> EvictDayFromPageCache(PgConnection& db, absl::CivilDay day);

}  // namespace ingest::bench_retention
