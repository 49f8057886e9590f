#include "tools/loadgen/load_runner.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

using client::testing::FakeClock;
using client::testing::FakeGateway;
using client::testing::RecordedCall;
using client::testing::Reply;

class RunLoadTest : public testing::Test {
 protected:
  void SetUp() override {
    gateway_ = FakeGateway::Start();
    ASSERT_NE(gateway_, nullptr);
  }
  ~RunLoadTest() override { std::fclose(null_); }

  SessionDriver MakeDriver(int payloads) {
    client::ClientOptions sdk;
    sdk.targets = {gateway_->address()};
    sdk.api_key = "sk_test";
    sdk.clock = &clock_;
    return SessionDriver({.payloads_per_session = payloads, .client = sdk}, factory_, ledger_,
                         console_);
  }

  // Polls `done` until it holds or 10 s pass; true if it held.
  static bool WaitFor(const std::function<bool()>& done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  std::unique_ptr<FakeGateway> gateway_;
  FakeClock clock_;
  const PayloadFactory factory_{{.seed = 1, .min_bytes = 1024, .max_bytes = 2048}};
  Ledger ledger_;
  // The drivers' retry and give-up lines are session_driver_test's business.
  std::FILE* null_ = std::fopen("/dev/null", "w");
  console::Console console_{null_, /*is_tty=*/false};
};

TEST_F(RunLoadTest, RunsEverySessionWithBoundedConcurrency) {
  constexpr int kSessions = 12, kPayloads = 3, kConcurrency = 3;
  SessionDriver driver = MakeDriver(kPayloads);
  // Payload calls wait at the gateway: every thread stops in its first
  // session's first push, so the sessions started show the pool's size.
  gateway_->Hold(true);
  LoadResult result;
  std::thread load([&] { result = RunLoad(driver, kSessions, kConcurrency); });
  const bool all_held = WaitFor([&] { return gateway_->held_calls() == kConcurrency; });
  EXPECT_TRUE(all_held) << gateway_->held_calls() << " calls held";
  EXPECT_EQ(gateway_->calls("InitializeSession").size(), static_cast<size_t>(kConcurrency));
  gateway_->Hold(false);
  load.join();

  EXPECT_EQ(result.sessions_started, kSessions);
  EXPECT_EQ(result.acked, kSessions * kPayloads);
  EXPECT_EQ(result.not_acked, 0);
  constexpr size_t kTotal = kSessions * kPayloads;
  EXPECT_EQ(ledger_.size(), kTotal);
  std::set<std::string> distinct;
  for (const RecordedCall& call : gateway_->calls("PushPayload")) {
    distinct.insert(absl::StrCat(call.session_id, "/", call.payload_id));
  }
  EXPECT_EQ(distinct.size(), kTotal);
}

TEST_F(RunLoadTest, CountsPayloadsOfFailedSessions) {
  gateway_->Script("InitializeSession",
                   {Reply{grpc::StatusCode::PERMISSION_DENIED, "no such project", {}}});
  SessionDriver driver = MakeDriver(4);
  const LoadResult result = RunLoad(driver, 3, 1);

  EXPECT_EQ(result.sessions_started, 2);
  EXPECT_EQ(result.acked, 8);
  EXPECT_EQ(result.not_acked, 4);
}

TEST_F(RunLoadTest, ZeroSessionsIsANoOp) {
  SessionDriver driver = MakeDriver(4);
  const LoadResult result = RunLoad(driver, 0, 4);
  EXPECT_EQ(result.acked, 0);
  EXPECT_TRUE(gateway_->calls("InitializeSession").empty());
}

}  // namespace
}  // namespace ingest::loadgen
