#include "tools/chaos/retry_log.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest::chaos {
namespace {
// Keeps the aggregated line readable when a message is a paragraph.
constexpr size_t kMaxMessage = 160;
}  // namespace

RetryLog::RetryLog(std::string name, loadgen::Console& console)
    : name_(std::move(name)), console_(console) {}

void RetryLog::OnRetry(const RetryEvent& event) {
  absl::MutexLock lock(&mu_);
  ++retries_;
  ++retries_since_take_;
  if (event.attempt == 1) ++calls_retrying_;
  last_error_ = event.status;
  last_gateway_ = event.gateway;
}

void RetryLog::OnCallDone(int attempts) {
  if (attempts <= 1) return;
  absl::MutexLock lock(&mu_);
  --calls_retrying_;
}

void RetryLog::OnGiveUp(const GiveUp& give_up) {
  {
    absl::MutexLock lock(&mu_);
    ++given_up_;
  }
  const std::string what =
      give_up.payload_id == 0
          ? absl::StrCat("InitializeSession of thread ", give_up.thread_index)
          : absl::StrCat("session ", give_up.session_id, " payload ",
                         give_up.payload_id);
  console_.Log(absl::StrCat("chaos ", name_, ": gave up on ", what, " after ",
                            give_up.attempts, " attempts: ",
                            give_up.status.ToString()));
}

std::optional<std::string> RetryLog::TakeLine() {
  absl::MutexLock lock(&mu_);
  if (retries_since_take_ == 0) return std::nullopt;
  std::string message(last_error_.message().substr(0, kMaxMessage));
  const std::string line = absl::StrCat(
      "chaos ", name_, ": retrying: ", calls_retrying_, " calls, ",
      retries_since_take_, " retries since the last line, last error ",
      absl::StatusCodeToString(last_error_.code()), ": ", message,
      " (gateway ", last_gateway_, ")");
  retries_since_take_ = 0;
  return line;
}

int64_t RetryLog::retries() const {
  absl::MutexLock lock(&mu_);
  return retries_;
}

int64_t RetryLog::given_up() const {
  absl::MutexLock lock(&mu_);
  return given_up_;
}

}  // namespace ingest::chaos
