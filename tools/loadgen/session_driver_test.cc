#include "tools/loadgen/session_driver.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "tests/testing/file_contents.h"

namespace ingest::loadgen {
namespace {

using client::testing::FakeClock;
using client::testing::FakeGateway;
using client::testing::Pushback;
using client::testing::RecordedCall;
using client::testing::Reply;
using testing::AllOf;
using testing::ElementsAre;
using testing::EndsWith;
using testing::MatchesRegex;
using testing::StartsWith;

Reply Status(grpc::StatusCode code, std::string message) {
  return Reply{code, std::move(message), {}};
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& text, absl::string_view prefix) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, prefix)) lines.emplace_back(line);
  }
  return lines;
}

class SessionDriverTest : public testing::Test {
 protected:
  void SetUp() override {
    gateway_ = FakeGateway::Start();
    ASSERT_NE(gateway_, nullptr);
  }
  ~SessionDriverTest() override { std::fclose(log_); }

  SessionDriver MakeDriver(int payloads, int max_attempts) {
    client::ClientOptions sdk;
    sdk.targets = {gateway_->address()};
    sdk.api_key = "sk_test";
    sdk.retry.max_attempts = max_attempts;
    sdk.clock = &clock_;
    return SessionDriver(
        {.project_id = "demo-project", .payloads_per_session = payloads, .seed = 1, .client = sdk},
        factory_, ledger_, console_);
  }

  std::vector<std::string> Retries() const {
    return LinesStartingWith(FileContents(log_), "loadgen: retry ");
  }
  std::vector<std::string> GiveUps() const {
    return LinesStartingWith(FileContents(log_), "loadgen: gave up on ");
  }

  std::vector<v1::PushPayloadRequest> Pushes() const {
    std::vector<v1::PushPayloadRequest> pushes;
    for (const RecordedCall& call : gateway_->calls("PushPayload")) {
      pushes.emplace_back();
      EXPECT_TRUE(pushes.back().ParseFromString(call.request_bytes));
    }
    return pushes;
  }

  std::vector<uint64_t> PushedPayloadIds() const {
    std::vector<uint64_t> ids;
    for (const RecordedCall& call : gateway_->calls("PushPayload")) ids.push_back(call.payload_id);
    return ids;
  }

  std::unique_ptr<FakeGateway> gateway_;
  FakeClock clock_;
  PayloadFactory factory_{{.seed = 1, .min_bytes = 1024, .max_bytes = 4096}};
  Ledger ledger_;
  std::FILE* log_ = std::tmpfile();
  console::Console console_{log_, /*is_tty=*/false};
};

TEST_F(SessionDriverTest, PushesPayloadsInOrderAndRecordsThemInTheLedger) {
  const SessionResult result = MakeDriver(3, 8).Run(4);

  EXPECT_EQ(result.session_id, "fake-session-1");
  EXPECT_EQ(result.acked, 3);
  EXPECT_EQ(result.not_acked, 0);
  const std::vector<RecordedCall> inits = gateway_->calls("InitializeSession");
  ASSERT_EQ(inits.size(), 1u);
  v1::InitializeSessionRequest init;
  ASSERT_TRUE(init.ParseFromString(inits[0].request_bytes));
  EXPECT_EQ(init.project_id(), "demo-project");
  EXPECT_EQ(init.client_version(), "loadgen/1");
  EXPECT_EQ(init.client_id(), "loadgen-1-4");
  EXPECT_EQ(inits[0].authorization, "Bearer sk_test");
  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 2, 3}));
  for (const v1::PushPayloadRequest& request : Pushes()) {
    EXPECT_EQ(request.session_id(), "fake-session-1");
    EXPECT_EQ(request.content_encoding(), ingest::v1::CONTENT_ENCODING_IDENTITY);
    // Only the last payload says the page unloaded.
    EXPECT_EQ(request.has_session_unloaded(), request.payload_id() == 3)
        << "payload " << request.payload_id();
  }

  const std::vector<LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 3u);
  for (uint64_t p = 1; p <= 3; ++p) {
    const std::string bytes = factory_.Make(4, p).SerializeAsString();
    EXPECT_EQ(entries[p - 1], (LedgerEntry{.session_id = "fake-session-1",
                                           .session_index = 4,
                                           .payload_id = p,
                                           .size_bytes = bytes.size(),
                                           .sha256_hex = Sha256Hex(bytes)}));
    // The bytes the gateway got are the ones the ledger describes.
    EXPECT_EQ(gateway_->calls("PushPayload")[p - 1].content, bytes);
  }
  EXPECT_EQ(FileContents(log_), "");
  EXPECT_TRUE(clock_.waits().empty());
}

TEST_F(SessionDriverTest, RetriesWithTheSamePayloadIdAndContent) {
  gateway_->Script(
      "PushPayload",
      {Status(grpc::StatusCode::OK, ""), Status(grpc::StatusCode::UNAVAILABLE, "no ack"),
       Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"), Pushback(250)});
  SessionDriver driver = MakeDriver(3, 8);
  const SessionResult result = driver.Run(0);

  EXPECT_EQ(result.acked, 3);
  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 2, 2, 2, 2, 3}));
  const std::vector<RecordedCall> calls = gateway_->calls("PushPayload");
  for (int i = 2; i <= 4; ++i) {
    EXPECT_EQ(calls[i].request_bytes, calls[1].request_bytes)
        << "retry " << i - 1 << " differs from the first attempt";
  }
  // Each retried attempt is logged, with the wait the SDK chose.
  const std::vector<std::string> retries = Retries();
  ASSERT_EQ(retries.size(), 3u);
  EXPECT_THAT(retries[0],
              MatchesRegex("loadgen: retry session 0 payload 2 \\(sid=fake-session-1\\): "
                           "attempt 1/8 failed: UNAVAILABLE: no ack; next in [0-9]+ms"));
  EXPECT_THAT(retries[1], StartsWith("loadgen: retry session 0 payload 2 (sid=fake-session-1): "
                                     "attempt 2/8 failed: DEADLINE_EXCEEDED: slow; next in "));
  EXPECT_THAT(retries[2], StartsWith("loadgen: retry session 0 payload 2 (sid=fake-session-1): "
                                     "attempt 3/8 failed: RESOURCE_EXHAUSTED"));
  EXPECT_EQ(driver.retries(), 3);
  EXPECT_EQ(driver.errors(), 0);
  ASSERT_EQ(clock_.waits().size(), 3u);
  // The gateway's pushback is honoured.
  EXPECT_GE(clock_.waits()[2], absl::Milliseconds(250));
  EXPECT_EQ(ledger_.size(), 3u);
}

TEST_F(SessionDriverTest, GivesUpAfterMaxAttemptsAndContinues) {
  gateway_->Script("PushPayload", {Status(grpc::StatusCode::UNAVAILABLE, "down"),
                                   Status(grpc::StatusCode::UNAVAILABLE, "down"),
                                   Status(grpc::StatusCode::UNAVAILABLE, "down")});
  SessionDriver driver = MakeDriver(3, 3);
  const SessionResult result = driver.Run(0);

  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 1, 1, 2, 3}));
  EXPECT_EQ(result.acked, 2);
  EXPECT_EQ(result.not_acked, 1);
  EXPECT_EQ(Retries().size(), 2u);
  // The SDK's final status says why it gave up.
  EXPECT_THAT(GiveUps(), ElementsAre(StartsWith("loadgen: gave up on session 0 payload 1 "
                                                "(sid=fake-session-1) after 3 attempts: "
                                                "UNAVAILABLE: down [PushPayload: gave up")));
  EXPECT_EQ(driver.retries(), 2);
  EXPECT_EQ(driver.errors(), 1);
  const std::vector<LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].payload_id, 2u);
  EXPECT_EQ(entries[1].payload_id, 3u);
}

TEST_F(SessionDriverTest, DoesNotRetryPermanentErrors) {
  gateway_->Script("PushPayload",
                   {Status(grpc::StatusCode::INVALID_ARGUMENT, "payload too large")});
  const SessionResult result = MakeDriver(2, 8).Run(0);

  EXPECT_EQ(PushedPayloadIds(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(result.acked, 1);
  EXPECT_EQ(result.not_acked, 1);
  EXPECT_THAT(GiveUps(), ElementsAre(StartsWith("loadgen: gave up on session 0 payload 1 "
                                                "(sid=fake-session-1) after 1 attempt: "
                                                "INVALID_ARGUMENT: payload too large")));
  EXPECT_TRUE(Retries().empty());
}

TEST_F(SessionDriverTest, AnUnlimitedPolicyHasNoAttemptLimitToShow) {
  gateway_->Script("PushPayload", {Status(grpc::StatusCode::UNAVAILABLE, "down")});
  MakeDriver(1, 0).Run(1);
  EXPECT_THAT(Retries(), ElementsAre(StartsWith("loadgen: retry session 1 payload 1 "
                                                "(sid=fake-session-1): attempt 1 failed: "
                                                "UNAVAILABLE: down; next in ")));
}

TEST_F(SessionDriverTest, RetriesInitializeSession) {
  gateway_->Script("InitializeSession", {Status(grpc::StatusCode::UNAVAILABLE, "starting")});
  const SessionResult result = MakeDriver(2, 8).Run(5);

  EXPECT_EQ(gateway_->calls("InitializeSession").size(), 2u);
  const std::vector<std::string> retries = Retries();
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_THAT(retries[0], StartsWith("loadgen: retry session 5 InitializeSession: attempt 1/8 "
                                     "failed: UNAVAILABLE: starting; next in "));
  EXPECT_EQ(result.acked, 2);
}

TEST_F(SessionDriverTest, FailedInitializeSessionCountsAllPayloadsNotAcked) {
  gateway_->Script("InitializeSession",
                   {Status(grpc::StatusCode::PERMISSION_DENIED, "unknown project")});
  SessionDriver driver = MakeDriver(5, 8);
  const SessionResult result = driver.Run(0);

  EXPECT_TRUE(result.session_id.empty());
  EXPECT_EQ(result.acked, 0);
  EXPECT_EQ(result.not_acked, 5);
  EXPECT_TRUE(gateway_->calls("PushPayload").empty());
  EXPECT_THAT(GiveUps(), ElementsAre(AllOf(StartsWith("loadgen: gave up on session 0 "
                                                      "InitializeSession after 1 attempt: "
                                                      "PERMISSION_DENIED: unknown project"),
                                           EndsWith("(5 payloads not sent)"))));
  EXPECT_EQ(driver.errors(), 1);
  EXPECT_EQ(ledger_.size(), 0u);
}

}  // namespace
}  // namespace ingest::loadgen
