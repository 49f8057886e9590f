#include "tools/loadgen/session_driver.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tools/loadgen/fake_clock.h"
#include "tools/loadgen/fake_ingest_client.h"
#include "services/common/crypto/sha256.h"

namespace ingest::loadgen {
namespace {

class RecordingObserver final : public SessionObserver {
 public:
  void OnRetry(const CallFailure& failure) override {
    absl::MutexLock lock(&mu_);
    retries.push_back(failure.payload_id);
  }
  void OnGiveUp(const CallFailure& failure, int payloads_not_acked) override {
    absl::MutexLock lock(&mu_);
    give_ups.push_back(failure.payload_id);
    give_up_attempts.push_back(failure.attempt);
    not_acked += payloads_not_acked;
  }

  absl::Mutex mu_;
  std::vector<uint64_t> retries;  // payload ids (0 = InitializeSession)
  std::vector<uint64_t> give_ups;
  std::vector<int> give_up_attempts;
  int not_acked = 0;
};

class SessionDriverTest : public testing::Test {
 protected:
  SessionDriver MakeDriver(int payloads, int max_attempts) {
    return SessionDriver({.project_id = "demo-project",
                          .payloads_per_session = payloads,
                          .retry = {.max_attempts = max_attempts},
                          .seed = 1},
                         client_, factory_, ledger_, observer_, clock_);
  }

  std::vector<uint64_t> PushedPayloadIds() const {
    std::vector<uint64_t> ids;
    for (const auto& request : client_.push_requests()) {
      ids.push_back(request.payload_id());
    }
    return ids;
  }

  FakeIngestClient client_;
  PayloadFactory factory_{{.seed = 1, .min_bytes = 1024, .max_bytes = 4096}};
  Ledger ledger_;
  RecordingObserver observer_;
  FakeClock clock_;
};

TEST_F(SessionDriverTest, PushesPayloadsInOrderAndRecordsThemInTheLedger) {
  const SessionResult result = MakeDriver(3, 8).Run(4);

  EXPECT_EQ(result.session_id, "session-1");
  EXPECT_EQ(result.acked, 3);
  EXPECT_EQ(result.not_acked, 0);
  ASSERT_EQ(client_.init_requests().size(), 1u);
  EXPECT_EQ(client_.init_requests()[0].project_id(), "demo-project");
  EXPECT_EQ(client_.init_requests()[0].client_version(), "loadgen/1");
  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 2, 3}));
  for (const auto& request : client_.push_requests()) {
    EXPECT_EQ(request.session_id(), "session-1");
    EXPECT_EQ(request.content_encoding(),
              ingest::v1::CONTENT_ENCODING_IDENTITY);
    // Only the last payload says the page unloaded.
    EXPECT_EQ(request.has_session_unloaded(), request.payload_id() == 3)
        << "payload " << request.payload_id();
  }

  const std::vector<LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 3u);
  for (uint64_t p = 1; p <= 3; ++p) {
    const std::string bytes = factory_.Make(4, p).SerializeAsString();
    EXPECT_EQ(entries[p - 1],
              (LedgerEntry{.session_id = "session-1",
                           .session_index = 4,
                           .payload_id = p,
                           .size_bytes = bytes.size(),
                           .sha256_hex = Sha256Hex(bytes)}));
  }
  EXPECT_TRUE(observer_.retries.empty());
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(SessionDriverTest, RetriesWithTheSamePayloadIdAndContent) {
  client_.ScriptPush({absl::OkStatus(), absl::UnavailableError("no ack"),
                      absl::DeadlineExceededError("slow"),
                      absl::ResourceExhaustedError("busy")});
  const SessionResult result = MakeDriver(3, 8).Run(0);

  EXPECT_EQ(result.acked, 3);
  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 2, 2, 2, 2, 3}));
  const auto requests = client_.push_requests();
  for (int i = 2; i <= 4; ++i) {
    EXPECT_EQ(requests[i].SerializeAsString(), requests[1].SerializeAsString())
        << "retry " << i - 1 << " differs from the first attempt";
  }
  EXPECT_EQ(observer_.retries, (std::vector<uint64_t>{2, 2, 2}));
  EXPECT_EQ(clock_.sleeps().size(), 3u);
  EXPECT_EQ(ledger_.size(), 3u);
}

TEST_F(SessionDriverTest, GivesUpAfterMaxAttemptsAndContinues) {
  client_.ScriptPush({absl::UnavailableError("down"),
                      absl::UnavailableError("down"),
                      absl::UnavailableError("down")});
  const SessionResult result = MakeDriver(3, 3).Run(0);

  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 1, 1, 2, 3}));
  EXPECT_EQ(result.acked, 2);
  EXPECT_EQ(result.not_acked, 1);
  EXPECT_EQ(observer_.give_ups, (std::vector<uint64_t>{1}));
  EXPECT_EQ(observer_.give_up_attempts, (std::vector<int>{3}));
  EXPECT_EQ(observer_.not_acked, 1);
  const std::vector<LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].payload_id, 2u);
  EXPECT_EQ(entries[1].payload_id, 3u);
}

TEST_F(SessionDriverTest, DoesNotRetryPermanentErrors) {
  client_.ScriptPush({absl::InvalidArgumentError("payload too large")});
  const SessionResult result = MakeDriver(2, 8).Run(0);

  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(result.acked, 1);
  EXPECT_EQ(result.not_acked, 1);
  EXPECT_EQ(observer_.give_up_attempts, (std::vector<int>{1}));
}

TEST_F(SessionDriverTest, RetriesInitializeSession) {
  client_.ScriptInitialize({absl::UnavailableError("starting")});
  const SessionResult result = MakeDriver(2, 8).Run(0);

  EXPECT_EQ(client_.init_requests().size(), 2u);
  EXPECT_EQ(observer_.retries, (std::vector<uint64_t>{0}));
  EXPECT_EQ(result.acked, 2);
}

TEST_F(SessionDriverTest, FailedInitializeSessionCountsAllPayloadsNotAcked) {
  client_.ScriptInitialize({absl::PermissionDeniedError("unknown project")});
  const SessionResult result = MakeDriver(5, 8).Run(0);

  EXPECT_TRUE(result.session_id.empty());
  EXPECT_EQ(result.acked, 0);
  EXPECT_EQ(result.not_acked, 5);
  EXPECT_TRUE(client_.push_requests().empty());
  EXPECT_EQ(observer_.not_acked, 5);
  EXPECT_EQ(ledger_.size(), 0u);
}

TEST(DescribeCallTest, NamesTheCall) {
  EXPECT_EQ(DescribeCall({.session_index = 3}), "session 3 InitializeSession");
  EXPECT_EQ(DescribeCall({.session_index = 3, .session_id = "abc",
                          .payload_id = 7}),
            "session 3 payload 7 (sid=abc)");
}

}  // namespace
}  // namespace ingest::loadgen
