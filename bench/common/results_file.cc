#include "bench/common/results_file.h"

#include "absl/strings/str_cat.h"

namespace ingest::bench {

absl::Status ResultsFile::Open(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  out_.open(path, std::ios::app);
  if (!out_) return absl::FailedPreconditionError(absl::StrCat("cannot append to ", path));
  return absl::OkStatus();
}

void ResultsFile::Write(absl::string_view line) {
  if (!out_.is_open()) return;
  out_ << line << '\n';
  out_.flush();
}

}  // namespace ingest::bench
