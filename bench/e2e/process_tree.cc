#include "bench/e2e/process_tree.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/common/cpu.h"

namespace ingest::bench_e2e {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<int> ParseStatParentPid(absl::string_view stat_text) {
  const size_t close = stat_text.rfind(')');
  if (close == absl::string_view::npos) {
    return absl::InvalidArgumentError("no command name in /proc/<pid>/stat");
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(stat_text.substr(close + 1), ' ', absl::SkipEmpty());
  int parent = 0;
  // fields[0] is the state, fields[1] the parent pid.
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &parent)) {
    return absl::InvalidArgumentError("no parent pid in /proc/<pid>/stat");
  }
  return parent;
}

std::vector<int> ProcessAndChildren(int root) {
  std::vector<int> pids;
  if (root <= 0 || !ReadFile(absl::StrCat("/proc/", root, "/stat")).ok()) return pids;
  pids.push_back(root);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid == root) continue;
    absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
    if (!stat.ok()) continue;  // exited meanwhile
    absl::StatusOr<int> parent = ParseStatParentPid(*stat);
    if (parent.ok() && *parent == root) pids.push_back(pid);
  }
  closedir(proc);
  std::sort(pids.begin() + 1, pids.end());
  return pids;
}

RssTotals AddUpRss(absl::Span<const int64_t> rss_bytes) {
  RssTotals totals;
  for (const int64_t bytes : rss_bytes) {
    totals.max_bytes = std::max(totals.max_bytes, bytes);
    totals.sum_bytes += bytes;
  }
  return totals;
}

CpuByPid ReadCpu(const std::vector<int>& pids) {
  CpuByPid cpu;
  for (const int pid : pids) {
    absl::StatusOr<absl::Duration> used = bench::ReadProcessCpu(pid);
    if (pid > 0 && used.ok()) cpu[pid] = *used;
  }
  return cpu;
}

CpuByPid ReadTreeCpu(int root) { return ReadCpu(ProcessAndChildren(root)); }

double TreeCoresUsed(const CpuByPid& before, const CpuByPid& after, absl::Duration wall) {
  if (after.empty() || wall <= absl::ZeroDuration()) return -1;
  absl::Duration used;
  for (const auto& [pid, total] : after) {
    const auto it = before.find(pid);
    used += total - (it == before.end() ? absl::ZeroDuration() : it->second);
  }
  return absl::ToDoubleSeconds(used) / absl::ToDoubleSeconds(wall);
}

}  // namespace ingest::bench_e2e
