// The SDK against an in-process fake gateway: what is retried and how,
// what is final, failover, streaming, the async budget, the observer, ids.

#include "client/cpp/client.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"

namespace ingest::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeClock;
using testing::FakeGateway;
using testing::Pushback;
using testing::RecordedCall;
using testing::Reply;

struct SeenAttempt {
  std::string rpc;
  int attempt;
  std::string target;
  absl::StatusCode code;
  std::optional<absl::Duration> next_wait;
  uint64_t payload_id;
  std::string session_id;
};

v1::PayloadContent Content(size_t bytes, char fill = 'e') {
  v1::PayloadContent content;
  content.set_events(std::string(bytes, fill));
  content.set_messages("[]");
  return content;
}

Reply Status(grpc::StatusCode code, std::string message = "scripted") {
  return Reply{code, std::move(message), {}};
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = FakeGateway::Start();
    ASSERT_NE(gateway_, nullptr);
  }

  ClientOptions Options() {
    ClientOptions options;
    options.targets = {gateway_->address()};
    options.api_key = "sk_test_key";
    options.clock = &clock_;
    options.observer = [this](const AttemptInfo& info) {
      absl::MutexLock lock(&mu_);
      seen_.push_back(SeenAttempt{std::string(info.rpc), info.attempt, std::string(info.target),
                                  info.status.code(), info.next_wait, info.payload_id,
                                  std::string(info.session_id)});
    };
    return options;
  }

  std::unique_ptr<Client> NewClient(ClientOptions options) {
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::vector<SeenAttempt> Seen(uint64_t payload_id) {
    absl::MutexLock lock(&mu_);
    std::vector<SeenAttempt> out;
    for (const SeenAttempt& s : seen_) {
      if (s.payload_id == payload_id) out.push_back(s);
    }
    return out;
  }

  std::vector<RecordedCall> PayloadCalls(uint64_t payload_id) {
    std::vector<RecordedCall> out;
    for (const RecordedCall& call : gateway_->all_calls()) {
      if ((call.rpc == "PushPayload" || call.rpc == "PushPayloadStream") &&
          call.payload_id == payload_id) {
        out.push_back(call);
      }
    }
    return out;
  }

  std::unique_ptr<FakeGateway> gateway_;
  FakeClock clock_;
  absl::Mutex mu_;
  std::vector<SeenAttempt> seen_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ClientTest, StartsASessionAndPushesWithTheApiKey) {
  auto client = NewClient(Options());
  v1::InitializeSessionRequest request;
  request.set_client_version("sdk-test");
  auto session = client->StartSession(request);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ((*session)->id(), "fake-session-1");
  absl::StatusOr<PushResult> result = (*session)->Push(Content(100));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->payload_id, 1u);
  EXPECT_EQ(result->partition, 1);
  EXPECT_EQ(result->attempts, 1);
  EXPECT_FALSE(result->streamed);
  const std::vector<RecordedCall> calls = gateway_->all_calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const RecordedCall& call : calls) EXPECT_EQ(call.authorization, "Bearer sk_test_key");
  EXPECT_EQ(calls[1].session_id, "fake-session-1");
  EXPECT_EQ(calls[1].content, Content(100).SerializeAsString());
}

TEST_F(ClientTest, EachRetriedStatusIsRetriedWithTheSameIdAndBytes) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-retry", 1);
  const std::vector<Reply> first_answers = {
      Status(grpc::StatusCode::UNAVAILABLE), Status(grpc::StatusCode::DEADLINE_EXCEEDED),
      Status(grpc::StatusCode::ABORTED), Status(grpc::StatusCode::CANCELLED), Pushback(20)};
  uint64_t id = 0;
  for (const Reply& first : first_answers) {
    ++id;
    gateway_->Script("PushPayload", {first});
    absl::StatusOr<PushResult> result = session->Push(Content(1000, 'a' + id));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->payload_id, id);
    EXPECT_EQ(result->attempts, 2) << first.code;
    const std::vector<RecordedCall> calls = PayloadCalls(id);
    ASSERT_EQ(calls.size(), 2u) << first.code;
    EXPECT_EQ(calls[0].request_bytes, calls[1].request_bytes) << first.code;
    EXPECT_EQ(calls[1].content, Content(1000, 'a' + id).SerializeAsString());
  }
}

TEST_F(ClientTest, EachFinalStatusReturnsAtOnceWithTheGatewaysMessage) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-final", 1);
  const std::vector<grpc::StatusCode> finals = {
      grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::UNAUTHENTICATED,
      grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::INTERNAL,
      grpc::StatusCode::UNKNOWN,
      grpc::StatusCode::UNIMPLEMENTED,    grpc::StatusCode::NOT_FOUND};
  uint64_t id = 0;
  for (grpc::StatusCode code : finals) {
    ++id;
    const std::string message = absl::StrCat("gateway says fix thing ", code);
    // A pushback does not make a final status retryable.
    gateway_->Script("PushPayload", {Reply{code, message, {{"retry-after-ms", "5"}}}});
    absl::StatusOr<PushResult> result = session->Push(Content(10));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(static_cast<int>(result.status().code()), static_cast<int>(code));
    EXPECT_THAT(result.status().message(), HasSubstr(message));
    EXPECT_THAT(result.status().message(),
                HasSubstr(absl::StrCat("the payload (session s-final, id ", id, ")")));
    EXPECT_EQ(PayloadCalls(id).size(), 1u) << code;
  }
  EXPECT_TRUE(clock_.waits().empty());
}

TEST_F(ClientTest, RetryAfterIsWaitedAtLeast) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-pushback", 1);
  gateway_->Script("PushPayload", {Pushback(1500)});
  absl::StatusOr<PushResult> result = session->Push(Content(10));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(clock_.waits().size(), 1u);
  EXPECT_GE(clock_.waits()[0], absl::Milliseconds(1500));
  const std::vector<SeenAttempt> seen = Seen(1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].code, absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(seen[0].next_wait, clock_.waits()[0]);
}

TEST_F(ClientTest, GivesUpAfterMaxAttemptsAndSaysThePayloadIsStillTheCallers) {
  ClientOptions options = Options();
  options.retry.max_attempts = 4;
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-giveup", 7);
  gateway_->Script("PushPayload", std::vector<Reply>(4, Status(grpc::StatusCode::UNAVAILABLE,
                                                                "kafka did not ack")));
  absl::StatusOr<PushResult> result = session->Push(Content(10));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("kafka did not ack"));
  EXPECT_THAT(result.status().message(), HasSubstr("gave up after 4 attempts"));
  EXPECT_THAT(result.status().message(),
              HasSubstr("the payload (session s-giveup, id 7) is still yours to retry"));
  EXPECT_EQ(PayloadCalls(7).size(), 4u);
  EXPECT_EQ(clock_.waits().size(), 3u);
  // The caller resends it under its id.
  absl::StatusOr<PushResult> again = session->PushWithId(7, Content(10));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->payload_id, 7u);
  EXPECT_EQ(PayloadCalls(7).back().request_bytes, PayloadCalls(7).front().request_bytes);
}

TEST_F(ClientTest, GivesUpAfterMaxElapsed) {
  ClientOptions options = Options();
  options.retry.max_elapsed = absl::Seconds(3);
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-elapsed", 1);
  // Each pushback of 1 s moves the fake clock 1 s: the fourth would pass 3 s.
  gateway_->Script("PushPayload", std::vector<Reply>(10, Pushback(1000)));
  absl::StatusOr<PushResult> result = session->Push(Content(10));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("max_elapsed 3s"));
  EXPECT_EQ(PayloadCalls(1).size(), 3u);
}

TEST_F(ClientTest, FailsOverFromADeadTargetToALiveOne) {
  ClientOptions options = Options();
  const std::string dead = testing::UnusedLoopbackAddress();
  options.targets = {dead, gateway_->address()};
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-failover", 1);
  absl::StatusOr<PushResult> first = session->Push(Content(10));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->attempts, 2);
  const std::vector<SeenAttempt> seen = Seen(1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, dead);
  EXPECT_EQ(seen[0].code, absl::StatusCode::kUnavailable);
  EXPECT_EQ(seen[1].target, gateway_->address());
  EXPECT_EQ(seen[1].code, absl::StatusCode::kOk);
  // Later calls start on the live target.
  absl::StatusOr<PushResult> second = session->Push(Content(10));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->attempts, 1);
}

TEST_F(ClientTest, PayloadsAboveTheThresholdAreStreamedInChunksWithTheirDigest) {
  ClientOptions options = Options();
  options.stream_threshold_bytes = 1000;
  options.stream_chunk_bytes = 300;
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-stream", 1);
  absl::StatusOr<PushResult> small = session->Push(Content(900));
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_FALSE(small->streamed);
  EXPECT_EQ(small->chunk_count, 1u);
  const v1::PayloadContent big = Content(5000, 'b');
  absl::StatusOr<PushResult> result = session->Push(big);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->streamed);
  EXPECT_EQ(result->payload_id, 2u);
  EXPECT_EQ(result->partition, 2);
  EXPECT_EQ(result->last_offset, result->offset + 1);
  EXPECT_EQ(result->chunk_count, 2u);
  const std::vector<RecordedCall> calls = gateway_->calls("PushPayloadStream");
  ASSERT_EQ(calls.size(), 1u);
  const std::string expected = big.SerializeAsString();
  EXPECT_EQ(calls[0].content, expected);
  EXPECT_EQ(calls[0].sha256, Sha256(expected));
  EXPECT_EQ(calls[0].chunk_messages, static_cast<int>((expected.size() + 299) / 300));
  EXPECT_EQ(calls[0].payload_id, 2u);
  EXPECT_EQ(calls[0].session_id, "s-stream");
}

TEST_F(ClientTest, ARetriedStreamStartsAgainWithTheSameBytes) {
  ClientOptions options = Options();
  options.stream_threshold_bytes = 1000;
  options.stream_chunk_bytes = 700;
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-restream", 1);
  gateway_->Script("PushPayloadStream",
                   {Status(grpc::StatusCode::UNAVAILABLE), Pushback(10)});
  absl::StatusOr<PushResult> result = session->Push(Content(4000, 'r'));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 3);
  const std::vector<RecordedCall> calls = gateway_->calls("PushPayloadStream");
  ASSERT_EQ(calls.size(), 3u);
  for (const RecordedCall& call : calls) {
    EXPECT_EQ(call.request_bytes, calls[0].request_bytes);  // the header
    EXPECT_EQ(call.content, Content(4000, 'r').SerializeAsString());
    EXPECT_TRUE(call.half_closed);
  }
}

TEST_F(ClientTest, ATransportsTooLargeRefusalResendsThePayloadAsAStream) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-toolarge", 1);
  gateway_->Script("PushPayload",
                   {Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "message larger than max")});
  absl::StatusOr<PushResult> result = session->Push(Content(2000));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->streamed);
  EXPECT_EQ(result->attempts, 2);
  const std::vector<RecordedCall> calls = PayloadCalls(1);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].rpc, "PushPayload");
  EXPECT_EQ(calls[1].rpc, "PushPayloadStream");
  EXPECT_EQ(calls[1].content, calls[0].content);
  EXPECT_TRUE(clock_.waits().empty());
}

TEST_F(ClientTest, TheObserverSeesEveryAttempt) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-observer", 1);
  gateway_->Script("PushPayload", {Status(grpc::StatusCode::UNAVAILABLE),
                                   Status(grpc::StatusCode::DEADLINE_EXCEEDED)});
  ASSERT_TRUE(session->Push(Content(10)).ok());
  const std::vector<SeenAttempt> seen = Seen(1);
  ASSERT_EQ(seen.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(seen[i].rpc, "PushPayload");
    EXPECT_EQ(seen[i].attempt, i + 1);
    EXPECT_EQ(seen[i].target, gateway_->address());
    EXPECT_EQ(seen[i].session_id, "s-observer");
  }
  EXPECT_EQ(seen[0].code, absl::StatusCode::kUnavailable);
  EXPECT_EQ(seen[1].code, absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(seen[2].code, absl::StatusCode::kOk);
  EXPECT_TRUE(seen[0].next_wait.has_value());
  EXPECT_TRUE(seen[1].next_wait.has_value());
  EXPECT_FALSE(seen[2].next_wait.has_value());
  EXPECT_EQ(clock_.waits(), std::vector<absl::Duration>({*seen[0].next_wait, *seen[1].next_wait}));
}

TEST_F(ClientTest, TheObserverTellsTheClientsSessionsApart) {
  auto client = NewClient(Options());
  auto first = client->ResumeSession("s-first", 1);
  auto second = client->ResumeSession("s-second", 1);
  ASSERT_TRUE(first->Push(Content(10)).ok());
  ASSERT_TRUE(second->Identify(v1::IdentifySessionRequest()).ok());
  absl::MutexLock lock(&mu_);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].rpc, "PushPayload");
  EXPECT_EQ(seen_[0].session_id, "s-first");
  EXPECT_EQ(seen_[1].rpc, "IdentifySession");
  EXPECT_EQ(seen_[1].session_id, "s-second");
}

TEST_F(ClientTest, ConcurrentPushesGetIdsOneToNWithoutGaps) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-ids", 1);
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  absl::Mutex ids_mu;
  std::vector<uint64_t> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<PushResult> result = session->Push(Content(50));
        ASSERT_TRUE(result.ok()) << result.status();
        absl::MutexLock lock(&ids_mu);
        ids.push_back(result->payload_id);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::sort(ids.begin(), ids.end());
  std::vector<uint64_t> sent;
  for (const RecordedCall& call : gateway_->calls("PushPayload")) sent.push_back(call.payload_id);
  std::sort(sent.begin(), sent.end());
  std::vector<uint64_t> expected(kThreads * kEach);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(sent, expected);
}

TEST_F(ClientTest, PushAsyncRunsEveryCallbackAndNeverHoldsMoreThanTheBudget) {
  ClientOptions options = Options();
  options.async_budget_bytes = 10000;
  options.max_async_calls = 100;
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-async", 1);
  gateway_->Hold(true);
  constexpr int kPushes = 20;
  absl::Mutex mu;
  std::vector<uint64_t> done_ids;
  int failures = 0;
  std::thread pusher([&] {
    for (int i = 0; i < kPushes; ++i) {
      session->PushAsync(Content(2990), {}, [&](absl::StatusOr<PushResult> result) {
        absl::MutexLock lock(&mu);
        if (result.ok()) {
          done_ids.push_back(result->payload_id);
        } else {
          ++failures;
        }
      });
    }
  });
  // Three payloads of ~3000 bytes fit in 10000; the fourth blocks the pusher.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (gateway_->held_calls() < 3 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(gateway_->held_calls(), 3);
  EXPECT_EQ(client->async_stats().calls_in_flight, 3);
  EXPECT_EQ(session->next_payload_id(), 4u);
  gateway_->Hold(false);
  pusher.join();
  {
    absl::MutexLock lock(&mu);
    const auto all_done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return static_cast<int>(done_ids.size()) + failures == kPushes;
    };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(20)));
    EXPECT_EQ(failures, 0);
    std::sort(done_ids.begin(), done_ids.end());
    EXPECT_EQ(done_ids.front(), 1u);
    EXPECT_EQ(done_ids.back(), static_cast<uint64_t>(kPushes));
  }
  // The budget is given back just after each callback returns.
  const absl::Time released_by = absl::Now() + absl::Seconds(20);
  while (client->async_stats().calls_in_flight > 0 && absl::Now() < released_by) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  const AsyncStats stats = client->async_stats();
  EXPECT_LE(stats.peak_bytes, 10000);
  EXPECT_GT(stats.peak_bytes, 6000);
  EXPECT_EQ(stats.peak_calls, 3);
  EXPECT_EQ(stats.bytes_in_flight, 0);
}

TEST_F(ClientTest, PushAsyncFailsFastWhenAskedAndTakesNoId) {
  ClientOptions options = Options();
  options.async_budget_bytes = 5000;
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-failfast", 1);
  gateway_->Hold(true);
  absl::Notification first_done;
  session->PushAsync(Content(3000), {}, [&](absl::StatusOr<PushResult> result) {
    EXPECT_TRUE(result.ok()) << result.status();
    first_done.Notify();
  });
  PushOptions fail_fast;
  fail_fast.fail_fast_when_full = true;
  absl::Status refused;
  bool called = false;
  session->PushAsync(Content(3000), fail_fast, [&](absl::StatusOr<PushResult> result) {
    called = true;
    refused = result.status();
  });
  ASSERT_TRUE(called);  // at once, on this thread
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("async budget is full"));
  EXPECT_EQ(session->next_payload_id(), 2u);
  gateway_->Hold(false);
  ASSERT_TRUE(first_done.WaitForNotificationWithTimeout(absl::Seconds(20)));
}

TEST_F(ClientTest, SessionCallsCarryTheSessionIdAndAreRetried) {
  auto client = NewClient(Options());
  auto session = client->ResumeSession("s-calls", 1);
  gateway_->Script("IdentifySession", {Status(grpc::StatusCode::UNAVAILABLE)});
  v1::IdentifySessionRequest identify;
  identify.set_user_identifier("ada@example.com");
  absl::StatusOr<v1::RecordPosition> position = session->Identify(identify);
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(position->offset(), 11);
  const std::vector<RecordedCall> calls = gateway_->calls("IdentifySession");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].session_id, "s-calls");
  EXPECT_EQ(calls[0].request_bytes, calls[1].request_bytes);

  v1::AddSessionPropertiesRequest properties;
  (*properties.mutable_properties())["plan"] = "pro";
  EXPECT_TRUE(session->AddProperties(properties).ok());
  EXPECT_EQ(gateway_->calls("AddSessionProperties").at(0).session_id, "s-calls");
  EXPECT_TRUE(session->AddFeedback({}).ok());
  EXPECT_EQ(gateway_->calls("AddSessionFeedback").at(0).session_id, "s-calls");

  v1::PushMetricsRequest metrics;
  metrics.add_metrics()->set_name("LCP");
  metrics.add_metrics()->set_session_id("other");
  absl::StatusOr<uint32_t> records = session->PushMetrics(metrics);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(*records, 2u);
  v1::PushMetricsRequest sent;
  ASSERT_TRUE(sent.ParseFromString(gateway_->calls("PushMetrics").at(0).request_bytes));
  EXPECT_EQ(sent.metrics(0).session_id(), "s-calls");
  EXPECT_EQ(sent.metrics(1).session_id(), "other");

  v1::PushBackendErrorsRequest errors;
  errors.add_errors()->set_event("boom");
  ASSERT_TRUE(client->PushBackendErrors(errors).ok());
  v1::PushBackendErrorsRequest sent_errors;
  ASSERT_TRUE(
      sent_errors.ParseFromString(gateway_->calls("PushBackendErrors").at(0).request_bytes));
  EXPECT_EQ(sent_errors.errors(0).session_id(), "");  // client-level: no session
  EXPECT_TRUE(client->PushMetrics(metrics).ok());
}

TEST_F(ClientTest, DestroyingTheClientEndsWaitingCallsWithCancelled) {
  ClientOptions options = Options();
  options.clock = nullptr;  // the system clock: a real 60 s wait
  auto client = NewClient(options);
  auto session = client->ResumeSession("s-shutdown", 1);
  gateway_->Script("PushPayload", {Pushback(60000)});
  absl::Notification done;
  absl::Status status;
  session->PushAsync(Content(10), {}, [&](absl::StatusOr<PushResult> result) {
    status = result.status();
    done.Notify();
  });
  // Wait until the first attempt was answered (the call now waits 60 s).
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (Seen(1).empty() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(Seen(1).size(), 1u);
  const absl::Time start = absl::Now();
  client.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  ASSERT_TRUE(done.HasBeenNotified());
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(status.message(), HasSubstr("is still yours to retry"));
  // The session outlives the client and fails cleanly.
  EXPECT_EQ(session->Push(Content(10)).status().code(), absl::StatusCode::kCancelled);
}

TEST_F(ClientTest, CreateRefusesInvalidOptions) {
  ClientOptions options = Options();
  options.targets.clear();
  EXPECT_EQ(Client::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = Options();
  options.api_key.clear();
  EXPECT_EQ(Client::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = Options();
  options.retry.max_attempts = -2;
  EXPECT_THAT(Client::Create(options).status().message(), HasSubstr("ClientOptions.retry"));
}

}  // namespace
}  // namespace ingest::client
