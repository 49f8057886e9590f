// The SDK behind a slow link: testing::SlowLink holds the fake gateway's
// first bytes on each connection for 500 ms, as a distant gateway (a TLS
// handshake is ~3 round trips) or a busy machine does. A call with a single
// attempt must still get through, in plaintext and over TLS: the channel's
// first connection has to be given more than the SDK's 100 ms reconnect
// backoff to finish TCP + TLS + the first HTTP/2 SETTINGS (gRPC takes
// GRPC_ARG_MIN_RECONNECT_BACKOFF_MS as that connect timeout, and the SDK
// once set it to 100 ms too). ClientOptions.connect_timeout is that timeout.

#include "client/cpp/testing/slow_link.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cpp/client.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace ingest::client {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kLinkDelay = absl::Milliseconds(500);

class SlowLinkTest : public ::testing::Test {
 protected:
  // A fake gateway (TLS with the test PKI's server certificate if `tls`)
  // behind a SlowLink.
  void StartGateway(bool tls) {
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (tls) {
      grpc::SslServerCredentialsOptions ssl;
      ssl.pem_key_cert_pairs.push_back(
          {ReadTestFile(TestPkiFile("server.key")), ReadTestFile(TestPkiFile("server.crt"))});
      credentials = grpc::SslServerCredentials(ssl);
    }
    gateway_ = testing::FakeGateway::Start(credentials);
    ASSERT_NE(gateway_, nullptr);
    link_ = testing::SlowLink::Start(gateway_->address(), kLinkDelay);
    ASSERT_NE(link_, nullptr);
  }

  ClientOptions Options(bool tls) {
    ClientOptions options;
    options.targets = {link_->address()};  // 127.0.0.1: the certificate's IP SAN
    options.api_key = "sk_slow_link_test_0123";
    options.call_deadline = absl::Seconds(10);
    options.retry.max_attempts = 1;  // the first connection has to do
    if (tls) options.tls.ca_file = TestPkiFile("ca.crt");
    return options;
  }

  // Starts a session through the link with one attempt and checks it went
  // through the link's delay.
  void StartsASessionInOneAttempt(bool tls) {
    StartGateway(tls);
    auto client = Client::Create(Options(tls));
    ASSERT_TRUE(client.ok()) << client.status();
    const absl::Time start = absl::Now();
    absl::StatusOr<std::unique_ptr<Session>> session = (*client)->StartSession();
    const absl::Duration took = absl::Now() - start;
    ASSERT_TRUE(session.ok()) << session.status() << " after " << took;
    EXPECT_GE(took, kLinkDelay) << "the call did not go through the slow link";
    EXPECT_GE(link_->connections(), 1);
    EXPECT_EQ(gateway_->calls("InitializeSession").size(), 1u);
  }

  // Destroyed in reverse: the link (its connections closed) before the
  // gateway.
  std::unique_ptr<testing::FakeGateway> gateway_;
  std::unique_ptr<testing::SlowLink> link_;
};

TEST_F(SlowLinkTest, PlaintextSessionStartsInOneAttempt) { StartsASessionInOneAttempt(false); }

TEST_F(SlowLinkTest, TlsSessionStartsInOneAttempt) { StartsASessionInOneAttempt(true); }

// The other side: connect_timeout is the connect timeout gRPC applies.
TEST_F(SlowLinkTest, AConnectTimeoutShorterThanTheHandshakeFailsTheAttempt) {
  StartGateway(/*tls=*/false);
  ClientOptions options = Options(/*tls=*/false);
  options.connect_timeout = absl::Milliseconds(200);
  auto client = Client::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<std::unique_ptr<Session>> session = (*client)->StartSession();
  EXPECT_EQ(session.status().code(), absl::StatusCode::kUnavailable) << session.status();
  EXPECT_THAT(session.status().message(), HasSubstr("timed out before receiving SETTINGS frame"));
  EXPECT_TRUE(gateway_->calls("InitializeSession").empty());
}

}  // namespace
}  // namespace ingest::client
