#include "tools/loadgen/reporting_observer.h"

#include "absl/strings/str_cat.h"

namespace ingest::loadgen {
namespace {

// "session 3 payload 7 (sid=...)" or "session 3 InitializeSession".
std::string DescribeCall(const CallFailure& failure) {
  if (failure.payload_id == 0) {
    return absl::StrCat("session ", failure.session_index, " InitializeSession");
  }
  return absl::StrCat("session ", failure.session_index, " payload ", failure.payload_id,
                      " (sid=", failure.session_id, ")");
}

}  // namespace

void ReportingObserver::OnRetry(const CallFailure& failure) {
  retries_.fetch_add(1);
  console_.Log(absl::StrCat(
      "loadgen: retry ", DescribeCall(failure), ": attempt ", failure.attempt,
      failure.max_attempts > 0 ? absl::StrCat("/", failure.max_attempts) : "",
      " failed: ", failure.status.ToString(), "; next in ", absl::FormatDuration(absl::Trunc(failure.retry_delay,
                                                     absl::Milliseconds(1)))));
}

void ReportingObserver::OnGiveUp(const CallFailure& failure,
                                 int payloads_not_acked) {
  errors_.fetch_add(1);
  console_.Log(absl::StrCat(
      "loadgen: gave up on ", DescribeCall(failure), " after ", failure.attempt,
      failure.attempt == 1 ? " attempt: " : " attempts: ",
      failure.status.ToString(),
      payloads_not_acked > 1
          ? absl::StrCat(" (", payloads_not_acked, " payloads not sent)")
          : ""));
}

}  // namespace ingest::loadgen
