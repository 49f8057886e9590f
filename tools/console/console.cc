#include "tools/console/console.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace ingest::console {
namespace {
// Carriage return, then erase to the end of the line.
constexpr absl::string_view kClearLine = "\r\033[K";
}  // namespace

Console::Console(std::FILE* out, bool is_tty) : out_(out), is_tty_(is_tty) {}

Console& Console::Stderr() {
  static Console* const console = new Console(stderr, IsTty(stderr));
  return *console;
}

bool Console::IsTty(std::FILE* file) { return ::isatty(::fileno(file)) == 1; }

void Console::SetStatus(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  if (is_tty_) {
    status_ = std::string(line);
    WriteLocked(absl::StrCat(kClearLine, line));
  } else {
    WriteLocked(absl::StrCat(line, "\n"));
  }
}

void Console::EndStatus() {
  absl::MutexLock lock(&mu_);
  if (is_tty_ && !status_.empty()) {
    WriteLocked("\n");
    status_.clear();
  }
}

void Console::Log(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  if (is_tty_ && !status_.empty()) {
    WriteLocked(absl::StrCat(kClearLine, line, "\n", status_));
  } else {
    WriteLocked(absl::StrCat(line, "\n"));
  }
}

void Console::WriteLocked(absl::string_view text) {
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace ingest::console
