#pragma once

// The standard process_* metrics of Prometheus' client libraries (the Go and
// Java clients' process collector), which prometheus-cpp lacks: CPU seconds,
// resident and virtual memory, open and maximum file descriptors, and start
// time. Read from /proc/self when scraped, so they cost nothing between
// scrapes. MetricsServer registers one for every service.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace ingest {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  int64_t resident_memory_bytes = 0;
  int64_t virtual_memory_bytes = 0;
  int64_t open_fds = 0;
  int64_t max_fds = 0;             // the soft RLIMIT_NOFILE
  double start_time_seconds = 0;  // since the Unix epoch
};

// This process's figures from /proc/self; an error names the file that
// could not be read or parsed.
absl::StatusOr<ProcessStats> ReadProcessStats();

// What /proc/<pid>/stat says of a process: the part of ProcessStats any
// process's stat file holds, which the benchmarks read of the processes they
// measure (CPU time, memory, the parent of PostgreSQL's backends).
struct ProcStat {
  int parent_pid = 0;
  double cpu_seconds = 0;   // user + system
  int64_t start_ticks = 0;  // clock ticks after boot
  int64_t virtual_memory_bytes = 0;
  int64_t resident_memory_bytes = 0;
};

// Parses a /proc/<pid>/stat text, whose command name may hold spaces and
// parentheses. INVALID_ARGUMENT when it is not one.
absl::StatusOr<ProcStat> ParseProcStat(absl::string_view text);

// Reads /proc/<pid>/stat; pid 0 is this process. UNAVAILABLE when it cannot
// be read (no such process).
absl::StatusOr<ProcStat> ReadProcStat(int pid);

class ProcessCollector final : public prometheus::Collectable {
 public:
  // Nothing (no series) when /proc cannot be read, rather than zeros.
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace ingest
