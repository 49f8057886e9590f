#include "bench/common/console.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "tools/console/console.h"

namespace ingest::bench {

void Note(absl::string_view line) {
  console::Console::Stderr().Log(absl::StrCat("[bench] ", line));
}

void Print(absl::string_view line) {
  std::fprintf(stdout, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stdout);
}

void ExitAfterError(const absl::Status& status, absl::Span<const std::string> lines) {
  for (const std::string& line : lines) Print(line);
  Note(absl::StrCat("error: ", status.ToString()));
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(1);
}

}  // namespace ingest::bench
