#include "bench/common/cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ingest::bench {

absl::StatusOr<absl::Duration> ParseProcStatCpu(absl::string_view stat_text,
                                                int64_t ticks_per_second) {
  // "pid (comm) state ppid ...": fields after the last ')' start at field 3.
  const size_t paren = stat_text.rfind(')');
  if (paren == absl::string_view::npos || ticks_per_second <= 0) {
    return absl::InvalidArgumentError("not a /proc/<pid>/stat text");
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(stat_text.substr(paren + 1), ' ', absl::SkipEmpty());
  // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state.
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::InvalidArgumentError("no utime/stime in /proc/<pid>/stat");
  }
  return absl::Seconds(static_cast<double>(utime + stime) /
                       static_cast<double>(ticks_per_second));
}

absl::StatusOr<absl::Duration> ReadProcessCpu(int pid) {
  const std::string path = pid == 0 ? "/proc/self/stat" : absl::StrCat("/proc/", pid, "/stat");
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  return ParseProcStatCpu(text.str(), sysconf(_SC_CLK_TCK));
}

double CoresUsed(const absl::StatusOr<absl::Duration>& before,
                 const absl::StatusOr<absl::Duration>& after, absl::Duration wall) {
  if (!before.ok() || !after.ok() || wall <= absl::ZeroDuration()) return -1;
  return absl::FDivDuration(*after - *before, wall);
}

}  // namespace ingest::bench
