#include "bench/common/rss.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {

absl::StatusOr<int64_t> ParseVmRssBytes(absl::string_view status_text) {
  for (absl::string_view line : absl::StrSplit(status_text, '\n')) {
    if (!absl::ConsumePrefix(&line, "VmRSS:")) continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t kb = 0;
    if (fields.size() != 2 || fields[1] != "kB" || !absl::SimpleAtoi(fields[0], &kb) || kb < 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected VmRSS line: \"", line, "\""));
    }
    return kb * 1024;
  }
  return absl::NotFoundError("no VmRSS line (a kernel thread or a zombie?)");
}

absl::StatusOr<int64_t> ReadVmRssBytes(int pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": no such process?"));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<int64_t> rss = ParseVmRssBytes(text.str());
  RETURN_IF_ERROR(WithContext(rss.status(), path));
  return rss;
}

RssSampler::RssSampler(int pid, absl::Duration interval)
    : pid_(pid), thread_(interval, [this] { Sample(); }) {
  Sample();
}

void RssSampler::Stop() {
  if (stopped_) return;
  stopped_ = true;
  thread_.Stop();
  Sample();
}

void RssSampler::Sample() {
  const absl::StatusOr<int64_t> rss = ReadVmRssBytes(pid_);
  absl::MutexLock lock(&mu_);
  if (!rss.ok()) {
    if (status_.ok()) status_ = rss.status();
    return;
  }
  peak_bytes_ = std::max(peak_bytes_, *rss);
  ++samples_;
}

int64_t RssSampler::peak_bytes() const {
  absl::MutexLock lock(&mu_);
  return peak_bytes_;
}

int64_t RssSampler::samples() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

absl::Status RssSampler::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace ingest::bench
