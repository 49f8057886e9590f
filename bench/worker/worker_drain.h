#pragma once

// One worker measurement: a fresh worker process drains a filled topic into
// empty tables, timed from the offsets it commits (consumer_offsets, read
// every options.poll_interval) from the first records it was seen to have
// committed to the last, with its CPU time from /proc over the same span.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bench/worker/options.h"
#include "bench/worker/report.h"
#include "services/common/pg/connection.h"

namespace ingest::bench_worker {

struct Drain {
  std::string topic;
  int partitions = 0;
  int64_t records = 0;
  double content_per_record = 0;  // mean raw content bytes, for CPU-seconds per GiB
  std::string group_id;           // new for each drain: the worker reads from the beginning
  std::string label;              // "100KB (run 2/3)", for the progress line and the note
};

// Starts options.worker_command with --topic and --group_id, waits until it
// has committed every record (failing on its exit, on nothing persisted
// within options.first_row_timeout, or on no progress for
// options.stall_timeout), stops it by pid, checks that session_payloads
// holds every record and notes the result on stderr. The worker's tables
// must be empty (no offsets) when it starts.
absl::StatusOr<WorkerThroughput> DrainWithWorker(const WorkerBenchOptions& options,
                                                 PgConnection& db, const Drain& drain);

}  // namespace ingest::bench_worker
