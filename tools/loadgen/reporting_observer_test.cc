#include "tools/loadgen/reporting_observer.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::loadgen {
namespace {

TEST(ReportingObserverTest, LogsAndCountsRetriesAndGiveUps) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  ReportingObserver observer(console);

  observer.OnRetry({.session_index = 2,
                    .session_id = "sid-1",
                    .payload_id = 7,
                    .attempt = 1,
                    .max_attempts = 8,
                    .status = absl::UnavailableError("no ack"),
                    .retry_delay = absl::Microseconds(83'400)});
  observer.OnGiveUp({.session_index = 4,
                     .attempt = 8,
                     .max_attempts = 8,
                     .status = absl::UnavailableError("down")},
                    25);

  EXPECT_EQ(observer.retries(), 1);
  EXPECT_EQ(observer.errors(), 1);
  EXPECT_EQ(FileContents(file),
            "loadgen: retry session 2 payload 7 (sid=sid-1): attempt 1/8 "
            "failed: UNAVAILABLE: no ack; next in 83ms\n"
            "loadgen: gave up on session 4 InitializeSession after 8 attempts: "
            "UNAVAILABLE: down (25 payloads not sent)\n");
  std::fclose(file);
}

TEST(ReportingObserverTest, AnUnlimitedPolicyHasNoAttemptLimitToShow) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  ReportingObserver observer(console);
  observer.OnRetry({.session_index = 1,
                    .session_id = "sid-2",
                    .payload_id = 3,
                    .attempt = 4,
                    .status = absl::DeadlineExceededError("slow"),
                    .retry_delay = absl::Milliseconds(1500)});
  EXPECT_EQ(FileContents(file),
            "loadgen: retry session 1 payload 3 (sid=sid-2): attempt 4 failed: "
            "DEADLINE_EXCEEDED: slow; next in 1.5s\n");
  std::fclose(file);
}

}  // namespace
}  // namespace ingest::loadgen
