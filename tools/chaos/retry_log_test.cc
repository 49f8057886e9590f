#include "tools/chaos/retry_log.h"

#include <cstdio>

#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::chaos {
namespace {

class RetryLogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(file_, nullptr); }
  void TearDown() override { std::fclose(file_); }

  std::FILE* file_ = std::tmpfile();
  loadgen::Console console_{file_, /*is_tty=*/false};
  RetryLog log_{"kafka-down", console_};
};

TEST_F(RetryLogTest, SumsUpRetriesInOneLineAndOnlyWhenThereWereAny) {
  EXPECT_EQ(log_.TakeLine(), std::nullopt);
  log_.OnRetry({.attempt = 1, .gateway = "127.0.0.1:1", .status = absl::UnavailableError("a")});
  log_.OnRetry({.attempt = 1, .gateway = "127.0.0.1:2", .status = absl::UnavailableError("b")});
  log_.OnRetry({.attempt = 2, .gateway = "127.0.0.1:1",
                .status = absl::DeadlineExceededError("Deadline Exceeded")});
  EXPECT_EQ(log_.TakeLine(),
            "chaos kafka-down: retrying: 2 calls, 3 retries since the last line, last error "
            "DEADLINE_EXCEEDED: Deadline Exceeded (gateway 127.0.0.1:1)");
  EXPECT_EQ(log_.TakeLine(), std::nullopt);

  log_.OnCallDone(3);  // one of the two calls got through
  log_.OnCallDone(1);  // a call that never failed changes nothing
  log_.OnRetry({.attempt = 3, .gateway = "127.0.0.1:2", .status = absl::UnavailableError("c")});
  EXPECT_EQ(log_.TakeLine(),
            "chaos kafka-down: retrying: 1 calls, 1 retries since the last line, last error "
            "UNAVAILABLE: c (gateway 127.0.0.1:2)");
  EXPECT_EQ(log_.retries(), 4);
  EXPECT_EQ(ingest::FileContents(file_), "") << "retries are never logged one by one";
}

TEST_F(RetryLogTest, LogsEachGiveUpAtOnce) {
  log_.OnGiveUp({.thread_index = 2,
                 .session_id = "s1",
                 .payload_id = 7,
                 .attempts = 90,
                 .status = absl::UnavailableError("broker down")});
  log_.OnGiveUp({.thread_index = 3, .attempts = 1,
                 .status = absl::UnauthenticatedError("unknown key")});
  EXPECT_EQ(log_.given_up(), 2);
  EXPECT_EQ(ingest::FileContents(file_),
            "chaos kafka-down: gave up on session s1 payload 7 after 90 attempts: "
            "UNAVAILABLE: broker down\n"
            "chaos kafka-down: gave up on InitializeSession of thread 3 after 1 attempts: "
            "UNAUTHENTICATED: unknown key\n");
}

}  // namespace
}  // namespace ingest::chaos
