// The SDK against the real gateway binary and mock_kafka as processes: a
// session of payloads and a streamed one of several MiB, then the gateway
// stops, a push waits through the outage on the retry policy alone, and the
// gateway comes back on the same port.

#include <signal.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace ingest::client {
namespace {

using Process = ::ingest::ChildProcess;

constexpr char kApiKey[] = "sk_sdk_real_gateway_0123456789";

v1::PayloadContent Content(uint64_t n, size_t bytes) {
  v1::PayloadContent content;
  std::string events = absl::StrCat("[{\"type\":3,\"timestamp\":", 1700000000000 + n,
                                    ",\"data\":{\"pad\":\"");
  events.append(bytes, static_cast<char>('a' + n % 26));
  events.append("\"}}]");
  content.set_events(std::move(events));
  return content;
}

class RealGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Process> mock =
        Process::Start({RunfilePath("tools/mock_kafka/mock_kafka"), "--partitions=2"},
                       TestTempPath("mock_kafka"));
    ASSERT_TRUE(mock.ok()) << mock.status();
    mock_.emplace(std::move(*mock));
    std::optional<std::string> line = mock_->WaitForOutput("bootstrap=", false, absl::Seconds(30));
    ASSERT_TRUE(line.has_value()) << "mock_kafka did not print its bootstrap address";
    bootstrap_ = line->substr(line->find('=') + 1);
    keys_ = WriteTestTempFile("keys", absl::StrCat("sdk-project ", kApiKey, "\n"));
    secret_ = WriteTestTempFile("secret", "sdk-real-gateway-secret-0123456789\n");
    ASSERT_TRUE(StartGateway("127.0.0.1:0", "gateway1"));
  }

  // Starts the gateway on `address` and sets address_ to where it listens.
  bool StartGateway(const std::string& address, const std::string& log) {
    absl::StatusOr<Process> gateway = Process::Start(
        {RunfilePath("services/gateway/gateway"), "--grpc_address=" + address,
         "--metrics_address=127.0.0.1:0", "--kafka_bootstrap=" + bootstrap_,
         "--api_keys_file=" + keys_, "--session_secret_file=" + secret_,
         "--delivery_timeout=10s", "--shutdown_delay=0s", "--shutdown_grace=5s"},
        TestTempPath(log));
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    if (!gateway.ok()) return false;
    gateway_.emplace(std::move(*gateway));
    std::optional<std::string> line =
        gateway_->WaitForOutput("gateway.started", true, absl::Seconds(30));
    EXPECT_TRUE(line.has_value()) << "the gateway did not start; see " << TestTempPath(log) << ".err";
    if (!line.has_value()) return false;
    const size_t at = line->find(" port=") + 6;
    address_ = absl::StrCat("127.0.0.1:", line->substr(at, line->find(' ', at) - at));
    return true;
  }

  std::optional<Process> mock_;
  std::optional<Process> gateway_;
  std::string bootstrap_, keys_, secret_, address_;
};

TEST_F(RealGatewayTest, PushesAStreamAndKeepsGoingAcrossAGatewayRestart) {
  absl::Mutex mu;
  int unavailable = 0;
  int attempts = 0;
  ClientOptions options;
  options.targets = {address_};
  options.api_key = kApiKey;
  options.retry.max_backoff = absl::Seconds(1);  // a quick test; the contract is the same
  options.retry.max_elapsed = absl::Minutes(2);
  options.observer = [&](const AttemptInfo& info) {
    absl::MutexLock lock(&mu);
    ++attempts;
    if (info.status.code() == absl::StatusCode::kUnavailable) ++unavailable;
  };
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  v1::InitializeSessionRequest init;
  init.set_client_version("client-cpp-test");
  absl::StatusOr<std::unique_ptr<Session>> session = (*client)->StartSession(init);
  ASSERT_TRUE(session.ok()) << session.status();

  for (uint64_t id = 1; id <= 10; ++id) {
    absl::StatusOr<PushResult> result = (*session)->Push(Content(id, 10000));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->payload_id, id);
    EXPECT_FALSE(result->streamed);
  }
  absl::StatusOr<PushResult> streamed = (*session)->Push(Content(11, 6 << 20));
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_EQ(streamed->payload_id, 11u);
  EXPECT_TRUE(streamed->streamed);
  EXPECT_GT(streamed->last_offset, streamed->offset);  // several chunk records
  v1::AddSessionPropertiesRequest properties;
  (*properties.mutable_properties())["plan"] = "pro";
  ASSERT_TRUE((*session)->AddProperties(properties).ok());

  // The gateway goes away; pushes made meanwhile wait on the retry policy.
  const int unavailable_before = [&] {
    absl::MutexLock lock(&mu);
    return unavailable;
  }();
  ASSERT_EQ(gateway_->Stop(SIGTERM, absl::Seconds(20)), 0);
  std::vector<absl::StatusOr<PushResult>> during;
  std::thread pusher([&] {
    for (uint64_t n = 12; n <= 16; ++n) during.push_back((*session)->Push(Content(n, 20000)));
  });
  {
    absl::MutexLock lock(&mu);
    const auto refused = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return unavailable >= unavailable_before + 2;
    };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&refused), absl::Seconds(30)))
        << "the client never saw the gateway gone";
  }
  const std::string old_address = address_;
  ASSERT_TRUE(StartGateway(old_address, "gateway2"));
  ASSERT_EQ(address_, old_address);
  pusher.join();

  ASSERT_EQ(during.size(), 5u);
  for (uint64_t i = 0; i < during.size(); ++i) {
    ASSERT_TRUE(during[i].ok()) << during[i].status();
    EXPECT_EQ(during[i]->payload_id, 12 + i);
  }
  EXPECT_GT(during[0]->attempts, 1);
  absl::MutexLock lock(&mu);
  EXPECT_GE(unavailable, unavailable_before + 2);
  EXPECT_GT(attempts, 17);
}

}  // namespace
}  // namespace ingest::client
