// Why a certificate is refused, against the make_pki.sh certificates; and
// the certificate chain read from a real TLS server.
#include "services/broker_proxy/ingestctl/server_certificate.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/v1/admin.grpc.pb.h"
#include "tests/testing/test_pki.h"

namespace ingest::ingestctl {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Optional;
using ::testing::StartsWith;

std::string Pem(const std::string& name) { return ReadTestFile(TestPkiFile(name)); }

// After the test PKI was made (its certificates are valid from the second
// they were made on).
absl::Time Now() {
  TestPkiFile("ca.crt");
  return absl::Now();
}

TEST(ExplainCertificateRefusalTest, AnAcceptedCertificateHasNoReason) {
  EXPECT_EQ(ExplainCertificateRefusal(Pem("server.crt"), Pem("ca.crt"), "127.0.0.1", Now()),
            std::nullopt);
  EXPECT_EQ(ExplainCertificateRefusal(Pem("server.crt"), Pem("ca.crt"), "localhost", Now()),
            std::nullopt);
}

TEST(ExplainCertificateRefusalTest, AnotherCaNamesTheIssuer) {
  EXPECT_THAT(
      ExplainCertificateRefusal(Pem("other-server.crt"), Pem("ca.crt"), "127.0.0.1", Now()),
      Optional(std::string(
          "unable to get local issuer certificate (issuer CN=session-ingest local other-ca)")));
}

TEST(ExplainCertificateRefusalTest, AnExpiredCertificateSaysWhenItExpired) {
  EXPECT_THAT(
      ExplainCertificateRefusal(Pem("expired.crt"), Pem("ca.crt"), "127.0.0.1", Now()),
      Optional(MatchesRegex(
          "certificate has expired \\(not after [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\\)")));
}

TEST(ExplainCertificateRefusalTest, AnotherHostIsNamed) {
  EXPECT_THAT(ExplainCertificateRefusal(Pem("server.crt"), Pem("ca.crt"), "10.1.2.3", Now()),
              Optional(std::string("IP address mismatch (not for 10.1.2.3)")));
  EXPECT_THAT(ExplainCertificateRefusal(Pem("server.crt"), Pem("ca.crt"), "example.com", Now()),
              Optional(std::string("hostname mismatch (not for example.com)")));
}

TEST(ExplainCertificateRefusalTest, UnreadableInputHasNoReason) {
  EXPECT_EQ(ExplainCertificateRefusal("not pem", Pem("ca.crt"), "127.0.0.1", Now()), std::nullopt);
}

TEST(FetchServerCertificateChainTest, ReadsWhatTheServerPresents) {
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({Pem("expired.key"), Pem("expired.crt")});
  v1::BrokerProxy::Service service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  absl::StatusOr<std::string> chain =
      FetchServerCertificateChain(absl::StrCat("127.0.0.1:", port), absl::Seconds(10));
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_THAT(*chain, StartsWith("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(ExplainCertificateRefusal(*chain, Pem("ca.crt"), "127.0.0.1", Now()),
              Optional(HasSubstr("certificate has expired")));
  server->Shutdown();
}

TEST(FetchServerCertificateChainTest, NothingListeningIsUnavailable) {
  EXPECT_EQ(FetchServerCertificateChain("127.0.0.1:1", absl::Milliseconds(500)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest::ingestctl
