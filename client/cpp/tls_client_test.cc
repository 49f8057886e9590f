// The SDK over TLS (ClientOptions.tls), against a fake gateway serving
// certificates made by deploy/local/make_pki.sh: the gateway's CA is
// trusted, another CA is refused, and unusable TLS options fail Create with
// what to fix.

#include <string>

#include "absl/strings/str_cat.h"
#include "client/cpp/client.h"
#include "client/cpp/testing/fake_gateway.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace ingest::client {
namespace {

std::string Pki(const std::string& name) { return TestPkiFile(name); }
std::string Read(const std::string& path) { return ReadTestFile(path); }

class TlsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({Read(Pki("server.key")), Read(Pki("server.crt"))});
    gateway_ = testing::FakeGateway::Start(grpc::SslServerCredentials(ssl));
    ASSERT_NE(gateway_, nullptr);
  }

  ClientOptions Options(const std::string& ca) {
    ClientOptions options;
    options.targets = {gateway_->address()};  // 127.0.0.1: the certificate's IP SAN
    options.api_key = "sk_tls_client_test_0123";
    options.retry.max_attempts = 1;
    options.tls.ca_file = ca;
    return options;
  }

  std::unique_ptr<testing::FakeGateway> gateway_;
};

TEST_F(TlsClientTest, TrustsTheGatewaysCa) {
  auto client = Client::Create(Options(Pki("ca.crt")));
  ASSERT_TRUE(client.ok()) << client.status();
  auto session = (*client)->StartSession();
  EXPECT_TRUE(session.ok()) << session.status();
}

TEST_F(TlsClientTest, RefusesAGatewayOfAnotherCa) {
  auto client = Client::Create(Options(Pki("other-ca.crt")));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->StartSession().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(TlsClientTest, UnusableTlsOptionsSayWhatToFix) {
  const auto missing = Client::Create(Options(Pki("none.crt")));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("none.crt"), std::string::npos) << missing.status();

  ClientOptions half = Options(Pki("ca.crt"));
  half.tls.cert_file = Pki("client.crt");
  EXPECT_EQ(Client::Create(half).status().code(), absl::StatusCode::kInvalidArgument)
      << "a client certificate without its key";
}

}  // namespace
}  // namespace ingest::client
