#include "bench/retention/mount_info.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ingest::bench_retention {
namespace {

// Whether `mount_point` is `path` or one of its parent directories.
bool Contains(absl::string_view mount_point, absl::string_view path) {
  if (mount_point == "/") return absl::StartsWith(path, "/");
  return path == mount_point ||
         (absl::StartsWith(path, mount_point) && path[mount_point.size()] == '/');
}

}  // namespace

std::string FileSystemOf(absl::string_view mounts, absl::string_view path) {
  std::string best;
  size_t best_length = 0;
  for (absl::string_view line : absl::StrSplit(mounts, '\n', absl::SkipEmpty())) {
    // device mount_point type options dump pass
    const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 4 || !Contains(fields[1], path)) continue;
    if (best.empty() || fields[1].size() >= best_length) {
      best = absl::StrCat(fields[2], " ", fields[3]);
      best_length = fields[1].size();
    }
  }
  return best;
}

std::string FileSystemOfPath(const std::string& path) {
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::canonical(path, error);
  if (error) return "";
  std::ifstream in("/proc/self/mounts");
  std::stringstream text;
  text << in.rdbuf();
  return FileSystemOf(text.str(), resolved.string());
}

}  // namespace ingest::bench_retention
