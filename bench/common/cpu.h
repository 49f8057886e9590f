#pragma once

// CPU time a process has used, from /proc/<pid>/stat: how the two cores were
// shared between the benchmark client, the gateway and the broker.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest::bench {

// utime + stime of a /proc/<pid>/stat text, converted with `ticks_per_second`
// (sysconf(_SC_CLK_TCK)). The command name may contain spaces and parentheses.
absl::StatusOr<absl::Duration> ParseProcStatCpu(absl::string_view stat_text,
                                                int64_t ticks_per_second);

// The CPU time process `pid` (0 = this process) has used so far.
absl::StatusOr<absl::Duration> ReadProcessCpu(int pid);

// CPU time of a process between two readings, in cores (1.0 = one core busy
// all the time); -1 if either reading failed.
double CoresUsed(const absl::StatusOr<absl::Duration>& before,
                 const absl::StatusOr<absl::Duration>& after, absl::Duration wall);

}  // namespace ingest::bench
